package exec

import (
	"context"
	"fmt"
	"sync"

	"github.com/apache/arrow/go/v15/arrow/memory"
)

// DefaultBatchSize is the number of rows operators aim for in one batch.
// Each batch costs Arrow Go a few allocations per column (arrays, data,
// record validation), so batches are larger than the 1-2K rows of engines
// whose vectors are free to make: at SF1 the 22 TPC-H queries in memory
// took 19.5 s of CPU at 4096 rows, 17 s at 8192, 15 s at 16384 and 13.5 s
// at 32768, and 15 s again at 65536 (dataflow bench tpch --format memory).
const DefaultBatchSize = 32768

// Context is what a query's operators share while they run. It is created
// once per query by the engine and handed to every operator's Open. Its
// fields are read-only after the query starts; Budget and Metrics are safe
// for concurrent use.
type Context struct {
	// Ctx carries cancellation and deadlines. Long loops check Err.
	Ctx context.Context
	// Alloc allocates every buffer the query's operators build.
	Alloc memory.Allocator
	// Budget bounds the memory that buffering operators (sort, hash
	// aggregate, hash join, distinct) may hold. Nil means unlimited.
	Budget *Budget
	// BatchSize is the target number of rows per produced batch.
	BatchSize int
	// Parallelism is the number of goroutines a parallel plan may use.
	Parallelism int
}

// NewContext returns a Context with defaults: the Go allocator, no memory
// limit, DefaultBatchSize and a parallelism of 1.
func NewContext(ctx context.Context, alloc memory.Allocator) *Context {
	if ctx == nil {
		ctx = context.Background()
	}
	if alloc == nil {
		alloc = memory.DefaultAllocator
	}
	return &Context{Ctx: ctx, Alloc: alloc, BatchSize: DefaultBatchSize, Parallelism: 1}
}

// Err reports ErrCanceled (wrapping the context's cause) once the query's
// context is done, and nil before.
func (c *Context) Err() error {
	if c == nil || c.Ctx == nil {
		return nil
	}
	if err := c.Ctx.Err(); err != nil {
		return fmt.Errorf("%w: %v", ErrCanceled, context.Cause(c.Ctx))
	}
	return nil
}

// batchSize returns the configured batch size or the default.
func (c *Context) batchSize() int {
	if c == nil || c.BatchSize <= 0 {
		return DefaultBatchSize
	}
	return c.BatchSize
}

// Budget is a query's memory allowance. Operators that buffer data reserve
// bytes before holding them and give them back when they free them. A
// Budget is safe for concurrent use. The zero value is unusable; use
// NewBudget. A nil *Budget is unlimited.
type Budget struct {
	mu    sync.Mutex
	limit int64
	used  int64
	peak  int64
}

// NewBudget returns a budget of limit bytes; limit <= 0 means unlimited
// (usage is still tracked, so Peak stays meaningful).
func NewBudget(limit int64) *Budget { return &Budget{limit: limit} }

// Reserve claims n more bytes on behalf of the named operator. It fails
// with ErrMemoryLimit, naming the operator, the request and the limit,
// when the claim would exceed the budget; nothing is reserved then.
func (b *Budget) Reserve(op string, n int64) error {
	if b == nil || n <= 0 {
		return nil
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.limit > 0 && b.used+n > b.limit {
		return fmt.Errorf("%w: %s needs %s more but the query has %s of its %s budget left (raise the limit with the memory_limit setting)",
			ErrMemoryLimit, op, FormatBytes(n), FormatBytes(b.limit-b.used), FormatBytes(b.limit))
	}
	b.used += n
	if b.used > b.peak {
		b.peak = b.used
	}
	return nil
}

// Free returns n bytes previously reserved.
func (b *Budget) Free(n int64) {
	if b == nil || n <= 0 {
		return
	}
	b.mu.Lock()
	b.used -= n
	if b.used < 0 {
		b.used = 0
	}
	b.mu.Unlock()
}

// Used reports the bytes currently reserved.
func (b *Budget) Used() int64 {
	if b == nil {
		return 0
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.used
}

// Peak reports the largest reservation held at any one time.
func (b *Budget) Peak() int64 {
	if b == nil {
		return 0
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.peak
}

// Limit reports the budget's limit in bytes (0 when unlimited).
func (b *Budget) Limit() int64 {
	if b == nil {
		return 0
	}
	return b.limit
}

// FormatBytes renders a byte count for people: 512 B, 1.5 KiB, 3.2 MiB.
func FormatBytes(n int64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %ciB", float64(n)/float64(div), "KMGTPE"[exp])
}

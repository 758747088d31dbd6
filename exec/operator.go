package exec

import (
	"github.com/apache/arrow/go/v15/arrow"
)

// Operator is a pull-based producer of record batches.
//
// The contract:
//   - Open is called once before the first Next. It receives the query's
//     [Context], which carries the allocator, the memory budget and
//     cancellation. An operator opens its children from its own Open.
//   - Next returns the next non-nil batch, or (nil, io.EOF) at the end of
//     the stream. It may return empty (zero-row) batches. After io.EOF or
//     an error, every further call returns the same outcome: calling Next
//     after EOF is legal and returns (nil, io.EOF) again.
//   - Ownership: the caller owns the returned record and must Release it
//     exactly once. A record stays valid until the caller releases it, no
//     matter how many further Next calls are made. An operator that
//     forwards a child's batch unchanged simply passes ownership on.
//   - Schema describes every batch Next returns and is valid before Open.
//   - Close releases every resource the operator holds (buffered batches,
//     hash tables, reservations against the memory budget) and closes its
//     children. Close is idempotent, may be called without Open or in the
//     middle of the stream, and returns the first error it met.
//   - An operator is used by one goroutine at a time; operators that run
//     children concurrently (see NewGather) hide that behind this contract.
type Operator interface {
	Schema() *arrow.Schema
	Open(ctx *Context) error
	Next() (arrow.Record, error)
	Close() error
}

// nextNonEmpty pulls child's next batch that has rows, checking for
// cancellation before each pull. It returns (nil, io.EOF) at the end.
// Buffering operators (sort, top-N, the hash-join build) drain their
// input with it.
func nextNonEmpty(ctx *Context, child Operator) (arrow.Record, error) {
	for {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		rec, err := child.Next()
		if err != nil {
			return nil, err
		}
		if rec.NumRows() > 0 {
			return rec, nil
		}
		rec.Release()
	}
}

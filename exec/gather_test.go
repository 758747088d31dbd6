package exec_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"runtime"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/apache/arrow/go/v15/arrow"
	"github.com/apache/arrow/go/v15/arrow/array"
	"github.com/apache/arrow/go/v15/arrow/memory"

	"github.com/dataflow-go/dataflow/exec"
	"github.com/dataflow-go/dataflow/exec/exectest"
)

// opsCheckGoroutines fails the test when, after a grace period, more
// goroutines run than before the test started: the manual form of a
// goleak check.
func opsCheckGoroutines(t *testing.T) func() {
	t.Helper()
	before := runtime.NumGoroutine()
	return func() {
		t.Helper()
		deadline := time.Now().Add(2 * time.Second)
		for runtime.NumGoroutine() > before {
			if time.Now().After(deadline) {
				buf := make([]byte, 1<<16)
				t.Fatalf("%d goroutines leaked:\n%s", runtime.NumGoroutine()-before, buf[:runtime.Stack(buf, true)])
			}
			time.Sleep(5 * time.Millisecond)
		}
	}
}

func TestGather(t *testing.T) {
	defer opsCheckGoroutines(t)()
	a := exectest.Schema("x:int64", "s:utf8")
	b := exectest.Schema("y:int64", "t:utf8")
	var ra, rb, rc exectest.Rows
	for i := 0; i < 40; i++ {
		ra = append(ra, []string{strconv.Itoa(i), "a" + strconv.Itoa(i)})
		rb = append(rb, []string{strconv.Itoa(100 + i), "b"})
		if i%4 == 0 {
			rc = append(rc, []string{"NULL", "c" + strconv.Itoa(i)})
		}
	}
	concat := func(in []exectest.Rows) (exectest.Rows, error) {
		var out exectest.Rows
		for _, r := range in {
			out = append(out, r...)
		}
		return out, nil
	}
	want, _ := concat([]exectest.Rows{ra, rb, rc})
	exectest.Run(t, exectest.Case{
		Name:   "three inputs",
		Inputs: []exectest.Input{{Schema: a, Rows: ra}, {Schema: b, Rows: rb}, {Schema: a, Rows: rc}},
		Build: func(ch []exec.Operator) (exec.Operator, error) {
			return exec.NewGather(ch)
		},
		Expected:  want,
		Reference: concat,
	})
	exectest.Run(t, exectest.Case{
		Name:   "one empty input",
		Inputs: []exectest.Input{{Schema: a, Rows: ra}, {Schema: a}},
		Build: func(ch []exec.Operator) (exec.Operator, error) {
			return exec.NewGather(ch)
		},
		Expected: ra,
	})
	exectest.Run(t, exectest.Case{
		Name:   "error in one input",
		Inputs: []exectest.Input{{Schema: a, Rows: ra}, {Schema: b, Rows: rb}},
		Build: func(ch []exec.Operator) (exec.Operator, error) {
			src := ch[1].(*exectest.Source)
			src.NextErr, src.ErrAt = fmt.Errorf("%w: partition 2 unreadable", exec.ErrExec), 1
			return exec.NewGather(ch)
		},
		ExpectErr: "partition 2 unreadable",
	})
	// Under a limit the gather is closed mid-stream with batches buffered
	// and producers blocked on a full buffer.
	exectest.Run(t, exectest.Case{
		Name:   "early close under a limit",
		Inputs: []exectest.Input{{Schema: a, Rows: ra}, {Schema: b, Rows: rb}, {Schema: a, Rows: ra}},
		Build: func(ch []exec.Operator) (exec.Operator, error) {
			g, err := exec.NewGather(ch)
			if err != nil {
				return nil, err
			}
			return &opsRowCount{child: exec.NewLimit(g, 0, 3)}, nil
		},
		Expected: exectest.R("3"),
	})
	if _, err := exec.NewGather([]exec.Operator{exectest.NewSource(a, nil), exectest.NewSource(exectest.Schema("x:utf8", "s:utf8"), nil)}); !errors.Is(err, exec.ErrType) {
		t.Errorf("mismatched inputs: got %v, want ErrType", err)
	}
}

// opsEndless produces one-row batches until it is closed, each one
// allocated from the query's allocator.
type opsEndless struct {
	schema *arrow.Schema
	mem    memory.Allocator
	n      atomic.Int64
	block  chan struct{} // when set, Next waits for it or for cancellation
	ctx    *exec.Context
	panics bool
}

func (e *opsEndless) Schema() *arrow.Schema { return e.schema }
func (e *opsEndless) Open(ctx *exec.Context) error {
	e.mem, e.ctx = ctx.Alloc, ctx
	return nil
}
func (e *opsEndless) Close() error { return nil }
func (e *opsEndless) Next() (arrow.Record, error) {
	if e.panics {
		panic("opsEndless: boom")
	}
	if e.block != nil {
		select {
		case <-e.block:
		case <-e.ctx.Ctx.Done():
			return nil, e.ctx.Err()
		}
	}
	b := array.NewInt64Builder(e.mem)
	defer b.Release()
	b.Append(e.n.Add(1))
	col := b.NewArray()
	defer col.Release()
	return array.NewRecord(e.schema, []arrow.Array{col}, 1), nil
}

// TestGatherFirstErrorStopsOthers has endless inputs beside a failing one:
// the failure must surface and Close must stop the endless producers.
func TestGatherFirstErrorStopsOthers(t *testing.T) {
	defer opsCheckGoroutines(t)()
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	schema := exectest.Schema("x:int64")
	bad := exectest.NewSource(schema, nil)
	bad.NextErr, bad.ErrAt = errors.New("input 3 failed"), 0
	g, err := exec.NewGather([]exec.Operator{&opsEndless{schema: schema}, &opsEndless{schema: schema}, bad})
	if err != nil {
		t.Fatal(err)
	}
	if err := g.Open(exec.NewContext(nil, mem)); err != nil {
		t.Fatal(err)
	}
	for i := 0; ; i++ {
		r, err := g.Next()
		if err != nil {
			if err.Error() != "input 3 failed" {
				t.Fatalf("got %v", err)
			}
			break
		}
		r.Release()
		if i > 1_000_000 {
			t.Fatal("the failing input's error never arrived")
		}
	}
	if _, err := g.Next(); err == nil || err.Error() != "input 3 failed" {
		t.Fatalf("error is not sticky: %v", err)
	}
	if err := g.Close(); err != nil {
		t.Fatal(err)
	}
}

func TestGatherCancel(t *testing.T) {
	defer opsCheckGoroutines(t)()
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	schema := exectest.Schema("x:int64")
	block := make(chan struct{})
	g, err := exec.NewGather([]exec.Operator{&opsEndless{schema: schema, block: block}, &opsEndless{schema: schema, block: block}})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	qctx := exec.NewContext(ctx, mem)
	if err := g.Open(qctx); err != nil {
		t.Fatal(err)
	}
	time.AfterFunc(20*time.Millisecond, cancel)
	if _, err := g.Next(); !errors.Is(err, exec.ErrCanceled) {
		t.Fatalf("got %v, want ErrCanceled", err)
	}
	if err := g.Close(); err != nil {
		t.Fatal(err)
	}
}

func TestGatherPanickingInput(t *testing.T) {
	defer opsCheckGoroutines(t)()
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	schema := exectest.Schema("x:int64")
	g, err := exec.NewGather([]exec.Operator{&opsEndless{schema: schema}, &opsEndless{schema: schema, panics: true}})
	if err != nil {
		t.Fatal(err)
	}
	_, err = exectest.Drain(exec.NewContext(nil, mem), g)
	if !errors.Is(err, exec.ErrInternal) {
		t.Fatalf("got %v, want ErrInternal", err)
	}
}

// TestGatherCloseWithoutNext closes right after Open, with producers
// running and the buffer filling.
func TestGatherCloseWithoutNext(t *testing.T) {
	defer opsCheckGoroutines(t)()
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	schema := exectest.Schema("x:int64")
	g, err := exec.NewGather([]exec.Operator{&opsEndless{schema: schema}, &opsEndless{schema: schema}, &opsEndless{schema: schema}})
	if err != nil {
		t.Fatal(err)
	}
	if err := g.Open(exec.NewContext(nil, mem)); err != nil {
		t.Fatal(err)
	}
	time.Sleep(5 * time.Millisecond)
	if err := g.Close(); err != nil {
		t.Fatal(err)
	}
	if err := g.Close(); err != nil {
		t.Fatal(err)
	}
	// Closing a gather that was never opened closes its inputs only.
	g2, _ := exec.NewGather([]exec.Operator{exectest.NewSource(schema, nil)})
	if err := g2.Close(); err != nil {
		t.Fatal(err)
	}
}

// opsBusyFilter is a pipeline stage with real per-batch work, for the
// gather benchmark: it filters with the opsLessExpr predicate.
func BenchmarkGather(b *testing.B) {
	const n = 1 << 20
	schema, recs := opsInt64Records(n, exec.DefaultBatchSize, func(i int) int64 { return int64(i % 1000) })
	defer func() {
		for _, r := range recs {
			r.Release()
		}
	}()
	want := int64(0)
	for i := 0; i < n; i++ {
		if i%1000 < 500 {
			want++
		}
	}
	ctx := exec.NewContext(nil, memory.DefaultAllocator)
	for _, pipelines := range []int{1, 2} {
		b.Run(fmt.Sprintf("pipelines=%d", pipelines), func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				parts := make([]exec.Operator, pipelines)
				per := (len(recs) + pipelines - 1) / pipelines
				for p := range parts {
					lo, hi := min(p*per, len(recs)), min((p+1)*per, len(recs))
					f, err := exec.NewFilter(opsReplay(schema, recs[lo:hi]), opsLessExpr{col: 0, limit: 500})
					if err != nil {
						b.Fatal(err)
					}
					parts[p] = f
				}
				g, err := exec.NewGather(parts)
				if err != nil {
					b.Fatal(err)
				}
				if got := opsDrainCount(b, ctx, g); got != want {
					b.Fatalf("got %d rows", got)
				}
			}
			b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
		})
	}
}

// opsRowCount is a test operator returning one row: how many rows its
// child produced. It makes nondeterministic row choices checkable.
type opsRowCount struct {
	child exec.Operator
	mem   memory.Allocator
	done  bool
}

func (c *opsRowCount) Schema() *arrow.Schema { return exectest.Schema("n:int64") }
func (c *opsRowCount) Open(ctx *exec.Context) error {
	c.mem = ctx.Alloc
	return c.child.Open(ctx)
}
func (c *opsRowCount) Close() error { return c.child.Close() }
func (c *opsRowCount) Next() (arrow.Record, error) {
	if c.done {
		return nil, io.EOF
	}
	var n int64
	for {
		r, err := c.child.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
		n += r.NumRows()
		r.Release()
	}
	c.done = true
	return exectest.BuildRecord(c.mem, c.Schema(), exectest.R(strconv.FormatInt(n, 10)))
}

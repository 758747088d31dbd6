package exec_test

import (
	"errors"
	"sync"
	"testing"

	"github.com/apache/arrow/go/v15/arrow"
	"github.com/apache/arrow/go/v15/arrow/memory"

	"github.com/dataflow-go/dataflow/exec"
	"github.com/dataflow-go/dataflow/exec/exectest"
)

// countingOp counts how often its input is opened.
type countingOp struct {
	exec.Operator
	opens int
}

func (c *countingOp) Open(ctx *exec.Context) error {
	c.opens++
	return c.Operator.Open(ctx)
}

// TestShared checks that the readers of a Shared see every row of the
// input, computed once, concurrently, with the memory reserved while they
// read and freed after the last closes.
func TestShared(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	schema := exectest.Schema("x:int64", "s:utf8")
	rows := exectest.R("1|a", "NULL|b", "3|NULL", "4|d", "5|e")
	recs, err := exectest.MakeRecords(mem, schema, rows, 2, true)
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		for _, r := range recs {
			r.Release()
		}
	}()
	src := &countingOp{Operator: exec.NewRecordSource(schema, recs)}
	sh := exec.NewShared(src)
	readers := []exec.Operator{sh.Reader(), sh.Reader(), sh.Reader()}
	ctx := exec.NewContext(nil, mem)
	ctx.Budget = exec.NewBudget(0)
	var wg sync.WaitGroup
	got := make([]exectest.Rows, len(readers))
	errs := make([]error, len(readers))
	for i, r := range readers[:2] {
		wg.Add(1)
		go func() {
			defer wg.Done()
			got[i], errs[i] = exectest.Drain(ctx, r)
		}()
	}
	wg.Wait()
	for i := range 2 {
		if errs[i] != nil {
			t.Fatal(errs[i])
		}
		if d := exectest.Diff(rows, got[i], true); d != "" {
			t.Fatalf("reader %d: %s", i, d)
		}
	}
	if src.opens != 1 {
		t.Fatalf("input opened %d times, want once", src.opens)
	}
	if ctx.Budget.Used() == 0 {
		t.Fatal("no memory reserved while a reader is open")
	}
	// The third reader closes without reading: the last one frees it all.
	if err := readers[2].Close(); err != nil {
		t.Fatal(err)
	}
	if u := ctx.Budget.Used(); u != 0 {
		t.Fatalf("%d bytes still reserved after the last reader closed", u)
	}
}

// TestSharedError checks that every reader sees the input's error.
func TestSharedError(t *testing.T) {
	boom := errors.New("boom")
	sh := exec.NewShared(failingOp{err: boom})
	a, b := sh.Reader(), sh.Reader()
	ctx := exec.NewContext(nil, memory.NewGoAllocator())
	for _, r := range []exec.Operator{a, b} {
		err := r.Open(ctx)
		if err == nil {
			_, err = r.Next()
		}
		if !errors.Is(err, boom) {
			t.Fatalf("reader error %v, want %v", err, boom)
		}
		r.Close()
	}
}

type failingOp struct{ err error }

func (f failingOp) Schema() *arrow.Schema       { return exectest.Schema("x:int64") }
func (f failingOp) Open(*exec.Context) error    { return nil }
func (f failingOp) Next() (arrow.Record, error) { return nil, f.err }
func (f failingOp) Close() error                { return nil }

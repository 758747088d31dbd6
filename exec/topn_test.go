package exec_test

import (
	"errors"
	"fmt"
	"math/rand"
	"strconv"
	"testing"

	"github.com/apache/arrow/go/v15/arrow"
	"github.com/apache/arrow/go/v15/arrow/memory"

	"github.com/dataflow-go/dataflow/exec"
	"github.com/dataflow-go/dataflow/exec/exectest"
)

// opsTopNRef is Sort followed by Limit over text rows.
func opsTopNRef(types []string, specs []opsKeySpec, offset, n int) func([]exectest.Rows) (exectest.Rows, error) {
	return func(in []exectest.Rows) (exectest.Rows, error) {
		sorted, _ := opsSortRef(types, specs)(in)
		start := min(offset, len(sorted))
		return sorted[start:min(len(sorted), start+n)], nil
	}
}

func TestTopN(t *testing.T) {
	rows := opsSortRows(300, 5)
	cases := []struct {
		specs     []opsKeySpec
		offset, n int
	}{
		{[]opsKeySpec{{col: 3}}, 0, 10},
		{[]opsKeySpec{{col: 4, desc: true}}, 0, 1},
		{[]opsKeySpec{{col: 6, nullsFirst: true}, {col: 5, desc: true}}, 5, 20},
		{[]opsKeySpec{{col: 1}, {col: 7}}, 0, 0},
		{[]opsKeySpec{{col: 2, desc: true, nullsFirst: true}}, 290, 50},
		{[]opsKeySpec{{col: 8}}, 0, 1000},
		{[]opsKeySpec{{col: 5}}, 100, 120},
	}
	for _, c := range cases {
		ref := opsTopNRef(opsSortTypes, c.specs, c.offset, c.n)
		want, _ := ref([]exectest.Rows{rows})
		exectest.Run(t, exectest.Case{
			Name:   fmt.Sprintf("%s offset=%d n=%d", opsSpecName(opsSortSchema, c.specs), c.offset, c.n),
			Inputs: []exectest.Input{{Schema: opsSortSchema, Rows: rows}},
			Build: func(ch []exec.Operator) (exec.Operator, error) {
				return exec.NewTopN(ch[0], opsSortKeys(opsSortSchema, c.specs), int64(c.offset), int64(c.n))
			},
			Expected:  want,
			Ordered:   true,
			Reference: ref,
		})
	}
	exectest.Run(t, exectest.Case{
		Name:   "empty input",
		Inputs: []exectest.Input{{Schema: opsSortSchema}},
		Build: func(ch []exec.Operator) (exec.Operator, error) {
			return exec.NewTopN(ch[0], opsSortKeys(opsSortSchema, []opsKeySpec{{col: 2}}), 0, 5)
		},
	})
}

// TestTopNProperty compares top-N with a sort followed by a limit, both
// run by the engine, on random inputs, keys and bounds.
func TestTopNProperty(t *testing.T) {
	rng := rand.New(rand.NewSource(11))
	for trial := 0; trial < 25; trial++ {
		rows := opsSortRows(1+rng.Intn(900), int64(100+trial))
		var specs []opsKeySpec
		for k := 0; k < 1+rng.Intn(3); k++ {
			specs = append(specs, opsKeySpec{col: 1 + rng.Intn(len(opsSortTypes)-1), desc: rng.Intn(2) == 0, nullsFirst: rng.Intn(2) == 0})
		}
		offset, n := int64(rng.Intn(50)), int64(rng.Intn(100))
		bs := []int{1, 7, 64, 1024}[rng.Intn(4)]
		run := func(build func(exec.Operator) (exec.Operator, error)) exectest.Rows {
			mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
			defer mem.AssertSize(t, 0)
			recs, err := exectest.MakeRecords(mem, opsSortSchema, rows, bs, trial%2 == 0)
			if err != nil {
				t.Fatal(err)
			}
			op, err := build(exectest.NewSource(opsSortSchema, recs))
			if err != nil {
				t.Fatal(err)
			}
			ctx := exec.NewContext(nil, mem)
			ctx.BatchSize = max(bs, 2)
			got, err := exectest.Drain(ctx, op)
			if err != nil {
				t.Fatal(err)
			}
			return got
		}
		keys := opsSortKeys(opsSortSchema, specs)
		got := run(func(c exec.Operator) (exec.Operator, error) { return exec.NewTopN(c, keys, offset, n) })
		want := run(func(c exec.Operator) (exec.Operator, error) {
			s, err := exec.NewSort(c, keys)
			if err != nil {
				return nil, err
			}
			return exec.NewLimit(s, offset, n), nil
		})
		if d := exectest.Diff(want, got, true); d != "" {
			t.Fatalf("trial %d (%s, offset %d, n %d, batch %d): %s", trial, opsSpecName(opsSortSchema, specs), offset, n, bs, d)
		}
	}
}

// TestTopNBoundedMemory checks that top-N holds O(n) rows, not its input.
func TestTopNBoundedMemory(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	schema := exectest.Schema("x:int64", "s:utf8")
	rng := rand.New(rand.NewSource(1))
	var rows exectest.Rows
	for i := 0; i < 50000; i++ {
		rows = append(rows, []string{strconv.FormatInt(rng.Int63n(1e9), 10), "some payload text " + strconv.Itoa(i)})
	}
	recs, err := exectest.MakeRecords(mem, schema, rows, 1000, false)
	if err != nil {
		t.Fatal(err)
	}
	var input int64
	for _, r := range recs {
		for _, c := range r.Columns() {
			for _, b := range c.Data().Buffers() {
				if b != nil {
					input += int64(b.Len())
				}
			}
		}
	}
	op, err := exec.NewTopN(exectest.NewSource(schema, recs), []exec.SortKey{{Expr: exec.NewColumn(0, "x", arrow.PrimitiveTypes.Int64)}}, 0, 10)
	if err != nil {
		t.Fatal(err)
	}
	ctx := exec.NewContext(nil, mem)
	ctx.BatchSize = 1000
	ctx.Budget = exec.NewBudget(0)
	got, err := exectest.Drain(ctx, op)
	if err != nil || len(got) != 10 {
		t.Fatalf("%d rows, %v", len(got), err)
	}
	if peak := ctx.Budget.Peak(); peak > input/10 {
		t.Fatalf("top-10 held %d bytes at its peak, more than a tenth of its %d-byte input", peak, input)
	}
	if ctx.Budget.Used() != 0 {
		t.Fatalf("budget still holds %d bytes", ctx.Budget.Used())
	}
}

func TestTopNErrors(t *testing.T) {
	schema := exectest.Schema("x:int64", "s:utf8")
	key := []exec.SortKey{{Expr: exec.NewColumn(0, "x", arrow.PrimitiveTypes.Int64)}}
	if _, err := exec.NewTopN(exectest.NewSource(schema, nil), key, 0, -1); !errors.Is(err, exec.ErrInternal) {
		t.Errorf("negative n: got %v", err)
	}
	if _, err := exec.NewTopN(exectest.NewSource(schema, nil), []exec.SortKey{{Expr: opsRowNull(arrow.FixedWidthTypes.MonthDayNanoInterval)}}, 0, 1); !errors.Is(err, exec.ErrType) {
		t.Errorf("interval key: got %v", err)
	}
	exectest.Run(t, exectest.Case{
		Name:   "child error",
		Inputs: []exectest.Input{{Schema: schema, Rows: opsSeqRows(30)}},
		Build: func(ch []exec.Operator) (exec.Operator, error) {
			src := ch[0].(*exectest.Source)
			src.NextErr, src.ErrAt = errors.New("lost the shard"), 1
			return exec.NewTopN(src, key, 0, 3)
		},
		ExpectErr: "lost the shard",
	})
	exectest.Run(t, exectest.Case{
		Name:        "memory limit",
		Inputs:      []exectest.Input{{Schema: schema, Rows: opsSeqRows(2000)}},
		Build:       func(ch []exec.Operator) (exec.Operator, error) { return exec.NewTopN(ch[0], key, 0, 1500) },
		MemoryLimit: 8 << 10,
		ExpectErr:   "memory limit exceeded: top-n needs",
	})
}

func BenchmarkTopN(b *testing.B) {
	const n = 1 << 20
	rng := rand.New(rand.NewSource(1))
	schema, recs := opsInt64Records(n, exec.DefaultBatchSize, func(int) int64 { return rng.Int63() })
	defer func() {
		for _, r := range recs {
			r.Release()
		}
	}()
	ctx := exec.NewContext(nil, memory.DefaultAllocator)
	keys := []exec.SortKey{{Expr: exec.NewColumn(0, "x", arrow.PrimitiveTypes.Int64)}}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		op, err := exec.NewTopN(opsReplay(schema, recs), keys, 0, 10)
		if err != nil {
			b.Fatal(err)
		}
		if got := opsDrainCount(b, ctx, op); got != 10 {
			b.Fatalf("got %d rows", got)
		}
	}
	b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
}

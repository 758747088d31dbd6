package exec_test

import (
	"errors"
	"strconv"
	"testing"

	"github.com/apache/arrow/go/v15/arrow"
	"github.com/apache/arrow/go/v15/arrow/memory"
	"github.com/apache/arrow/go/v15/arrow/scalar"

	"github.com/dataflow-go/dataflow/exec"
	"github.com/dataflow-go/dataflow/exec/exectest"
)

func TestProject(t *testing.T) {
	schema := exectest.Schema("x:int64", "s:utf8", "d:decimal(15,2)")
	rows := exectest.R("1|a|1.50", "NULL|b|NULL", "-3|NULL|2.25", "4|dd|0.00")
	ref := func(in []exectest.Rows) (exectest.Rows, error) {
		var out exectest.Rows
		for _, r := range in[0] {
			neg := "NULL"
			if v, ok := opsAtoi(r[0]); ok {
				neg = strconv.FormatInt(-v, 10)
			}
			out = append(out, []string{r[2], neg, "7", r[0], "NULL"})
		}
		return out, nil
	}
	want, _ := ref([]exectest.Rows{rows})
	exectest.Run(t, exectest.Case{
		Name:   "columns, computed, literals",
		Inputs: []exectest.Input{{Schema: schema, Rows: rows}},
		Build: func(ch []exec.Operator) (exec.Operator, error) {
			return exec.NewProject(ch[0], []exec.Expr{
				exec.NewColumn(2, "d", schema.Field(2).Type),
				opsNeg(0),
				exec.NewLiteral(scalar.NewInt64Scalar(7)),
				exec.NewColumn(0, "x", arrow.PrimitiveTypes.Int64),
				exec.NewLiteral(scalar.MakeNullScalar(arrow.BinaryTypes.String)),
			}, []string{"price", "minus_x", "seven", "", "nothing"})
		},
		Expected:  want,
		Ordered:   true,
		Reference: ref,
	})
	exectest.Run(t, exectest.Case{
		Name:   "expression error",
		Inputs: []exectest.Input{{Schema: schema, Rows: rows}},
		Build: func(ch []exec.Operator) (exec.Operator, error) {
			e := opsNeg(0)
			e.calls, e.failAfter = new(int), 1
			return exec.NewProject(ch[0], []exec.Expr{e}, []string{"n"})
		},
		ExpectErr: "failed on purpose",
	})
	exectest.Run(t, exectest.Case{
		Name:   "child error",
		Inputs: []exectest.Input{{Schema: schema, Rows: rows}},
		Build: func(ch []exec.Operator) (exec.Operator, error) {
			src := ch[0].(*exectest.Source)
			src.NextErr, src.ErrAt = errors.New("scan broke"), 1
			return exec.NewProject(src, []exec.Expr{opsNeg(0)}, []string{"n"})
		},
		ExpectErr: "scan broke",
	})
}

func TestProjectSchemaAndZeroCopy(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	schema := exectest.Schema("x:int64", "s:utf8")
	in, err := exectest.BuildRecord(mem, schema, exectest.R("1|a", "2|b"))
	if err != nil {
		t.Fatal(err)
	}
	defer in.Release()
	op, err := exec.NewProject(exec.NewRecordSource(schema, []arrow.Record{in}),
		[]exec.Expr{exec.NewColumn(1, "s", arrow.BinaryTypes.String), opsNeg(0)}, []string{"label", ""})
	if err != nil {
		t.Fatal(err)
	}
	if got := op.Schema().String(); got != "schema:\n  fields: 2\n    - label: type=utf8, nullable\n    - neg: type=int64, nullable" {
		t.Fatalf("schema:\n%s", got)
	}
	if err := op.Open(exec.NewContext(nil, mem)); err != nil {
		t.Fatal(err)
	}
	out, err := op.Next()
	if err != nil {
		t.Fatal(err)
	}
	if out.Column(0).Data() != in.Column(1).Data() {
		t.Error("column pass-through copied the column")
	}
	out.Release()
	op.Close()

	if _, err := exec.NewProject(exec.NewRecordSource(schema, nil), []exec.Expr{opsNeg(0)}, nil); !errors.Is(err, exec.ErrInternal) {
		t.Errorf("names/exprs mismatch: got %v", err)
	}
}

// TestProjectPassesFilterSelection runs filter -> project -> aggregate,
// where the projection hands the filter's selection on to the aggregate
// instead of copied rows, against filtering, computing and summing text
// rows; the divisor is zero only in rows the filter rejects, so
// computing the whole batch must not fail the query.
func TestProjectPassesFilterSelection(t *testing.T) {
	s := exectest.Schema("g:int64", "v:int64", "d:int64")
	c := func(i int) exec.Expr { return exec.NewColumn(i, s.Field(i).Name, s.Field(i).Type) }
	var rows exectest.Rows
	for i := 0; i < 40; i++ {
		d := i%5 + 1
		if i%9 == 0 {
			d = 0
		}
		rows = append(rows, []string{strconv.Itoa(i % 3), strconv.Itoa(i * 7), strconv.Itoa(d)})
	}
	for _, tc := range []struct {
		name string
		pred exec.Expr
		keep func(r []string) bool
	}{
		// d <> 0 keeps most rows: the selection passes through.
		{"most", must(exec.NewBinary(exec.OpNotEq, c(2), lit(t, "int64", "0"))), func(r []string) bool { return r[2] != "NULL" && r[2] != "0" }},
		// d = 2 keeps few: the projection copies them first.
		{"few", must(exec.NewBinary(exec.OpEq, c(2), lit(t, "int64", "2"))), func(r []string) bool { return r[2] == "2" }},
	} {
		ref := func(in exectest.Rows) exectest.Rows {
			sums := map[string]int64{}
			seen := map[string]bool{} // a non-null value was summed
			var order []string
			for _, r := range in {
				if !tc.keep(r) {
					continue
				}
				if _, ok := sums[r[0]]; !ok {
					order = append(order, r[0])
					sums[r[0]] = 0
				}
				if r[1] == "NULL" {
					continue
				}
				v, _ := strconv.ParseInt(r[1], 10, 64)
				d, _ := strconv.ParseInt(r[2], 10, 64)
				sums[r[0]] += v * d
				seen[r[0]] = true
			}
			var out exectest.Rows
			for _, g := range order {
				sum := "NULL"
				if seen[g] {
					sum = strconv.FormatInt(sums[g], 10)
				}
				out = append(out, []string{g, sum})
			}
			return out
		}
		exectest.Run(t, exectest.Case{
			Name:   tc.name,
			Inputs: []exectest.Input{{Schema: s, Rows: rows}},
			Build: func(ch []exec.Operator) (exec.Operator, error) {
				f, err := exec.NewFilter(ch[0], tc.pred)
				if err != nil {
					return nil, err
				}
				// v % d fails on a zero divisor, which only rejected rows hold.
				p, err := exec.NewProject(f, []exec.Expr{c(0), must(exec.NewBinary(exec.OpMul, c(1), c(2))), must(exec.NewBinary(exec.OpMod, c(1), c(2)))}, []string{"g", "vd", "m"})
				if err != nil {
					return nil, err
				}
				ps := p.Schema()
				pc := func(i int) exec.Expr { return exec.NewColumn(i, ps.Field(i).Name, ps.Field(i).Type) }
				return exec.NewHashAggregate(p, []exec.Expr{pc(0)}, nil, []exec.Aggregate{{Func: exec.AggSum, Args: []exec.Expr{pc(1)}, Name: "s"}}, exec.AggSingle)
			},
			Expected: ref(rows),
			Reference: func(in []exectest.Rows) (exectest.Rows, error) {
				return ref(in[0]), nil
			},
		})
	}
}

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

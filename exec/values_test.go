package exec_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/apache/arrow/go/v15/arrow"
	"github.com/apache/arrow/go/v15/arrow/decimal128"
	"github.com/apache/arrow/go/v15/arrow/memory"
	"github.com/apache/arrow/go/v15/arrow/scalar"

	"github.com/dataflow-go/dataflow/exec"
	"github.com/dataflow-go/dataflow/exec/exectest"
)

func TestValues(t *testing.T) {
	schema := exectest.Schema("i:int64", "s:utf8", "d:decimal(10,2)", "b:bool", "dt:date32")
	dec := &arrow.Decimal128Type{Precision: 10, Scale: 2}
	rows := [][]scalar.Scalar{
		{scalar.NewInt64Scalar(1), scalar.NewStringScalar("one"), scalar.NewDecimal128Scalar(decimal128.FromI64(150), dec), scalar.NewBooleanScalar(true), scalar.NewDate32Scalar(10471)},
		{scalar.MakeNullScalar(arrow.PrimitiveTypes.Int64), scalar.MakeNullScalar(arrow.Null), scalar.MakeNullScalar(dec), scalar.NewBooleanScalar(false), scalar.MakeNullScalar(arrow.FixedWidthTypes.Date32)},
	}
	for _, bs := range []int{1, 1024} {
		mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
		op, err := exec.NewValues(schema, rows)
		if err != nil {
			t.Fatal(err)
		}
		ctx := exec.NewContext(nil, mem)
		ctx.BatchSize = bs
		got, err := exectest.Drain(ctx, op)
		if err != nil {
			t.Fatal(err)
		}
		want := exectest.R("1|one|1.50|true|1998-09-02", "NULL|NULL|NULL|false|NULL")
		if d := exectest.Diff(want, got, true); d != "" {
			t.Fatal(d)
		}
		mem.AssertSize(t, 0)
	}

	// No columns: SELECT without FROM still has its rows.
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	op, err := exec.NewValues(arrow.NewSchema(nil, nil), [][]scalar.Scalar{{}, {}})
	if err != nil {
		t.Fatal(err)
	}
	got, err := exectest.Drain(exec.NewContext(nil, mem), op)
	if err != nil || len(got) != 2 {
		t.Fatalf("no-column VALUES: %d rows, %v", len(got), err)
	}
}

func TestValuesErrors(t *testing.T) {
	schema := exectest.Schema("i:int64", "s:utf8")
	for _, c := range []struct {
		rows [][]scalar.Scalar
		want string
	}{
		{[][]scalar.Scalar{{scalar.NewInt64Scalar(1)}}, "VALUES row 1 has 1 values, expected 2"},
		{[][]scalar.Scalar{{scalar.NewInt64Scalar(1), scalar.NewStringScalar("a")}, {scalar.NewInt32Scalar(2), scalar.NewStringScalar("b")}},
			"VALUES row 2 column i: value 2 is int32, expected int64"},
	} {
		_, err := exec.NewValues(schema, c.rows)
		if !errors.Is(err, exec.ErrType) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("got %v, want ErrType containing %q", err, c.want)
		}
	}
}

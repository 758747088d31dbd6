package exec_test

import (
	"testing"

	"github.com/apache/arrow/go/v15/arrow"
	"github.com/apache/arrow/go/v15/arrow/scalar"

	"github.com/dataflow-go/dataflow/exec"
)

// bareNull is an untyped NULL literal, as SQL's bare NULL binds.
func bareNull() func(in *input) exec.Expr {
	return func(*input) exec.Expr { return exec.NewLiteral(scalar.MakeNullScalar(arrow.Null)) }
}

// String functions given a bare NULL return NULL, not the function of an
// empty string: Arrow's all-NULL arrays have no validity bitmap, so their
// rows must not be read as valid (length(NULL) used to be 0).
func TestStringFunctionsOfNullLiteral(t *testing.T) {
	cols := []string{"s:utf8"}
	rows := col1("abc", "NULL")
	runExprCases(t, []exprCase{
		{name: "length", cols: cols, rows: rows, build: fn("length", bareNull()), want: []string{"NULL", "NULL"}},
		{name: "upper", cols: cols, rows: rows, build: fn("upper", bareNull()), want: []string{"NULL", "NULL"}},
		{name: "lower", cols: cols, rows: rows, build: fn("lower", bareNull()), want: []string{"NULL", "NULL"}},
		{name: "trim", cols: cols, rows: rows, build: fn("trim", bareNull()), want: []string{"NULL", "NULL"}},
		{name: "substring", cols: cols, rows: rows, build: fn("substring", bareNull(), l("int32", "1"), l("int32", "2")), want: []string{"NULL", "NULL"}},
		{name: "substring null start", cols: cols, rows: rows, build: fn("substring", c("s"), bareNull()), want: []string{"NULL", "NULL"}},
		{name: "starts_with", cols: cols, rows: rows, build: fn("starts_with", bareNull(), c("s")), want: []string{"NULL", "NULL"}},
		{name: "strpos", cols: cols, rows: rows, build: fn("strpos", c("s"), bareNull()), want: []string{"NULL", "NULL"}},
	})
}

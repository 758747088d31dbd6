package exec_test

import (
	"errors"
	"fmt"
	"strconv"

	"github.com/apache/arrow/go/v15/arrow"
	"github.com/apache/arrow/go/v15/arrow/array"

	"github.com/dataflow-go/dataflow/exec"
)

// The operator tests in this package rely only on exec.NewColumn and
// exec.NewLiteral from the expression side; the few computed expressions
// they need are defined here, built from Go funcs over one column.

// opsRowExpr is a test expression computing each row from one input column
// with a Go func; ok=false yields NULL. Its result type is typ.
type opsRowExpr struct {
	col  int
	typ  arrow.DataType
	name string
	fn   func(in arrow.Array, i int) (v any, ok bool)
	// failAfter, when positive, makes the Eval call number failAfter fail.
	failAfter int
	calls     *int
}

var errOpsExpr = errors.New("opsRowExpr failed on purpose")

func (e *opsRowExpr) DataType() arrow.DataType { return e.typ }
func (e *opsRowExpr) String() string           { return e.name }

func (e *opsRowExpr) Eval(ctx *exec.Context, batch arrow.Record) (arrow.Array, error) {
	if e.calls != nil {
		*e.calls++
		if e.failAfter > 0 && *e.calls >= e.failAfter {
			return nil, fmt.Errorf("%w: %w", exec.ErrExec, errOpsExpr)
		}
	}
	in := batch.Column(e.col)
	b := array.NewBuilder(ctx.Alloc, e.typ)
	defer b.Release()
	for i := 0; i < in.Len(); i++ {
		v, ok := e.fn(in, i)
		if !ok {
			b.AppendNull()
			continue
		}
		switch b := b.(type) {
		case *array.BooleanBuilder:
			b.Append(v.(bool))
		case *array.Int64Builder:
			b.Append(v.(int64))
		case *array.StringBuilder:
			b.Append(v.(string))
		default:
			return nil, fmt.Errorf("opsRowExpr: unsupported result %s", e.typ)
		}
	}
	return b.NewArray(), nil
}

// opsInt64Pred is a boolean test expression over an int64 column: NULL in
// gives NULL out.
func opsInt64Pred(col int, name string, f func(int64) bool) *opsRowExpr {
	return &opsRowExpr{col: col, typ: arrow.FixedWidthTypes.Boolean, name: name,
		fn: func(in arrow.Array, i int) (any, bool) {
			if in.IsNull(i) {
				return nil, false
			}
			return f(in.(*array.Int64).Value(i)), true
		}}
}

// opsNeg is -x over an int64 column, a computed (non-column) expression.
func opsNeg(col int) *opsRowExpr {
	return &opsRowExpr{col: col, typ: arrow.PrimitiveTypes.Int64, name: "neg",
		fn: func(in arrow.Array, i int) (any, bool) {
			if in.IsNull(i) {
				return nil, false
			}
			return -in.(*array.Int64).Value(i), true
		}}
}

// opsAtoi parses text rows as int64, "" for NULL.
func opsAtoi(s string) (int64, bool) {
	if s == "NULL" {
		return 0, false
	}
	v, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		panic(err)
	}
	return v, true
}

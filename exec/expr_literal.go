package exec

import (
	"fmt"

	"github.com/apache/arrow/go/v15/arrow"
	"github.com/apache/arrow/go/v15/arrow/scalar"
)

type literalExpr struct {
	value scalar.Scalar
}

var _ Expr = (*literalExpr)(nil)

// NewLiteral returns an expression producing value on every row. A typed
// null (scalar.MakeNullScalar(typ)) gives a column of nulls.
func NewLiteral(value scalar.Scalar) Expr { return &literalExpr{value: value} }

// LiteralValue reports the constant an expression produces when it is a
// literal.
func LiteralValue(e Expr) (scalar.Scalar, bool) {
	l, ok := e.(*literalExpr)
	if !ok {
		return nil, false
	}
	return l.value, true
}

func (l *literalExpr) DataType() arrow.DataType { return l.value.DataType() }

func (l *literalExpr) String() string {
	if !l.value.IsValid() {
		return "NULL"
	}
	if l.value.DataType().ID() == arrow.STRING {
		return fmt.Sprintf("'%s'", l.value)
	}
	return l.value.String()
}

func (l *literalExpr) Eval(ctx *Context, batch arrow.Record) (arrow.Array, error) {
	arr, err := scalar.MakeArrayFromScalar(l.value, int(batch.NumRows()), ctx.Alloc)
	if err != nil {
		return nil, fmt.Errorf("%w: literal %s: %v", ErrExec, l, err)
	}
	return arr, nil
}

package exec

import (
	"fmt"
	"math"

	"github.com/apache/arrow/go/v15/arrow"
)

// Unary minus over int32, int64, float64 and decimal128. Negating the
// smallest integer overflows (ErrExec).

type negateExpr struct {
	e Expr
}

var _ Expr = (*negateExpr)(nil)

// NewNegate returns -e for a numeric e.
func NewNegate(e Expr) (Expr, error) {
	t := e.DataType()
	if !IsNumeric(t) && !isNullType(t) {
		return nil, fmt.Errorf("%w: cannot apply unary - to %s (it needs a number)", ErrType, t)
	}
	w := widen(t)
	if isNullType(t) {
		w = typInt32
	}
	c, err := NewCast(e, w)
	if err != nil {
		return nil, err
	}
	ne := &negateExpr{e: c}
	if isLiteral(c) {
		return foldConstant(ne), nil
	}
	return ne, nil
}

func (e *negateExpr) DataType() arrow.DataType { return e.e.DataType() }

func (e *negateExpr) String() string { return fmt.Sprintf("(-%s)", e.e) }

func (e *negateExpr) Eval(ctx *Context, batch arrow.Record) (arrow.Array, error) {
	a, err := e.e.Eval(ctx, batch)
	if err != nil {
		return nil, err
	}
	defer a.Release()
	mem := allocator(ctx)
	n := a.Len()
	validity, nulls := copyValidity(mem, a)
	overflow := func(i int) error {
		if validity != nil {
			validity.Release()
		}
		return fmt.Errorf("%w: integer overflow in %s (row %d: -(%s))", ErrExec, e, i, FormatValue(a, i))
	}
	switch t := a.DataType(); t.ID() {
	case arrow.INT32:
		buf, out := newValues[int32](mem, n)
		for i, v := range values[int32](a) {
			if v == math.MinInt32 && a.IsValid(i) {
				buf.Release()
				return nil, overflow(i)
			}
			out[i] = -v
		}
		return fixedArray(t, n, validity, nulls, buf), nil
	case arrow.INT64:
		buf, out := newValues[int64](mem, n)
		for i, v := range values[int64](a) {
			if v == math.MinInt64 && a.IsValid(i) {
				buf.Release()
				return nil, overflow(i)
			}
			out[i] = -v
		}
		return fixedArray(t, n, validity, nulls, buf), nil
	case arrow.FLOAT64:
		buf, out := newValues[float64](mem, n)
		for i, v := range values[float64](a) {
			out[i] = -v
		}
		return fixedArray(t, n, validity, nulls, buf), nil
	case arrow.DECIMAL128:
		buf, out := newValues[num](mem, n)
		for i, v := range values[num](a) {
			out[i] = v.Negate()
		}
		return fixedArray(t, n, validity, nulls, buf), nil
	}
	if validity != nil {
		validity.Release()
	}
	return nil, fmt.Errorf("%w: no negation kernel for %s", ErrInternal, a.DataType())
}

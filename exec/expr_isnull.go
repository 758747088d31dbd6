package exec

import (
	"fmt"

	"github.com/apache/arrow/go/v15/arrow"
	"github.com/apache/arrow/go/v15/arrow/memory"
	"github.com/apache/arrow/go/v15/arrow/scalar"
)

// The null predicates: IS [NOT] NULL and IS [NOT] DISTINCT FROM. Their
// results are never NULL.

type isNullExpr struct {
	e       Expr
	negated bool
}

var _ Expr = (*isNullExpr)(nil)

// NewIsNull returns e IS NULL, or e IS NOT NULL when negated.
func NewIsNull(e Expr, negated bool) Expr { return &isNullExpr{e: e, negated: negated} }

func (e *isNullExpr) DataType() arrow.DataType { return typBool }

func (e *isNullExpr) String() string {
	if e.negated {
		return fmt.Sprintf("(%s IS NOT NULL)", e.e)
	}
	return fmt.Sprintf("(%s IS NULL)", e.e)
}

func (e *isNullExpr) Eval(ctx *Context, batch arrow.Record) (arrow.Array, error) {
	a, err := e.e.Eval(ctx, batch)
	if err != nil {
		return nil, err
	}
	defer a.Release()
	mem := allocator(ctx)
	n := a.Len()
	buf := newBuffer(mem, (n+7)/8)
	out := buf.Bytes()
	switch {
	case isNullType(a.DataType()) || a.NullN() == n:
		fillBits(out, n, !e.negated)
	case a.NullN() == 0:
		fillBits(out, n, e.negated)
	default:
		valid, rel := alignedBits(mem, a.NullBitmapBytes(), a.Data().Offset(), n)
		for i := range out {
			if e.negated {
				out[i] = valid[i]
			} else {
				out[i] = ^valid[i]
			}
		}
		if rel != nil {
			rel()
		}
	}
	return fixedArray(typBool, n, nil, 0, buf), nil
}

type distinctExpr struct {
	l, r    Expr
	lk, rk  arrow.Array
	negated bool
}

var _ Expr = (*distinctExpr)(nil)

// NewIsDistinctFrom returns l IS DISTINCT FROM r (or IS NOT DISTINCT FROM
// when negated): a comparison in which NULL equals NULL and differs from
// every value.
func NewIsDistinctFrom(l, r Expr, negated bool) (Expr, error) {
	dom, err := comparisonDomain(l.DataType(), r.DataType())
	if err != nil {
		return nil, fmt.Errorf("%w: cannot apply IS DISTINCT FROM to %s and %s (compare values of one kind, or add an explicit CAST)", ErrType, l.DataType(), r.DataType())
	}
	if isNullType(dom) {
		// NULL IS DISTINCT FROM NULL is false.
		return NewLiteral(scalar.NewBooleanScalar(negated)), nil
	}
	if l, err = NewCast(l, dom); err != nil {
		return nil, err
	}
	if r, err = NewCast(r, dom); err != nil {
		return nil, err
	}
	return &distinctExpr{l: l, r: r, lk: constantOf(l), rk: constantOf(r), negated: negated}, nil
}

func (e *distinctExpr) DataType() arrow.DataType { return typBool }

func (e *distinctExpr) String() string {
	if e.negated {
		return fmt.Sprintf("(%s IS NOT DISTINCT FROM %s)", e.l, e.r)
	}
	return fmt.Sprintf("(%s IS DISTINCT FROM %s)", e.l, e.r)
}

// validityBytes returns o's validity as bytes aligned to row 0: all ones
// or all zeros for a constant or an array without nulls.
func validityBytes(mem memory.Allocator, o operand, n int) ([]byte, func()) {
	nb := (n + 7) / 8
	if o.bcast || o.arr.NullN() == 0 {
		b := make([]byte, nb)
		if !o.bcast || o.arr.IsValid(0) {
			for i := range b {
				b[i] = 0xff
			}
		}
		return b, nil
	}
	return alignedBits(mem, o.arr.NullBitmapBytes(), o.arr.Data().Offset(), n)
}

func (e *distinctExpr) Eval(ctx *Context, batch arrow.Record) (arrow.Array, error) {
	lo, err := evalOperand(ctx, e.l, e.lk, batch)
	if err != nil {
		return nil, err
	}
	defer lo.release()
	ro, err := evalOperand(ctx, e.r, e.rk, batch)
	if err != nil {
		return nil, err
	}
	defer ro.release()
	mem := allocator(ctx)
	n := int(batch.NumRows())
	buf := compareOperands(mem, OpNotEq, lo, ro, n)
	out := buf.Bytes()
	lv, lrel := validityBytes(mem, lo, n)
	rv, rrel := validityBytes(mem, ro, n)
	for i := 0; i < (n+7)/8; i++ {
		// Distinct: both known and different, or exactly one known.
		d := (lv[i] & rv[i] & out[i]) | (lv[i] ^ rv[i])
		if e.negated {
			d = ^d
		}
		out[i] = d
	}
	if lrel != nil {
		lrel()
	}
	if rrel != nil {
		rrel()
	}
	return fixedArray(typBool, n, nil, 0, buf), nil
}

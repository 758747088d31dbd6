package exec

import (
	"fmt"

	"github.com/apache/arrow/go/v15/arrow"
	"github.com/apache/arrow/go/v15/arrow/array"
)

// String concatenation l || r. A non-string operand is cast to utf8 first
// ('a' || 1 is 'a1'); a NULL operand gives NULL (the concat function, in
// contrast, skips NULLs).

type concatExpr struct {
	l, r   Expr
	lk, rk arrow.Array
}

var _ Expr = (*concatExpr)(nil)

func newConcat(l, r Expr) (Expr, error) {
	var err error
	if l, err = NewCast(l, typString); err != nil {
		return nil, err
	}
	if r, err = NewCast(r, typString); err != nil {
		return nil, err
	}
	return &concatExpr{l: l, r: r, lk: constantOf(l), rk: constantOf(r)}, nil
}

func (e *concatExpr) DataType() arrow.DataType { return typString }

func (e *concatExpr) String() string { return fmt.Sprintf("(%s || %s)", e.l, e.r) }

func (e *concatExpr) Eval(ctx *Context, batch arrow.Record) (arrow.Array, error) {
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
	if lo.isNullConst() || ro.isNullConst() {
		return nullArray(mem, typString, n), nil
	}
	ls, rs := lo.arr.(*array.String), ro.arr.(*array.String)
	lm, rm := masks(lo, ro)
	b := array.NewStringBuilder(mem)
	defer b.Release()
	b.Reserve(n)
	total := 0
	for i := 0; i < n; i++ {
		total += len(ls.Value(i&lm)) + len(rs.Value(i&rm))
	}
	b.ReserveData(total)
	var scratch []byte
	for i := 0; i < n; i++ {
		if !lo.validAt(i) || !ro.validAt(i) {
			b.AppendNull()
			continue
		}
		scratch = append(append(scratch[:0], ls.Value(i&lm)...), rs.Value(i&rm)...)
		b.BinaryBuilder.Append(scratch)
	}
	return b.NewArray(), nil
}

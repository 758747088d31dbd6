package exec

import (
	"fmt"

	"github.com/apache/arrow/go/v15/arrow"
	"github.com/apache/arrow/go/v15/arrow/array"
	"github.com/apache/arrow/go/v15/arrow/memory"
)

// AND, OR and NOT with SQL's three-valued logic: FALSE AND NULL is FALSE,
// TRUE OR NULL is TRUE, every other combination with a NULL is NULL. The
// kernels work eight rows at a time on the value and validity bitmaps.

type logicExpr struct {
	op   BinaryOp // OpAnd or OpOr
	l, r Expr
}

var _ Expr = (*logicExpr)(nil)

func newLogic(op BinaryOp, l, r Expr) (Expr, error) {
	var err error
	if l, err = NewCast(l, typBool); err != nil {
		return nil, err
	}
	if r, err = NewCast(r, typBool); err != nil {
		return nil, err
	}
	if op == OpAnd {
		if rng, ok := newRange(l, r); ok {
			return rng, nil
		}
	}
	return &logicExpr{op: op, l: l, r: r}, nil
}

func (e *logicExpr) DataType() arrow.DataType { return typBool }

func (e *logicExpr) String() string { return fmt.Sprintf("(%s %s %s)", e.l, e.op, e.r) }

// boolBits returns a boolean array's value and validity bits aligned to
// bit 0 (validity nil when it has no nulls), and a function releasing any
// copies made.
func boolBits(mem memory.Allocator, a arrow.Array) (vals, valid []byte, release func()) {
	n := a.Len()
	off := a.Data().Offset()
	var r1, r2 func()
	vals, r1 = alignedBits(mem, a.Data().Buffers()[1].Bytes(), off, n)
	if a.NullN() > 0 {
		valid, r2 = alignedBits(mem, a.NullBitmapBytes(), off, n)
	}
	return vals, valid, func() {
		if r1 != nil {
			r1()
		}
		if r2 != nil {
			r2()
		}
	}
}

func (e *logicExpr) Eval(ctx *Context, batch arrow.Record) (arrow.Array, error) {
	la, err := e.l.Eval(ctx, batch)
	if err != nil {
		return nil, err
	}
	defer la.Release()
	ra, err := e.r.Eval(ctx, batch)
	if err != nil {
		return nil, err
	}
	defer ra.Release()
	mem := allocator(ctx)
	n := int(batch.NumRows())
	if n == 0 {
		return array.MakeArrayOfNull(mem, typBool, 0), nil
	}
	lv, lvalid, lrel := boolBits(mem, la)
	defer lrel()
	rv, rvalid, rrel := boolBits(mem, ra)
	defer rrel()
	nb := (n + 7) / 8
	valBuf := newBufferNoZero(mem, nb)
	out := valBuf.Bytes()
	var validity *memory.Buffer
	if lvalid != nil || rvalid != nil {
		validity = newBufferNoZero(mem, nb)
	}
	isAnd := e.op == OpAnd
	if validity == nil {
		// No NULLs on either side: plain bitwise AND or OR.
		lv, rv := lv[:nb], rv[:nb]
		if isAnd {
			for i := range out {
				out[i] = lv[i] & rv[i]
			}
		} else {
			for i := range out {
				out[i] = lv[i] | rv[i]
			}
		}
		return fixedArray(typBool, n, nil, 0, valBuf), nil
	}
	for i := 0; i < nb; i++ {
		a, b := lv[i], rv[i]
		av, bv := byte(0xff), byte(0xff)
		if lvalid != nil {
			av = lvalid[i]
		}
		if rvalid != nil {
			bv = rvalid[i]
		}
		if isAnd {
			out[i] = a & b
			if validity != nil {
				// Known when both are known, or either is a known FALSE.
				validity.Bytes()[i] = av&bv | av&^a | bv&^b
			}
		} else {
			out[i] = a | b
			if validity != nil {
				// Known when both are known, or either is a known TRUE.
				validity.Bytes()[i] = av&bv | av&a | bv&b
			}
		}
	}
	nulls := 0
	if validity != nil {
		nulls = n - countBits(validity.Bytes(), n)
	}
	return fixedArray(typBool, n, validity, nulls, valBuf), nil
}

type notExpr struct{ e Expr }

var _ Expr = (*notExpr)(nil)

// NewNot returns NOT e for a boolean e (NOT NULL is NULL).
func NewNot(e Expr) (Expr, error) {
	if t := e.DataType(); t.ID() != arrow.BOOL && !isNullType(t) {
		return nil, fmt.Errorf("%w: cannot apply NOT to %s (it needs a boolean)", ErrType, t)
	}
	e, err := NewCast(e, typBool)
	if err != nil {
		return nil, err
	}
	return &notExpr{e: e}, nil
}

func (e *notExpr) DataType() arrow.DataType { return typBool }

func (e *notExpr) String() string { return fmt.Sprintf("(NOT %s)", e.e) }

func (e *notExpr) Eval(ctx *Context, batch arrow.Record) (arrow.Array, error) {
	a, err := e.e.Eval(ctx, batch)
	if err != nil {
		return nil, err
	}
	defer a.Release()
	mem := allocator(ctx)
	n := a.Len()
	if n == 0 {
		return array.MakeArrayOfNull(mem, typBool, 0), nil
	}
	vals, _, rel := boolBits(mem, a)
	defer rel()
	buf := newBufferNoZero(mem, (n+7)/8)
	out := buf.Bytes()
	for i := range out {
		out[i] = ^vals[i]
	}
	validity, nulls := copyValidity(mem, a)
	return fixedArray(typBool, n, validity, nulls, buf), nil
}

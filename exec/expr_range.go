package exec

import (
	"fmt"
	"math"

	"github.com/apache/arrow/go/v15/arrow"
	"github.com/apache/arrow/go/v15/arrow/array"
	"github.com/apache/arrow/go/v15/arrow/bitutil"
)

// rangeExpr is `lo <= x AND x <= hi` for one integer-valued column x (an
// integer, a date, or a decimal of at most 18 digits read as its scaled
// integer), evaluated in one pass with one unsigned comparison per row.
// newLogic makes one from an AND of a lower and an upper bound on the same
// column (BETWEEN, and date ranges such as Q6's shipdate and discount
// bounds), which otherwise read the column twice and combine two bitmaps.
type rangeExpr struct {
	col    *columnExpr
	lo, hi int64 // inclusive; lo > hi selects nothing
	desc   string
}

var _ Expr = (*rangeExpr)(nil)

// rangeBound is one side of a range: x op c with a constant c.
func rangeBound(e Expr) (col *columnExpr, op BinaryOp, c int64, ok bool) {
	cmp, isCmp := e.(*cmpExpr)
	if !isCmp || cmp.rk == nil || cmp.lk != nil || cmp.rk.IsNull(0) {
		return nil, 0, 0, false
	}
	col, isCol := cmp.l.(*columnExpr)
	if !isCol || !sameType(col.typ, cmp.dom) {
		return nil, 0, 0, false
	}
	switch cmp.op {
	case OpLt, OpLtEq, OpGt, OpGtEq:
	default:
		return nil, 0, 0, false
	}
	switch k := cmp.rk.(type) {
	case *array.Int32:
		c = int64(k.Value(0))
	case *array.Date32:
		c = int64(k.Value(0))
	case *array.Int64:
		c = k.Value(0)
	case *array.Decimal128:
		if col.typ.(*arrow.Decimal128Type).Precision > 18 {
			return nil, 0, 0, false
		}
		c = int64(k.Value(0).LowBits())
	default:
		return nil, 0, 0, false
	}
	return col, cmp.op, c, true
}

// newRange returns the range expression for l AND r when they bound the
// same column from both sides.
func newRange(l, r Expr) (Expr, bool) {
	lc, lop, lv, ok := rangeBound(l)
	if !ok {
		return nil, false
	}
	rc, rop, rv, ok := rangeBound(r)
	if !ok || lc.index != rc.index || !sameType(lc.typ, rc.typ) {
		return nil, false
	}
	if isLower(lop) == isLower(rop) {
		return nil, false
	}
	llo, lhi := constRange(lop, lv)
	rlo, rhi := constRange(rop, rv)
	e := &rangeExpr{col: lc, lo: max(llo, rlo), hi: min(lhi, rhi), desc: fmt.Sprintf("(%s AND %s)", l, r)}
	return e, true
}

func isLower(op BinaryOp) bool { return op == OpGt || op == OpGtEq }

// constRange is the inclusive range of the x for which `x op c` holds, for
// op one of <, <=, >, >= and =, or the range of = for <> (whose caller
// negates); lo > hi when no x does (x < MinInt64, x > MaxInt64).
func constRange(op BinaryOp, c int64) (lo, hi int64) {
	lo, hi = math.MinInt64, math.MaxInt64
	switch op {
	case OpEq, OpNotEq:
		return c, c
	case OpLt:
		if c == math.MinInt64 {
			return 1, 0
		}
		hi = c - 1
	case OpLtEq:
		hi = c
	case OpGt:
		if c == math.MaxInt64 {
			return 1, 0
		}
		lo = c + 1
	case OpGtEq:
		lo = c
	}
	return lo, hi
}

func (e *rangeExpr) DataType() arrow.DataType { return typBool }

func (e *rangeExpr) String() string { return e.desc }

func (e *rangeExpr) Eval(ctx *Context, batch arrow.Record) (arrow.Array, error) {
	arr, err := e.col.Eval(ctx, batch)
	if err != nil {
		return nil, err
	}
	defer arr.Release()
	mem := allocator(ctx)
	n := arr.Len()
	buf := newBuffer(mem, int(bitutil.BytesForBits(int64(n))))
	out := buf.Bytes()
	if e.lo <= e.hi {
		switch arr.DataType().ID() {
		case arrow.INT32, arrow.DATE32:
			inRange(values[int32](arr), e.lo, e.hi, out)
		case arrow.INT64:
			inRange(values[int64](arr), e.lo, e.hi, out)
		case arrow.DECIMAL128:
			inRangeLow(values[num](arr), e.lo, e.hi, out)
		}
	}
	nulls := arr.NullN()
	if nulls == 0 {
		return fixedArray(typBool, n, nil, 0, buf), nil
	}
	bm, off := validityOf(arr)
	validity := newBuffer(mem, len(out))
	bitutil.CopyBitmap(bm, off, n, validity.Bytes(), 0)
	return fixedArray(typBool, n, validity, nulls, buf), nil
}

// inRange sets bit i of out where lo <= v[i] <= hi, eight rows a byte.
func inRange[T int32 | int64](v []T, lo, hi int64, out []byte) {
	width := uint64(hi - lo)
	in := func(x T) uint8 { return b2u8(uint64(int64(x)-lo) <= width) }
	full := len(v) &^ 7
	for i := 0; i < full; i += 8 {
		w := v[i : i+8 : i+8]
		out[i>>3] = in(w[0]) | in(w[1])<<1 | in(w[2])<<2 | in(w[3])<<3 | in(w[4])<<4 | in(w[5])<<5 | in(w[6])<<6 | in(w[7])<<7
	}
	for i := full; i < len(v); i++ {
		out[i>>3] |= in(v[i]) << (i & 7)
	}
}

// inRangeLow is inRange for decimals that fit in int64, by their low words.
func inRangeLow(v []num, lo, hi int64, out []byte) {
	width := uint64(hi - lo)
	in := func(x num) uint8 { return b2u8(uint64(int64(x.LowBits())-lo) <= width) }
	full := len(v) &^ 7
	for i := 0; i < full; i += 8 {
		w := v[i : i+8 : i+8]
		out[i>>3] = in(w[0]) | in(w[1])<<1 | in(w[2])<<2 | in(w[3])<<3 | in(w[4])<<4 | in(w[5])<<5 | in(w[6])<<6 | in(w[7])<<7
	}
	for i := full; i < len(v); i++ {
		out[i>>3] |= in(v[i]) << (i & 7)
	}
}

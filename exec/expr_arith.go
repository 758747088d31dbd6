package exec

import (
	"fmt"
	"math"
	"math/big"
	"math/bits"

	"github.com/apache/arrow/go/v15/arrow"
	"github.com/apache/arrow/go/v15/arrow/decimal128"
	"github.com/apache/arrow/go/v15/arrow/memory"
)

// Arithmetic kernels: + - * / % over int32, int64, float64 and decimal128.
// NewBinary converts both operands to the kernel's domain first (ints to the
// wider int, ints to decimals, everything to float64 when a float is
// involved) so each kernel sees operands of one representation. Integer and
// decimal overflow, and integer or decimal division by zero, fail with
// ErrExec; floats follow IEEE.

type arithKind int

const (
	arithInt32 arithKind = iota
	arithInt64
	arithFloat
	arithDecimal
	arithIntDiv // int64 / int64 -> float64
	arithDecDiv // decimal / decimal -> float64
)

type arithExpr struct {
	op     BinaryOp
	l, r   Expr
	lk, rk arrow.Array // literal operands as one-row arrays
	typ    arrow.DataType
	kind   arithKind
}

var _ Expr = (*arithExpr)(nil)

// newArith builds a numeric arithmetic expression of result type typ.
func newArith(op BinaryOp, l, r Expr, typ arrow.DataType) (Expr, error) {
	lt, rt := l.DataType(), r.DataType()
	var ldom, rdom arrow.DataType
	var kind arithKind
	switch {
	case isFloat(lt) || isFloat(rt) || isNullType(lt) && isFloat(rt) || isFloat(lt) && isNullType(rt):
		ldom, rdom, kind = typFloat64, typFloat64, arithFloat
	case op == OpDiv && (isInteger(lt) || isNullType(lt)) && (isInteger(rt) || isNullType(rt)):
		ldom, rdom, kind = typInt64, typInt64, arithIntDiv
	case op == OpDiv:
		ldom, rdom, kind = asDecimal(lt, rt), asDecimal(rt, lt), arithDecDiv
	case typ.ID() == arrow.INT32:
		ldom, rdom, kind = typInt32, typInt32, arithInt32
	case typ.ID() == arrow.INT64:
		ldom, rdom, kind = typInt64, typInt64, arithInt64
	case typ.ID() == arrow.DECIMAL128:
		kind = arithDecimal
		res := typ.(*arrow.Decimal128Type)
		switch op {
		case OpMul:
			ldom, rdom = asDecimal(lt, rt), asDecimal(rt, lt)
		case OpMod:
			ldom, rdom = res, res
		default: // + and -: both sides at the result's scale
			ld, rd := asDecimal(lt, rt), asDecimal(rt, lt)
			if ld.Precision-ld.Scale+res.Scale <= maxDecimalPrecision && rd.Precision-rd.Scale+res.Scale <= maxDecimalPrecision {
				ldom, rdom = rescaled(ld, res.Scale), rescaled(rd, res.Scale)
			} else {
				// Rescaling could overflow: the kernel rescales row by
				// row and reports overflow only on rows that count.
				ldom, rdom = ld, rd
			}
		}
	default:
		return nil, fmt.Errorf("%w: no arithmetic kernel for %s %s %s", ErrInternal, lt, op, rt)
	}
	lc, err := NewCast(l, ldom)
	if err != nil {
		return nil, err
	}
	rc, err := NewCast(r, rdom)
	if err != nil {
		return nil, err
	}
	return &arithExpr{op: op, l: lc, r: rc, lk: constantOf(lc), rk: constantOf(rc), typ: typ, kind: kind}, nil
}

// asDecimal returns t as the decimal it converts to exactly; a NULL type
// takes the other side's.
func asDecimal(t, other arrow.DataType) *arrow.Decimal128Type {
	if isNullType(t) {
		t = other
	}
	p, s, _ := decimalParams(t)
	return decimalType(p, s)
}

// rescaled is d at scale s with its integer digits kept (precision capped).
func rescaled(d *arrow.Decimal128Type, s int32) *arrow.Decimal128Type {
	return decimalType(min(maxDecimalPrecision, d.Precision-d.Scale+s), s)
}

func (e *arithExpr) DataType() arrow.DataType { return e.typ }

func (e *arithExpr) String() string { return fmt.Sprintf("(%s %s %s)", e.l, e.op, e.r) }

// masks returns the index masks of two operands: i&m is row i's index,
// 0 for a broadcast constant.
func masks(l, r operand) (int, int) {
	lm, rm := -1, -1
	if l.bcast {
		lm = 0
	}
	if r.bcast {
		rm = 0
	}
	return lm, rm
}

func (e *arithExpr) Eval(ctx *Context, batch arrow.Record) (arrow.Array, error) {
	if e.kind == arithDecimal && e.op == OpMul {
		if out, ok, err := e.evalAffine(ctx, batch); ok || err != nil {
			return out, err
		}
	}
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
	validity, nulls, allNull := combineValidity(mem, n, lo, ro)
	if allNull {
		return nullArray(mem, e.typ, n), nil
	}
	var (
		buf *memory.Buffer
		bad func(i int) bool // recomputes the failure test for one row
		why string
	)
	lm, rm := masks(lo, ro)
	switch e.kind {
	case arithInt32:
		buf, bad, why = arithInt32Kernel(mem, e.op, values[int32](lo.arr), values[int32](ro.arr), lm, rm, n)
	case arithInt64:
		buf, bad, why = arithInt64Kernel(mem, e.op, values[int64](lo.arr), values[int64](ro.arr), lm, rm, n)
	case arithFloat:
		buf = arithFloatKernel(mem, e.op, values[float64](lo.arr), values[float64](ro.arr), lm, rm, n)
	case arithIntDiv:
		l, r := values[int64](lo.arr), values[int64](ro.arr)
		var out []float64
		buf, out = newValues[float64](mem, n)
		zero := false
		for i := range out {
			d := r[i&rm]
			if d == 0 {
				zero = true
				out[i] = 0
				continue
			}
			out[i] = float64(l[i&lm]) / float64(d)
		}
		if zero {
			bad, why = func(i int) bool { return r[i&rm] == 0 }, "division by zero"
		}
	case arithDecDiv:
		ls := lo.arr.DataType().(*arrow.Decimal128Type).Scale
		rs := ro.arr.DataType().(*arrow.Decimal128Type).Scale
		l, r := values[num](lo.arr), values[num](ro.arr)
		var out []float64
		buf, out = newValues[float64](mem, n)
		zero := false
		for i := range out {
			d := r[i&rm]
			if d == (num{}) {
				zero = true
				out[i] = 0
				continue
			}
			out[i] = decimalToFloat64(l[i&lm], ls) / decimalToFloat64(d, rs)
		}
		if zero {
			bad, why = func(i int) bool { return r[i&rm] == (num{}) }, "division by zero"
		}
	case arithDecimal:
		buf, bad, why = e.decimalKernel(mem, lo, ro, n)
	}
	if bad != nil {
		if row := firstInvalidRow(n, bad, lo, ro); row >= 0 {
			buf.Release()
			if validity != nil {
				validity.Release()
			}
			return nil, fmt.Errorf("%w: %s in %s (row %d: %s %s %s)", ErrExec, why, e, row,
				FormatValue(lo.arr, row&lm), e.op, FormatValue(ro.arr, row&rm))
		}
	}
	return fixedArray(e.typ, n, validity, nulls, buf), nil
}

func arithInt64Kernel(mem memory.Allocator, op BinaryOp, l, r []int64, lm, rm, n int) (*memory.Buffer, func(int) bool, string) {
	buf, out := newValues[int64](mem, n)
	var ovf int64
	switch op {
	case OpAdd:
		for i := range out {
			a, b := l[i&lm], r[i&rm]
			s := a + b
			ovf |= (s ^ a) & (s ^ b)
			out[i] = s
		}
		if ovf < 0 {
			return buf, func(i int) bool { a, b := l[i&lm], r[i&rm]; s := a + b; return (s^a)&(s^b) < 0 }, "integer overflow"
		}
	case OpSub:
		for i := range out {
			a, b := l[i&lm], r[i&rm]
			s := a - b
			ovf |= (a ^ b) & (a ^ s)
			out[i] = s
		}
		if ovf < 0 {
			return buf, func(i int) bool { a, b := l[i&lm], r[i&rm]; s := a - b; return (a^b)&(a^s) < 0 }, "integer overflow"
		}
	case OpMul:
		bad := false
		for i := range out {
			p := mul64(l[i&lm], r[i&rm])
			bad = bad || !fitsInt64(p)
			out[i] = int64(p.LowBits())
		}
		if bad {
			return buf, func(i int) bool { return !fitsInt64(mul64(l[i&lm], r[i&rm])) }, "integer overflow"
		}
	case OpMod:
		zero := false
		for i := range out {
			b := r[i&rm]
			if b == 0 {
				zero = true
				out[i] = 0
				continue
			}
			out[i] = l[i&lm] % b
		}
		if zero {
			return buf, func(i int) bool { return r[i&rm] == 0 }, "division by zero"
		}
	}
	return buf, nil, ""
}

func arithInt32Kernel(mem memory.Allocator, op BinaryOp, l, r []int32, lm, rm, n int) (*memory.Buffer, func(int) bool, string) {
	buf, out := newValues[int32](mem, n)
	calc := func(a, b int64) int64 {
		switch op {
		case OpAdd:
			return a + b
		case OpSub:
			return a - b
		case OpMul:
			return a * b
		}
		return 0
	}
	if op == OpMod {
		zero := false
		for i := range out {
			b := r[i&rm]
			if b == 0 {
				zero = true
				out[i] = 0
				continue
			}
			out[i] = l[i&lm] % b
		}
		if zero {
			return buf, func(i int) bool { return r[i&rm] == 0 }, "division by zero"
		}
		return buf, nil, ""
	}
	bad := false
	switch op {
	case OpAdd:
		for i := range out {
			s := int64(l[i&lm]) + int64(r[i&rm])
			bad = bad || s != int64(int32(s))
			out[i] = int32(s)
		}
	case OpSub:
		for i := range out {
			s := int64(l[i&lm]) - int64(r[i&rm])
			bad = bad || s != int64(int32(s))
			out[i] = int32(s)
		}
	case OpMul:
		for i := range out {
			s := int64(l[i&lm]) * int64(r[i&rm])
			bad = bad || s != int64(int32(s))
			out[i] = int32(s)
		}
	}
	if bad {
		return buf, func(i int) bool { s := calc(int64(l[i&lm]), int64(r[i&rm])); return s != int64(int32(s)) }, "integer overflow"
	}
	return buf, nil, ""
}

func arithFloatKernel(mem memory.Allocator, op BinaryOp, l, r []float64, lm, rm, n int) *memory.Buffer {
	buf, out := newValues[float64](mem, n)
	switch op {
	case OpAdd:
		for i := range out {
			out[i] = l[i&lm] + r[i&rm]
		}
	case OpSub:
		for i := range out {
			out[i] = l[i&lm] - r[i&rm]
		}
	case OpMul:
		for i := range out {
			out[i] = l[i&lm] * r[i&rm]
		}
	case OpDiv:
		for i := range out {
			out[i] = l[i&lm] / r[i&rm]
		}
	case OpMod:
		for i := range out {
			out[i] = math.Mod(l[i&lm], r[i&rm])
		}
	}
	return buf
}

// decimalKernel runs + - * % on decimals already converted to the kernel's
// scales: equal scales for + - %, any scales for * (the result's scale is
// their sum). Operands whose precision is at most 18 are read as int64.
func (e *arithExpr) decimalKernel(mem memory.Allocator, lo, ro operand, n int) (*memory.Buffer, func(int) bool, string) {
	lt := lo.arr.DataType().(*arrow.Decimal128Type)
	rt := ro.arr.DataType().(*arrow.Decimal128Type)
	res := e.typ.(*arrow.Decimal128Type)
	l, r := values[num](lo.arr), values[num](ro.arr)
	lm, rm := masks(lo, ro)
	buf, out := newValues[num](mem, n)
	limit := pow10num(res.Precision)
	const ovfMsg = "decimal overflow"
	switch e.op {
	case OpAdd, OpSub:
		neg := e.op == OpSub
		sameScale := lt.Scale == rt.Scale
		switch {
		case sameScale && res.Precision <= 18:
			// Both operands fit in int64 and so does the result.
			addSmall(out, l, r, lm, rm, neg)
		case sameScale && max(lt.Precision, rt.Precision) < maxDecimalPrecision:
			// The result's precision was not capped: no overflow.
			for i := range out {
				b := r[i&rm]
				if neg {
					b = b.Negate()
				}
				out[i] = l[i&lm].Add(b)
			}
		default:
			// Capped precision: rescale (when the scales differ) and add
			// with overflow checks.
			lk, rk := res.Scale-lt.Scale, res.Scale-rt.Scale
			add := func(i int) (num, bool) {
				a, ok1 := rescaleUp(l[i&lm], lk, limit)
				b, ok2 := rescaleUp(r[i&rm], rk, limit)
				if neg {
					b = b.Negate()
				}
				s, ok := addChecked(a, b, limit)
				return s, ok && ok1 && ok2
			}
			bad := false
			for i := range out {
				var ok bool
				out[i], ok = add(i)
				bad = bad || !ok
			}
			if bad {
				return buf, func(i int) bool { _, ok := add(i); return !ok }, ovfMsg
			}
		}
	case OpMul:
		switch {
		case lt.Precision+rt.Precision <= 18:
			for i := range out {
				p := int64(l[i&lm].LowBits()) * int64(r[i&rm].LowBits())
				out[i] = decimal128.New(p>>63, uint64(p))
			}
		case mulSmall(out, l, r, lm, rm):
			// The values at hand (TPC-H money times rates) bound every
			// product below 2^62.
		case lt.Precision <= 18 && rt.Precision <= 18:
			// 64x64 -> 128 bits, exact; below 10^36.
			for i := range out {
				out[i] = mul64(int64(l[i&lm].LowBits()), int64(r[i&rm].LowBits()))
			}
		case lt.Precision+rt.Precision <= maxDecimalPrecision:
			for i := range out {
				out[i] = l[i&lm].Mul(r[i&rm])
			}
		default:
			bad := false
			for i := range out {
				var ok bool
				out[i], ok = mulChecked(l[i&lm], r[i&rm], limit)
				bad = bad || !ok
			}
			if bad {
				return buf, func(i int) bool { _, ok := mulChecked(l[i&lm], r[i&rm], limit); return !ok }, ovfMsg
			}
		}
	case OpMod:
		zero := false
		for i := range out {
			a, b := l[i&lm], r[i&rm]
			switch {
			case b == (num{}):
				zero = true
				out[i] = num{}
			case fitsInt64(a) && fitsInt64(b):
				out[i] = numFromInt64(int64(a.LowBits()) % int64(b.LowBits()))
			default:
				out[i] = decimal128.FromBigInt(new(big.Int).Rem(a.BigInt(), b.BigInt()))
			}
		}
		if zero {
			return buf, func(i int) bool { return r[i&rm] == (num{}) }, "division by zero"
		}
	}
	return buf, nil, ""
}

// mulSmall multiplies the low words of l and r into out and reports
// whether that was exact: every operand fits in int64 and their
// magnitudes bound each product below 2^62 (so below 10^18 < 10^p for
// every result precision p > 18 that reaches it). One pass does both,
// against 128-bit or checked products per row; when it reports false the
// caller computes out again.
func mulSmall(out, l, r []num, lm, rm int) bool {
	n := len(out)
	switch {
	case lm < 0 && rm < 0:
		return mulSmallVec(out, l[:n], r[:n])
	case lm == 0 && rm < 0:
		return mulSmallConst(out, l[0], r[:n])
	case lm < 0 && rm == 0:
		return mulSmallConst(out, r[0], l[:n])
	}
	var wide int64
	var lmag, rmag uint64
	for i := range out {
		a, b := &l[i&lm], &r[i&rm]
		x, y := int64(a.LowBits()), int64(b.LowBits())
		wide |= a.HighBits() ^ x>>63 | b.HighBits() ^ y>>63
		lmag |= uint64(x ^ x>>63) // |x| or |x|-1: OR bounds the largest
		rmag |= uint64(y ^ y>>63)
		p := x * y
		out[i] = decimal128.New(p>>63, uint64(p))
	}
	// |x| <= 2^Len(lmag) and |y| <= 2^Len(rmag).
	return wide == 0 && bits.Len64(lmag)+bits.Len64(rmag) <= 60
}

// mulSmallVec is mulSmall over two columns.
func mulSmallVec(out, l, r []num) bool {
	l, r = l[:len(out)], r[:len(out)]
	var wide int64
	var lmag, rmag uint64
	for i := range out {
		x, y := int64(l[i].LowBits()), int64(r[i].LowBits())
		xs, ys := x>>63, y>>63
		wide |= l[i].HighBits() ^ xs | r[i].HighBits() ^ ys
		lmag |= uint64(x ^ xs)
		rmag |= uint64(y ^ ys)
		p := x * y
		out[i] = decimal128.New(p>>63, uint64(p))
	}
	return wide == 0 && bits.Len64(lmag)+bits.Len64(rmag) <= 60
}

// mulSmallConst is mulSmall of a constant c by a column (multiplication
// commutes, so either side may be the constant).
func mulSmallConst(out []num, c num, v []num) bool {
	v = v[:len(out)]
	x := int64(c.LowBits())
	wide := c.HighBits() ^ x>>63
	var mag uint64
	for i := range out {
		y := int64(v[i].LowBits())
		ys := y >> 63
		wide |= v[i].HighBits() ^ ys
		mag |= uint64(y ^ ys)
		p := x * y
		out[i] = decimal128.New(p>>63, uint64(p))
	}
	return wide == 0 && bits.Len64(uint64(x^x>>63))+bits.Len64(mag) <= 60
}

// addSmall adds (or, with neg, subtracts) decimals of precision at most
// 18 and equal scale whose results fit in int64 too, reading both as
// int64, with a loop per broadcast shape.
func addSmall(out, l, r []num, lm, rm int, neg bool) {
	n := len(out)
	sign := int64(1)
	if neg {
		sign = -1
	}
	switch {
	case lm < 0 && rm < 0:
		l, r := l[:n], r[:n]
		for i := range out {
			s := int64(l[i].LowBits()) + sign*int64(r[i].LowBits())
			out[i] = decimal128.New(s>>63, uint64(s))
		}
	case lm == 0 && rm < 0:
		a, r := int64(l[0].LowBits()), r[:n]
		for i := range out {
			s := a + sign*int64(r[i].LowBits())
			out[i] = decimal128.New(s>>63, uint64(s))
		}
	case lm < 0 && rm == 0:
		b, l := sign*int64(r[0].LowBits()), l[:n]
		for i := range out {
			s := int64(l[i].LowBits()) + b
			out[i] = decimal128.New(s>>63, uint64(s))
		}
	default:
		for i := range out {
			s := int64(l[i&lm].LowBits()) + sign*int64(r[i&rm].LowBits())
			out[i] = decimal128.New(s>>63, uint64(s))
		}
	}
}

// affine is a decimal c + y, c - y or y - c (c a constant, y a column of
// precision at most 18, the result of precision at most 18) read as the
// int64 a*y + b, so that a product with it (Q1's
// l_extendedprice * (1 - l_discount) and ... * (1 + l_tax)) needs no
// array of its 16-byte values.
type affine struct {
	y    Expr
	a, b int64
}

// affineOf reports whether e is such an affine expression.
func affineOf(e Expr) (affine, bool) {
	x, ok := e.(*arithExpr)
	if !ok || x.kind != arithDecimal || (x.op != OpAdd && x.op != OpSub) {
		return affine{}, false
	}
	lt, lok := x.l.DataType().(*arrow.Decimal128Type)
	rt, rok := x.r.DataType().(*arrow.Decimal128Type)
	res := x.typ.(*arrow.Decimal128Type)
	if !lok || !rok || lt.Scale != rt.Scale || lt.Scale != res.Scale || res.Precision > 18 || lt.Precision > 18 || rt.Precision > 18 {
		return affine{}, false
	}
	konst, y, a := x.lk, x.r, int64(1)
	if x.op == OpSub {
		a = -1
	}
	if konst == nil {
		konst, y, a = x.rk, x.l, 1
	}
	if konst == nil || konst.IsNull(0) || (x.lk != nil && x.rk != nil) {
		return affine{}, false
	}
	c := values[num](konst)[0]
	b := int64(c.LowBits())
	if !fitsInt64(c) || bits.Len64(uint64(b^b>>63)) > 61 {
		return affine{}, false
	}
	if x.rk != nil && x.op == OpSub {
		b = -b // y - c
	}
	return affine{y: y, a: a, b: b}, true
}

// evalAffine evaluates a decimal product one of whose sides is affine
// (see affineOf) without materialising that side, when the values at
// hand bound every product below 2^62. ok false means it did not apply
// and the caller evaluates the product as usual.
func (e *arithExpr) evalAffine(ctx *Context, batch arrow.Record) (arrow.Array, bool, error) {
	other, ok := e.l, false
	otherK := e.lk
	af, ok := affineOf(e.r)
	if !ok {
		if af, ok = affineOf(e.l); !ok {
			return nil, false, nil
		}
		other, otherK = e.r, e.rk
	}
	xo, err := evalOperand(ctx, other, otherK, batch)
	if err != nil {
		return nil, false, err
	}
	defer xo.release()
	yo, err := evalOperand(ctx, af.y, nil, batch)
	if err != nil {
		return nil, false, err
	}
	defer yo.release()
	mem := allocator(ctx)
	n := int(batch.NumRows())
	validity, nulls, allNull := combineValidity(mem, n, xo, yo)
	if allNull {
		return nullArray(mem, e.typ, n), true, nil
	}
	xm := -1
	if xo.bcast {
		xm = 0
	}
	buf, out := newValues[num](mem, n)
	if !mulAffineSmall(out, values[num](xo.arr), xm, values[num](yo.arr)[:n], af.a, af.b) {
		buf.Release()
		if validity != nil {
			validity.Release()
		}
		return nil, false, nil
	}
	return fixedArray(e.typ, n, validity, nulls, buf), true, nil
}

// mulAffineSmall sets out[i] = x[i&xm] * (a*y[i] + b) and reports whether
// that was exact: x fits in int64 and the magnitudes of x and of a*y+b
// bound each product below 2^62. y is of precision at most 18 and read as
// int64, as the int64 add kernel reads it, so a*y+b (|b| < 2^61) is
// exact. a is 1 or -1.
func mulAffineSmall(out, x []num, xm int, y []num, a, b int64) bool {
	n := len(out)
	y = y[:n]
	var wide int64
	var xmag, tmag uint64
	switch {
	case xm < 0 && a == 1:
		x = x[:n]
		for i := range out {
			p := int64(x[i].LowBits())
			ps := p >> 63
			wide |= x[i].HighBits() ^ ps
			t := int64(y[i].LowBits()) + b
			xmag |= uint64(p ^ ps)
			tmag |= uint64(t ^ t>>63)
			r := p * t
			out[i] = decimal128.New(r>>63, uint64(r))
		}
	case xm < 0:
		x = x[:n]
		for i := range out {
			p := int64(x[i].LowBits())
			ps := p >> 63
			wide |= x[i].HighBits() ^ ps
			t := b - int64(y[i].LowBits())
			xmag |= uint64(p ^ ps)
			tmag |= uint64(t ^ t>>63)
			r := p * t
			out[i] = decimal128.New(r>>63, uint64(r))
		}
	default:
		for i := range out {
			xv := &x[i&xm]
			p := int64(xv.LowBits())
			ps := p >> 63
			wide |= xv.HighBits() ^ ps
			t := a*int64(y[i].LowBits()) + b
			xmag |= uint64(p ^ ps)
			tmag |= uint64(t ^ t>>63)
			r := p * t
			out[i] = decimal128.New(r>>63, uint64(r))
		}
	}
	return wide == 0 && bits.Len64(xmag)+bits.Len64(tmag) <= 60
}

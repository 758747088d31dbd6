package exec

import (
	"cmp"
	"encoding/binary"
	"fmt"

	"github.com/apache/arrow/go/v15/arrow"
	"github.com/apache/arrow/go/v15/arrow/array"
	"github.com/apache/arrow/go/v15/arrow/memory"
	"github.com/apache/arrow/go/v15/arrow/scalar"
)

// Comparisons = <> < <= > >= of every comparable type. Both sides are
// first converted to their comparison domain (see comparisonDomain):
// numbers of different types compare by exact value (int against decimal
// after rescaling, not through float), a string meeting a date is read as
// a date. The kernels write the result bitmap directly; a constant side is
// never materialised (l_shipdate <= date '1998-09-02' reads one column).

type cmpExpr struct {
	op     BinaryOp
	l, r   Expr
	lk, rk arrow.Array
	dom    arrow.DataType
}

var _ Expr = (*cmpExpr)(nil)

func newCompare(op BinaryOp, l, r Expr) (Expr, error) {
	dom, err := comparisonDomain(l.DataType(), r.DataType())
	if err != nil {
		return nil, fmt.Errorf("%w: cannot apply %s to %s and %s (compare values of one kind, or add an explicit CAST)", ErrType, op, l.DataType(), r.DataType())
	}
	if isNullType(dom) {
		return NewLiteral(scalar.MakeNullScalar(typBool)), nil
	}
	lc, err := NewCast(l, dom)
	if err != nil {
		return nil, err
	}
	rc, err := NewCast(r, dom)
	if err != nil {
		return nil, err
	}
	return &cmpExpr{op: op, l: lc, r: rc, lk: constantOf(lc), rk: constantOf(rc), dom: dom}, nil
}

func (e *cmpExpr) DataType() arrow.DataType { return typBool }

func (e *cmpExpr) String() string { return fmt.Sprintf("(%s %s %s)", e.l, e.op, e.r) }

func (e *cmpExpr) Eval(ctx *Context, batch arrow.Record) (arrow.Array, error) {
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
		return nullArray(mem, typBool, n), nil
	}
	buf := compareOperands(mem, e.op, lo, ro, n)
	return fixedArray(typBool, n, validity, nulls, buf), nil
}

// compareOperands returns the bitmap of l op r over n rows (values under
// nulls are unspecified). Both operands have the same type.
func compareOperands(mem memory.Allocator, op BinaryOp, lo, ro operand, n int) *memory.Buffer {
	buf := newBuffer(mem, (n+7)/8)
	out := buf.Bytes()
	if n == 0 {
		return buf
	}
	switch lo.arr.DataType().ID() {
	case arrow.INT32, arrow.DATE32:
		compareOrdered(op, values[int32](lo.arr), values[int32](ro.arr), lo.bcast, ro.bcast, out, n)
	case arrow.INT64, arrow.TIMESTAMP:
		compareOrdered(op, values[int64](lo.arr), values[int64](ro.arr), lo.bcast, ro.bcast, out, n)
	case arrow.FLOAT64:
		compareOrdered(op, values[float64](lo.arr), values[float64](ro.arr), lo.bcast, ro.bcast, out, n)
	case arrow.DECIMAL128:
		l, r := values[num](lo.arr), values[num](ro.arr)
		if lo.arr.DataType().(*arrow.Decimal128Type).Precision <= 18 {
			// Values fit in int64: compare the low words, in place when
			// one side is a constant.
			switch {
			case ro.bcast && !lo.bcast:
				compareLowWordsConst(op, l, int64(r[0].LowBits()), out, n)
				return buf
			case lo.bcast && !ro.bcast:
				compareLowWordsConst(op.flip(), r, int64(l[0].LowBits()), out, n)
				return buf
			}
			lw, lbuf := lowWords(mem, l, lo.bcast, n)
			rw, rbuf := lowWords(mem, r, ro.bcast, n)
			compareOrdered(op, lw, rw, lo.bcast, ro.bcast, out, n)
			lbuf.Release()
			rbuf.Release()
		} else {
			compareGeneric(op, n, lo.bcast, ro.bcast, out, func(i, j int) int { return cmpNum(l[i], r[j]) })
		}
	case arrow.STRING:
		ls, rs := lo.arr.(*array.String), ro.arr.(*array.String)
		if op == OpEq || op == OpNotEq {
			compareStringsEq(op == OpNotEq, ls, rs, lo.bcast, ro.bcast, out, n)
		} else {
			compareGeneric(op, n, lo.bcast, ro.bcast, out, func(i, j int) int { return cmp.Compare(ls.Value(i), rs.Value(j)) })
		}
	case arrow.BOOL:
		compareBools(mem, op, lo, ro, out, n)
	}
	return buf
}

// lowWords reads decimals known to fit in int64 as int64 (the first only
// for a broadcast constant), into a buffer from mem the caller releases.
func lowWords(mem memory.Allocator, v []num, bcast bool, n int) ([]int64, *memory.Buffer) {
	if bcast {
		n = 1
	}
	buf, out := newValues[int64](mem, n)
	for i, x := range v[:n] {
		out[i] = int64(x.LowBits())
	}
	return out, buf
}

// compareLowWordsConst compares the first n decimals of v, known to fit
// in int64, with the constant c. Every operator becomes lo <= x <= hi (or
// its negation), tested with one unsigned comparison per row (inRangeLow).
func compareLowWordsConst(op BinaryOp, v []num, c int64, out []byte, n int) {
	lo, hi := constRange(op, c)
	if lo > hi {
		fillBits(out, n, false)
		return
	}
	inRangeLow(v[:n], lo, hi, out)
	if op == OpNotEq {
		for i := range out[:(n+7)/8] {
			out[i] = ^out[i]
		}
		if n%8 != 0 {
			out[n/8] &= 1<<(n%8) - 1 // keep the bits past the last row clear
		}
	}
}

// compareOrdered is the typed loop for numbers, dates and timestamps.
func compareOrdered[T int32 | int64 | float64](op BinaryOp, l, r []T, lb, rb bool, out []byte, n int) {
	if lb && !rb {
		l, r, lb, rb, op = r, l, rb, lb, op.flip()
	}
	if lb && rb {
		fillBits(out, n, holds(op, cmp.Compare(l[0], r[0])))
		return
	}
	l = l[:n]
	full := n &^ 7
	// Eight rows make one output byte: no read-modify-write per row.
	if rb {
		c := r[0]
		switch op {
		case OpEq:
			for i := 0; i < full; i += 8 {
				v := l[i : i+8 : i+8]
				out[i>>3] = b2u8(v[0] == c) | b2u8(v[1] == c)<<1 | b2u8(v[2] == c)<<2 | b2u8(v[3] == c)<<3 | b2u8(v[4] == c)<<4 | b2u8(v[5] == c)<<5 | b2u8(v[6] == c)<<6 | b2u8(v[7] == c)<<7
			}
			for i := full; i < n; i++ {
				out[i>>3] |= b2u8(l[i] == c) << (i & 7)
			}
		case OpNotEq:
			for i := 0; i < full; i += 8 {
				v := l[i : i+8 : i+8]
				out[i>>3] = b2u8(v[0] != c) | b2u8(v[1] != c)<<1 | b2u8(v[2] != c)<<2 | b2u8(v[3] != c)<<3 | b2u8(v[4] != c)<<4 | b2u8(v[5] != c)<<5 | b2u8(v[6] != c)<<6 | b2u8(v[7] != c)<<7
			}
			for i := full; i < n; i++ {
				out[i>>3] |= b2u8(l[i] != c) << (i & 7)
			}
		case OpLt:
			for i := 0; i < full; i += 8 {
				v := l[i : i+8 : i+8]
				out[i>>3] = b2u8(v[0] < c) | b2u8(v[1] < c)<<1 | b2u8(v[2] < c)<<2 | b2u8(v[3] < c)<<3 | b2u8(v[4] < c)<<4 | b2u8(v[5] < c)<<5 | b2u8(v[6] < c)<<6 | b2u8(v[7] < c)<<7
			}
			for i := full; i < n; i++ {
				out[i>>3] |= b2u8(l[i] < c) << (i & 7)
			}
		case OpLtEq:
			for i := 0; i < full; i += 8 {
				v := l[i : i+8 : i+8]
				out[i>>3] = b2u8(v[0] <= c) | b2u8(v[1] <= c)<<1 | b2u8(v[2] <= c)<<2 | b2u8(v[3] <= c)<<3 | b2u8(v[4] <= c)<<4 | b2u8(v[5] <= c)<<5 | b2u8(v[6] <= c)<<6 | b2u8(v[7] <= c)<<7
			}
			for i := full; i < n; i++ {
				out[i>>3] |= b2u8(l[i] <= c) << (i & 7)
			}
		case OpGt:
			for i := 0; i < full; i += 8 {
				v := l[i : i+8 : i+8]
				out[i>>3] = b2u8(v[0] > c) | b2u8(v[1] > c)<<1 | b2u8(v[2] > c)<<2 | b2u8(v[3] > c)<<3 | b2u8(v[4] > c)<<4 | b2u8(v[5] > c)<<5 | b2u8(v[6] > c)<<6 | b2u8(v[7] > c)<<7
			}
			for i := full; i < n; i++ {
				out[i>>3] |= b2u8(l[i] > c) << (i & 7)
			}
		case OpGtEq:
			for i := 0; i < full; i += 8 {
				v := l[i : i+8 : i+8]
				out[i>>3] = b2u8(v[0] >= c) | b2u8(v[1] >= c)<<1 | b2u8(v[2] >= c)<<2 | b2u8(v[3] >= c)<<3 | b2u8(v[4] >= c)<<4 | b2u8(v[5] >= c)<<5 | b2u8(v[6] >= c)<<6 | b2u8(v[7] >= c)<<7
			}
			for i := full; i < n; i++ {
				out[i>>3] |= b2u8(l[i] >= c) << (i & 7)
			}
		}
		return
	}
	r = r[:n]
	switch op {
	case OpEq:
		for i := 0; i < full; i += 8 {
			v, w := l[i:i+8:i+8], r[i:i+8:i+8]
			out[i>>3] = b2u8(v[0] == w[0]) | b2u8(v[1] == w[1])<<1 | b2u8(v[2] == w[2])<<2 | b2u8(v[3] == w[3])<<3 | b2u8(v[4] == w[4])<<4 | b2u8(v[5] == w[5])<<5 | b2u8(v[6] == w[6])<<6 | b2u8(v[7] == w[7])<<7
		}
		for i := full; i < n; i++ {
			out[i>>3] |= b2u8(l[i] == r[i]) << (i & 7)
		}
	case OpNotEq:
		for i := 0; i < full; i += 8 {
			v, w := l[i:i+8:i+8], r[i:i+8:i+8]
			out[i>>3] = b2u8(v[0] != w[0]) | b2u8(v[1] != w[1])<<1 | b2u8(v[2] != w[2])<<2 | b2u8(v[3] != w[3])<<3 | b2u8(v[4] != w[4])<<4 | b2u8(v[5] != w[5])<<5 | b2u8(v[6] != w[6])<<6 | b2u8(v[7] != w[7])<<7
		}
		for i := full; i < n; i++ {
			out[i>>3] |= b2u8(l[i] != r[i]) << (i & 7)
		}
	case OpLt:
		for i := 0; i < full; i += 8 {
			v, w := l[i:i+8:i+8], r[i:i+8:i+8]
			out[i>>3] = b2u8(v[0] < w[0]) | b2u8(v[1] < w[1])<<1 | b2u8(v[2] < w[2])<<2 | b2u8(v[3] < w[3])<<3 | b2u8(v[4] < w[4])<<4 | b2u8(v[5] < w[5])<<5 | b2u8(v[6] < w[6])<<6 | b2u8(v[7] < w[7])<<7
		}
		for i := full; i < n; i++ {
			out[i>>3] |= b2u8(l[i] < r[i]) << (i & 7)
		}
	case OpLtEq:
		for i := 0; i < full; i += 8 {
			v, w := l[i:i+8:i+8], r[i:i+8:i+8]
			out[i>>3] = b2u8(v[0] <= w[0]) | b2u8(v[1] <= w[1])<<1 | b2u8(v[2] <= w[2])<<2 | b2u8(v[3] <= w[3])<<3 | b2u8(v[4] <= w[4])<<4 | b2u8(v[5] <= w[5])<<5 | b2u8(v[6] <= w[6])<<6 | b2u8(v[7] <= w[7])<<7
		}
		for i := full; i < n; i++ {
			out[i>>3] |= b2u8(l[i] <= r[i]) << (i & 7)
		}
	case OpGt:
		for i := 0; i < full; i += 8 {
			v, w := l[i:i+8:i+8], r[i:i+8:i+8]
			out[i>>3] = b2u8(v[0] > w[0]) | b2u8(v[1] > w[1])<<1 | b2u8(v[2] > w[2])<<2 | b2u8(v[3] > w[3])<<3 | b2u8(v[4] > w[4])<<4 | b2u8(v[5] > w[5])<<5 | b2u8(v[6] > w[6])<<6 | b2u8(v[7] > w[7])<<7
		}
		for i := full; i < n; i++ {
			out[i>>3] |= b2u8(l[i] > r[i]) << (i & 7)
		}
	case OpGtEq:
		for i := 0; i < full; i += 8 {
			v, w := l[i:i+8:i+8], r[i:i+8:i+8]
			out[i>>3] = b2u8(v[0] >= w[0]) | b2u8(v[1] >= w[1])<<1 | b2u8(v[2] >= w[2])<<2 | b2u8(v[3] >= w[3])<<3 | b2u8(v[4] >= w[4])<<4 | b2u8(v[5] >= w[5])<<5 | b2u8(v[6] >= w[6])<<6 | b2u8(v[7] >= w[7])<<7
		}
		for i := full; i < n; i++ {
			out[i>>3] |= b2u8(l[i] >= r[i]) << (i & 7)
		}
	}
}

// holds reports whether a comparison with outcome c (-1, 0, +1) satisfies op.
func holds(op BinaryOp, c int) bool {
	switch op {
	case OpEq:
		return c == 0
	case OpNotEq:
		return c != 0
	case OpLt:
		return c < 0
	case OpLtEq:
		return c <= 0
	case OpGt:
		return c > 0
	case OpGtEq:
		return c >= 0
	}
	return false
}

// fillBits sets the first n bits of out to v.
func fillBits(out []byte, n int, v bool) {
	if !v {
		return // out starts zeroed
	}
	for i := 0; i < n; i++ {
		out[i>>3] |= 1 << (i & 7)
	}
}

// compareGeneric runs a three-way compare per row (wide decimals, strings).
func compareGeneric(op BinaryOp, n int, lb, rb bool, out []byte, compare func(i, j int) int) {
	var table [3]byte
	for c := -1; c <= 1; c++ {
		table[c+1] = b2u8(holds(op, c))
	}
	lm, rm := -1, -1
	if lb {
		lm = 0
	}
	if rb {
		rm = 0
	}
	for i := 0; i < n; i++ {
		out[i>>3] |= table[compare(i&lm, i&rm)+1] << (i & 7)
	}
}

func compareStringsEq(negate bool, ls, rs *array.String, lb, rb bool, out []byte, n int) {
	if lb && !rb {
		ls, rs, lb, rb = rs, ls, rb, lb
	}
	flip := b2u8(negate)
	if rb {
		k := newStringConst(rs.Value(0))
		offs, data := stringParts(ls)
		for i := 0; i < n; i++ {
			out[i>>3] |= (b2u8(k.equals(data, offs[i], offs[i+1])) ^ flip) << (i & 7)
		}
		return
	}
	if lb {
		fillBits(out, n, (ls.Value(0) == rs.Value(0)) != negate)
		return
	}
	for i := 0; i < n; i++ {
		out[i>>3] |= (b2u8(ls.Value(i) == rs.Value(i)) ^ flip) << (i & 7)
	}
}

// stringConst is a string constant compared with many values: its length
// and first (up to) eight bytes as one word decide most comparisons
// without a call to memequal.
type stringConst struct {
	s    string
	n    int32
	head uint64
}

func newStringConst(s string) stringConst {
	return stringConst{s: s, n: int32(len(s)), head: headWord([]byte(s), 0, int32(len(s)))}
}

// equals reports whether data[lo:hi] is the constant.
func (k stringConst) equals(data []byte, lo, hi int32) bool {
	if hi-lo != k.n || headWord(data, lo, hi) != k.head {
		return false
	}
	return k.n <= 8 || string(data[lo+8:hi]) == k.s[8:]
}

// headWord is the first min(hi-lo, 8) bytes of data[lo:hi] as a
// little-endian word, zero-padded.
func headWord(data []byte, lo, hi int32) uint64 {
	l := hi - lo
	if l <= 0 {
		return 0
	}
	if int(lo)+8 <= len(data) {
		w := binary.LittleEndian.Uint64(data[lo:])
		if l < 8 {
			w &= 1<<(8*uint(l)) - 1
		}
		return w
	}
	var w uint64
	for j, c := range data[lo:min(hi, lo+8)] {
		w |= uint64(c) << (8 * j)
	}
	return w
}

// compareBools works a byte (eight rows) at a time on the value bitmaps.
func compareBools(mem memory.Allocator, op BinaryOp, lo, ro operand, out []byte, n int) {
	bytesOf := func(o operand) ([]byte, func()) {
		if o.bcast {
			b := make([]byte, len(out))
			if o.arr.(*array.Boolean).Value(0) {
				for i := range b {
					b[i] = 0xff
				}
			}
			return b, nil
		}
		return alignedBits(mem, o.arr.Data().Buffers()[1].Bytes(), o.arr.Data().Offset(), n)
	}
	l, lrel := bytesOf(lo)
	r, rrel := bytesOf(ro)
	for i := range out {
		a, b := l[i], r[i]
		var v byte
		switch op {
		case OpEq:
			v = ^(a ^ b)
		case OpNotEq:
			v = a ^ b
		case OpLt:
			v = ^a & b
		case OpLtEq:
			v = ^a | b
		case OpGt:
			v = a & ^b
		case OpGtEq:
			v = a | ^b
		}
		out[i] = v
	}
	if lrel != nil {
		lrel()
	}
	if rrel != nil {
		rrel()
	}
}

package exec

import (
	"unsafe"

	"github.com/apache/arrow/go/v15/arrow"
	"github.com/apache/arrow/go/v15/arrow/array"
	"github.com/apache/arrow/go/v15/arrow/bitutil"
)

// Blended CASE. When no WHEN, THEN or ELSE can fail on any row (columns,
// constants, comparisons of one type, boolean logic, IN, LIKE, IS NULL)
// and the result is fixed-width, CASE evaluates every arm over the whole
// batch and picks each row's value from the first arm whose WHEN holds,
// instead of splitting the batch per arm with arrow's filter kernel and
// merging the parts back with its take kernel (TPC-H Q12's
// CASE WHEN o_orderpriority = '1-URGENT' OR ... THEN 1 ELSE 0 END).

// cannotFail reports whether evaluating e never fails on any row, so CASE
// may evaluate it on rows another arm takes.
func cannotFail(e Expr) bool {
	switch x := e.(type) {
	case *literalExpr, *columnExpr:
		return true
	case *cmpExpr:
		return sameType(x.l.DataType(), x.r.DataType()) && cannotFail(x.l) && cannotFail(x.r)
	case *logicExpr:
		return cannotFail(x.l) && cannotFail(x.r)
	case *notExpr:
		return cannotFail(x.e)
	case *isNullExpr:
		return cannotFail(x.e)
	case *inListExpr:
		return cannotFail(x.e)
	case *likeExpr:
		return cannotFail(x.e)
	}
	return false
}

// blendWidth is the byte width of the fixed-width types a blended CASE can
// produce, 0 for the others.
func blendWidth(dt arrow.DataType) int {
	switch dt.ID() {
	case arrow.INT32, arrow.DATE32:
		return 4
	case arrow.INT64, arrow.FLOAT64, arrow.TIMESTAMP:
		return 8
	case arrow.DECIMAL128:
		return 16
	}
	return 0
}

// canBlend reports whether CASE e can run blended.
func (e *caseExpr) canBlend() bool {
	if blendWidth(e.typ) == 0 || len(e.whens) > 255 || !cannotFail(e.els) {
		return false
	}
	for _, w := range e.whens {
		if !cannotFail(w.When) || !cannotFail(w.Then) {
			return false
		}
	}
	// The constant arms' one-row arrays, made once.
	for _, w := range e.whens {
		e.konst = append(e.konst, constantOf(w.Then))
	}
	e.konst = append(e.konst, constantOf(e.els))
	return true
}

// evalBlend is Eval for a CASE that canBlend.
func (e *caseExpr) evalBlend(ctx *Context, batch arrow.Record) (arrow.Array, error) {
	mem := allocator(ctx)
	n := int(batch.NumRows())
	// arm[i] is the arm row i takes: a WHEN's index, or len(whens) for
	// ELSE; open rows have not met a true WHEN yet.
	arm := make([]uint8, n)
	elseArm := uint8(len(e.whens))
	for i := range arm {
		arm[i] = elseArm
	}
	used := make([]bool, len(e.whens)+1)
	open := n
	for k, w := range e.whens {
		if open == 0 {
			break
		}
		cond, err := w.When.Eval(ctx, batch)
		if err != nil {
			return nil, err
		}
		c := cond.(*array.Boolean)
		for i := range arm {
			if arm[i] == elseArm && c.IsValid(i) && c.Value(i) {
				arm[i] = uint8(k)
				used[k] = true
				open--
			}
		}
		cond.Release()
	}
	used[elseArm] = open > 0
	// The arms' values, a broadcast constant or a column per arm.
	vals := make([]operand, len(e.whens)+1)
	defer func() {
		for _, v := range vals {
			v.release()
		}
	}()
	for k := range vals {
		if !used[k] {
			continue
		}
		ex := e.els
		if k < len(e.whens) {
			ex = e.whens[k].Then
		}
		v, err := evalOperand(ctx, ex, e.konst[k], batch)
		if err != nil {
			return nil, err
		}
		vals[k] = v
	}
	w := blendWidth(e.typ)
	buf := newBufferNoZero(mem, n*w)
	out := buf.Bytes()
	validity := newBuffer(mem, int(bitutil.BytesForBits(int64(n))))
	valid := validity.Bytes()
	srcs := make([][]byte, len(vals))
	bms := make([][]byte, len(vals))
	offs := make([]int, len(vals))
	for k, v := range vals {
		if v.arr == nil {
			continue
		}
		d := v.arr.Data()
		if b := d.Buffers()[1]; b != nil {
			srcs[k] = b.Bytes()[d.Offset()*w:]
		}
		bms[k], offs[k] = validityOf(v.arr)
		if v.arr.NullN() == v.arr.Len() {
			srcs[k] = nil // all NULL: no values to read
		}
	}
	nulls := 0
	for i, k := range arm {
		j := i
		if vals[k].bcast {
			j = 0
		}
		src := srcs[k]
		if src == nil || (bms[k] != nil && !bitutil.BitIsSet(bms[k], offs[k]+j)) {
			clear(out[i*w : i*w+w])
			nulls++
			continue
		}
		copyWord(out[i*w:], src[j*w:], w)
		bitutil.SetBit(valid, i)
	}
	if nulls == 0 {
		validity.Release()
		validity = nil
	}
	return fixedArray(e.typ, n, validity, nulls, buf), nil
}

// copyWord copies one value of w bytes (4, 8 or 16).
func copyWord(dst, src []byte, w int) {
	switch w {
	case 4:
		*(*uint32)(unsafe.Pointer(&dst[0])) = *(*uint32)(unsafe.Pointer(&src[0]))
	case 8:
		*(*uint64)(unsafe.Pointer(&dst[0])) = *(*uint64)(unsafe.Pointer(&src[0]))
	default:
		*(*[16]byte)(unsafe.Pointer(&dst[0])) = *(*[16]byte)(unsafe.Pointer(&src[0]))
	}
}

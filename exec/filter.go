package exec

import (
	"fmt"
	"math/bits"

	"github.com/apache/arrow/go/v15/arrow"
	"github.com/apache/arrow/go/v15/arrow/array"
	"github.com/apache/arrow/go/v15/arrow/bitutil"
)

type filterOp struct {
	child Operator
	pred  Expr
	ctx   *Context
	// evalCtx evaluates the predicate with scratch, which recycles the
	// mask's buffers from batch to batch.
	evalCtx *Context
	scratch *recycler
	refs    []pickRef // reused selection vector
	sel     []int32   // reused selection vector of nextSelection
	err     error     // sticky: EOF or the first failure
}

var (
	_ Operator        = (*filterOp)(nil)
	_ selectionSource = (*filterOp)(nil)
)

// selectionSource is implemented by operators that can hand a consumer a
// batch together with the rows that qualify instead of copying those rows
// out (the filter), so a consumer that reads only some columns, or
// evaluates expressions over the batch anyway, skips the copy. A consumer
// calls either Next or nextSelection for the whole run, never both.
type selectionSource interface {
	// nextSelection returns the next batch holding at least one qualifying
	// row and the qualifying rows in increasing order, nil when every row
	// qualifies. The caller owns rec; sel is valid until the next call.
	// At the end it returns io.EOF like Next.
	nextSelection() (rec arrow.Record, sel []int32, err error)
}

// NewFilter returns an operator passing on the rows of child for which pred
// is true. A NULL predicate counts as false (SQL WHERE). pred must be
// boolean, otherwise the error wraps ErrType. A batch whose rows all pass is
// forwarded as is; a batch where none pass is skipped.
func NewFilter(child Operator, pred Expr) (Operator, error) {
	if child == nil || pred == nil {
		return nil, fmt.Errorf("%w: filter needs a child and a predicate", ErrInternal)
	}
	if pred.DataType().ID() != arrow.BOOL {
		return nil, fmt.Errorf("%w: filter predicate %s is %s, not boolean", ErrType, pred, pred.DataType())
	}
	return &filterOp{child: child, pred: pred}, nil
}

func (f *filterOp) Schema() *arrow.Schema { return f.child.Schema() }

func (f *filterOp) Open(ctx *Context) error {
	f.ctx = ctx
	f.scratch = newRecycler(ctx.Alloc)
	f.evalCtx = scratchContext(ctx, f.scratch)
	return f.child.Open(ctx)
}

func (f *filterOp) Next() (arrow.Record, error) {
	for f.err == nil {
		if err := f.ctx.Err(); err != nil {
			f.err = err
			break
		}
		rec, err := f.child.Next()
		if err != nil {
			f.err = err
			break
		}
		out, err := f.apply(rec)
		if err != nil {
			f.err = err
			break
		}
		if out != nil {
			return out, nil
		}
	}
	return nil, f.err
}

func (f *filterOp) nextSelection() (arrow.Record, []int32, error) {
	for f.err == nil {
		if err := f.ctx.Err(); err != nil {
			f.err = err
			break
		}
		rec, err := f.child.Next()
		if err != nil {
			f.err = err
			break
		}
		n := int(rec.NumRows())
		if n == 0 {
			rec.Release()
			continue
		}
		mask, err := f.mask(rec)
		if err != nil {
			rec.Release()
			f.err = err
			break
		}
		f.sel = selectTrue(mask, f.sel[:0])
		mask.Release()
		switch len(f.sel) {
		case 0:
			rec.Release()
			continue
		case n:
			return rec, nil, nil
		}
		return rec, f.sel, nil
	}
	return nil, nil, f.err
}

// mask evaluates the predicate over a non-empty batch.
func (f *filterOp) mask(rec arrow.Record) (*array.Boolean, error) {
	n := int(rec.NumRows())
	res, err := f.pred.Eval(f.evalCtx, rec)
	if err != nil {
		return nil, fmt.Errorf("filter %s: %w", f.pred, err)
	}
	mask, ok := res.(*array.Boolean)
	if !ok || mask.Len() != n {
		res.Release()
		return nil, fmt.Errorf("%w: filter predicate %s returned %s of %d rows for a batch of %d", ErrInternal, f.pred, res.DataType(), res.Len(), n)
	}
	return mask, nil
}

// apply filters one batch, consuming rec. It returns nil when no row
// passes.
func (f *filterOp) apply(rec arrow.Record) (arrow.Record, error) {
	defer rec.Release()
	n := int(rec.NumRows())
	if n == 0 {
		return nil, nil
	}
	mask, err := f.mask(rec)
	if err != nil {
		return nil, err
	}
	defer mask.Release()
	f.refs = selectTrue(mask, f.refs[:0])
	switch len(f.refs) {
	case 0:
		return nil, nil
	case n:
		rec.Retain()
		return rec, nil
	}
	out, err := pickRecordRows(f.ctx.Alloc, rec.Schema(), []arrow.Record{rec}, f.refs)
	if err != nil {
		return nil, fmt.Errorf("filter %s: %w", f.pred, err)
	}
	return out, nil
}

// selectTrue appends to refs the rows where mask is true and not null.
func selectTrue[T int32 | pickRef](mask *array.Boolean, refs []T) []T {
	d := mask.Data()
	n, off := d.Len(), d.Offset()
	if d.Buffers()[1] == nil {
		return refs
	}
	vals := d.Buffers()[1].Bytes()
	var valid []byte
	if mask.NullN() > 0 {
		valid = d.Buffers()[0].Bytes()
	}
	if off%8 != 0 {
		for i := 0; i < n; i++ {
			if bitutil.BitIsSet(vals, off+i) && (valid == nil || bitutil.BitIsSet(valid, off+i)) {
				refs = append(refs, T(i))
			}
		}
		return refs
	}
	vals = vals[off/8:]
	if valid != nil {
		valid = valid[off/8:]
	}
	full := n / 8
	for j := 0; j < full; j++ {
		b := vals[j]
		if valid != nil {
			b &= valid[j]
		}
		if b == 0 {
			continue
		}
		base := T(j * 8)
		if b == 0xFF {
			refs = append(refs, base, base+1, base+2, base+3, base+4, base+5, base+6, base+7)
			continue
		}
		for b != 0 {
			refs = append(refs, base+T(bits.TrailingZeros8(b)))
			b &= b - 1
		}
	}
	for i := full * 8; i < n; i++ {
		if bitutil.BitIsSet(vals, i) && (valid == nil || bitutil.BitIsSet(valid, i)) {
			refs = append(refs, T(i))
		}
	}
	return refs
}

func (f *filterOp) Close() error {
	f.refs, f.sel = nil, nil
	if f.scratch != nil {
		f.scratch.release()
	}
	return f.child.Close()
}

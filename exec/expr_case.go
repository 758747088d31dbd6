package exec

import (
	"fmt"
	"strings"

	"github.com/apache/arrow/go/v15/arrow"
	"github.com/apache/arrow/go/v15/arrow/array"
	"github.com/apache/arrow/go/v15/arrow/compute"
	"github.com/apache/arrow/go/v15/arrow/memory"
	"github.com/apache/arrow/go/v15/arrow/scalar"
)

// Searched CASE. Each WHEN is evaluated only on the rows no earlier WHEN
// took, and each THEN only on the rows its WHEN took, so a branch that
// would fail on other rows (CASE WHEN x <> 0 THEN 10 / x END) does not fail
// the query. When one branch takes every row it runs on the batch as is;
// otherwise the rows are split with arrow's filter kernel and the branch
// results merged back in row order with its take kernel.

// WhenThen is one WHEN condition THEN result arm of a CASE.
type WhenThen struct {
	When, Then Expr
}

type caseExpr struct {
	whens []WhenThen
	els   Expr
	typ   arrow.DataType
	blend bool          // see expr_case_blend.go
	konst []arrow.Array // blended: each arm's constant (ELSE last), or nil
}

var _ Expr = (*caseExpr)(nil)

// NewCase returns CASE WHEN w1 THEN t1 ... ELSE e END. Every WHEN must be
// boolean; the result type is the common type of the THEN and ELSE
// branches (see CommonType). A nil elseExpr means ELSE NULL.
func NewCase(whens []WhenThen, elseExpr Expr) (Expr, error) {
	if len(whens) == 0 {
		return nil, fmt.Errorf("%w: CASE needs at least one WHEN", ErrType)
	}
	var typ arrow.DataType = typNull
	for i, w := range whens {
		if w.When == nil || w.Then == nil {
			return nil, fmt.Errorf("%w: CASE arm %d lacks a WHEN or THEN", ErrType, i+1)
		}
		if t := w.When.DataType(); t.ID() != arrow.BOOL && !isNullType(t) {
			return nil, fmt.Errorf("%w: CASE WHEN %s is %s, it must be boolean", ErrType, w.When, t)
		}
		t, err := CommonType(typ, w.Then.DataType())
		if err != nil {
			return nil, fmt.Errorf("%w: CASE branches mix %s and %s (CAST them to one type)", ErrType, typ, w.Then.DataType())
		}
		typ = t
	}
	if elseExpr != nil {
		t, err := CommonType(typ, elseExpr.DataType())
		if err != nil {
			return nil, fmt.Errorf("%w: CASE branches mix %s and %s in ELSE (CAST them to one type)", ErrType, typ, elseExpr.DataType())
		}
		typ = t
	}
	typ = widen(typ)
	if isNullType(typ) {
		typ = typInt32 // every branch is NULL: DuckDB's choice of type
	}
	out := &caseExpr{typ: typ}
	for _, w := range whens {
		when, err := NewCast(w.When, typBool)
		if err != nil {
			return nil, err
		}
		then, err := NewCast(w.Then, typ)
		if err != nil {
			return nil, err
		}
		out.whens = append(out.whens, WhenThen{When: when, Then: then})
	}
	if elseExpr == nil {
		elseExpr = NewLiteral(scalar.MakeNullScalar(typ))
	}
	els, err := NewCast(elseExpr, typ)
	if err != nil {
		return nil, err
	}
	out.els = els
	out.blend = out.canBlend()
	return out, nil
}

func (e *caseExpr) DataType() arrow.DataType { return e.typ }

func (e *caseExpr) String() string {
	var b strings.Builder
	b.WriteString("CASE")
	for _, w := range e.whens {
		fmt.Fprintf(&b, " WHEN %s THEN %s", w.When, w.Then)
	}
	fmt.Fprintf(&b, " ELSE %s END", e.els)
	return b.String()
}

// casePart is the result of one branch over a subset of the rows.
type casePart struct {
	rows []int32 // the batch rows, ascending
	arr  arrow.Array
}

func (e *caseExpr) Eval(ctx *Context, batch arrow.Record) (arrow.Array, error) {
	mem := allocator(ctx)
	n := int(batch.NumRows())
	if n == 0 {
		return nullArray(mem, e.typ, 0), nil
	}
	if e.blend {
		return e.evalBlend(ctx, batch)
	}
	var parts []casePart
	defer func() {
		for _, p := range parts {
			if p.arr != nil {
				p.arr.Release()
			}
		}
	}()
	// rest is the batch restricted to the rows no WHEN has taken yet;
	// restRows maps its rows to the batch's.
	rest := batch
	rest.Retain()
	defer func() { rest.Release() }()
	restRows := make([]int32, n)
	for i := range restRows {
		restRows[i] = int32(i)
	}
	for _, w := range e.whens {
		if len(restRows) == 0 {
			break
		}
		cond, err := w.When.Eval(ctx, rest)
		if err != nil {
			return nil, err
		}
		taken, left := splitRows(cond.(*array.Boolean), restRows)
		switch {
		case len(taken) == 0:
			cond.Release()
			continue
		case len(left) == 0:
			cond.Release()
			arr, err := w.Then.Eval(ctx, rest)
			if err != nil {
				return nil, err
			}
			parts = append(parts, casePart{rows: taken, arr: arr})
			restRows = nil
			continue
		}
		sub, err := filterRecord(ctx, rest, cond, false)
		if err != nil {
			cond.Release()
			return nil, err
		}
		arr, err := w.Then.Eval(ctx, sub)
		sub.Release()
		if err != nil {
			cond.Release()
			return nil, err
		}
		parts = append(parts, casePart{rows: taken, arr: arr})
		next, err := filterRecord(ctx, rest, cond, true)
		cond.Release()
		if err != nil {
			return nil, err
		}
		rest.Release()
		rest = next
		restRows = left
	}
	if len(restRows) > 0 {
		arr, err := e.els.Eval(ctx, rest)
		if err != nil {
			return nil, err
		}
		parts = append(parts, casePart{rows: restRows, arr: arr})
	}
	if len(parts) == 1 {
		parts[0].arr.Retain()
		return parts[0].arr, nil
	}
	return mergeParts(ctx, mem, parts, n)
}

// splitRows splits rows by a condition over them: rows where it is TRUE,
// and rows where it is FALSE or NULL.
func splitRows(cond *array.Boolean, rows []int32) (taken, left []int32) {
	for i, r := range rows {
		if cond.IsValid(i) && cond.Value(i) {
			taken = append(taken, r)
		} else {
			left = append(left, r)
		}
	}
	return taken, left
}

// filterRecord keeps the rows of rec where cond is TRUE, or, when invert,
// where it is FALSE or NULL.
func filterRecord(ctx *Context, rec arrow.Record, cond arrow.Array, invert bool) (arrow.Record, error) {
	mask := cond
	if invert || cond.NullN() > 0 {
		// Fold NULL into FALSE (and invert) so the filter sees no nulls.
		mem := allocator(ctx)
		n := cond.Len()
		c := cond.(*array.Boolean)
		buf := newBuffer(mem, (n+7)/8)
		out := buf.Bytes()
		for i := 0; i < n; i++ {
			take := c.IsValid(i) && c.Value(i)
			out[i>>3] |= b2u8(take != invert) << (i & 7)
		}
		mask = fixedArray(typBool, n, nil, 0, buf)
		defer mask.Release()
	}
	if rec.NumCols() == 0 {
		kept := 0
		b := mask.(*array.Boolean)
		for i := 0; i < b.Len(); i++ {
			if b.Value(i) {
				kept++
			}
		}
		return array.NewRecord(rec.Schema(), nil, int64(kept)), nil
	}
	out, err := compute.FilterRecordBatch(computeCtx(ctx), rec, mask, compute.DefaultFilterOptions())
	if err != nil {
		return nil, fmt.Errorf("%w: CASE filter: %v", ErrInternal, err)
	}
	return out, nil
}

// mergeParts interleaves branch results back into row order.
func mergeParts(ctx *Context, mem memory.Allocator, parts []casePart, n int) (arrow.Array, error) {
	arrs := make([]arrow.Array, len(parts))
	for i, p := range parts {
		arrs[i] = p.arr
	}
	all, err := array.Concatenate(arrs, mem)
	if err != nil {
		return nil, fmt.Errorf("%w: CASE merge: %v", ErrInternal, err)
	}
	defer all.Release()
	buf, pos := newValues[int32](mem, n)
	base := int32(0)
	for _, p := range parts {
		for k, r := range p.rows {
			pos[r] = base + int32(k)
		}
		base += int32(len(p.rows))
	}
	indices := fixedArray(typInt32, n, nil, 0, buf)
	defer indices.Release()
	out, err := compute.TakeArray(computeCtx(ctx), all, indices)
	if err != nil {
		return nil, fmt.Errorf("%w: CASE merge: %v", ErrInternal, err)
	}
	return out, nil
}

package exec

import (
	"fmt"

	"github.com/apache/arrow/go/v15/arrow"
	"github.com/apache/arrow/go/v15/arrow/array"
)

type projectOp struct {
	child   Operator
	exprs   []Expr
	schema  *arrow.Schema
	ctx     *Context // the query's context with scratch as its allocator
	scratch *recycler
	err     error
}

var (
	_ Operator        = (*projectOp)(nil)
	_ selectionSource = (*projectOp)(nil)
)

// NewProject returns an operator computing exprs over every batch of child.
// Output column i is named names[i] (the expression's text when empty) and
// has exprs[i]'s type. A plain column reference passes the input column on
// without copying it.
func NewProject(child Operator, exprs []Expr, names []string) (Operator, error) {
	if child == nil {
		return nil, fmt.Errorf("%w: project without a child", ErrInternal)
	}
	if len(names) != len(exprs) {
		return nil, fmt.Errorf("%w: project has %d expressions but %d names", ErrInternal, len(exprs), len(names))
	}
	fields := make([]arrow.Field, len(exprs))
	for i, e := range exprs {
		if e == nil {
			return nil, fmt.Errorf("%w: project expression %d is nil", ErrInternal, i)
		}
		name := names[i]
		if name == "" {
			name = e.String()
		}
		fields[i] = arrow.Field{Name: name, Type: e.DataType(), Nullable: true}
	}
	return &projectOp{child: child, exprs: exprs, schema: arrow.NewSchema(fields, nil)}, nil
}

func (p *projectOp) Schema() *arrow.Schema { return p.schema }

func (p *projectOp) Open(ctx *Context) error {
	// Computed columns come from a recycler: the consumer releases a batch
	// before asking for the next (an aggregate folding it, a filter), so
	// the next batch's columns reuse the same buffers instead of fresh
	// memory whose pages fault in when first written (Q1's four decimal
	// expressions allocated ~370 MiB a query). Buffers released after
	// Close go to ctx's allocator.
	p.scratch = newRecycler(ctx.Alloc)
	p.ctx = scratchContext(ctx, p.scratch)
	return p.child.Open(ctx)
}

func (p *projectOp) Next() (arrow.Record, error) {
	if p.err != nil {
		return nil, p.err
	}
	rec, err := p.child.Next()
	if err != nil {
		p.err = err
		return nil, err
	}
	defer rec.Release()
	out, err := p.project(rec)
	if err != nil {
		p.err = err
		return nil, err
	}
	return out, nil
}

// nextSelection passes a filter's selection through the projection: when
// at least half the rows qualify it computes the expressions over the
// whole batch and hands on the same selection, sparing the copy of the
// qualifying rows; when few qualify, or computing the whole batch fails
// (a rejected row may divide by zero), it projects a copy of the
// qualifying rows instead. Over a child that cannot select it is Next.
func (p *projectOp) nextSelection() (arrow.Record, []int32, error) {
	src, ok := p.child.(selectionSource)
	if !ok {
		rec, err := p.Next()
		return rec, nil, err
	}
	if p.err != nil {
		return nil, nil, p.err
	}
	rec, sel, err := src.nextSelection()
	if err != nil {
		p.err = err
		return nil, nil, err
	}
	defer rec.Release()
	if sel != nil && 2*len(sel) >= int(rec.NumRows()) {
		if out, err := p.project(rec); err == nil {
			return out, sel, nil
		}
	}
	in := rec
	if sel != nil {
		refs := make([]pickRef, len(sel))
		for i, r := range sel {
			refs[i] = pickRef(r)
		}
		picked, err := pickRecordRows(p.ctx.Alloc, rec.Schema(), []arrow.Record{rec}, refs)
		if err != nil {
			p.err = fmt.Errorf("project: %w", err)
			return nil, nil, p.err
		}
		defer picked.Release()
		in = picked
	}
	out, err := p.project(in)
	if err != nil {
		p.err = err
		return nil, nil, err
	}
	return out, nil, nil
}

func (p *projectOp) project(rec arrow.Record) (arrow.Record, error) {
	n := rec.NumRows()
	cols := make([]arrow.Array, len(p.exprs))
	defer releaseArrays(cols)
	for i, e := range p.exprs {
		col, err := e.Eval(p.ctx, rec)
		if err != nil {
			return nil, fmt.Errorf("project %s: %w", p.schema.Field(i).Name, err)
		}
		cols[i] = col
		if int64(col.Len()) != n || !sameType(col.DataType(), p.schema.Field(i).Type) {
			return nil, fmt.Errorf("%w: project %s: expression %s returned %d rows of %s for a batch of %d rows of %s",
				ErrInternal, p.schema.Field(i).Name, e, col.Len(), col.DataType(), n, p.schema.Field(i).Type)
		}
	}
	return array.NewRecord(p.schema, cols, n), nil
}

func (p *projectOp) Close() error {
	if p.scratch != nil {
		p.scratch.release()
	}
	return p.child.Close()
}

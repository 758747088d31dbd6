package exec

import (
	"fmt"
	"io"

	"github.com/apache/arrow/go/v15/arrow"
	"github.com/apache/arrow/go/v15/arrow/array"
)

type unionOp struct {
	children []Operator
	schema   *arrow.Schema
	ctx      *Context
	cur      int
	opened   int // children opened so far
	err      error
}

var _ Operator = (*unionOp)(nil)

// NewUnion returns the UNION ALL of children: every batch of the first,
// then of the second, and so on, one child at a time (see NewGather for
// running children concurrently). The children must produce the same
// column types, otherwise the error wraps ErrType and names the column;
// column names come from the first child. A child is opened when the
// union reaches it.
func NewUnion(children ...Operator) (Operator, error) {
	schema, err := unionSchema("union", children)
	if err != nil {
		return nil, err
	}
	return &unionOp{children: children, schema: schema}, nil
}

// unionSchema checks that children agree on column types and returns the
// first child's schema, with a column nullable when it is in any child.
func unionSchema(op string, children []Operator) (*arrow.Schema, error) {
	if len(children) == 0 {
		return nil, fmt.Errorf("%w: %s without inputs", ErrInternal, op)
	}
	for i, c := range children {
		if c == nil {
			return nil, fmt.Errorf("%w: %s input %d is nil", ErrInternal, op, i+1)
		}
	}
	first := children[0].Schema()
	fields := append([]arrow.Field(nil), first.Fields()...)
	for i, c := range children[1:] {
		s := c.Schema()
		if len(s.Fields()) != len(fields) {
			return nil, fmt.Errorf("%w: %s input %d has %d columns, the first input has %d", ErrType, op, i+2, len(s.Fields()), len(fields))
		}
		for j, f := range s.Fields() {
			if !arrow.TypeEqual(f.Type, fields[j].Type) {
				return nil, fmt.Errorf("%w: %s column %d (%s): input %d has %s, the first input has %s",
					ErrType, op, j+1, fields[j].Name, i+2, f.Type, fields[j].Type)
			}
			fields[j].Nullable = fields[j].Nullable || f.Nullable
		}
	}
	for j := range fields {
		fields[j].Metadata = arrow.Metadata{}
	}
	return arrow.NewSchema(fields, nil), nil
}

// relabel returns rec under schema (same column types), consuming rec.
func relabel(schema *arrow.Schema, rec arrow.Record) arrow.Record {
	if rec.Schema() == schema || rec.Schema().Equal(schema) {
		return rec
	}
	out := array.NewRecord(schema, rec.Columns(), rec.NumRows())
	rec.Release()
	return out
}

func (u *unionOp) Schema() *arrow.Schema { return u.schema }

func (u *unionOp) Open(ctx *Context) error {
	u.ctx = ctx
	if err := u.children[0].Open(ctx); err != nil {
		return err
	}
	u.opened = 1
	return nil
}

func (u *unionOp) Next() (arrow.Record, error) {
	for u.err == nil {
		if u.cur >= len(u.children) {
			u.err = io.EOF
			break
		}
		if u.cur >= u.opened {
			if err := u.children[u.cur].Open(u.ctx); err != nil {
				u.err = err
				break
			}
			u.opened++
		}
		rec, err := u.children[u.cur].Next()
		if err == io.EOF {
			// Free a finished input's resources before starting the next.
			if err := u.children[u.cur].Close(); err != nil {
				u.err = err
				break
			}
			u.cur++
			continue
		}
		if err != nil {
			u.err = err
			break
		}
		return relabel(u.schema, rec), nil
	}
	return nil, u.err
}

func (u *unionOp) Close() error {
	var first error
	for _, c := range u.children {
		if err := c.Close(); err != nil && first == nil {
			first = err
		}
	}
	return first
}

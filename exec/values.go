package exec

import (
	"fmt"
	"io"

	"github.com/apache/arrow/go/v15/arrow"
	"github.com/apache/arrow/go/v15/arrow/array"
	"github.com/apache/arrow/go/v15/arrow/scalar"
)

type valuesOp struct {
	schema *arrow.Schema
	rows   [][]scalar.Scalar
	ctx    *Context
	done   bool
	err    error
}

var _ Operator = (*valuesOp)(nil)

// NewValues returns an operator producing rows (a VALUES list) as one
// batch. Every row must have one value per schema field, of the field's
// type or a NULL (a null scalar of any type); otherwise the error wraps
// ErrType and names the row and column. The batch is built at Open with
// the query's allocator.
func NewValues(schema *arrow.Schema, rows [][]scalar.Scalar) (Operator, error) {
	if schema == nil {
		return nil, fmt.Errorf("%w: values without a schema", ErrInternal)
	}
	for r, row := range rows {
		if len(row) != len(schema.Fields()) {
			return nil, fmt.Errorf("%w: VALUES row %d has %d values, expected %d", ErrType, r+1, len(row), len(schema.Fields()))
		}
		for c, v := range row {
			f := schema.Field(c)
			switch {
			case v == nil:
				return nil, fmt.Errorf("%w: VALUES row %d column %s: missing value", ErrInternal, r+1, f.Name)
			case !v.IsValid():
			case !arrow.TypeEqual(v.DataType(), f.Type):
				return nil, fmt.Errorf("%w: VALUES row %d column %s: value %s is %s, expected %s", ErrType, r+1, f.Name, v, v.DataType(), f.Type)
			}
		}
	}
	return &valuesOp{schema: schema, rows: rows}, nil
}

func (v *valuesOp) Schema() *arrow.Schema { return v.schema }

func (v *valuesOp) Open(ctx *Context) error {
	v.ctx, v.done, v.err = ctx, false, nil
	return nil
}

func (v *valuesOp) Next() (arrow.Record, error) {
	if v.done || len(v.rows) == 0 {
		v.done = true
		if v.err != nil {
			return nil, v.err
		}
		return nil, io.EOF
	}
	v.done = true
	rec, err := v.build()
	v.err = err
	return rec, err
}

func (v *valuesOp) build() (arrow.Record, error) {
	b := array.NewRecordBuilder(v.ctx.Alloc, v.schema)
	defer b.Release()
	for r, row := range v.rows {
		for c, val := range row {
			fb := b.Field(c)
			if !val.IsValid() {
				fb.AppendNull()
				continue
			}
			if err := scalar.Append(fb, val); err != nil {
				return nil, fmt.Errorf("%w: VALUES row %d column %s: %v", ErrType, r+1, v.schema.Field(c).Name, err)
			}
		}
	}
	if len(v.schema.Fields()) == 0 {
		return array.NewRecord(v.schema, nil, int64(len(v.rows))), nil
	}
	return b.NewRecord(), nil
}

func (v *valuesOp) Close() error { return nil }

package exec

import (
	"fmt"

	"github.com/apache/arrow/go/v15/arrow"
)

type columnExpr struct {
	index int
	name  string
	typ   arrow.DataType
}

var _ Expr = (*columnExpr)(nil)

// NewColumn returns an expression reading column index of the input batch.
// name is for display only; typ must be the column's type.
func NewColumn(index int, name string, typ arrow.DataType) Expr {
	return &columnExpr{index: index, name: name, typ: typ}
}

// ColumnIndex reports the input column an expression reads when it is a
// plain column reference.
func ColumnIndex(e Expr) (int, bool) {
	c, ok := e.(*columnExpr)
	if !ok {
		return 0, false
	}
	return c.index, true
}

func (c *columnExpr) DataType() arrow.DataType { return c.typ }

func (c *columnExpr) String() string {
	if c.name != "" {
		return c.name
	}
	return fmt.Sprintf("#%d", c.index)
}

func (c *columnExpr) Eval(_ *Context, batch arrow.Record) (arrow.Array, error) {
	if c.index < 0 || c.index >= int(batch.NumCols()) {
		return nil, fmt.Errorf("%w: column %s (#%d) out of range for a batch of %d columns", ErrInternal, c, c.index, batch.NumCols())
	}
	col := batch.Column(c.index)
	if !sameType(col.DataType(), c.typ) {
		return nil, fmt.Errorf("%w: column %s is %s in the batch, expected %s", ErrInternal, c, col.DataType(), c.typ)
	}
	col.Retain()
	return col, nil
}

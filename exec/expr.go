package exec

import (
	"github.com/apache/arrow/go/v15/arrow"
)

// Expr is a physical expression evaluated a whole batch at a time.
//
// Eval returns an array with one value per row of batch, of type DataType.
// The caller owns the returned array and must Release it. Eval must not
// retain or release batch. An Expr holds no per-query state, so one Expr
// may be evaluated by several goroutines at once (the parallel pipelines
// of one query share their expressions).
//
// Expressions are built with the constructors in this package, which check
// types and return an error wrapping ErrType for a mismatch; a built Expr
// only fails at run time on data (ErrExec: division by zero, overflow, a
// malformed string in a cast, a failing UDF).
type Expr interface {
	DataType() arrow.DataType
	Eval(ctx *Context, batch arrow.Record) (arrow.Array, error)
	String() string
}

package exec

import (
	"github.com/apache/arrow/go/v15/arrow"
)

// ScalarFunc is the Go signature of a scalar function: it receives one
// array per argument, all of the batch's length, and returns an array of
// that length. The arguments are owned by the caller and released after
// the call: a function returning one of them must Retain it first. The
// result is owned by the caller. A ScalarFunc may be called by several
// goroutines at once.
type ScalarFunc func(ctx *Context, args []arrow.Array) (arrow.Array, error)

// NewScalarUDF returns an expression applying a user's Go function to the
// evaluated args. ret is the declared result type. The engine guards the
// call: a panic inside fn becomes an error wrapping ErrExec ("udf name
// panicked: ..."), as does an error it returns, a result of the wrong
// length or of a type other than ret.
func NewScalarUDF(name string, fn ScalarFunc, args []Expr, ret arrow.DataType) Expr {
	return &funcExpr{name: name, args: args, ret: ret, kernel: fn, udf: true}
}

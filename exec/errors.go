package exec

import "errors"

// Sentinel error categories. Errors returned by this package wrap one of
// these with context, so callers can test the category with errors.Is.
var (
	// ErrExec is a run-time failure caused by the data or the query:
	// division by zero, an overflow, a malformed value, a failing UDF.
	ErrExec = errors.New("execution error")
	// ErrType is a type mismatch found while building an expression or
	// operator, before any data flows.
	ErrType = errors.New("type error")
	// ErrMemoryLimit reports that a query would exceed its memory budget.
	ErrMemoryLimit = errors.New("memory limit exceeded")
	// ErrCanceled reports that the query's context was canceled.
	ErrCanceled = errors.New("query canceled")
	// ErrInternal is a bug in the engine: a broken invariant. It is
	// reported as an error rather than a panic so the process survives.
	ErrInternal = errors.New("internal error")
)

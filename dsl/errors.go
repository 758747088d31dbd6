package dsl

import (
	"errors"
	"fmt"
	"strings"

	"github.com/dataflow-go/dataflow/dsl/parser"
	"github.com/dataflow-go/dataflow/plan"
)

// ErrBind is the category of the binder's errors; they also wrap
// plan.ErrPlan (or the catalog's error, such as store.ErrNotFound), so
// errors.Is works with either.
var ErrBind = errors.New("bind error")

// ErrNotSupported marks SQL that parses and makes sense but that the
// engine cannot run yet; such errors also wrap ErrBind.
var ErrNotSupported = errors.New("not supported")

// Error is a bind error at a position in the source text.
type Error struct {
	Pos  parser.Pos
	Msg  string // what went wrong
	Hint string // "did you mean l_shipdate?", or ""
	// Snippet is the offending source line with a caret line under it.
	Snippet string
	// Cause is the underlying category (plan.ErrPlan, store.ErrNotFound,
	// ErrNotSupported, ...).
	Cause error
}

// Error renders the message, the source line with a caret under the
// offending token and the hint:
//
//	bind error at line 1, column 8: unknown column "l_shipdat"
//	select l_shipdat from lineitem
//	       ^
//	did you mean l_shipdate?
func (e *Error) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s at line %d, column %d: %s", ErrBind, e.Pos.Line, e.Pos.Col, e.Msg)
	if e.Snippet != "" {
		b.WriteByte('\n')
		b.WriteString(e.Snippet)
	}
	if e.Hint != "" {
		b.WriteByte('\n')
		b.WriteString(e.Hint)
	}
	return b.String()
}

// Unwrap makes errors.Is hold for ErrBind and for the cause.
func (e *Error) Unwrap() []error {
	if e.Cause == nil {
		return []error{ErrBind}
	}
	return []error{ErrBind, e.Cause}
}

// errAt builds an Error at p. A "(did you mean X?)" in msg becomes the
// hint. cause defaults to plan.ErrPlan.
func (b *binder) errAt(p parser.Pos, cause error, format string, args ...any) *Error {
	msg := fmt.Sprintf(format, args...)
	hint := ""
	if i := strings.Index(msg, " (did you mean "); i >= 0 && strings.HasSuffix(msg, "?)") {
		hint = msg[i+2 : len(msg)-1]
		msg = msg[:i]
	}
	if cause == nil {
		cause = plan.ErrPlan
	}
	snip := ""
	if b.src != "" && p.Line > 0 {
		snip = parser.Snippet(b.src, p)
	}
	return &Error{Pos: p, Msg: msg, Hint: hint, Snippet: snip, Cause: cause}
}

// wrapAt turns an error from a lower layer into an Error at p, unless it
// already is one (which then keeps its more precise position).
func (b *binder) wrapAt(p parser.Pos, err error) error {
	var be *Error
	if errors.As(err, &be) {
		return err
	}
	msg := err.Error()
	// Drop the category prefix the lower layer put first; ErrBind's
	// rendering says where the error is instead.
	for _, pre := range []string{plan.ErrPlan.Error() + ": "} {
		msg = strings.TrimPrefix(msg, pre)
	}
	e := b.errAt(p, nil, "%s", msg)
	e.Cause = err
	return e
}

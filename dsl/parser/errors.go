package parser

import (
	"errors"
	"fmt"
	"strings"
)

// ErrParse is the category of every error this package returns: test for it
// with errors.Is. The concrete value is an *Error.
var ErrParse = errors.New("syntax error")

// Error is a syntax error at a position in the source text.
type Error struct {
	Pos   Pos    // where the offending token starts
	Token string // the offending token as written, or "" at end of input
	Msg   string // what went wrong, e.g. `expected FROM, found "FORM"`
	Hint  string // a suggestion such as "did you mean FROM?", or ""
	// Source is the full text of the offending line (no newline).
	Source string
}

func newError(src string, p Pos, tok, format string, args ...any) *Error {
	return &Error{Pos: p, Token: tok, Msg: fmt.Sprintf(format, args...), Source: sourceLine(src, p.Offset)}
}

// sourceLine returns the line of src that contains byte offset off.
func sourceLine(src string, off int) string {
	if off > len(src) {
		off = len(src)
	}
	start := strings.LastIndexByte(src[:off], '\n') + 1
	end := strings.IndexByte(src[off:], '\n')
	if end < 0 {
		end = len(src)
	} else {
		end += off
	}
	return strings.TrimRight(src[start:end], "\r")
}

// Error renders the message, the source line and a caret under the offending
// token, then the hint if there is one:
//
//	syntax error at line 3, column 8: expected FROM, found "FORM"
//	    a, b FORM t
//	         ^
//	did you mean FROM?
func (e *Error) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s at line %d, column %d: %s", ErrParse, e.Pos.Line, e.Pos.Col, e.Msg)
	if e.Source != "" || e.Pos.Col > 1 {
		b.WriteByte('\n')
		writeCaret(&b, e.Source, e.Pos.Col)
	}
	if e.Hint != "" {
		b.WriteByte('\n')
		b.WriteString(e.Hint)
	}
	return b.String()
}

// Unwrap makes errors.Is(err, ErrParse) hold.
func (e *Error) Unwrap() error { return ErrParse }

// Snippet renders the line of src holding p and, under it, a caret at p's
// column: what an error of a later stage (the binder) shows to point into
// the same text the parser read.
func Snippet(src string, p Pos) string {
	var b strings.Builder
	writeCaret(&b, sourceLine(src, p.Offset), p.Col)
	return b.String()
}

// writeCaret writes line, a newline and a caret under column col (1-based).
func writeCaret(b *strings.Builder, line string, col int) {
	b.WriteString(line)
	b.WriteByte('\n')
	// Keep tabs so the caret lines up however the terminal expands them.
	c := 1
	for _, r := range line {
		if c >= col {
			break
		}
		if r == '\t' {
			b.WriteByte('\t')
		} else {
			b.WriteByte(' ')
		}
		c++
	}
	for ; c < col; c++ {
		b.WriteByte(' ')
	}
	b.WriteByte('^')
}

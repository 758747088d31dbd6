package store

import (
	"errors"
	"fmt"
	"runtime/debug"
)

// Sentinel error categories. Every error this package returns wraps one of
// them with context (the file, the table, the line), so callers test the
// category with errors.Is and show the message to the user.
var (
	// ErrNotFound reports a missing file, directory or table.
	ErrNotFound = errors.New("not found")
	// ErrCorrupt reports a file whose bytes cannot be decoded: truncated,
	// garbled, or not of the format it claims to be.
	ErrCorrupt = errors.New("corrupt file")
	// ErrSchema reports schemas that disagree (two files of one table, a
	// record appended to a table) or a projection naming no column.
	ErrSchema = errors.New("schema mismatch")
	// ErrFormat reports unusable input that is not corruption: a bad CSV
	// value, an unknown format name, an invalid option.
	ErrFormat = errors.New("invalid input")
	// ErrClosed reports use of a table after Close.
	ErrClosed = errors.New("table closed")
)

// recoverCorrupt turns a panic raised while decoding file into an
// ErrCorrupt error stored in *err. Use as: defer recoverCorrupt(file, &err).
func recoverCorrupt(file string, err *error) {
	if p := recover(); p != nil {
		*err = fmt.Errorf("%w: %s: %v", ErrCorrupt, file, p)
		if debugPanics {
			*err = fmt.Errorf("%w\n%s", *err, debug.Stack())
		}
	}
}

// debugPanics adds stack traces to recovered panics (flip it when hunting a
// decoder bug).
const debugPanics = false

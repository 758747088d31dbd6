package substrait

import "errors"

var (
	// ErrInvalid reports a Substrait plan that is malformed or
	// inconsistent: bytes that do not decode, a function anchor no
	// extension declares, a field index past its input's columns, a table
	// whose declared schema disagrees with the catalog's.
	ErrInvalid = errors.New("invalid substrait plan")
	// ErrUnsupported reports something valid that dataflow cannot
	// represent: a function or relation it does not know, a type it has no
	// equivalent for, or a plan node it cannot export.
	ErrUnsupported = errors.New("unsupported substrait construct")
)

// errImporterPanic marks a panic caught at the import boundary: a bug in
// this package or below, reported as an error instead of crashing the
// caller. The fuzz test fails when it sees one.
var errImporterPanic = errors.New("internal error while importing")

package gen

import "errors"

// Error categories; every error the package returns wraps one of them
// with the details (the option, the table, the file).
var (
	// ErrInvalid is a bad option: scale factor, format, table name,
	// partition count.
	ErrInvalid = errors.New("invalid option")
	// ErrExists is an output directory that is not empty, without Force.
	ErrExists = errors.New("output directory is not empty")
	// ErrWrite is a failure to create or write an output file (permission,
	// disk full, a path that is not a directory).
	ErrWrite = errors.New("cannot write output")
)

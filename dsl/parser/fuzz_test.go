package parser

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// FuzzParse feeds arbitrary text to ParseScript. Whatever the input, the
// parser must not panic (an internal error counts as one), every error must
// be a well-formed *Error, and every accepted script must print as SQL that
// parses back to the same tree and prints the same again.
func FuzzParse(f *testing.F) {
	for _, src := range tpchQueries(f) {
		f.Add(src)
	}
	spec, _ := filepath.Glob(filepath.Join("testdata", "tpch_spec", "*.sql"))
	for _, path := range spec {
		if b, err := os.ReadFile(path); err == nil {
			f.Add(string(b))
		}
	}
	for _, c := range formatCases {
		f.Add(c.in)
	}
	f.Fuzz(func(t *testing.T, src string) {
		stmts, err := ParseScript(src)
		if err != nil {
			var pe *Error
			if !errors.As(err, &pe) || !errors.Is(err, ErrParse) {
				t.Fatalf("error %v (%T) is not a *parser.Error", err, err)
			}
			if strings.HasPrefix(pe.Msg, "internal error") {
				t.Fatalf("parser panicked on %q: %s", src, pe.Msg)
			}
			if pe.Pos.Offset < 0 || pe.Pos.Offset > len(src) || pe.Pos.Line < 1 || pe.Pos.Col < 1 {
				t.Fatalf("error position %+v out of range for %q", pe.Pos, src)
			}
			_ = pe.Error()
			return
		}
		checkRoundTrip(t, src, stmts)
	})
}

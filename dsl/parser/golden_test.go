package parser

import (
	"path/filepath"
	"testing"

	"github.com/cockroachdb/datadriven"
)

// TestGolden runs the data-driven cases in testdata/golden. Commands:
//
//	parse   the input is a script; prints its canonical form, then each
//	        statement's tree with positions (line:col), and checks that the
//	        canonical form round-trips
//	error   the input must fail; prints the error as a user sees it
//
// Regenerate expectations with: go test ./dsl/parser -run TestGolden -rewrite
func TestGolden(t *testing.T) {
	datadriven.Walk(t, filepath.Join("testdata", "golden"), func(t *testing.T, path string) {
		datadriven.RunTest(t, path, func(t *testing.T, d *datadriven.TestData) string {
			switch d.Cmd {
			case "parse":
				stmts, err := ParseScript(d.Input)
				if err != nil {
					t.Fatalf("%s: %v", d.Pos, err)
				}
				tree := dumpStmts(stmts) // before the round trip clears positions
				return checkRoundTrip(t, d.Input, stmts) + tree
			case "error":
				_, err := ParseScript(d.Input)
				if err == nil {
					t.Fatalf("%s: expected an error", d.Pos)
				}
				return err.Error() + "\n"
			}
			t.Fatalf("%s: unknown command %q", d.Pos, d.Cmd)
			return ""
		})
	})
}

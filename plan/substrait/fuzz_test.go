package substrait_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/dataflow-go/dataflow/plan/substrait"
)

// FuzzImportProto feeds the importer corrupted plans, seeded from the
// exported forms of every test plan: it must return an error wrapping
// one of the package's sentinels or a plan that exports again, never
// panic (a panic caught at the import boundary fails the test too).
func FuzzImportProto(f *testing.F) {
	cat := testCatalog(f)
	for _, n := range planCases(f, cat) {
		p := mustExport(f, n)
		b, err := substrait.MarshalProto(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		imp, err := substrait.ImportProto(data, cat)
		if err != nil {
			if strings.Contains(err.Error(), "internal error while importing") {
				t.Fatalf("importer panicked: %v", err)
			}
			if !errors.Is(err, substrait.ErrInvalid) && !errors.Is(err, substrait.ErrUnsupported) {
				t.Fatalf("error wraps no sentinel: %v", err)
			}
			return
		}
		if _, err := substrait.ExportWith(imp.Root, substrait.ExportOptions{Hints: imp.Hints, NodeHints: imp.NodeHints}); err != nil && !errors.Is(err, substrait.ErrUnsupported) {
			t.Fatalf("an imported plan does not export: %v", err)
		}
	})
}

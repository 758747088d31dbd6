package substrait_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/apache/arrow/go/v15/arrow/scalar"

	"github.com/dataflow-go/dataflow/plan"
	"github.com/dataflow-go/dataflow/plan/substrait"
)

// A table function calls Go code registered with one engine: export
// refuses it by name instead of writing a plan nobody else can run.
func TestExportRejectsTableFunction(t *testing.T) {
	series, _ := plan.BuiltinTableFunction("generate_series")
	n := must(plan.NewTableFunc(series, "g", []scalar.Scalar{scalar.NewInt64Scalar(1), scalar.NewInt64Scalar(3)}, nil))
	_, err := substrait.Export(n, nil)
	if !errors.Is(err, substrait.ErrUnsupported) || !strings.Contains(err.Error(), "table function generate_series") {
		t.Errorf("Export = %v, want ErrUnsupported naming the table function", err)
	}
}

package substrait_test

import (
	"fmt"

	"github.com/apache/arrow/go/v15/arrow"
	"github.com/apache/arrow/go/v15/arrow/scalar"

	"github.com/dataflow-go/dataflow/exec"
	"github.com/dataflow-go/dataflow/plan"
	"github.com/dataflow-go/dataflow/plan/substrait"
)

// Export a plan with placement hints, encode it, and import it back.
func Example() {
	schema := plan.Schema{{Relation: "v", Name: "x", Type: arrow.PrimitiveTypes.Int64}}
	values, _ := plan.NewValues(schema, [][]scalar.Scalar{{scalar.NewInt64Scalar(1)}, {scalar.NewInt64Scalar(5)}})
	filter, _ := plan.NewFilter(values, plan.Binary{Op: exec.OpGt, Left: plan.Column{Relation: "v", Name: "x"}, Right: plan.Literal{Value: scalar.NewInt64Scalar(2)}})

	p, err := substrait.Export(filter, &substrait.Hints{PlacementStrategy: "spread", Resources: map[string]float64{"cpu": 2}})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("function:", p.Extensions[0].GetExtensionFunction().GetName())
	data, _ := substrait.MarshalProto(p)

	// No tables are read, so no resolver is needed.
	imp, err := substrait.ImportProto(data, nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Print(plan.Explain(imp.Root))
	fmt.Println("placement:", imp.Hints.PlacementStrategy, "cpu:", imp.Hints.Resources["cpu"])
	// Output:
	// function: gt:i64_i64
	// Filter: (v.x > 2)
	//   Values: 2 rows
	// placement: spread cpu: 2
}

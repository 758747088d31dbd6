package exec_test

import (
	"fmt"

	"github.com/apache/arrow/go/v15/arrow/memory"

	"github.com/dataflow-go/dataflow/exec"
	"github.com/dataflow-go/dataflow/exec/exectest"
)

func exampleSource(schema string, rows ...string) exec.Operator {
	s := exectest.Schema(schema)
	recs, err := exectest.MakeRecords(memory.DefaultAllocator, s, exectest.R(rows...), 0, false)
	if err != nil {
		panic(err)
	}
	return exectest.NewSource(s, recs)
}

func printRows(op exec.Operator) {
	rows, err := exectest.Drain(exec.NewContext(nil, nil), op)
	if err != nil {
		fmt.Println("error:", err)
		return
	}
	for _, r := range rows {
		fmt.Println(r)
	}
}

// Group by a key and sum a decimal column; the sum of decimal(12,2) is a
// decimal(38,2), exact.
func ExampleNewHashAggregate() {
	src := exampleSource("price:decimal(12,2)", "10.25", "0.75", "NULL")
	agg, err := exec.NewHashAggregate(src, nil, nil, []exec.Aggregate{
		{Func: exec.AggSum, Args: []exec.Expr{exec.NewColumn(0, "price", dec(12, 2))}, Name: "total"},
		{Func: exec.AggCountStar, Name: "n"},
	}, exec.AggSingle)
	if err != nil {
		panic(err)
	}
	printRows(agg)
	// Output:
	// [11.00 3]
}

// A left join keeps the probe rows without a match, padding the build
// side's columns with NULLs.
func ExampleNewHashJoin() {
	orders := exampleSource("o_cust:int64", "1", "2", "3")
	customers := exampleSource("c_id:int64", "1", "3")
	j, err := exec.NewHashJoin(orders, customers,
		[]exec.Expr{exec.NewColumn(0, "o_cust", int64T)},
		[]exec.Expr{exec.NewColumn(0, "c_id", int64T)}, exec.JoinLeft, nil)
	if err != nil {
		panic(err)
	}
	printRows(j)
	// Output:
	// [1 1]
	// [3 3]
	// [2 NULL]
}

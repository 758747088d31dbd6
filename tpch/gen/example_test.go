package gen_test

import (
	"context"
	"fmt"

	"github.com/apache/arrow/go/v15/arrow"
	"github.com/apache/arrow/go/v15/arrow/array"
	"github.com/dataflow-go/dataflow/tpch/gen"
)

func ExampleRowCount() {
	for _, t := range []string{"nation", "orders", "lineitem"} {
		n, _ := gen.RowCount(t, 10)
		fmt.Println(t, n)
	}
	// Output:
	// nation 25
	// orders 15000000
	// lineitem 60000000
}

// Records generates a table in memory; partitions cut it into ranges of
// rows.
func ExampleRecords() {
	err := gen.Records(context.Background(), "orders", 0.01, 2, 3, func(rec arrow.Record) error {
		keys := rec.Column(0).(*array.Int64)
		fmt.Println(rec.NumRows(), "orders, keys", keys.Value(0), "to", keys.Value(keys.Len()-1))
		return nil
	})
	if err != nil {
		fmt.Println(err)
	}
	// Output:
	// 5000 orders, keys 40001 to 60000
}

package dataflow_test

import (
	"context"
	"fmt"
	"os"
	"strings"

	"github.com/apache/arrow/go/v15/arrow"
	"github.com/apache/arrow/go/v15/arrow/array"
	"github.com/apache/arrow/go/v15/arrow/memory"
	"github.com/apache/arrow/go/v15/arrow/scalar"

	"github.com/dataflow-go/dataflow"
	"github.com/dataflow-go/dataflow/exec"
)

// sales builds a small in-memory table: region, product, units, price.
func sales() (*arrow.Schema, arrow.Record) {
	schema := arrow.NewSchema([]arrow.Field{
		{Name: "region", Type: arrow.BinaryTypes.String},
		{Name: "product", Type: arrow.BinaryTypes.String},
		{Name: "units", Type: arrow.PrimitiveTypes.Int64},
		{Name: "price", Type: arrow.PrimitiveTypes.Float64},
	}, nil)
	b := array.NewRecordBuilder(memory.DefaultAllocator, schema)
	defer b.Release()
	b.Field(0).(*array.StringBuilder).AppendValues([]string{"eu", "eu", "us", "us", "us"}, nil)
	b.Field(1).(*array.StringBuilder).AppendValues([]string{"tea", "cake", "tea", "tea", "cake"}, nil)
	b.Field(2).(*array.Int64Builder).AppendValues([]int64{10, 3, 7, 5, 1}, nil)
	b.Field(3).(*array.Float64Builder).AppendValues([]float64{2.5, 4, 2.5, 2.5, 4}, nil)
	return schema, b.NewRecord()
}

// Group, aggregate and order an in-memory table with the fluent builder.
func Example() {
	eng, err := dataflow.Open(dataflow.Options{})
	if err != nil {
		panic(err)
	}
	defer eng.Close()
	schema, rec := sales()
	defer rec.Release()
	if err := eng.RegisterRecords("sales", schema, []arrow.Record{rec}); err != nil {
		panic(err)
	}
	col := dataflow.Col
	res, err := eng.From("sales").
		Where(col("units").Gt(dataflow.Lit(2))).
		GroupBy(col("region")).
		Agg(dataflow.Sum(col("units")).As("units"), dataflow.Count().As("orders")).
		OrderBy(col("units").Desc()).
		Collect(context.Background())
	if err != nil {
		panic(err)
	}
	defer res.Release()
	res.Write(os.Stdout, dataflow.FormatTable)
	// Output:
	// region | units | orders
	// -------+-------+-------
	// eu     |    13 |      2
	// us     |    12 |      2
	// (2 rows)
}

// Register a Go function and call it in a query.
func ExampleEngine_RegisterScalarUDF() {
	eng, _ := dataflow.Open(dataflow.Options{})
	defer eng.Close()
	schema, rec := sales()
	defer rec.Release()
	eng.RegisterRecords("sales", schema, []arrow.Record{rec})

	shout := func(ctx *exec.Context, args []arrow.Array) (arrow.Array, error) {
		in := args[0].(*array.String)
		b := array.NewStringBuilder(ctx.Alloc)
		defer b.Release()
		for i := 0; i < in.Len(); i++ {
			if in.IsNull(i) {
				b.AppendNull()
				continue
			}
			b.Append(strings.ToUpper(in.Value(i)) + "!")
		}
		return b.NewArray(), nil
	}
	utf8 := arrow.BinaryTypes.String
	if err := eng.RegisterScalarUDF("shout", []arrow.DataType{utf8}, utf8, shout); err != nil {
		panic(err)
	}
	res, err := eng.From("sales").
		Select(dataflow.Fn("shout", dataflow.Col("product")).As("loud")).
		Distinct().
		OrderBy(dataflow.Col("loud").Asc()).
		Collect(context.Background())
	if err != nil {
		panic(err)
	}
	defer res.Release()
	for _, row := range res.Rows() {
		fmt.Println(row[0])
	}
	// Output:
	// CAKE!
	// TEA!
}

// product is a Go aggregate: the product of the values, as a float.
type product struct{ p float64 }

func (a *product) Update(args []arrow.Array, row int) error {
	if args[0].IsNull(row) {
		return nil
	}
	a.p *= float64(args[0].(*array.Int64).Value(row))
	return nil
}

func (a *product) Result() (scalar.Scalar, error) { return scalar.NewFloat64Scalar(a.p), nil }

// Register a Go aggregate function and use it per group.
func ExampleEngine_RegisterAggregateUDF() {
	eng, _ := dataflow.Open(dataflow.Options{})
	defer eng.Close()
	schema, rec := sales()
	defer rec.Release()
	eng.RegisterRecords("sales", schema, []arrow.Record{rec})

	err := eng.RegisterAggregateUDF("product", []arrow.DataType{arrow.PrimitiveTypes.Int64}, arrow.PrimitiveTypes.Float64,
		func() dataflow.Accumulator { return &product{p: 1} })
	if err != nil {
		panic(err)
	}
	res, err := eng.From("sales").
		GroupBy(dataflow.Col("product")).
		Agg(dataflow.AggFn("product", dataflow.Col("units")).As("units_product")).
		OrderBy(dataflow.Col("product").Asc()).
		Collect(context.Background())
	if err != nil {
		panic(err)
	}
	defer res.Release()
	res.Write(os.Stdout, dataflow.FormatCSV)
	// Output:
	// product,units_product
	// cake,3
	// tea,350
}

// Package dataflow is the embedding API of the dataflow engine: open an
// Engine, register tables (Parquet, Arrow IPC, CSV, or Arrow records held
// in memory) and Go functions, build a query with the fluent builder (or
// load a JSON plan), and run it, streaming Arrow record batches back.
//
//	eng, _ := dataflow.Open(dataflow.Options{})
//	defer eng.Close()
//	eng.RegisterFile("lineitem", "lineitem.parquet")
//	res, err := eng.From("lineitem").
//		Where(dataflow.Col("l_quantity").Lt(dataflow.Lit(24))).
//		Agg(dataflow.Count().As("n")).
//		Collect(ctx)
//
// The root package is the only one, with cmd/dataflow, that sees the whole
// pipeline: plan building, optimization, physical planning and execution.
package dataflow

// Package tpch runs the 22 TPC-H queries against a dataflow engine and
// reports what it measured: per-query median, minimum and maximum times
// over repeated runs after warm-ups, result rows, peak memory, whether the
// results match reference answers, as JSON and as an SVG bar chart.
//
// The query texts live once, in tpch/queries (the repository's tests read
// them there too), embedded into the binary. Queries run through the engine's SQL front end; Q1 and Q6 also
// have a Go-builder form (see [Query.Build]), to compare the two.
//
// The package sits above the root dataflow package and
// internal/tpchcheck. It must not import cmd/dataflow, and it does not
// generate data: the data generator is tpch/gen, which the CLI calls.
package tpch

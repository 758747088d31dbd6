// Package vsduckdb runs the TPC-H queries in dataflow and in DuckDB over
// the same files, checks that both engines return the same rows, and
// reports both engines' times, their ratio and the geometric mean.
//
// It lives in its own module (github.com/dataflow-go/dataflow/bench)
// because DuckDB needs cgo, which the main module never uses. The main
// module must not import it.
package vsduckdb

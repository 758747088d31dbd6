// Package store is dataflow's storage layer for tables: the [Table], [Split]
// and [RecordReader] contracts the executor scans through, the sources that
// implement them (Parquet files and directories, memory-mapped Arrow IPC
// files, CSV and TPC-H .tbl files, in-memory tables) and the [Catalog] that
// maps table names to them.
//
// A table is a set of independent splits, the units of parallel work: a
// Parquet row group, a range of record batches of an IPC file, a CSV file, a
// chunk of an in-memory table. A scan opens splits, possibly concurrently
// from several goroutines, with [ScanOptions] carrying a projection and
// conjunctive [Predicate]s that sources may use to skip data (Parquet row
// groups are pruned from their min/max statistics). Pruning is an
// optimisation only: a reader may return rows that do not match, and the
// engine always filters again.
//
// Errors wrap one of the sentinels [ErrNotFound], [ErrCorrupt], [ErrSchema],
// [ErrFormat] or [ErrClosed] and name the file (and, for CSV, the line and
// column) at fault. Panics raised by the Parquet and IPC libraries on
// malformed input are recovered at this package's boundary and returned as
// ErrCorrupt.
//
// store speaks Arrow and knows nothing of plans: it imports no other package
// of this module (not exec, not plan, not dsl), only the Arrow libraries and
// the standard library.
package store

// Package exec is dataflow's vectorized executor: pull-based operators over
// Arrow record batches, column-at-a-time expression kernels, the hash tables
// behind aggregation and joins, and the per-query memory budget.
//
// Operators implement [Operator]. Expressions implement [Expr]. Both are
// built by the physical planner (package plan / the optimizer) and never
// parse SQL or consult the catalog themselves.
//
// exec imports only Arrow and the packages below it (store, shuffle,
// cluster); it must never import dsl, optimizer, plan or the root package.
package exec

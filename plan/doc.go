// Package plan holds dataflow's logical query plans: an immutable DAG of
// relational nodes (scan, filter, project, aggregate, join, sort, limit,
// union, distinct, values) over typed expressions, with schema derivation
// and the EXPLAIN text rendering.
//
// Plans are values: constructors validate their inputs and derive the
// output schema once, and nothing mutates a node afterwards, so rules in
// the optimizer rewrite a plan by building new nodes. Expressions refer to
// columns by (relation, name) and are resolved against a node's input
// schema when the plan is built; expression typing follows exec's rules
// (exec.BinaryResultType and friends), the single source of truth.
//
// plan imports exec (for types, operators and type rules) and store (for
// table handles); it must not import dsl, optimizer, cluster or the root
// package.
package plan

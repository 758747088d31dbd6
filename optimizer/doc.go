// Package optimizer rewrites logical plans with an ordered list of named
// rules and turns the result into executable operator pipelines (physical
// planning), splitting work into parallel streams: N pipelines over the
// splits of a table, partial aggregation per pipeline and a final combine,
// a shared hash-join build probed by every pipeline.
//
// Each rule lives in its own file, can be switched off by name, and reports
// whether it changed the plan. optimizer imports plan, exec and store; it
// must not import dsl, cluster or the root package. Placement of stages on
// the nodes of a cluster lives in the placement subpackage.
package optimizer

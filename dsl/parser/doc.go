// Package parser turns SQL text in dataflow's PostgreSQL-flavoured dialect
// into an abstract syntax tree, and prints such a tree back as SQL.
//
// It is a hand-written lexer and recursive-descent, precedence-climbing
// parser: no cgo and no generated tables. It accepts the TPC-H queries as
// written in the specification (typed literals such as date '1998-12-01',
// interval '90' day (3), extract, substring ... from ... for, views),
// the usual query forms (joins, subqueries, CTEs, set operations, CASE,
// LIKE/ILIKE ... ESCAPE, IS [NOT] DISTINCT FROM, ORDER BY ... NULLS FIRST,
// LIMIT/OFFSET/FETCH) and the engine's statements: CREATE TABLE [AS],
// CREATE [OR REPLACE] VIEW, CREATE EXTERNAL TABLE ... STORED AS ... LOCATION,
// INSERT, DROP, SET, SHOW, EXPLAIN [ANALYZE], CREATE/DROP FUNCTION.
//
// Every node records the position (byte offset, line, column) of the token it
// starts at, so later stages can point at the right place in the user's text.
// Unquoted identifiers are folded to lower case, as in PostgreSQL; quoted ones
// keep their spelling. Format (and each node's String method) prints a tree as
// canonical single-line SQL that parses back to the same tree.
//
// Errors are *Error values that wrap ErrParse and render the offending source
// line with a caret under the bad token, plus a suggestion for an obviously
// misspelled keyword.
//
// The package does only syntax: names are not resolved and types are not
// checked (that is the binder's job in package dsl). It must import nothing
// from the dataflow project but internal/suggest (the shared "did you
// mean" distance); otherwise it depends on the standard library only.
package parser

// Package dsl binds parsed SQL (package dsl/parser) to logical plans
// (package plan): it resolves table, column and function names through a
// Catalog, types every expression with the engine's rules, checks
// aggregation (grouped columns, aggregates where they may stand) and turns
// the query forms into standard plan nodes: comma joins become cross joins
// under a filter, set operations become unions, distincts and semi or
// anti joins, subqueries become plan.Apply nodes that the optimizer's
// decorrelation rule rewrites into joins.
//
// Literals are typed as in DuckDB and PostgreSQL: integer literals are
// int32 (int64 when large), 0.05 is decimal(3,2), 'text' is varchar and
// converts implicitly to a date where it meets one, date '...' and
// interval '3' month are what they say.
//
// Errors are *Error values that carry the line and column of the offending
// token, show it with a caret under it and suggest a fix where one is
// obvious ("did you mean l_shipdate?").
//
// dsl imports plan, exec (for type rules and aggregate functions), store
// (tables) and dsl/parser; it must not import the optimizer or the root
// package: the engine passes itself in as a Catalog.
package dsl

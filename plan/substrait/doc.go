// Package substrait converts dataflow's logical plans (package plan) to and
// from Substrait (https://substrait.io), the cross-engine plan format, in
// both its protobuf and its JSON (protojson) encodings, so plans produced
// elsewhere can be submitted to dataflow and dataflow's plans can be run or
// inspected by other tools.
//
// # Relations
//
// Scan becomes a ReadRel over a named table, with the table's full schema
// as base_schema, the projection as a mask and the pushed-down filters as
// one conjunction over the base schema. Filter, Project, Aggregate, Sort,
// Limit and Union become FilterRel, ProjectRel (an emit mapping keeps only
// the computed columns), AggregateRel (one grouping set), SortRel, FetchRel
// (count -1 means all) and SetRel (UNION ALL). Distinct is an AggregateRel
// grouping by every input column without measures; Values is a ReadRel
// over a VirtualTable. Inner, left, right, full, semi, anti and single
// joins are standard JoinRel types (an inner join without a condition is a
// CrossRel). A mark join has no Substrait form: it is written as a
// JoinRel of type SEMI whose advanced_extension carries an enhancement
// (a google.protobuf.Struct {"dataflow.v1": {"join": "mark"}}); being an
// enhancement, consumers that do not know it must reject the plan rather
// than run a semi join. Apply (an undecorrelated subquery) has no form:
// export plans after optimizer.Optimize, which turns subqueries into
// joins.
//
// # Expressions
//
// Columns become field references by position. Operators and built-in
// functions map to the standard extension functions (functions_arithmetic,
// functions_arithmetic_decimal when a decimal is involved,
// functions_comparison, functions_boolean, functions_string,
// functions_datetime, functions_rounding, functions_aggregate_generic),
// declared with compound names ("add:i64_i64"); the importer accepts
// simple or compound names and matches extension URIs by file name, so
// plans from other producers resolve. Built-ins with no standard
// counterpart (concat with its NULL-skipping semantics, date_part('dow'),
// LIKE with ESCAPE) are declared under URIFunctions, and Go UDFs
// (scalar and aggregate) under URIUDF by their registered name; the
// importer resolves UDFs through the Resolver (see UDFResolver). The
// MonthDayNano interval and the untyped NULL are user-defined types under
// URITypes; interval literals use the standard interval_year_to_month or
// interval_day_to_second forms whenever the value fits one of them. The
// extensions directory beside this file holds the YAML those URIs name.
//
// Calls keep dataflow's typing: numeric / numeric is fp64 and integer and
// decimal operands mix without casts (DuckDB's rules). Every call carries
// its output_type, but a consumer applying Substrait's own overloads (an
// integer divide for i64 operands) would compute something else.
//
// # Hints and names
//
// Placement and resource hints (Hints) ride in advanced_extension
// optimizations, plan-wide on the Plan and per relation on RelCommon, as a
// google.protobuf.Struct with a single "dataflow.v1" member:
//
//	{"dataflow.v1": {"placement": "spread", "resources": {"cpu": 2},
//	                 "alias": "l1", "names": ["revenue"]}}
//
// The same member carries what Substrait has no place for but dataflow's
// name-based expressions need to round-trip exactly: a scan's alias
// (written for every scan, empty when there is none) and the output column
// names of projections, aggregates and inline tables. A plan without them
// (from another producer) still imports: computed columns take their
// expressions' names, the root's names rename the output, and a second
// scan of one table gets an alias of its own ("lineitem_2") so a self-join
// stays unambiguous.
// Optimizations may be ignored, so a plan stays a valid Substrait plan for
// consumers that do not know them.
//
// # Errors
//
// Errors wrap ErrInvalid (malformed input) or ErrUnsupported (valid
// Substrait that dataflow cannot represent), and name the offending
// function, relation, type or field. Importing never panics on bad input.
//
// Package substrait imports plan, exec and store; it must not import
// optimizer, dsl or the root package.
package substrait

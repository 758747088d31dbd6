package plan

import (
	"fmt"
	"strings"

	"github.com/apache/arrow/go/v15/arrow"
	"github.com/apache/arrow/go/v15/arrow/scalar"

	"github.com/dataflow-go/dataflow/exec"
	"github.com/dataflow-go/dataflow/store"
)

// Node is a logical plan operator. Nodes are immutable: constructors check
// their arguments and derive the output schema once.
type Node interface {
	// Schema is the node's output.
	Schema() Schema
	// Children are the node's inputs, in order.
	Children() []Node
	// WithChildren rebuilds the node over new inputs (re-checking it).
	WithChildren(children []Node) (Node, error)
	// Describe renders the node alone, on one line, for EXPLAIN.
	Describe() string
}

// Scan reads a table. Projection (indexes into the table's schema, nil
// for all) and Filters (conjuncts over the projected schema) are set by
// the optimizer's pushdown rules; the physical scan uses the filters to
// skip data and still applies them exactly.
type Scan struct {
	Table      string
	Alias      string
	Source     store.Table
	Projection []int
	Filters    []Expr
	schema     Schema
}

// NewScan reads every column of table, naming its columns alias.column
// (table.column when alias is empty).
func NewScan(table, alias string, source store.Table) *Scan {
	rel := alias
	if rel == "" {
		rel = table
	}
	return &Scan{Table: table, Alias: alias, Source: source, schema: SchemaFromArrow(rel, source.Schema())}
}

// WithProjection returns a scan reading only the given table columns.
func (s *Scan) WithProjection(cols []int) (*Scan, error) {
	full := SchemaFromArrow(s.relation(), s.Source.Schema())
	out := *s
	out.Projection = append([]int(nil), cols...)
	out.schema = make(Schema, len(cols))
	for i, c := range cols {
		if c < 0 || c >= len(full) {
			return nil, fmt.Errorf("%w: projection of column %d out of range for %s", ErrPlan, c, s.Table)
		}
		out.schema[i] = full[c]
	}
	if len(s.Filters) > 0 {
		for _, f := range s.Filters {
			if _, err := TypeOf(f, out.schema); err != nil {
				return nil, fmt.Errorf("%w: projection drops a column a pushed-down filter needs: %w", ErrPlan, err)
			}
		}
	}
	return &out, nil
}

// WithFilters returns a scan that also applies filters.
func (s *Scan) WithFilters(filters []Expr) (*Scan, error) {
	for _, f := range filters {
		if err := checkPredicate(f, s.schema); err != nil {
			return nil, err
		}
	}
	out := *s
	out.Filters = append(append([]Expr(nil), s.Filters...), filters...)
	return &out, nil
}

func (s *Scan) relation() string {
	if s.Alias != "" {
		return s.Alias
	}
	return s.Table
}

func (s *Scan) Schema() Schema                      { return s.schema }
func (s *Scan) Children() []Node                    { return nil }
func (s *Scan) WithChildren(c []Node) (Node, error) { return s, checkArity(s, c, 0) }
func (s *Scan) Describe() string {
	var b strings.Builder
	b.WriteString("Scan: " + s.Table)
	if s.Alias != "" && !strings.EqualFold(s.Alias, s.Table) {
		b.WriteString(" AS " + s.Alias)
	}
	if s.Projection != nil {
		b.WriteString(" projection=[" + strings.Join(s.schema.Names(), ", ") + "]")
	}
	if len(s.Filters) > 0 {
		b.WriteString(" filters=[" + joinExprs(s.Filters) + "]")
	}
	return b.String()
}

// Filter keeps the rows for which Predicate is true.
type Filter struct {
	Input     Node
	Predicate Expr
}

// NewFilter checks that predicate is a boolean expression over input.
func NewFilter(input Node, predicate Expr) (*Filter, error) {
	if err := checkPredicate(predicate, input.Schema()); err != nil {
		return nil, err
	}
	return &Filter{Input: input, Predicate: predicate}, nil
}

func checkPredicate(p Expr, s Schema) error {
	if ContainsAggregate(p) {
		return fmt.Errorf("%w: aggregate functions are not allowed in a filter: %s (use HAVING)", ErrPlan, p)
	}
	t, err := TypeOf(p, s)
	if err != nil {
		return err
	}
	if t.ID() != arrow.BOOL && t.ID() != arrow.NULL {
		return fmt.Errorf("%w: filter %s is %s, not boolean", ErrPlan, p, TypeName(t))
	}
	return nil
}

func (f *Filter) Schema() Schema   { return f.Input.Schema() }
func (f *Filter) Children() []Node { return []Node{f.Input} }
func (f *Filter) WithChildren(c []Node) (Node, error) {
	if err := checkArity(f, c, 1); err != nil {
		return nil, err
	}
	return NewFilter(c[0], f.Predicate)
}
func (f *Filter) Describe() string { return "Filter: " + f.Predicate.String() }

// Project computes one output column per expression.
type Project struct {
	Input  Node
	Exprs  []Expr
	schema Schema
}

// NewProject types exprs over input. Output columns are named by their
// aliases (or column names); plain column references keep their relation.
func NewProject(input Node, exprs []Expr) (*Project, error) {
	in := input.Schema()
	schema := make(Schema, len(exprs))
	for i, e := range exprs {
		if ContainsAggregate(e) {
			return nil, fmt.Errorf("%w: aggregate %s outside an aggregation", ErrPlan, e)
		}
		t, err := TypeOf(e, in)
		if err != nil {
			return nil, err
		}
		schema[i] = Field{Name: OutputName(e), Type: t, Nullable: true}
		if c, ok := e.(Column); ok {
			idx, _ := in.Resolve(c.Relation, c.Name)
			schema[i] = in[idx]
		}
	}
	return &Project{Input: input, Exprs: exprs, schema: schema}, nil
}

func (p *Project) Schema() Schema   { return p.schema }
func (p *Project) Children() []Node { return []Node{p.Input} }
func (p *Project) WithChildren(c []Node) (Node, error) {
	if err := checkArity(p, c, 1); err != nil {
		return nil, err
	}
	return NewProject(c[0], p.Exprs)
}
func (p *Project) Describe() string { return "Project: " + joinExprs(p.Exprs) }

// Aggregate groups its input by Groups and computes Aggs (AggCall
// expressions, optionally aliased) per group. Output: the group columns,
// then one column per aggregate.
type Aggregate struct {
	Input  Node
	Groups []Expr
	Aggs   []Expr
	schema Schema
}

// NewAggregate checks the groups and aggregate calls over input.
func NewAggregate(input Node, groups, aggs []Expr) (*Aggregate, error) {
	in := input.Schema()
	schema := make(Schema, 0, len(groups)+len(aggs))
	for _, g := range groups {
		if ContainsAggregate(g) {
			return nil, fmt.Errorf("%w: aggregate functions are not allowed in GROUP BY: %s", ErrPlan, g)
		}
		t, err := TypeOf(g, in)
		if err != nil {
			return nil, err
		}
		f := Field{Name: OutputName(g), Type: t, Nullable: true}
		if c, ok := g.(Column); ok {
			idx, _ := in.Resolve(c.Relation, c.Name)
			f = in[idx]
		}
		schema = append(schema, f)
	}
	for _, a := range aggs {
		if _, ok := Unalias(a).(AggCall); !ok {
			return nil, fmt.Errorf("%w: %s is not an aggregate function call", ErrPlan, a)
		}
		t, err := TypeOf(a, in)
		if err != nil {
			return nil, err
		}
		schema = append(schema, Field{Name: OutputName(a), Type: t, Nullable: true})
	}
	return &Aggregate{Input: input, Groups: groups, Aggs: aggs, schema: schema}, nil
}

func (a *Aggregate) Schema() Schema   { return a.schema }
func (a *Aggregate) Children() []Node { return []Node{a.Input} }
func (a *Aggregate) WithChildren(c []Node) (Node, error) {
	if err := checkArity(a, c, 1); err != nil {
		return nil, err
	}
	return NewAggregate(c[0], a.Groups, a.Aggs)
}
func (a *Aggregate) Describe() string {
	return "Aggregate: groups=[" + joinExprs(a.Groups) + "] aggs=[" + joinExprs(a.Aggs) + "]"
}

// Join combines Left and Right on a condition. For Semi, Anti and Mark
// joins only the left columns come out (plus the boolean "mark" column for
// Mark); the physical planner splits On into equality keys and a residual.
type Join struct {
	Left, Right Node
	Type        exec.JoinType
	On          Expr
	schema      Schema
}

// MarkColumn is the name of the boolean column a Mark join adds.
const MarkColumn = "mark"

// NewJoin checks the join condition (nil means a cross join) over the
// concatenated input schemas.
func NewJoin(left, right Node, typ exec.JoinType, on Expr) (*Join, error) {
	both := append(append(Schema{}, left.Schema()...), right.Schema()...)
	if on != nil {
		if err := checkPredicate(on, both); err != nil {
			return nil, fmt.Errorf("join condition: %w", err)
		}
	}
	var schema Schema
	switch typ {
	case exec.JoinSemi, exec.JoinAnti:
		schema = append(schema, left.Schema()...)
	case exec.JoinMark:
		schema = append(append(schema, left.Schema()...), Field{Name: MarkColumn, Type: arrow.FixedWidthTypes.Boolean, Nullable: true})
	default:
		schema = both
		if typ == exec.JoinLeft || typ == exec.JoinFull || typ == exec.JoinSingle {
			schema = nullable(schema, len(left.Schema()), len(schema))
		}
		if typ == exec.JoinRight || typ == exec.JoinFull {
			schema = nullable(schema, 0, len(left.Schema()))
		}
	}
	return &Join{Left: left, Right: right, Type: typ, On: on, schema: schema}, nil
}

func nullable(s Schema, from, to int) Schema {
	out := append(Schema{}, s...)
	for i := from; i < to; i++ {
		out[i].Nullable = true
	}
	return out
}

func (j *Join) Schema() Schema   { return j.schema }
func (j *Join) Children() []Node { return []Node{j.Left, j.Right} }
func (j *Join) WithChildren(c []Node) (Node, error) {
	if err := checkArity(j, c, 2); err != nil {
		return nil, err
	}
	return NewJoin(c[0], c[1], j.Type, j.On)
}
func (j *Join) Describe() string {
	s := JoinTypeName(j.Type) + " Join"
	if j.On != nil {
		s += ": " + j.On.String()
	}
	return s
}

// JoinTypeName names a join type for EXPLAIN.
func JoinTypeName(t exec.JoinType) string {
	switch t {
	case exec.JoinInner:
		return "Inner"
	case exec.JoinLeft:
		return "Left"
	case exec.JoinRight:
		return "Right"
	case exec.JoinFull:
		return "Full"
	case exec.JoinSemi:
		return "Semi"
	case exec.JoinAnti:
		return "Anti"
	case exec.JoinMark:
		return "Mark"
	case exec.JoinSingle:
		return "Single"
	}
	return fmt.Sprintf("Join%d", t)
}

// SortKey orders by one expression.
type SortKey struct {
	Expr       Expr
	Desc       bool
	NullsFirst bool
}

func (k SortKey) String() string {
	s := k.Expr.String()
	if k.Desc {
		s += " DESC"
	} else {
		s += " ASC"
	}
	if k.NullsFirst {
		s += " NULLS FIRST"
	}
	return s
}

// Sort orders its input.
type Sort struct {
	Input Node
	Keys  []SortKey
}

// NewSort checks the keys over input.
func NewSort(input Node, keys []SortKey) (*Sort, error) {
	if len(keys) == 0 {
		return nil, fmt.Errorf("%w: ORDER BY without keys", ErrPlan)
	}
	for _, k := range keys {
		if _, err := TypeOf(k.Expr, input.Schema()); err != nil {
			return nil, fmt.Errorf("ORDER BY %s: %w", k.Expr, err)
		}
	}
	return &Sort{Input: input, Keys: keys}, nil
}

func (s *Sort) Schema() Schema   { return s.Input.Schema() }
func (s *Sort) Children() []Node { return []Node{s.Input} }
func (s *Sort) WithChildren(c []Node) (Node, error) {
	if err := checkArity(s, c, 1); err != nil {
		return nil, err
	}
	return NewSort(c[0], s.Keys)
}
func (s *Sort) Describe() string {
	keys := make([]string, len(s.Keys))
	for i, k := range s.Keys {
		keys[i] = k.String()
	}
	return "Sort: " + strings.Join(keys, ", ")
}

// Limit skips Offset rows and then passes at most Count (Count < 0: all).
type Limit struct {
	Input         Node
	Offset, Count int64
}

// NewLimit checks the bounds.
func NewLimit(input Node, offset, count int64) (*Limit, error) {
	if offset < 0 {
		return nil, fmt.Errorf("%w: OFFSET must not be negative, got %d", ErrPlan, offset)
	}
	return &Limit{Input: input, Offset: offset, Count: count}, nil
}

func (l *Limit) Schema() Schema   { return l.Input.Schema() }
func (l *Limit) Children() []Node { return []Node{l.Input} }
func (l *Limit) WithChildren(c []Node) (Node, error) {
	if err := checkArity(l, c, 1); err != nil {
		return nil, err
	}
	return NewLimit(c[0], l.Offset, l.Count)
}
func (l *Limit) Describe() string {
	s := fmt.Sprintf("Limit: %d", l.Count)
	if l.Count < 0 {
		s = "Limit: all"
	}
	if l.Offset > 0 {
		s += fmt.Sprintf(" offset %d", l.Offset)
	}
	return s
}

// Union concatenates its inputs (UNION ALL; put a Distinct on top for
// UNION). Column names come from the first input.
type Union struct {
	Inputs []Node
	schema Schema
}

// NewUnion checks that the inputs agree on column count and types.
func NewUnion(inputs ...Node) (*Union, error) {
	if len(inputs) < 2 {
		return nil, fmt.Errorf("%w: UNION needs at least two inputs", ErrPlan)
	}
	first := inputs[0].Schema()
	schema := make(Schema, len(first))
	for i, f := range first {
		schema[i] = Field{Name: f.Name, Type: f.Type, Nullable: true}
	}
	for n, in := range inputs[1:] {
		s := in.Schema()
		if len(s) != len(first) {
			return nil, fmt.Errorf("%w: UNION input %d has %d columns, the first has %d", ErrPlan, n+2, len(s), len(first))
		}
		for i := range s {
			if !arrow.TypeEqual(s[i].Type, first[i].Type) {
				return nil, fmt.Errorf("%w: UNION column %d (%s) is %s in input %d but %s in the first", ErrPlan, i+1, first[i].Name, TypeName(s[i].Type), n+2, TypeName(first[i].Type))
			}
		}
	}
	return &Union{Inputs: inputs, schema: schema}, nil
}

func (u *Union) Schema() Schema                      { return u.schema }
func (u *Union) Children() []Node                    { return u.Inputs }
func (u *Union) WithChildren(c []Node) (Node, error) { return NewUnion(c...) }
func (u *Union) Describe() string                    { return "Union All" }

// Distinct removes duplicate rows.
type Distinct struct{ Input Node }

// NewDistinct wraps input.
func NewDistinct(input Node) *Distinct { return &Distinct{Input: input} }

func (d *Distinct) Schema() Schema   { return d.Input.Schema() }
func (d *Distinct) Children() []Node { return []Node{d.Input} }
func (d *Distinct) WithChildren(c []Node) (Node, error) {
	if err := checkArity(d, c, 1); err != nil {
		return nil, err
	}
	return NewDistinct(c[0]), nil
}
func (d *Distinct) Describe() string { return "Distinct" }

// Values is an inline table of constant rows.
type Values struct {
	Rows   [][]scalar.Scalar
	schema Schema
}

// NewValues checks every row against schema.
func NewValues(schema Schema, rows [][]scalar.Scalar) (*Values, error) {
	for r, row := range rows {
		if len(row) != len(schema) {
			return nil, fmt.Errorf("%w: VALUES row %d has %d values, expected %d", ErrPlan, r+1, len(row), len(schema))
		}
		for c, v := range row {
			if !arrow.TypeEqual(v.DataType(), schema[c].Type) && v.DataType().ID() != arrow.NULL {
				return nil, fmt.Errorf("%w: VALUES row %d column %s is %s, expected %s", ErrPlan, r+1, schema[c].Name, TypeName(v.DataType()), TypeName(schema[c].Type))
			}
		}
	}
	return &Values{Rows: rows, schema: schema}, nil
}

func (v *Values) Schema() Schema                      { return v.schema }
func (v *Values) Children() []Node                    { return nil }
func (v *Values) WithChildren(c []Node) (Node, error) { return v, checkArity(v, c, 0) }
func (v *Values) Describe() string                    { return fmt.Sprintf("Values: %d rows", len(v.Rows)) }

func checkArity(n Node, c []Node, want int) error {
	if len(c) != want {
		return fmt.Errorf("%w: %T takes %d inputs, got %d", ErrPlan, n, want, len(c))
	}
	return nil
}

// Explain renders a plan as an indented tree, one node per line.
func Explain(n Node) string {
	var b strings.Builder
	var walk func(Node, int)
	walk = func(n Node, depth int) {
		b.WriteString(strings.Repeat("  ", depth))
		b.WriteString(n.Describe())
		b.WriteByte('\n')
		for _, c := range n.Children() {
			walk(c, depth+1)
		}
	}
	walk(n, 0)
	return b.String()
}

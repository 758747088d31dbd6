package plan

import (
	"fmt"

	"github.com/apache/arrow/go/v15/arrow"

	"github.com/dataflow-go/dataflow/exec"
)

// SubqueryKind says what a subquery computes for each row of its outer
// query.
type SubqueryKind int

// The subquery kinds.
const (
	// SubqueryExists is EXISTS (query): true when the query has a row.
	SubqueryExists SubqueryKind = iota
	// SubqueryIn is x IN (query): SQL's three-valued membership test.
	SubqueryIn
	// SubqueryScalar is (query) used as a value: its one column of its at
	// most one row, NULL when it has none.
	SubqueryScalar
)

func (k SubqueryKind) String() string {
	switch k {
	case SubqueryExists:
		return "exists"
	case SubqueryIn:
		return "in"
	case SubqueryScalar:
		return "scalar"
	}
	return fmt.Sprintf("SubqueryKind(%d)", int(k))
}

// Apply evaluates a subquery for every row of Input and appends its
// result as one column named Name: a boolean for EXISTS and IN, the
// subquery's value for a scalar subquery. Expressions above refer to that
// column; NOT EXISTS and NOT IN are NOT over it.
//
// The subquery may be correlated: it then reads the outer row through an
// OuterRow leaf whose columns are columns of Input. Apply is a logical
// device only: the optimizer's decorrelation rule rewrites every Apply
// into joins (semi, anti, mark, single), and the physical planner refuses
// any that is left.
type Apply struct {
	Input    Node
	Subquery Node
	Kind     SubqueryKind
	// In is the left operand of IN, an expression over Input; nil for
	// other kinds.
	In     Expr
	Name   string
	schema Schema
}

// NewApply checks the subquery's shape (one column for IN and scalar
// subqueries, In typed over input and comparable with that column) and
// derives the output schema.
func NewApply(input, subquery Node, kind SubqueryKind, in Expr, name string) (*Apply, error) {
	sub := subquery.Schema()
	var typ arrow.DataType = arrow.FixedWidthTypes.Boolean
	switch kind {
	case SubqueryExists:
	case SubqueryIn:
		if len(sub) != 1 {
			return nil, fmt.Errorf("%w: subquery of IN returns %d columns, expected 1", ErrPlan, len(sub))
		}
		if in == nil {
			return nil, fmt.Errorf("%w: IN subquery without a left operand", ErrPlan)
		}
		lt, err := TypeOf(in, input.Schema())
		if err != nil {
			return nil, err
		}
		if _, err := exec.CommonType(lt, sub[0].Type); err != nil {
			return nil, fmt.Errorf("%w: IN compares %s with a subquery of %s", ErrPlan, TypeName(lt), TypeName(sub[0].Type))
		}
	case SubqueryScalar:
		if len(sub) != 1 {
			return nil, fmt.Errorf("%w: scalar subquery returns %d columns, expected 1", ErrPlan, len(sub))
		}
		typ = sub[0].Type
	default:
		return nil, fmt.Errorf("%w: unknown subquery kind %d", ErrPlan, kind)
	}
	if _, err := input.Schema().Resolve("", name); err == nil {
		return nil, fmt.Errorf("%w: subquery column %q clashes with an input column", ErrPlan, name)
	}
	schema := append(append(Schema{}, input.Schema()...), Field{Name: name, Type: typ, Nullable: true})
	return &Apply{Input: input, Subquery: subquery, Kind: kind, In: in, Name: name, schema: schema}, nil
}

func (a *Apply) Schema() Schema   { return a.schema }
func (a *Apply) Children() []Node { return []Node{a.Input, a.Subquery} }
func (a *Apply) WithChildren(c []Node) (Node, error) {
	if err := checkArity(a, c, 2); err != nil {
		return nil, err
	}
	return NewApply(c[0], c[1], a.Kind, a.In, a.Name)
}
func (a *Apply) Describe() string {
	s := "Apply " + a.Kind.String()
	if a.In != nil {
		s += " " + a.In.String()
	}
	return s + " as " + a.Name
}

// OuterRow stands, inside a correlated subquery, for the current row of
// the enclosing query: its columns are the outer columns the subquery
// reads, and the binder cross-joins it into the subquery's FROM so the
// subquery's expressions type-check. Decorrelation removes it.
type OuterRow struct {
	schema Schema
}

// NewOuterRow makes the leaf for the given outer columns.
func NewOuterRow(columns Schema) *OuterRow {
	return &OuterRow{schema: append(Schema{}, columns...)}
}

func (o *OuterRow) Schema() Schema                      { return o.schema }
func (o *OuterRow) Children() []Node                    { return nil }
func (o *OuterRow) WithChildren(c []Node) (Node, error) { return o, checkArity(o, c, 0) }
func (o *OuterRow) Describe() string {
	names := make([]string, len(o.schema))
	for i, f := range o.schema {
		names[i] = f.QualifiedName()
	}
	return "OuterRow: " + fmt.Sprint(names)
}

// IsOuterColumn reports whether c names a column of outer.
func (o *OuterRow) IsOuterColumn(c Column) bool {
	for _, f := range o.schema {
		if f.Name == c.Name && f.Relation == c.Relation {
			return true
		}
	}
	return false
}

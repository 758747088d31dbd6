package plan

import (
	"fmt"
	"sort"
	"strings"

	"github.com/apache/arrow/go/v15/arrow"

	"github.com/dataflow-go/dataflow/internal/suggest"
)

// Field is one column of a plan node's output.
type Field struct {
	// Relation is the table or alias the column belongs to ("" for a
	// computed column).
	Relation string
	Name     string
	Type     arrow.DataType
	Nullable bool
}

// QualifiedName renders the field as relation.name, or name alone.
func (f Field) QualifiedName() string {
	if f.Relation == "" {
		return f.Name
	}
	return f.Relation + "." + f.Name
}

// Schema is the ordered list of a node's output columns.
type Schema []Field

// SchemaFromArrow converts an Arrow schema, qualifying every field with
// relation.
func SchemaFromArrow(relation string, s *arrow.Schema) Schema {
	out := make(Schema, len(s.Fields()))
	for i, f := range s.Fields() {
		out[i] = Field{Relation: relation, Name: f.Name, Type: f.Type, Nullable: f.Nullable}
	}
	return out
}

// Arrow converts the schema to an Arrow schema with unqualified names.
func (s Schema) Arrow() *arrow.Schema {
	fields := make([]arrow.Field, len(s))
	for i, f := range s {
		fields[i] = arrow.Field{Name: f.Name, Type: f.Type, Nullable: f.Nullable}
	}
	return arrow.NewSchema(fields, nil)
}

// Names lists the (unqualified) column names.
func (s Schema) Names() []string {
	out := make([]string, len(s))
	for i, f := range s {
		out[i] = f.Name
	}
	return out
}

// Resolve finds the column a reference names. An empty relation matches
// any relation. Names compare case-insensitively, as in SQL. An unknown
// name gets an error suggesting the closest column; an ambiguous one lists
// the candidates.
func (s Schema) Resolve(relation, name string) (int, error) {
	found := -1
	var candidates []string
	for i, f := range s {
		if !strings.EqualFold(f.Name, name) {
			continue
		}
		if relation != "" && !strings.EqualFold(f.Relation, relation) {
			continue
		}
		if found >= 0 {
			candidates = append(candidates, f.QualifiedName())
			continue
		}
		found = i
		candidates = append(candidates, f.QualifiedName())
	}
	ref := name
	if relation != "" {
		ref = relation + "." + name
	}
	switch {
	case len(candidates) > 1:
		return -1, fmt.Errorf("%w: column reference %q is ambiguous: it could be %s", ErrPlan, ref, strings.Join(candidates, " or "))
	case found < 0:
		msg := fmt.Sprintf("unknown column %q", ref)
		if sug := s.suggest(name); sug != "" {
			msg += fmt.Sprintf(" (did you mean %s?)", sug)
		}
		return -1, fmt.Errorf("%w: %s", ErrPlan, msg)
	}
	return found, nil
}

// suggest returns the column name closest to name, when one is close.
func (s Schema) suggest(name string) string {
	best, bestDist := "", len(name)/2+2
	names := make([]string, 0, len(s))
	for _, f := range s {
		names = append(names, f.QualifiedName())
	}
	sort.Strings(names)
	for _, n := range names {
		short := n[strings.LastIndexByte(n, '.')+1:]
		if d := suggest.Distance(strings.ToLower(name), strings.ToLower(short)); d < bestDist {
			best, bestDist = n, d
		}
	}
	return best
}

// String renders the schema as "name type, ...".
func (s Schema) String() string {
	parts := make([]string, len(s))
	for i, f := range s {
		parts[i] = f.QualifiedName() + " " + TypeName(f.Type)
	}
	return strings.Join(parts, ", ")
}

// TypeName renders a type the way SQL users write it.
func TypeName(t arrow.DataType) string {
	switch t.ID() {
	case arrow.BOOL:
		return "boolean"
	case arrow.INT32:
		return "integer"
	case arrow.INT64:
		return "bigint"
	case arrow.FLOAT64:
		return "double"
	case arrow.STRING:
		return "varchar"
	case arrow.DATE32:
		return "date"
	case arrow.TIMESTAMP:
		return "timestamp"
	case arrow.DECIMAL128:
		d := t.(*arrow.Decimal128Type)
		return fmt.Sprintf("decimal(%d,%d)", d.Precision, d.Scale)
	case arrow.INTERVAL_MONTH_DAY_NANO:
		return "interval"
	case arrow.NULL:
		return "null"
	}
	return t.String()
}

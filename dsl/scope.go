package dsl

import (
	"sort"
	"strings"

	"github.com/apache/arrow/go/v15/arrow"

	"github.com/dataflow-go/dataflow/dsl/parser"
	"github.com/dataflow-go/dataflow/internal/suggest"
	"github.com/dataflow-go/dataflow/plan"
)

// column is a name visible in a FROM scope and the plan column it stands
// for. Derived tables and views are renamed to unique plan names, so the
// user's (qualifier, name) and the plan's (relation, name) may differ.
type column struct {
	qual, name string
	col        plan.Column
	typ        arrow.DataType
	// usingDup marks the right-hand copy of a USING/NATURAL join column:
	// it resolves only when qualified.
	usingDup bool
}

// scope is the set of columns a SELECT's expressions may name, linked to
// the scope of the query it is nested in (for correlated subqueries).
type scope struct {
	cols  []column
	outer *scope
	// corr collects the columns of enclosing scopes this SELECT reads.
	corr *correlation
}

// correlation is the list of outer columns a subquery reads.
type correlation struct {
	fields plan.Schema
}

func (c *correlation) add(f plan.Field) {
	for _, g := range c.fields {
		if g.Relation == f.Relation && g.Name == f.Name {
			return
		}
	}
	c.fields = append(c.fields, f)
}

func newScope(cols []column, outer *scope) *scope {
	return &scope{cols: cols, outer: outer, corr: &correlation{}}
}

func (s *scope) find(qual, name string) []column {
	var out []column
	for _, c := range s.cols {
		if !strings.EqualFold(c.name, name) {
			continue
		}
		if qual == "" && c.usingDup {
			continue
		}
		if qual != "" && !strings.EqualFold(c.qual, qual) {
			continue
		}
		out = append(out, c)
	}
	return out
}

func (s *scope) hasQual(qual string) bool {
	for _, c := range s.cols {
		if strings.EqualFold(c.qual, qual) {
			return true
		}
	}
	return false
}

// resolve finds the column ref names, looking outwards through enclosing
// queries; a column found in an enclosing query is recorded as a
// correlation of every query in between.
func (b *binder) resolve(s *scope, ref *parser.ColumnRef) (column, error) {
	for cur := s; cur != nil; cur = cur.outer {
		m := cur.find(ref.Table, ref.Name)
		if len(m) > 1 {
			names := make([]string, len(m))
			for i, c := range m {
				names[i] = c.qual + "." + c.name
			}
			return column{}, b.errAt(ref.Pos(), nil, "column reference %q is ambiguous: it could be %s", refText(ref), strings.Join(names, " or "))
		}
		if len(m) == 1 {
			for x := s; x != cur; x = x.outer {
				x.corr.add(plan.Field{Relation: m[0].col.Relation, Name: m[0].col.Name, Type: m[0].typ, Nullable: true})
			}
			return m[0], nil
		}
	}
	if ref.Table != "" {
		known := false
		for cur := s; cur != nil; cur = cur.outer {
			known = known || cur.hasQual(ref.Table)
		}
		if !known {
			return column{}, b.errAt(ref.Pos(), nil, "missing FROM-clause entry for table %q", ref.Table)
		}
	}
	msg := "unknown column " + quote(refText(ref))
	if sug := suggestColumn(s, ref.Name); sug != "" {
		msg += " (did you mean " + sug + "?)"
	}
	return column{}, b.errAt(ref.Pos(), nil, "%s", msg)
}

func quote(s string) string { return `"` + s + `"` }

func refText(ref *parser.ColumnRef) string {
	if ref.Table != "" {
		return ref.Table + "." + ref.Name
	}
	return ref.Name
}

// suggestColumn returns the visible column name closest to name, if close.
func suggestColumn(s *scope, name string) string {
	var names []string
	for cur := s; cur != nil; cur = cur.outer {
		for _, c := range cur.cols {
			names = append(names, c.name)
		}
	}
	return closest(name, names)
}

func closest(name string, names []string) string {
	sort.Strings(names)
	best, bestDist := "", len(name)/2+1
	for _, n := range names {
		if d := suggest.Distance(strings.ToLower(name), strings.ToLower(n)); d < bestDist && d > 0 {
			best, bestDist = n, d
		}
	}
	return best
}

// cteEnv is the chain of WITH definitions visible at a point of a query.
type cteEnv struct {
	name   string
	def    *parser.CTE
	src    string
	parent *cteEnv
}

func (e *cteEnv) lookup(name string) *cteEnv {
	for c := e; c != nil; c = c.parent {
		if strings.EqualFold(c.name, name) {
			return c
		}
	}
	return nil
}

package plan

import (
	"errors"
	"strings"
	"testing"

	"github.com/apache/arrow/go/v15/arrow"

	"github.com/dataflow-go/dataflow/exec"
)

func testSchema() Schema {
	return Schema{
		{Relation: "l", Name: "l_orderkey", Type: arrow.PrimitiveTypes.Int64},
		{Relation: "l", Name: "l_shipdate", Type: arrow.FixedWidthTypes.Date32},
		{Relation: "o", Name: "o_orderkey", Type: arrow.PrimitiveTypes.Int64},
		{Relation: "o", Name: "key", Type: arrow.PrimitiveTypes.Int32},
		{Relation: "p", Name: "key", Type: arrow.PrimitiveTypes.Int32},
	}
}

func TestResolve(t *testing.T) {
	s := testSchema()
	for _, c := range []struct {
		rel, name string
		want      int
		err       string
	}{
		{"", "l_orderkey", 0, ""},
		{"", "L_SHIPDATE", 1, ""},
		{"o", "key", 3, ""},
		{"p", "key", 4, ""},
		{"", "key", -1, "ambiguous: it could be o.key or p.key"},
		{"", "l_shipdat", -1, `unknown column "l_shipdat" (did you mean l.l_shipdate?)`},
		{"x", "key", -1, `unknown column "x.key"`},
		{"", "zzzzzzzzzz", -1, `unknown column "zzzzzzzzzz"`},
	} {
		got, err := s.Resolve(c.rel, c.name)
		if c.err != "" {
			if err == nil || !strings.Contains(err.Error(), c.err) || !errors.Is(err, ErrPlan) {
				t.Errorf("Resolve(%q, %q): got %v, want error containing %q", c.rel, c.name, err, c.err)
			}
			continue
		}
		if err != nil || got != c.want {
			t.Errorf("Resolve(%q, %q) = %d, %v; want %d", c.rel, c.name, got, err, c.want)
		}
	}
	if _, err := s.Resolve("", "zzzzzzzzzz"); strings.Contains(err.Error(), "did you mean") {
		t.Errorf("a far-off name got a suggestion: %v", err)
	}
}

func TestParseType(t *testing.T) {
	for in, want := range map[string]string{
		"integer":          "int32",
		"BIGINT":           "int64",
		"decimal(15,2)":    "decimal(15, 2)",
		"numeric( 7 )":     "decimal(7, 0)",
		"varchar(25)":      "utf8",
		"date":             "date32",
		"double precision": "float64",
	} {
		got, err := ParseType(in)
		if err != nil || got.String() != want {
			t.Errorf("ParseType(%q) = %v, %v; want %s", in, got, err, want)
		}
	}
	for _, bad := range []string{"decimal(40,2)", "decimal(5,6)", "blob", "decimal(x)", "int(3"} {
		if _, err := ParseType(bad); !errors.Is(err, ErrPlan) {
			t.Errorf("ParseType(%q): got %v, want ErrPlan", bad, err)
		}
	}
}

func TestExprStringAndTransform(t *testing.T) {
	e := Binary{Op: exec.OpAnd, Left: Column{Name: "a"}, Right: Unary{Op: OpNot, Expr: Column{Relation: "t", Name: "b"}}}
	if got := e.String(); got != "(a AND NOT t.b)" {
		t.Errorf("String() = %q", got)
	}
	cols := Columns(e)
	if len(cols) != 2 || cols[1].Relation != "t" {
		t.Errorf("Columns = %v", cols)
	}
	renamed, err := Transform(e, func(x Expr) (Expr, error) {
		if c, ok := x.(Column); ok {
			c.Name = strings.ToUpper(c.Name)
			return c, nil
		}
		return x, nil
	})
	if err != nil || renamed.String() != "(A AND NOT t.B)" {
		t.Errorf("Transform = %v, %v", renamed, err)
	}
	if e.String() != "(a AND NOT t.b)" {
		t.Error("Transform mutated its input")
	}
}

package dsl_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/apache/arrow/go/v15/arrow"
	"github.com/apache/arrow/go/v15/arrow/memory"

	"github.com/dataflow-go/dataflow/dsl"
	"github.com/dataflow-go/dataflow/dsl/parser"
	"github.com/dataflow-go/dataflow/exec"
	"github.com/dataflow-go/dataflow/plan"
	"github.com/dataflow-go/dataflow/store"
)

// testCatalog has two small in-memory tables and one view.
type testCatalog struct {
	tables map[string]store.Table
	views  map[string]*dsl.View
}

func (c testCatalog) Relation(name string) (dsl.Relation, error) {
	if v, ok := c.views[strings.ToLower(name)]; ok {
		return dsl.Relation{View: v}, nil
	}
	t, ok := c.tables[strings.ToLower(name)]
	if !ok {
		return dsl.Relation{}, fmt.Errorf("%w: table %q", store.ErrNotFound, name)
	}
	return dsl.Relation{Table: t}, nil
}

func (testCatalog) ScalarFunction(name string) (*plan.ScalarUDF, bool) {
	if name == "double_it" {
		return &plan.ScalarUDF{Name: name, Args: []arrow.DataType{arrow.PrimitiveTypes.Int64}, Result: arrow.PrimitiveTypes.Int64}, true
	}
	return nil, false
}

func (testCatalog) AggregateFunction(string) (*exec.AggregateUDF, []arrow.DataType, bool) {
	return nil, nil, false
}

func newCatalog(t *testing.T) testCatalog {
	t.Helper()
	mk := func(fields ...arrow.Field) store.Table {
		m, err := store.NewMemTable(arrow.NewSchema(fields, nil), nil)
		if err != nil {
			t.Fatal(err)
		}
		return m
	}
	_ = memory.DefaultAllocator
	c := testCatalog{tables: map[string]store.Table{
		"lineitem": mk(
			arrow.Field{Name: "l_orderkey", Type: arrow.PrimitiveTypes.Int64},
			arrow.Field{Name: "l_quantity", Type: &arrow.Decimal128Type{Precision: 15, Scale: 2}},
			arrow.Field{Name: "l_shipdate", Type: arrow.FixedWidthTypes.Date32},
			arrow.Field{Name: "l_comment", Type: arrow.BinaryTypes.String}),
		"orders": mk(
			arrow.Field{Name: "o_orderkey", Type: arrow.PrimitiveTypes.Int64},
			arrow.Field{Name: "o_orderdate", Type: arrow.FixedWidthTypes.Date32}),
	}, views: map[string]*dsl.View{}}
	src := "SELECT o_orderkey AS k FROM orders"
	q, err := parser.Parse(src)
	if err != nil {
		t.Fatal(err)
	}
	c.views["recent"] = &dsl.View{Query: q.(*parser.Query), SQL: src}
	return c
}

func bind(t *testing.T, cat testCatalog, sql string) (plan.Node, error) {
	t.Helper()
	stmt, err := parser.Parse(sql)
	if err != nil {
		t.Fatalf("parse %q: %v", sql, err)
	}
	return dsl.Bind(stmt.(*parser.Query), sql, cat)
}

func TestBindErrors(t *testing.T) {
	cat := newCatalog(t)
	for _, c := range []struct {
		sql       string
		line, col int
		msg, hint string
	}{
		{"SELECT l_shipdat FROM lineitem", 1, 8, `unknown column "l_shipdat"`, "did you mean l_shipdate?"},
		{"SELECT *\nFROM lineitm", 2, 6, `unknown table "lineitm"`, ""},
		{"SELECT l_orderkey, count(*)\n  FROM lineitem", 1, 8, "must appear in the GROUP BY clause", ""},
		{"SELECT 1 FROM lineitem WHERE sum(l_quantity) > 1", 1, 30, "aggregate functions are not allowed in WHERE", ""},
		{"SELECT l_comment + 1 FROM lineitem", 1, 18, "cannot apply +", ""},
		{"SELECT nosuch(1)", 1, 8, "unknown function nosuch", ""},
		{"SELECT x.l_orderkey FROM lineitem", 1, 8, `missing FROM-clause entry for table "x"`, ""},
		{"SELECT l_orderkey FROM lineitem, orders o, lineitem", 1, 44, `table name "lineitem" specified more than once`, ""},
		{"SELECT 1 FROM lineitem WHERE l_orderkey", 1, 30, "argument of WHERE must be boolean, not bigint", ""},
		{"SELECT 1 WHERE 1 IN (SELECT 1, 2)", 1, 16, "subquery must return one column", ""},
		{"SELECT l_orderkey FROM lineitem ORDER BY 2", 1, 42, "ORDER BY position 2 is not in the select list", ""},
		{"SELECT double_it('x')", 1, 8, "argument 1 of double_it is varchar, want bigint", ""},
		{"SELECT date '1998-02-30'", 1, 8, "invalid date", ""},
		{"SELECT l_orderkey FROM lineitem, orders WHERE l_orderkey = o_orderkey GROUP BY o_orderkey", 1, 8, "must appear in the GROUP BY clause", ""},
	} {
		_, err := bind(t, cat, c.sql)
		var be *dsl.Error
		if !errors.As(err, &be) {
			t.Errorf("%q: got %v, want a *dsl.Error", c.sql, err)
			continue
		}
		if !errors.Is(err, dsl.ErrBind) {
			t.Errorf("%q: error does not wrap ErrBind", c.sql)
		}
		if be.Pos.Line != c.line || be.Pos.Col != c.col || !strings.Contains(be.Msg, c.msg) || be.Hint != c.hint {
			t.Errorf("%q:\n got line %d col %d msg %q hint %q\nwant line %d col %d msg ~%q hint %q", c.sql, be.Pos.Line, be.Pos.Col, be.Msg, be.Hint, c.line, c.col, c.msg, c.hint)
		}
	}
}

func TestBindErrorRendering(t *testing.T) {
	_, err := bind(t, newCatalog(t), "SELECT l_orderkey,\n       l_shipdat\nFROM lineitem")
	want := "bind error at line 2, column 8: unknown column \"l_shipdat\"\n       l_shipdat\n       ^\ndid you mean l_shipdate?"
	if err == nil || err.Error() != want {
		t.Fatalf("got\n%v\nwant\n%s", err, want)
	}
	if !errors.Is(err, plan.ErrPlan) {
		t.Error("a bind error should also wrap plan.ErrPlan")
	}
}

func TestLiteralTypes(t *testing.T) {
	cat := newCatalog(t)
	for _, c := range []struct{ expr, typ string }{
		{"1", "integer"},
		{"2147483648", "bigint"},
		{"0.05", "decimal(3,2)"},
		{"1.5", "decimal(2,1)"},
		{"-12.500", "decimal(5,3)"},
		{"1e3", "double"},
		{"'text'", "varchar"},
		{"date '1998-12-01'", "date"},
		{"date '1998-12-01' - interval '90' day (3)", "date"},
		{"interval '3' month", "interval"},
		{"1 - 0.05", "decimal(13,2)"},
		{"7 / 2", "double"},
		{"CAST('1' AS decimal(15,2))", "decimal(15,2)"},
		{"extract(year FROM date '1995-01-01')", "bigint"},
		{"l_shipdate <= '1998-09-02'", "boolean"},
		{"count(*)", "bigint"},
		{"sum(l_quantity)", "decimal(38,2)"},
	} {
		n, err := bind(t, cat, "SELECT "+c.expr+" FROM lineitem")
		if err != nil {
			t.Errorf("%s: %v", c.expr, err)
			continue
		}
		if got := plan.TypeName(n.Schema()[0].Type); got != c.typ {
			t.Errorf("%s: type %s, want %s", c.expr, got, c.typ)
		}
	}
}

func TestBindShapes(t *testing.T) {
	cat := newCatalog(t)
	for _, c := range []struct {
		sql   string
		names string
		plan  []string // substrings of the EXPLAIN text, in order
	}{
		{"SELECT l_orderkey FROM lineitem, orders WHERE l_orderkey = o_orderkey",
			"l_orderkey", []string{"Filter: (lineitem.l_orderkey = orders.o_orderkey)", "Inner Join\n", "Scan: lineitem", "Scan: orders"}},
		{"SELECT o_orderkey FROM orders WHERE EXISTS (SELECT * FROM lineitem WHERE l_orderkey = o_orderkey)",
			"o_orderkey", []string{"Filter: $sq1", "Apply exists as $sq1", "Scan: orders", "Inner Join", "OuterRow: [orders.o_orderkey]"}},
		{"SELECT k, count(*) AS n FROM recent GROUP BY 1 ORDER BY n DESC, k",
			"k,n", []string{"Sort: n DESC", "Aggregate: groups=[recent.k]", "Project: k AS recent.k", "Project: orders.o_orderkey AS k"}},
		{"SELECT l_orderkey AS id FROM lineitem ORDER BY id",
			"id", []string{"Sort: id ASC", "Project: lineitem.l_orderkey AS id"}},
		{"SELECT 1 AS a UNION SELECT 2 ORDER BY 1",
			"a", []string{"Sort:", "Distinct", "Union All"}},
		{"SELECT o_orderkey FROM orders EXCEPT SELECT l_orderkey FROM lineitem",
			"o_orderkey", []string{"Anti Join", "Distinct"}},
		{"WITH t AS (SELECT l_orderkey AS k FROM lineitem) SELECT k FROM t WHERE k > 1",
			"k", []string{"Filter: (t.k > 1)", "Project: k AS t.k", "Project: lineitem.l_orderkey AS k"}},
	} {
		n, err := bind(t, cat, c.sql)
		if err != nil {
			t.Errorf("%s: %v", c.sql, err)
			continue
		}
		if got := strings.Join(n.Schema().Names(), ","); got != c.names {
			t.Errorf("%s: columns %s, want %s", c.sql, got, c.names)
		}
		text := plan.Explain(n)
		at := 0
		for _, want := range c.plan {
			i := strings.Index(text[at:], want)
			if i < 0 {
				t.Errorf("%s: plan lacks %q after offset %d:\n%s", c.sql, want, at, text)
				break
			}
			at += i + len(want)
		}
	}
}

package dsl_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/apache/arrow/go/v15/arrow"
	"github.com/apache/arrow/go/v15/arrow/array"
	"github.com/apache/arrow/go/v15/arrow/scalar"

	"github.com/dataflow-go/dataflow/dsl"
	"github.com/dataflow-go/dataflow/dsl/parser"
	"github.com/dataflow-go/dataflow/exec"
	"github.com/dataflow-go/dataflow/plan"
)

// tfCatalog adds one Go table function, dates(d date, n int), to the
// test catalog.
type tfCatalog struct{ testCatalog }

var datesUDF = &plan.TableUDF{
	Name:   "dates",
	Args:   []arrow.DataType{arrow.FixedWidthTypes.Date32, arrow.PrimitiveTypes.Int32},
	Schema: arrow.NewSchema([]arrow.Field{{Name: "d", Type: arrow.FixedWidthTypes.Date32}}, nil),
	Fn: func(*exec.Context, []scalar.Scalar) (array.RecordReader, error) {
		return nil, errors.New("not run by binder tests")
	},
}

func (tfCatalog) TableFunction(name string) (*plan.TableUDF, bool) {
	if name == "dates" {
		return datesUDF, true
	}
	return nil, false
}

func (tfCatalog) TableFunctionNames() []string { return []string{"dates"} }

func bindTF(t *testing.T, sql string) (plan.Node, error) {
	t.Helper()
	stmt, err := parser.Parse(sql)
	if err != nil {
		t.Fatalf("parse %q: %v", sql, err)
	}
	return dsl.Bind(stmt.(*parser.Query), sql, tfCatalog{newCatalog(t)})
}

func TestBindTableFunctions(t *testing.T) {
	for _, c := range []struct{ sql, want string }{
		// Literal arguments are cast to the declared types where that
		// widens them; the string literal reads as a date.
		{"SELECT * FROM generate_series(1, 3)", "TableFunction: generate_series(1, 3) AS generate_series(generate_series)"},
		{"SELECT x FROM generate_series(1, 10, 2 + 1) AS g(x)", "TableFunction: generate_series(1, 10, 3) AS g(x)"},
		{"SELECT * FROM dates('1998-12-01', 2) t", "TableFunction: dates(DATE '1998-12-01', 2) AS t(d)"},
		{"SELECT * FROM dates(NULL, NULL)", "TableFunction: dates(NULL, NULL) AS dates(d)"},
		{"SELECT o_orderkey FROM orders JOIN dates(date '1998-01-01', 1) AS x(day) ON o_orderdate = day", "TableFunction: dates(DATE '1998-01-01', 1) AS x(day)"},
	} {
		n, err := bindTF(t, c.sql)
		if err != nil {
			t.Errorf("%s: %v", c.sql, err)
			continue
		}
		if text := plan.Explain(n); !strings.Contains(text, c.want) {
			t.Errorf("%s: plan does not contain %q:\n%s", c.sql, c.want, text)
		}
	}
}

func TestBindTableFunctionErrors(t *testing.T) {
	for _, c := range []struct {
		sql       string
		line, col int
		msg, hint string
	}{
		{"SELECT * FROM generate_series(1)", 1, 15, "table function generate_series(bigint, bigint[, bigint]) takes 2 to 3 argument(s), got 1", ""},
		{"SELECT * FROM dates('1998-12-01', 2::bigint)", 1, 35, "argument 2 of table function dates(date, integer) must be integer, got bigint", "only widening conversions are implicit: add an explicit CAST"},
		{"SELECT * FROM generate_series(1, 2.5)", 1, 34, "argument 2 of table function generate_series(bigint, bigint[, bigint]) must be bigint, got decimal(2,1)", "only widening conversions are implicit: add an explicit CAST"},
		{"SELECT *\n  FROM datse('1998-12-01', 1)", 2, 8, "unknown table function datse", "did you mean dates?"},
		{"SELECT * FROM lineitem(1)", 1, 15, `"lineitem" is a table or view, not a table function (drop the parentheses)`, ""},
		{"SELECT * FROM orders, generate_series(1, o_orderkey)", 1, 42, "arguments of table function generate_series must be constants", ""},
		{"SELECT * FROM generate_series(1, (SELECT 2))", 1, 34, "arguments of table function generate_series must be constants", ""},
		{"SELECT * FROM generate_series(1, 2) AS g(a, b)", 1, 37, "generate_series returns 1 column(s) but 2 column alias(es) are given", ""},
		{"SELECT * FROM generate_series(1, 2), generate_series(3, 4)", 1, 38, `table name "generate_series" specified more than once`, ""},
		{"SELECT g.nope FROM generate_series(1, 2) g", 1, 8, `unknown column "g.nope"`, ""},
	} {
		_, err := bindTF(t, c.sql)
		var be *dsl.Error
		if !errors.As(err, &be) {
			t.Errorf("%q: got %v, want a *dsl.Error", c.sql, err)
			continue
		}
		if be.Pos.Line != c.line || be.Pos.Col != c.col || !strings.Contains(be.Msg, c.msg) || be.Hint != c.hint {
			t.Errorf("%q:\n got %d:%d %q hint %q\nwant %d:%d %q hint %q", c.sql, be.Pos.Line, be.Pos.Col, be.Msg, be.Hint, c.line, c.col, c.msg, c.hint)
		}
		if !strings.Contains(be.Error(), "^") {
			t.Errorf("%q: no caret in %s", c.sql, be.Error())
		}
	}
}

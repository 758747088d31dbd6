package dataflow_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/apache/arrow/go/v15/arrow"
	"github.com/apache/arrow/go/v15/arrow/array"

	"github.com/dataflow-go/dataflow"
	"github.com/dataflow-go/dataflow/dsl"
	"github.com/dataflow-go/dataflow/dsl/parser"
	"github.com/dataflow-go/dataflow/exec"
	"github.com/dataflow-go/dataflow/plan"
)

func sqlRows(t *testing.T, s interface {
	SQL(context.Context, string) (*dataflow.Result, error)
}, q string) [][]string {
	t.Helper()
	res, err := s.SQL(context.Background(), q)
	if err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	defer res.Release()
	return res.Rows()
}

func TestEngineSQL(t *testing.T) {
	eng := openTPCH(t, 2)
	ctx := context.Background()
	if got := fmt.Sprint(sqlRows(t, eng, "SELECT r_name FROM region WHERE r_regionkey < 2 ORDER BY r_name")); got != "[[AFRICA] [AMERICA]]" {
		t.Errorf("got %s", got)
	}
	if err := eng.Exec(ctx, "CREATE TABLE t (a integer); INSERT INTO t VALUES (1), (2); INSERT INTO t SELECT a * 10 FROM t"); err != nil {
		t.Fatal(err)
	}
	if got := fmt.Sprint(sqlRows(t, eng, "SELECT sum(a) FROM t")); got != "[[33]]" {
		t.Errorf("sum after inserts: %s", got)
	}
	// A SELECT as a builder query, extended with the Go API.
	q := eng.Query("SELECT n_name, n_regionkey FROM nation WHERE n_regionkey = 1").
		OrderBy(dataflow.Col("n_name").Desc()).Limit(2)
	res, err := q.Collect(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if got := fmt.Sprint(res.Rows()); got != "[[UNITED STATES 1] [PERU 1]]" {
		t.Errorf("builder over SQL: %s", got)
	}
	res.Release()

	for _, c := range []struct {
		sql  string
		is   error
		want string
	}{
		{"SELEC 1", parser.ErrParse, "syntax error at line 1, column 1"},
		{"SELECT n_nam FROM nation", dsl.ErrBind, "did you mean n_name?"},
		{"SELECT n_nam FROM nation", plan.ErrPlan, "^"},
		{"SELECT 1; SELECT 2", parser.ErrParse, ""},
		{"SET parallelism = -1", dataflow.ErrUsage, "non-negative"},
	} {
		res, err := eng.SQL(ctx, c.sql)
		if err == nil {
			res.Release()
			t.Errorf("%s: no error", c.sql)
			continue
		}
		if !errors.Is(err, c.is) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: got %v, want %v mentioning %q", c.sql, err, c.is, c.want)
		}
	}
	if _, err := eng.Query("CREATE TABLE x (a int)").Plan(); !errors.Is(err, dataflow.ErrUsage) {
		t.Errorf("Query over DDL: %v", err)
	}
}

func TestSessions(t *testing.T) {
	eng := openTPCH(t, 2)
	a, b := eng.NewSession(), eng.NewSession()
	ctx := context.Background()
	if err := a.Exec(ctx, "SET parallelism = 1; SET placement.strategy = 'spread'; SET optimizer.disabled_rules = 'prune_columns,reorder_joins'"); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		s    *dataflow.Session
		name string
		want string
	}{
		{a, "parallelism", "1"}, {b, "parallelism", "2"},
		{a, "placement.strategy", "spread"}, {b, "placement.strategy", "auto"},
		{a, "optimizer.disabled_rules", "prune_columns,reorder_joins"}, {b, "optimizer.disabled_rules", ""},
	} {
		if got := fmt.Sprint(sqlRows(t, c.s, "SHOW "+c.name)); got != "[["+c.want+"]]" {
			t.Errorf("SHOW %s: got %s, want %s", c.name, got, c.want)
		}
	}
	// Both sessions see the same tables and give the same answers.
	q := "SELECT count(*) FROM lineitem JOIN orders ON l_orderkey = o_orderkey WHERE o_orderstatus = 'F'"
	if ra, rb := fmt.Sprint(sqlRows(t, a, q)), fmt.Sprint(sqlRows(t, b, q)); ra != rb {
		t.Errorf("sessions disagree: %s vs %s", ra, rb)
	}
	if err := a.Exec(ctx, "SET memory_limit = '1KiB'"); err != nil {
		t.Fatal(err)
	}
	if _, err := a.SQL(ctx, "SELECT l_orderkey, count(*) FROM lineitem GROUP BY l_orderkey"); err == nil || !strings.Contains(err.Error(), "memory limit") {
		t.Errorf("memory_limit not applied: %v", err)
	}
}

func TestCreateFunction(t *testing.T) {
	eng := openTPCH(t, 1)
	ctx := context.Background()
	err := eng.RegisterScalarUDF("go_twice", []arrow.DataType{arrow.PrimitiveTypes.Int64}, arrow.PrimitiveTypes.Int64,
		func(ctx *exec.Context, args []arrow.Array) (arrow.Array, error) {
			in := args[0].(*array.Int64)
			b := array.NewInt64Builder(ctx.Alloc)
			defer b.Release()
			for i := 0; i < in.Len(); i++ {
				if in.IsNull(i) {
					b.AppendNull()
				} else {
					b.Append(2 * in.Value(i))
				}
			}
			return b.NewArray(), nil
		})
	if err != nil {
		t.Fatal(err)
	}
	if err := eng.Exec(ctx, "CREATE FUNCTION twice(bigint) RETURNS bigint AS 'go_twice'"); err != nil {
		t.Fatal(err)
	}
	if got := fmt.Sprint(sqlRows(t, eng, "SELECT twice(n_nationkey) FROM nation WHERE n_nationkey = 21")); got != "[[42]]" {
		t.Errorf("twice: %s", got)
	}
	for _, c := range []struct{ sql, want string }{
		{"CREATE FUNCTION bad(integer) RETURNS bigint AS 'go_twice'", "argument 1 of go_twice is bigint"},
		{"CREATE FUNCTION bad(bigint) RETURNS varchar AS 'go_twice'", "returns bigint"},
		{"CREATE FUNCTION bad(bigint) RETURNS bigint AS 'go_nothing'", "no Go function"},
		{"SELECT twice('x')", "argument 1 of twice is varchar"},
	} {
		res, err := eng.SQL(ctx, c.sql)
		if err == nil {
			res.Release()
		}
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: got %v, want an error mentioning %q", c.sql, err, c.want)
		}
	}
}

func TestExplainSQL(t *testing.T) {
	eng := openTPCH(t, 2)
	text := strings.Join(flatten(sqlRows(t, eng, "EXPLAIN SELECT count(*) FROM orders WHERE EXISTS (SELECT * FROM lineitem WHERE l_orderkey = o_orderkey)")), "\n")
	for _, want := range []string{"logical plan:", "Apply exists", "optimized plan:", "Semi Join", "physical plan", "hashJoinProbe"} {
		if !strings.Contains(text, want) {
			t.Errorf("EXPLAIN lacks %q:\n%s", want, text)
		}
	}
	text = strings.Join(flatten(sqlRows(t, eng, "EXPLAIN ANALYZE SELECT count(*) FROM lineitem WHERE l_quantity < 10")), "\n")
	for _, want := range []string{"rows=10816 ", "rows=1 ", "time=", "self=", "peak memory"} {
		if !strings.Contains(text, want) {
			t.Errorf("EXPLAIN ANALYZE lacks %q:\n%s", want, text)
		}
	}
}

func flatten(rows [][]string) []string {
	var out []string
	for _, r := range rows {
		out = append(out, r...)
	}
	return out
}

// ExampleEngine_SQL runs SQL over a table registered from Go.
func ExampleEngine_SQL() {
	eng, _ := dataflow.Open(dataflow.Options{Parallelism: 1})
	defer eng.Close()
	ctx := context.Background()
	if err := eng.Exec(ctx, `
		CREATE TABLE fruit (name varchar, price decimal(5,2));
		INSERT INTO fruit VALUES ('apple', 0.50), ('fig', 1.25), ('kiwi', 0.75)`); err != nil {
		fmt.Println(err)
		return
	}
	res, err := eng.SQL(ctx, "SELECT name, price * 2 AS pair FROM fruit WHERE price > 0.6 ORDER BY pair DESC")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer res.Release()
	for _, row := range res.Rows() {
		fmt.Println(row)
	}
	_, err = eng.SQL(ctx, "SELECT nme FROM fruit")
	fmt.Println(err)
	// Output:
	// [fig 2.50]
	// [kiwi 1.50]
	// bind error at line 1, column 8: unknown column "nme"
	// SELECT nme FROM fruit
	//        ^
	// did you mean name?
}

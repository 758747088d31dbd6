package dataflow_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/apache/arrow/go/v15/arrow"
	"github.com/apache/arrow/go/v15/arrow/array"
	"github.com/apache/arrow/go/v15/arrow/memory"
	"github.com/apache/arrow/go/v15/arrow/scalar"

	"github.com/dataflow-go/dataflow"
	"github.com/dataflow-go/dataflow/dsl"
	"github.com/dataflow-go/dataflow/exec"
)

// repeatSchema is the output of the test function repeat(s, n): n rows
// of (i, s repeated i times).
var repeatSchema = arrow.NewSchema([]arrow.Field{
	{Name: "i", Type: arrow.PrimitiveTypes.Int64},
	{Name: "s", Type: arrow.BinaryTypes.String, Nullable: true},
}, nil)

// repeatFn emits its rows two per record, so readers of several records
// are exercised.
func repeatFn(ctx *exec.Context, args []scalar.Scalar) (array.RecordReader, error) {
	if !args[0].IsValid() || !args[1].IsValid() {
		return array.NewRecordReader(repeatSchema, nil)
	}
	s := args[0].(*scalar.String).String()
	n := args[1].(*scalar.Int64).Value
	if n < 0 {
		return nil, fmt.Errorf("count must not be negative, got %d", n)
	}
	var recs []arrow.Record
	b := array.NewRecordBuilder(ctx.Alloc, repeatSchema)
	defer b.Release()
	for i := int64(1); i <= n; i++ {
		b.Field(0).(*array.Int64Builder).Append(i)
		b.Field(1).(*array.StringBuilder).Append(strings.Repeat(s, int(i)))
		if i%2 == 0 || i == n {
			recs = append(recs, b.NewRecord())
		}
	}
	rdr, err := array.NewRecordReader(repeatSchema, recs)
	for _, r := range recs {
		r.Release()
	}
	return rdr, err
}

func openTableFuncEngine(t *testing.T, mem memory.Allocator) *dataflow.Engine {
	t.Helper()
	eng, err := dataflow.Open(dataflow.Options{Parallelism: 2, Allocator: mem})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { eng.Close() })
	if err := eng.RegisterTableUDF("repeat", []arrow.DataType{arrow.BinaryTypes.String, arrow.PrimitiveTypes.Int64}, repeatSchema, repeatFn); err != nil {
		t.Fatal(err)
	}
	// Misbehaving functions, each failing in its own way.
	one := []arrow.DataType{arrow.PrimitiveTypes.Int64}
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(eng.RegisterTableUDF("fails", one, repeatSchema, func(*exec.Context, []scalar.Scalar) (array.RecordReader, error) {
		return nil, errors.New("backend unavailable")
	}))
	must(eng.RegisterTableUDF("panics", one, repeatSchema, func(*exec.Context, []scalar.Scalar) (array.RecordReader, error) {
		var m map[string]int
		m["x"] = 1 // nil map write: a panic inside the user's code
		return nil, nil
	}))
	must(eng.RegisterTableUDF("wrong_schema", one, repeatSchema, func(ctx *exec.Context, _ []scalar.Scalar) (array.RecordReader, error) {
		s := arrow.NewSchema([]arrow.Field{{Name: "x", Type: arrow.PrimitiveTypes.Int32}}, nil)
		b := array.NewRecordBuilder(ctx.Alloc, s)
		defer b.Release()
		b.Field(0).(*array.Int32Builder).Append(1)
		r := b.NewRecord()
		defer r.Release()
		return array.NewRecordReader(s, []arrow.Record{r})
	}))
	must(eng.RegisterTableUDF("reader_fails", one, repeatSchema, func(*exec.Context, []scalar.Scalar) (array.RecordReader, error) {
		return &failingReader{refs: 1}, nil
	}))
	return eng
}

// failingReader reports an error from its first Next.
type failingReader struct{ refs int }

func (f *failingReader) Retain()               { f.refs++ }
func (f *failingReader) Release()              { f.refs-- }
func (f *failingReader) Schema() *arrow.Schema { return repeatSchema }
func (f *failingReader) Next() bool            { return false }
func (f *failingReader) Record() arrow.Record  { return nil }
func (f *failingReader) Err() error            { return errors.New("stream broke") }

func TestTableUDFQueries(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	t.Cleanup(func() { mem.AssertSize(t, 0) }) // after the engine's Close
	eng := openTableFuncEngine(t, mem)
	ctx := context.Background()
	if err := eng.Exec(ctx, "CREATE TABLE k (id bigint, name varchar); INSERT INTO k VALUES (1, 'one'), (2, 'two'), (3, 'three'), (NULL, 'none')"); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ sql, want string }{
		{"SELECT * FROM repeat('ab', 3)", "[[1 ab] [2 abab] [3 ababab]]"},
		{"SELECT t.s FROM repeat('x', 5) t WHERE t.i > 3 ORDER BY 1 DESC", "[[xxxxx] [xxxx]]"},
		{"SELECT n, txt FROM repeat('z', 2) AS r(n, txt) ORDER BY n", "[[1 z] [2 zz]]"},
		// The alias may rename only a prefix of the columns.
		{"SELECT n, s FROM repeat('z', 1) AS r(n)", "[[1 z]]"},
		// Joins with other tables, either side.
		{"SELECT k.name, r.s FROM repeat('q', 3) r JOIN k ON k.id = r.i ORDER BY k.id", "[[one q] [two qq] [three qqq]]"},
		{"SELECT k.name, r.s FROM k LEFT JOIN repeat('q', 2) r ON k.id = r.i ORDER BY k.name", "[[none NULL] [one q] [three NULL] [two qq]]"},
		{"SELECT count(*) FROM k, repeat('a', 4)", "[[16]]"},
		// Constant arguments: an int literal widens to bigint, expressions fold.
		{"SELECT count(*), sum(i) FROM repeat('a' || 'b', 2 * 5)", "[[10 55]]"},
		{"SELECT count(*) FROM repeat(NULL, 3)", "[[0]]"},
		{"SELECT count(*) FROM repeat('a', 0)", "[[0]]"},
		// Subqueries, CTEs and aggregates over a table function.
		{"WITH r AS (SELECT * FROM repeat('a', 6)) SELECT i % 2, count(*) FROM r GROUP BY 1 ORDER BY 1", "[[0 3] [1 3]]"},
		{"SELECT name FROM k WHERE id IN (SELECT i FROM repeat('a', 2)) ORDER BY 1", "[[one] [two]]"},
		{"SELECT max(i) FROM repeat('a', 3) LIMIT 1", "[[3]]"},
		// The built-in generate_series.
		{"SELECT * FROM generate_series(1, 4)", "[[1] [2] [3] [4]]"},
		{"SELECT x FROM generate_series(10, 1, -4) AS g(x)", "[[10] [6] [2]]"},
		{"SELECT sum(x) FROM generate_series(1, 100000) g(x)", "[[5000050000]]"},
		{"SELECT a.x, b.y FROM generate_series(1, 2) a(x) CROSS JOIN generate_series(5, 6) b(y) ORDER BY 1, 2", "[[1 5] [1 6] [2 5] [2 6]]"},
	} {
		if got := fmt.Sprint(sqlRows(t, eng, c.sql)); got != c.want {
			t.Errorf("%s:\n got %s\nwant %s", c.sql, got, c.want)
		}
	}
}

func TestTableUDFErrors(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	t.Cleanup(func() { mem.AssertSize(t, 0) }) // after the engine's Close
	eng := openTableFuncEngine(t, mem)
	ctx := context.Background()
	for _, c := range []struct {
		sql  string
		is   error
		want []string
	}{
		{"SELECT * FROM repeat('a')", dsl.ErrBind, []string{"table function repeat(varchar, bigint) takes 2 argument(s), got 1", "line 1, column 15", "^"}},
		{"SELECT * FROM repeat(1, 2)", dsl.ErrBind, []string{"argument 1 of table function repeat(varchar, bigint) must be varchar, got integer", "column 22", "add an explicit CAST"}},
		{"SELECT * FROM repeat('a', 2.5)", dsl.ErrBind, []string{"argument 2", "must be bigint"}},
		{"SELECT * FROM generate_series(1)", dsl.ErrBind, []string{"generate_series(bigint, bigint[, bigint]) takes 2 to 3 argument(s), got 1"}},
		{"SELECT * FROM repeet('a', 1)", dsl.ErrBind, []string{"unknown table function repeet", "did you mean repeat?"}},
		{"SELECT * FROM repeat('a', 1) x JOIN repeat('a', x.i) r ON true", dsl.ErrBind, []string{"must be constants"}},
		{"SELECT * FROM repeat('a', 2) AS r(a, b, c)", dsl.ErrBind, []string{"returns 2 column(s) but 3 column alias(es)"}},
		{"SELECT * FROM repeat('a', 2) AS r(a, a)", dsl.ErrBind, []string{`column name "a" appears twice`}},
		{"SELECT * FROM nation(1)", dsl.ErrBind, []string{"unknown table function nation"}},
		{"SELECT * FROM repeat('a', 7 % 0)", nil, []string{"division by zero"}},
		// Failures inside the Go code name the function.
		{"SELECT * FROM repeat('a', -1)", exec.ErrExec, []string{"table function repeat: count must not be negative"}},
		{"SELECT * FROM fails(1)", exec.ErrExec, []string{"table function fails: backend unavailable"}},
		{"SELECT * FROM panics(1)", exec.ErrExec, []string{"table function panics panicked: assignment to entry in nil map"}},
		{"SELECT * FROM wrong_schema(1)", exec.ErrExec, []string{"table function wrong_schema returned a batch of schema (x int32), but it was declared to return (i int64, s utf8)"}},
		{"SELECT * FROM reader_fails(1)", exec.ErrExec, []string{"table function reader_fails: stream broke"}},
		{"SELECT * FROM generate_series(1, 5, 0)", exec.ErrExec, []string{"table function generate_series: step size cannot equal zero"}},
	} {
		res, err := eng.SQL(ctx, c.sql)
		if err == nil {
			res.Release()
			t.Errorf("%s: no error", c.sql)
			continue
		}
		if c.is != nil && !errors.Is(err, c.is) {
			t.Errorf("%s: %v is not %v", c.sql, err, c.is)
		}
		for _, w := range c.want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("%s: error %q does not contain %q", c.sql, err, w)
			}
		}
	}
	// The engine is still usable after every failure.
	if got := fmt.Sprint(sqlRows(t, eng, "SELECT count(*) FROM repeat('a', 3)")); got != "[[3]]" {
		t.Errorf("after failures: %s", got)
	}
}

func TestRegisterTableUDFChecks(t *testing.T) {
	eng := openTableFuncEngine(t, nil)
	one := []arrow.DataType{arrow.PrimitiveTypes.Int64}
	for _, c := range []struct {
		name   string
		schema *arrow.Schema
		fn     dataflow.TableFunc
		want   string
	}{
		{"repeat", repeatSchema, repeatFn, "already registered"},
		{"REPEAT", repeatSchema, repeatFn, "already registered"},
		{"generate_series", repeatSchema, repeatFn, "built-in table function"},
		{"", repeatSchema, repeatFn, "needs a name"},
		{"nofn", repeatSchema, nil, "needs a name and a function"},
		{"noschema", nil, repeatFn, "at least one output column"},
		{"dupcols", arrow.NewSchema([]arrow.Field{{Name: "a", Type: arrow.PrimitiveTypes.Int64}, {Name: "A", Type: arrow.PrimitiveTypes.Int64}}, nil), repeatFn, "distinct"},
	} {
		err := eng.RegisterTableUDF(c.name, one, c.schema, c.fn)
		if err == nil || !errors.Is(err, dataflow.ErrUsage) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("RegisterTableUDF(%q): %v, want ErrUsage containing %q", c.name, err, c.want)
		}
	}
}

func TestCreateFunctionReturnsTable(t *testing.T) {
	eng := openTableFuncEngine(t, nil)
	ctx := context.Background()
	if err := eng.Exec(ctx, `
		CREATE FUNCTION rep(s text, n bigint) RETURNS TABLE (pos bigint, word text) AS 'repeat';
		CREATE FUNCTION series(bigint, bigint) RETURNS TABLE (v bigint) AS 'generate_series'`); err != nil {
		t.Fatal(err)
	}
	if got := fmt.Sprint(sqlRows(t, eng, "SELECT word FROM rep('o', 2) ORDER BY pos")); got != "[[o] [oo]]" {
		t.Errorf("rep: %s", got)
	}
	if got := fmt.Sprint(sqlRows(t, eng, "SELECT sum(v) FROM series(1, 10)")); got != "[[55]]" {
		t.Errorf("series: %s", got)
	}
	for _, c := range []struct{ sql, want string }{
		{"CREATE FUNCTION rep(s text, n bigint) RETURNS TABLE (a bigint, b text) AS 'repeat'", "already exists"},
		{"CREATE FUNCTION r2(s text) RETURNS TABLE (a bigint, b text) AS 'repeat'", "declaration lists 1"},
		{"CREATE FUNCTION r2(s text, n integer) RETURNS TABLE (a bigint, b text) AS 'repeat'", "argument 2 of repeat is bigint, the declaration says integer"},
		{"CREATE FUNCTION r2(s text, n bigint) RETURNS TABLE (a bigint) AS 'repeat'", "returns 2 column(s), the declaration lists 1"},
		{"CREATE FUNCTION r2(s text, n bigint) RETURNS TABLE (a integer, b text) AS 'repeat'", "column 1 of repeat is bigint, the declaration says integer"},
		{"CREATE FUNCTION r2(s text, n bigint) RETURNS TABLE (a bigint, b text) AS 'nosuch'", `no Go table function "nosuch"`},
		{"SELECT * FROM series(1)", "series(bigint, bigint) takes 2 argument(s), got 1"},
	} {
		res, err := eng.SQL(ctx, c.sql)
		if err == nil {
			res.Release()
			t.Errorf("%s: no error", c.sql)
		} else if !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %q does not contain %q", c.sql, err, c.want)
		}
	}
	// OR REPLACE rebinds; DROP FUNCTION removes.
	if err := eng.Exec(ctx, "CREATE OR REPLACE FUNCTION series(bigint, bigint, bigint) RETURNS TABLE (w bigint) AS 'generate_series'"); err != nil {
		t.Fatal(err)
	}
	if got := fmt.Sprint(sqlRows(t, eng, "SELECT w FROM series(0, 10, 5)")); got != "[[0] [5] [10]]" {
		t.Errorf("replaced series: %s", got)
	}
	if err := eng.Exec(ctx, "DROP FUNCTION series"); err != nil {
		t.Fatal(err)
	}
	if res, err := eng.SQL(ctx, "SELECT * FROM series(1, 2, 1)"); err == nil {
		res.Release()
		t.Error("series still callable after DROP FUNCTION")
	}
}

// A table function's reader is released when a LIMIT stops reading early,
// and the query's allocator sees every byte come back.
func TestTableUDFEarlyStop(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	t.Cleanup(func() { mem.AssertSize(t, 0) }) // after the engine's Close
	eng := openTableFuncEngine(t, mem)
	if got := fmt.Sprint(sqlRows(t, eng, "SELECT i FROM repeat('a', 9) LIMIT 3")); got != "[[1] [2] [3]]" {
		t.Errorf("limit: %s", got)
	}
	if got := fmt.Sprint(sqlRows(t, eng, "SELECT x FROM generate_series(1, 1000000000) g(x) LIMIT 2")); got != "[[1] [2]]" {
		t.Errorf("limit over a huge series: %s", got)
	}
}

func TestTableUDFExplain(t *testing.T) {
	eng := openTableFuncEngine(t, nil)
	text, err := eng.NewSession().Explain(context.Background(), "SELECT x FROM generate_series(1, 3) AS g(x)", false)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(text, "TableFunction: generate_series(1, 3) AS g(x)  [tableFuncOp]") {
		t.Errorf("EXPLAIN does not show the table function:\n%s", text)
	}
}

// Register a Go table function and call it from SQL, joined with a table.
func ExampleEngine_RegisterTableUDF() {
	eng, err := dataflow.Open(dataflow.Options{})
	if err != nil {
		panic(err)
	}
	defer eng.Close()
	// words(text) splits its argument into one row per word.
	schema := arrow.NewSchema([]arrow.Field{
		{Name: "pos", Type: arrow.PrimitiveTypes.Int64},
		{Name: "word", Type: arrow.BinaryTypes.String},
	}, nil)
	words := func(ctx *exec.Context, args []scalar.Scalar) (array.RecordReader, error) {
		b := array.NewRecordBuilder(ctx.Alloc, schema)
		defer b.Release()
		if args[0].IsValid() {
			for i, w := range strings.Fields(args[0].(*scalar.String).String()) {
				b.Field(0).(*array.Int64Builder).Append(int64(i + 1))
				b.Field(1).(*array.StringBuilder).Append(w)
			}
		}
		rec := b.NewRecord()
		defer rec.Release()
		return array.NewRecordReader(schema, []arrow.Record{rec})
	}
	if err := eng.RegisterTableUDF("words", []arrow.DataType{arrow.BinaryTypes.String}, schema, words); err != nil {
		panic(err)
	}
	ctx := context.Background()
	if err := eng.Exec(ctx, "CREATE TABLE lengths (n bigint, label varchar); INSERT INTO lengths VALUES (3, 'short'), (5, 'long')"); err != nil {
		panic(err)
	}
	res, err := eng.SQL(ctx, `
		SELECT w.pos, w.word, l.label
		FROM words('the quick brown fox jumps') AS w
		JOIN lengths l ON length(w.word) = l.n
		ORDER BY w.pos`)
	if err != nil {
		panic(err)
	}
	defer res.Release()
	for _, row := range res.Rows() {
		fmt.Println(strings.Join(row, " "))
	}
	// Output:
	// 1 the short
	// 2 quick long
	// 3 brown long
	// 4 fox short
	// 5 jumps long
}

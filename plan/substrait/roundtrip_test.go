package substrait_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow/go/v15/arrow"
	"github.com/apache/arrow/go/v15/arrow/array"
	"github.com/apache/arrow/go/v15/arrow/decimal128"
	"github.com/apache/arrow/go/v15/arrow/memory"
	"github.com/apache/arrow/go/v15/arrow/scalar"

	"github.com/dataflow-go/dataflow/exec"
	"github.com/dataflow-go/dataflow/plan"
	"github.com/dataflow-go/dataflow/plan/substrait"
	"github.com/dataflow-go/dataflow/store"
)

var (
	i32    = arrow.PrimitiveTypes.Int32
	i64    = arrow.PrimitiveTypes.Int64
	f64    = arrow.PrimitiveTypes.Float64
	str    = arrow.BinaryTypes.String
	date   = arrow.FixedWidthTypes.Date32
	dec    = &arrow.Decimal128Type{Precision: 12, Scale: 2}
	tsUTC  = &arrow.TimestampType{Unit: arrow.Microsecond, TimeZone: "UTC"}
	boolT  = arrow.FixedWidthTypes.Boolean
	ivalT  = arrow.FixedWidthTypes.MonthDayNanoInterval
	tTable = arrow.NewSchema([]arrow.Field{
		{Name: "id", Type: i64}, {Name: "a", Type: i32, Nullable: true}, {Name: "f", Type: f64, Nullable: true},
		{Name: "d", Type: dec, Nullable: true}, {Name: "s", Type: str, Nullable: true}, {Name: "dt", Type: date, Nullable: true},
		{Name: "ts", Type: tsUTC, Nullable: true}, {Name: "ok", Type: boolT, Nullable: true},
	}, nil)
	uTable = arrow.NewSchema([]arrow.Field{
		{Name: "k", Type: i64}, {Name: "name", Type: str, Nullable: true}, {Name: "w", Type: i32, Nullable: true},
	}, nil)
)

const tRows = `[
 {"id": 1, "a": 10, "f": 1.5, "d": "12.34", "s": "apple", "dt": "1998-01-31", "ts": "1998-01-31T10:00:00Z", "ok": true},
 {"id": 2, "a": null, "f": -2.25, "d": "0.05", "s": "Banana_split", "dt": "1994-06-15", "ts": null, "ok": false},
 {"id": 3, "a": 30, "f": null, "d": null, "s": "cherry", "dt": null, "ts": "2000-02-29T00:00:01Z", "ok": null},
 {"id": 4, "a": 30, "f": 4.0, "d": "-7.50", "s": null, "dt": "2000-02-29", "ts": "2001-01-01T00:00:00Z", "ok": true},
 {"id": 5, "a": 7, "f": 0.5, "d": "100.00", "s": "a%b", "dt": "1995-12-01", "ts": "1995-12-01T12:30:00Z", "ok": false}
]`

const uRows = `[
 {"k": 1, "name": "one", "w": 100},
 {"k": 3, "name": "three", "w": null},
 {"k": 5, "name": null, "w": 500},
 {"k": 7, "name": "seven", "w": 700}
]`

// testCatalog holds the in-memory tables t and u, and the UDFs twice and
// product.
func testCatalog(t testing.TB) *substrait.Catalog {
	t.Helper()
	cat := store.NewCatalog()
	for name, def := range map[string]struct {
		schema *arrow.Schema
		rows   string
	}{"t": {tTable, tRows}, "u": {uTable, uRows}} {
		rec, _, err := array.RecordFromJSON(memory.NewGoAllocator(), def.schema, strings.NewReader(def.rows))
		if err != nil {
			t.Fatal(err)
		}
		tab, err := store.NewMemTable(def.schema, []arrow.Record{rec})
		rec.Release()
		if err != nil {
			t.Fatal(err)
		}
		if err := cat.Register(name, tab, false); err != nil {
			t.Fatal(err)
		}
	}
	t.Cleanup(func() { cat.Close() })
	return &substrait.Catalog{
		Tables:        cat,
		ScalarUDFs:    map[string]*plan.ScalarUDF{"twice": twiceUDF},
		AggregateUDFs: map[string]substrait.AggregateUDF{"product": {UDF: productUDF, Args: []arrow.DataType{i64}}},
	}
}

var twiceUDF = &plan.ScalarUDF{Name: "twice", Args: []arrow.DataType{i64}, Result: i64,
	Fn: func(ctx *exec.Context, args []arrow.Array) (arrow.Array, error) {
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
	}}

type productAcc struct {
	p    int64
	seen bool
}

func (a *productAcc) Update(args []arrow.Array, row int) error {
	if args[0].IsNull(row) {
		return nil
	}
	if !a.seen {
		a.p, a.seen = 1, true
	}
	a.p *= args[0].(*array.Int64).Value(row)
	return nil
}

func (a *productAcc) Result() (scalar.Scalar, error) {
	if !a.seen {
		return scalar.MakeNullScalar(i64), nil
	}
	return scalar.NewInt64Scalar(a.p), nil
}

var productUDF = &exec.AggregateUDF{Name: "product", Result: i64, New: func() exec.Accumulator { return &productAcc{} }}

// Expression shorthands.
func col(rel, name string) plan.Expr { return plan.Column{Relation: rel, Name: name} }
func lit(v scalar.Scalar) plan.Expr  { return plan.Literal{Value: v} }
func i64l(v int64) plan.Expr         { return lit(scalar.NewInt64Scalar(v)) }
func i32l(v int32) plan.Expr         { return lit(scalar.NewInt32Scalar(v)) }
func strl(v string) plan.Expr        { return lit(scalar.NewStringScalar(v)) }
func bin(op exec.BinaryOp, l, r plan.Expr) plan.Expr {
	return plan.Binary{Op: op, Left: l, Right: r}
}
func as(e plan.Expr, name string) plan.Expr { return plan.Alias{Expr: e, Name: name} }
func fn(name string, args ...plan.Expr) plan.Expr {
	return plan.Func{Name: name, Args: args}
}
func agg(f exec.AggFunc, args ...plan.Expr) plan.AggCall { return plan.AggCall{Func: f, Args: args} }
func decl(s string, p, sc int32) plan.Expr {
	n, err := decimal128.FromString(s, p, sc)
	if err != nil {
		panic(err)
	}
	return lit(scalar.NewDecimal128Scalar(n, &arrow.Decimal128Type{Precision: p, Scale: sc}))
}
func datel(s string) plan.Expr {
	tm, err := time.Parse("2006-01-02", s)
	if err != nil {
		panic(err)
	}
	return lit(scalar.NewDate32Scalar(arrow.Date32FromTime(tm)))
}
func ival(months, days int32, nanos int64) plan.Expr {
	return lit(scalar.NewMonthDayNanoIntervalScalar(arrow.MonthDayNanoInterval{Months: months, Days: days, Nanoseconds: nanos}))
}

func must[N plan.Node](n N, err error) plan.Node {
	if err != nil {
		panic(fmt.Sprintf("building the test plan: %v", err))
	}
	return n
}

func scanOf(t testing.TB, cat *substrait.Catalog, table, alias string) *plan.Scan {
	t.Helper()
	src, err := cat.Tables.Lookup(table)
	if err != nil {
		t.Fatal(err)
	}
	return plan.NewScan(table, alias, src)
}

// planCases builds plans covering every node type and expression kind.
func planCases(t testing.TB, cat *substrait.Catalog) map[string]plan.Node {
	T := func() *plan.Scan { return scanOf(t, cat, "t", "") }
	U := func() *plan.Scan { return scanOf(t, cat, "u", "") }
	id, a, f, d, s, dt, ts, ok := col("t", "id"), col("t", "a"), col("t", "f"), col("t", "d"), col("t", "s"), col("t", "dt"), col("t", "ts"), col("t", "ok")
	k, name, w := col("u", "k"), col("u", "name"), col("u", "w")
	and := func(l, r plan.Expr) plan.Expr { return bin(exec.OpAnd, l, r) }
	on := bin(exec.OpEq, id, k)
	cases := map[string]plan.Node{}
	add := func(name string, n plan.Node) { cases[name] = n }

	add("scan", T())
	add("scan projection and filters", must(must(T().WithProjection([]int{0, 3, 4})).(*plan.Scan).WithFilters([]plan.Expr{
		bin(exec.OpGt, d, decl("0.01", 3, 2)), plan.Unary{Op: plan.OpIsNotNull, Expr: s},
	})))
	add("scan aliased", scanOf(t, cat, "t", "x"))
	add("filter boolean logic", must(plan.NewFilter(T(), bin(exec.OpOr,
		and(bin(exec.OpGtEq, a, i32l(7)), plan.Unary{Op: plan.OpNot, Expr: ok}),
		and(bin(exec.OpNotEq, f, lit(scalar.NewFloat64Scalar(0.5))), plan.Unary{Op: plan.OpIsNull, Expr: a}),
	))))
	add("filter comparisons", must(plan.NewFilter(T(), and(and(bin(exec.OpLt, dt, datel("2000-01-01")), bin(exec.OpLtEq, id, i64l(4))),
		bin(exec.OpEq, ok, lit(scalar.NewBooleanScalar(true)))))))
	add("like and in", must(plan.NewProject(T(), []plan.Expr{id,
		as(plan.Like{Expr: s, Pattern: "%an%"}, "like"),
		as(plan.Like{Expr: s, Pattern: "b%", CaseInsensitive: true}, "ilike"),
		as(plan.Like{Expr: s, Pattern: "%e%", Negated: true}, "not_like"),
		as(plan.Like{Expr: s, Pattern: "a!%b", Escape: '!'}, "escaped"),
		as(plan.Like{Expr: s, Pattern: "A!%%", Escape: '!', CaseInsensitive: true, Negated: true}, "all_options"),
		as(plan.InList{Expr: a, List: []plan.Expr{i32l(10), i32l(7)}}, "in"),
		as(plan.InList{Expr: s, List: []plan.Expr{strl("apple"), strl("x")}, Negated: true}, "not_in"),
	})))
	add("arithmetic", must(plan.NewProject(T(), []plan.Expr{id,
		bin(exec.OpAdd, a, i32l(1)), bin(exec.OpSub, id, a), as(bin(exec.OpMul, a, id), "a_times_id"),
		as(bin(exec.OpDiv, f, lit(scalar.NewFloat64Scalar(4))), "quarter"), as(bin(exec.OpMod, id, i64l(2)), "odd"),
		as(bin(exec.OpMul, d, bin(exec.OpSub, decl("1", 1, 0), decl("0.05", 3, 2))), "disc"),
		as(bin(exec.OpAdd, d, a), "d_plus_a"), as(bin(exec.OpSub, f, d), "f_minus_d"),
		as(plan.Unary{Op: plan.OpNegate, Expr: d}, "neg_d"), as(plan.Unary{Op: plan.OpNegate, Expr: a}, "neg_a"),
		as(bin(exec.OpConcat, s, strl("!")), "bang"),
	})))
	add("dates and intervals", must(plan.NewProject(T(), []plan.Expr{id,
		as(bin(exec.OpAdd, dt, ival(1, 0, 0)), "next_month"),
		as(bin(exec.OpSub, dt, ival(0, 90, 0)), "minus_90_days"),
		as(bin(exec.OpAdd, dt, ival(14, 3, 0)), "mixed"),
		as(bin(exec.OpSub, dt, datel("1990-01-01")), "days_since"),
		as(fn("extract_year", dt), "y"), as(fn("date_part", strl("month"), dt), "m"),
		as(fn("date_part", strl("dow"), dt), "dow"), as(fn("date_part", strl("doy"), ts), "doy"),
		as(ival(0, 1, 1500), "odd_interval"), as(lit(scalar.NewTimestampScalar(1000, tsUTC)), "ts_lit"),
	})))
	add("functions", must(plan.NewProject(T(), []plan.Expr{id,
		as(fn("substring", s, i64l(2), i64l(3)), "sub"), as(fn("substr", s, i64l(2)), "sub2"),
		as(fn("upper", s), "up"), as(fn("lower", s), "low"), as(fn("length", s), "len"),
		as(fn("trim", bin(exec.OpConcat, strl("  "), s)), "trimmed"), as(fn("concat", s, strl("-"), s), "cc"),
		as(fn("strpos", s, strl("a")), "pos"), as(fn("starts_with", s, strl("a")), "sw"),
		as(fn("abs", d), "absd"), as(fn("round", f), "r"), as(fn("ceil", f), "c"), as(fn("floor", f), "fl"),
		as(fn("coalesce", a, i32l(-1)), "coal"), as(fn("nullif", a, i32l(30)), "nif"),
	})))
	add("case and cast", must(plan.NewProject(T(), []plan.Expr{id,
		as(plan.Case{Whens: []plan.When{{Cond: bin(exec.OpGt, a, i32l(20)), Then: strl("big")}, {Cond: plan.Unary{Op: plan.OpIsNull, Expr: a}, Then: strl("none")}}, Else: strl("small")}, "size"),
		as(plan.Case{Whens: []plan.When{{Cond: ok, Then: d}}}, "no_else"),
		as(plan.Cast{Expr: a, To: i64}, "a64"), as(plan.Cast{Expr: d, To: f64}, "dfloat"),
		as(plan.Cast{Expr: s, To: str}, "same"), as(plan.Cast{Expr: id, To: &arrow.Decimal128Type{Precision: 20, Scale: 3}}, "iddec"),
		as(plan.Cast{Expr: strl("2020-02-02"), To: date}, "castdate"),
	})))
	add("literals and nulls", must(plan.NewProject(T(), []plan.Expr{id,
		as(lit(scalar.MakeNullScalar(i64)), "null_i64"), as(lit(scalar.ScalarNull), "null"),
		as(lit(scalar.MakeNullScalar(dec)), "null_dec"), as(lit(scalar.NewBooleanScalar(false)), "f"),
		as(decl("-12345678901234567890.123", 38, 3), "bigdec"), as(lit(scalar.NewFloat64Scalar(-0.125)), "fl"),
		as(strl("it's \"quoted\" ünïcode"), "txt"), as(datel("1970-01-01"), "epoch"),
	})))
	add("udf", must(plan.NewProject(T(), []plan.Expr{id, as(plan.UDFCall{UDF: twiceUDF, Args: []plan.Expr{id}}, "twice_id")})))
	add("aggregate", must(plan.NewAggregate(T(), []plan.Expr{ok, as(bin(exec.OpMod, id, i64l(2)), "parity")}, []plan.Expr{
		as(agg(exec.AggSum, d), "sum_d"), as(agg(exec.AggAvg, d), "avg_d"), agg(exec.AggMin, s), as(agg(exec.AggMax, dt), "max_dt"),
		as(agg(exec.AggCount, a), "cnt_a"), as(agg(exec.AggCountStar), "cnt"), as(agg(exec.AggCountDistinct, a), "distinct_a"),
		as(agg(exec.AggSum, a), "sum_a"), as(agg(exec.AggAvg, f), "avg_f"),
		as(plan.AggCall{Func: exec.AggUDF, Args: []plan.Expr{id}, UDF: productUDF, UDFArgs: []arrow.DataType{i64}}, "prod"),
	})))
	add("global aggregate", must(plan.NewAggregate(must(plan.NewFilter(T(), bin(exec.OpGt, id, i64l(100)))), nil, []plan.Expr{
		as(agg(exec.AggSum, d), "s"), as(agg(exec.AggCountStar), "n"),
	})))
	for _, jt := range []exec.JoinType{exec.JoinInner, exec.JoinLeft, exec.JoinRight, exec.JoinFull, exec.JoinSemi, exec.JoinAnti, exec.JoinMark, exec.JoinSingle} {
		add("join "+plan.JoinTypeName(jt), must(plan.NewJoin(T(), U(), jt, on)))
	}
	add("join with residual", must(plan.NewJoin(T(), U(), exec.JoinLeft, and(on, bin(exec.OpGt, w, i32l(100))))))
	add("join without condition", must(plan.NewJoin(T(), U(), exec.JoinLeft, nil)))
	add("cross join", must(plan.NewJoin(T(), U(), exec.JoinInner, nil)))
	add("self join", must(plan.NewJoin(scanOf(t, cat, "t", "t1"), scanOf(t, cat, "t", "t2"), exec.JoinInner,
		bin(exec.OpEq, col("t1", "a"), col("t2", "a")))))
	add("sort", must(plan.NewSort(T(), []plan.SortKey{{Expr: a, Desc: true, NullsFirst: true}, {Expr: s}, {Expr: f, NullsFirst: true}, {Expr: id, Desc: true}})))
	add("sort limit", must(plan.NewLimit(must(plan.NewSort(T(), []plan.SortKey{{Expr: id}})), 1, 2)))
	add("limit all", must(plan.NewLimit(must(plan.NewSort(T(), []plan.SortKey{{Expr: id}})), 2, -1)))
	add("union", must(plan.NewUnion(must(plan.NewProject(T(), []plan.Expr{id, s})), must(plan.NewProject(U(), []plan.Expr{k, name})))))
	add("distinct", plan.NewDistinct(must(plan.NewProject(T(), []plan.Expr{a}))))
	vs := plan.Schema{{Relation: "v", Name: "x", Type: i64, Nullable: true}, {Relation: "v", Name: "y", Type: str, Nullable: true}, {Relation: "v", Name: "z", Type: dec, Nullable: false}}
	dv := func(s string) scalar.Scalar {
		n, _ := decimal128.FromString(s, 12, 2)
		return scalar.NewDecimal128Scalar(n, dec)
	}
	add("values", must(plan.NewValues(vs, [][]scalar.Scalar{
		{scalar.NewInt64Scalar(1), scalar.NewStringScalar("a"), dv("1.10")},
		{scalar.MakeNullScalar(i64), scalar.ScalarNull, dv("-2.00")},
	})))
	add("values joined", must(plan.NewJoin(U(), must(plan.NewValues(vs, [][]scalar.Scalar{{scalar.NewInt64Scalar(3), scalar.NewStringScalar("c"), dv("0.01")}})),
		exec.JoinInner, bin(exec.OpEq, k, col("v", "x")))))
	add("empty values", must(plan.NewValues(vs, nil)))
	// Names used above a projection must survive: a filter over an alias,
	// a sort over an aggregate's output.
	proj := must(plan.NewProject(T(), []plan.Expr{as(bin(exec.OpMul, id, i64l(10)), "x"), s, as(a, "a_renamed"), a}))
	add("references to aliases", must(plan.NewSort(must(plan.NewFilter(proj, bin(exec.OpGt, col("", "x"), i64l(15)))), []plan.SortKey{{Expr: col("", "a_renamed")}, {Expr: col("", "x")}})))
	grouped := must(plan.NewAggregate(T(), []plan.Expr{ok}, []plan.Expr{as(agg(exec.AggSum, id), "total")}))
	add("having and order", must(plan.NewSort(must(plan.NewFilter(grouped, bin(exec.OpGt, col("", "total"), i64l(1)))), []plan.SortKey{{Expr: col("", "total"), Desc: true}})))
	return cases
}

func TestRoundTripEveryNodeAndExpression(t *testing.T) {
	cat := testCatalog(t)
	for name, n := range planCases(t, cat) {
		t.Run(strings.ReplaceAll(name, " ", "_"), func(t *testing.T) {
			rows, _ := CheckRoundTrip(t, n, cat, substrait.ExportOptions{})
			if len(rows) == 0 && !strings.Contains(name, "empty") && !strings.Contains(name, "anti") {
				t.Logf("note: %s returns no rows", name)
			}
		})
	}
}

package exec_test

import (
	"errors"
	"fmt"
	"io"
	"math/big"
	"math/rand"
	"strconv"
	"strings"
	"testing"

	"github.com/apache/arrow/go/v15/arrow"
	"github.com/apache/arrow/go/v15/arrow/array"
	"github.com/apache/arrow/go/v15/arrow/memory"
	"github.com/apache/arrow/go/v15/arrow/scalar"

	"github.com/dataflow-go/dataflow/exec"
	"github.com/dataflow-go/dataflow/exec/exectest"
)

// refAgg describes an aggregate for the naive reference: the function,
// the input column and how to read it ("int", "float", "str", "date",
// "bool" or "dec:S" for a decimal of scale S).
type refAgg struct {
	fn   exec.AggFunc
	col  int
	kind string
}

func decScale(kind string) int {
	if s, ok := strings.CutPrefix(kind, "dec:"); ok {
		n, _ := strconv.Atoi(s)
		return n
	}
	return 0
}

func isNumericKind(kind string) bool {
	return kind == "int" || kind == "float" || strings.HasPrefix(kind, "dec:")
}

func ratOf(s string) *big.Rat {
	r, ok := new(big.Rat).SetString(s)
	if !ok {
		panic("reference: bad number " + s)
	}
	return r
}

func formatNum(r *big.Rat, kind string) string {
	switch {
	case kind == "float":
		f, _ := r.Float64()
		return strconv.FormatFloat(f, 'f', -1, 64)
	case kind == "int":
		return r.FloatString(0)
	}
	return r.FloatString(decScale(kind))
}

// lessText orders two non-null values of a kind.
func lessText(a, b, kind string) bool {
	if isNumericKind(kind) {
		return ratOf(a).Cmp(ratOf(b)) < 0
	}
	if kind == "bool" {
		return a == "false" && b == "true"
	}
	return a < b // strings by bytes, dates as YYYY-MM-DD
}

// refAggregate is a naive GROUP BY over text rows.
func refAggregate(rows exectest.Rows, groupCols []int, aggs []refAgg) exectest.Rows {
	type group struct {
		key  []string
		rows []exectest.Rows
	}
	var order []string
	groups := map[string][]int{}
	for i, r := range rows {
		parts := make([]string, len(groupCols))
		for j, c := range groupCols {
			parts[j] = r[c]
		}
		k := strings.Join(parts, "\x00")
		if _, ok := groups[k]; !ok {
			order = append(order, k)
		}
		groups[k] = append(groups[k], i)
	}
	if len(groupCols) == 0 && len(order) == 0 {
		order = append(order, "")
		groups[""] = nil
	}
	var out exectest.Rows
	for _, k := range order {
		idx := groups[k]
		var row []string
		if len(groupCols) > 0 {
			row = append(row, strings.Split(k, "\x00")...)
		}
		for _, a := range aggs {
			var vals []string
			for _, i := range idx {
				if a.fn == exec.AggCountStar || rows[i][a.col] != "NULL" {
					if a.fn == exec.AggCountStar {
						vals = append(vals, "*")
					} else {
						vals = append(vals, rows[i][a.col])
					}
				}
			}
			row = append(row, refAggValue(a, vals))
		}
		out = append(out, row)
	}
	return out
}

func refAggValue(a refAgg, vals []string) string {
	switch a.fn {
	case exec.AggCount, exec.AggCountStar:
		return strconv.Itoa(len(vals))
	case exec.AggCountDistinct:
		set := map[string]bool{}
		for _, v := range vals {
			set[v] = true
		}
		return strconv.Itoa(len(set))
	}
	if len(vals) == 0 {
		return "NULL"
	}
	switch a.fn {
	case exec.AggSum, exec.AggAvg:
		sum := new(big.Rat)
		for _, v := range vals {
			sum.Add(sum, ratOf(v))
		}
		if a.fn == exec.AggSum {
			return formatNum(sum, a.kind)
		}
		if a.kind == "float" {
			f, _ := sum.Float64()
			return strconv.FormatFloat(f/float64(len(vals)), 'f', -1, 64)
		}
		// Exact inputs average with a single rounding, as DuckDB does.
		f, _ := new(big.Rat).Quo(sum, new(big.Rat).SetInt64(int64(len(vals)))).Float64()
		return strconv.FormatFloat(f, 'f', -1, 64)
	case exec.AggMin, exec.AggMax:
		best := vals[0]
		for _, v := range vals[1:] {
			if (a.fn == exec.AggMin && lessText(v, best, a.kind)) || (a.fn == exec.AggMax && lessText(best, v, a.kind)) {
				best = v
			}
		}
		if isNumericKind(a.kind) {
			return formatNum(ratOf(best), a.kind)
		}
		return best
	}
	panic("reference: unsupported aggregate")
}

var (
	int64T = arrow.PrimitiveTypes.Int64
	int32T = arrow.PrimitiveTypes.Int32
	f64T   = arrow.PrimitiveTypes.Float64
	strT   = arrow.BinaryTypes.String
	dateT  = arrow.FixedWidthTypes.Date32
	boolT  = arrow.FixedWidthTypes.Boolean
)

func dec(p, s int32) arrow.DataType { return &arrow.Decimal128Type{Precision: p, Scale: s} }

func colRef(i int, name string, t arrow.DataType) exec.Expr { return exec.NewColumn(i, name, t) }

// salesSchema / salesRows: flag, status, qty (int64), price (decimal 15,2),
// disc (float64), day (date32), code (int32), ok (bool).
var salesSchema = exectest.Schema("flag:utf8", "status:utf8", "qty:int64", "price:decimal(15,2)",
	"disc:float64", "day:date32", "code:int32", "ok:bool")

var salesRows = exectest.R(
	"A|F|17|21168.23|0.25|1996-03-13|7|true",
	"N|O|36|45983.16|0.5|1996-04-12|3|false",
	"A|F|8|13309.60|0.75|1996-01-29|7|true",
	"R|F|28|28955.64|0.25|1996-04-21|-2|true",
	"N|O|24|22824.48|0|1996-03-30|3|false",
	"A|F|32|49620.16|1.5|1995-10-30|9|false",
	"R|F|38|44694.46|0.125|1994-11-10|-2|true",
	"N|O|45|54058.05|0.5|1995-07-21|4|true",
	"N|F|49|46796.47|0.25|1994-12-21|4|false",
	"A|F|27|54297.00|0.75|1992-09-24|9|true",
	"R|F|2|2618.76|0|1994-02-02|-2|false",
	"N|O|28|32986.52|0.375|1997-12-01|3|true",
)

func salesAggs() ([]exec.Aggregate, []refAgg) {
	s := salesSchema
	c := func(i int) exec.Expr { return colRef(i, s.Field(i).Name, s.Field(i).Type) }
	aggs := []exec.Aggregate{
		{Func: exec.AggCountStar, Name: "n"},
		{Func: exec.AggCount, Args: []exec.Expr{c(2)}, Name: "cnt_qty"},
		{Func: exec.AggSum, Args: []exec.Expr{c(2)}, Name: "sum_qty"},
		{Func: exec.AggSum, Args: []exec.Expr{c(3)}, Name: "sum_price"},
		{Func: exec.AggSum, Args: []exec.Expr{c(4)}, Name: "sum_disc"},
		{Func: exec.AggAvg, Args: []exec.Expr{c(2)}, Name: "avg_qty"},
		{Func: exec.AggAvg, Args: []exec.Expr{c(3)}, Name: "avg_price"},
		{Func: exec.AggAvg, Args: []exec.Expr{c(4)}, Name: "avg_disc"},
		{Func: exec.AggMin, Args: []exec.Expr{c(3)}, Name: "min_price"},
		{Func: exec.AggMax, Args: []exec.Expr{c(5)}, Name: "max_day"},
		{Func: exec.AggMin, Args: []exec.Expr{c(6)}, Name: "min_code"},
		{Func: exec.AggMax, Args: []exec.Expr{c(1)}, Name: "max_status"},
		{Func: exec.AggMin, Args: []exec.Expr{c(4)}, Name: "min_disc"},
		{Func: exec.AggMax, Args: []exec.Expr{c(2)}, Name: "max_qty"},
		{Func: exec.AggMin, Args: []exec.Expr{c(7)}, Name: "min_ok"},
		{Func: exec.AggSum, Args: []exec.Expr{c(6)}, Name: "sum_code"},
	}
	refs := []refAgg{
		{exec.AggCountStar, 0, ""},
		{exec.AggCount, 2, "int"},
		{exec.AggSum, 2, "int"},
		{exec.AggSum, 3, "dec:2"},
		{exec.AggSum, 4, "float"},
		{exec.AggAvg, 2, "int"},
		{exec.AggAvg, 3, "dec:2"},
		{exec.AggAvg, 4, "float"},
		{exec.AggMin, 3, "dec:2"},
		{exec.AggMax, 5, "date"},
		{exec.AggMin, 6, "int"},
		{exec.AggMax, 1, "str"},
		{exec.AggMin, 4, "float"},
		{exec.AggMax, 2, "int"},
		{exec.AggMin, 7, "bool"},
		{exec.AggSum, 6, "int"},
	}
	return aggs, refs
}

func TestHashAggregateGrouped(t *testing.T) {
	aggs, refs := salesAggs()
	groups := []exec.Expr{colRef(0, "flag", strT), colRef(1, "status", strT)}
	exectest.Run(t, exectest.Case{
		Name:   "q1-shape",
		Inputs: []exectest.Input{{Schema: salesSchema, Rows: salesRows}},
		Build: func(ch []exec.Operator) (exec.Operator, error) {
			return exec.NewHashAggregate(ch[0], groups, []string{"flag", "status"}, aggs, exec.AggSingle)
		},
		Expected: exectest.R(
			"A|F|4|4|84|138394.99|3.25|21|34598.7475|0.8125|13309.60|1996-03-13|7|F|0.25|32|false|32",
			"N|O|4|4|133|155852.21|1.375|33.25|38963.0525|0.34375|22824.48|1997-12-01|3|O|0|45|false|13",
			"R|F|3|3|68|76268.86|0.375|22.666666666666668|25422.953333333335|0.125|2618.76|1996-04-21|-2|F|0|38|false|-6",
			"N|F|1|1|49|46796.47|0.25|49|46796.47|0.25|46796.47|1994-12-21|4|F|0.25|49|false|4",
		),
		Reference: func(in []exectest.Rows) (exectest.Rows, error) {
			return refAggregate(in[0], []int{0, 1}, refs), nil
		},
	})
}

func TestHashAggregateIntKeys(t *testing.T) {
	aggs, refs := salesAggs()
	for _, key := range []int{2, 6, 5, 7, 3, 4} { // int64, int32, date32, bool, decimal, float64 keys
		f := salesSchema.Field(key)
		exectest.Run(t, exectest.Case{
			Name:   "by-" + f.Name,
			Inputs: []exectest.Input{{Schema: salesSchema, Rows: salesRows}},
			Build: func(ch []exec.Operator) (exec.Operator, error) {
				return exec.NewHashAggregate(ch[0], []exec.Expr{colRef(key, f.Name, f.Type)}, []string{f.Name}, aggs, exec.AggSingle)
			},
			Expected: refAggregate(salesRows, []int{key}, refs),
			Reference: func(in []exectest.Rows) (exectest.Rows, error) {
				return refAggregate(in[0], []int{key}, refs), nil
			},
		})
	}
}

func TestHashAggregateGlobal(t *testing.T) {
	aggs, refs := salesAggs()
	build := func(ch []exec.Operator) (exec.Operator, error) {
		return exec.NewHashAggregate(ch[0], nil, nil, aggs, exec.AggSingle)
	}
	exectest.Run(t, exectest.Case{
		Name:     "global",
		Inputs:   []exectest.Input{{Schema: salesSchema, Rows: salesRows}},
		Build:    build,
		Expected: refAggregate(salesRows, nil, refs),
		Reference: func(in []exectest.Rows) (exectest.Rows, error) {
			return refAggregate(in[0], nil, refs), nil
		},
	})
	exectest.Run(t, exectest.Case{
		Name:     "global-empty",
		Inputs:   []exectest.Input{{Schema: salesSchema}},
		Build:    build,
		Expected: exectest.R("0|0|NULL|NULL|NULL|NULL|NULL|NULL|NULL|NULL|NULL|NULL|NULL|NULL|NULL|NULL"),
	})
	exectest.Run(t, exectest.Case{
		Name:   "grouped-empty",
		Inputs: []exectest.Input{{Schema: salesSchema}},
		Build: func(ch []exec.Operator) (exec.Operator, error) {
			return exec.NewHashAggregate(ch[0], []exec.Expr{colRef(0, "flag", strT)}, nil, aggs, exec.AggSingle)
		},
		Expected: nil,
	})
}

func TestHashAggregateCountDistinct(t *testing.T) {
	s := exectest.Schema("g:int64", "v:utf8", "w:decimal(12,2)")
	rows := exectest.R("1|a|1.00", "1|a|1.00", "1|b|2.00", "2|a|NULL", "2|NULL|3.00", "2|c|3.00", "3|NULL|NULL", "1|b|1.00")
	aggs := []exec.Aggregate{
		{Func: exec.AggCountDistinct, Args: []exec.Expr{colRef(1, "v", strT)}, Name: "dv"},
		{Func: exec.AggCountDistinct, Args: []exec.Expr{colRef(2, "w", dec(12, 2))}, Name: "dw"},
		{Func: exec.AggCount, Args: []exec.Expr{colRef(1, "v", strT)}, Name: "cv"},
	}
	refs := []refAgg{{exec.AggCountDistinct, 1, "str"}, {exec.AggCountDistinct, 2, "dec:2"}, {exec.AggCount, 1, "str"}}
	exectest.Run(t, exectest.Case{
		Name:   "count-distinct",
		Inputs: []exectest.Input{{Schema: s, Rows: rows}},
		Build: func(ch []exec.Operator) (exec.Operator, error) {
			return exec.NewHashAggregate(ch[0], []exec.Expr{colRef(0, "g", int64T)}, []string{"g"}, aggs, exec.AggSingle)
		},
		Expected: exectest.R("1|2|2|4", "2|2|1|2", "3|0|0|0"),
		Reference: func(in []exectest.Rows) (exectest.Rows, error) {
			return refAggregate(in[0], []int{0}, refs), nil
		},
	})
}

// TestHashAggregateDecimalPromotion checks that decimal sums leave the
// int64 fast path exactly: running sums past 2^63 and single values that
// never fit in 64 bits.
func TestHashAggregateDecimalPromotion(t *testing.T) {
	s := exectest.Schema("g:int32", "v:decimal(38,2)")
	var rows exectest.Rows
	for i := 0; i < 25; i++ {
		rows = append(rows, []string{"1", "90000000000000000.00"}) // 9e18 unscaled
		rows = append(rows, []string{"2", "-90000000000000000.01"})
	}
	rows = append(rows, []string{"3", "123456789012345678901234567.89"}, []string{"3", "-0.89"}, []string{"3", "1.00"})
	refs := []refAgg{{exec.AggSum, 1, "dec:2"}, {exec.AggAvg, 1, "dec:2"}, {exec.AggMax, 1, "dec:2"}}
	aggs := []exec.Aggregate{
		{Func: exec.AggSum, Args: []exec.Expr{colRef(1, "v", dec(38, 2))}, Name: "s"},
		{Func: exec.AggAvg, Args: []exec.Expr{colRef(1, "v", dec(38, 2))}, Name: "a"},
		{Func: exec.AggMax, Args: []exec.Expr{colRef(1, "v", dec(38, 2))}, Name: "m"},
	}
	exectest.Run(t, exectest.Case{
		Name:   "promotion",
		Inputs: []exectest.Input{{Schema: s, Rows: rows}},
		Build: func(ch []exec.Operator) (exec.Operator, error) {
			return exec.NewHashAggregate(ch[0], []exec.Expr{colRef(0, "g", int32T)}, []string{"g"}, aggs, exec.AggSingle)
		},
		Expected: exectest.R(
			"1|2250000000000000000.00|90000000000000000|90000000000000000.00",
			"2|-2250000000000000000.25|-90000000000000000|-90000000000000000.01",
			"3|123456789012345678901234568.00|41152263004115220000000000|123456789012345678901234567.89",
		),
		Reference: func(in []exectest.Rows) (exectest.Rows, error) {
			return refAggregate(in[0], []int{0}, refs), nil
		},
	})
}

// concatOp is a test-only stand-in for a gather: it reads its children one
// after another.
type concatOp struct {
	children []exec.Operator
	cur      int
}

func (c *concatOp) Schema() *arrow.Schema { return c.children[0].Schema() }
func (c *concatOp) Open(ctx *exec.Context) error {
	for _, ch := range c.children {
		if err := ch.Open(ctx); err != nil {
			return err
		}
	}
	return nil
}
func (c *concatOp) Next() (arrow.Record, error) {
	for c.cur < len(c.children) {
		r, err := c.children[c.cur].Next()
		if err == io.EOF {
			c.cur++
			continue
		}
		return r, err
	}
	return nil, io.EOF
}
func (c *concatOp) Close() error {
	var first error
	for _, ch := range c.children {
		if err := ch.Close(); err != nil && first == nil {
			first = err
		}
	}
	return first
}

// randomSales makes n random rows of salesSchema with few distinct keys.
func randomSales(rng *rand.Rand, n int) exectest.Rows {
	rows := make(exectest.Rows, n)
	for i := range rows {
		rows[i] = []string{
			string(rune('A' + rng.Intn(3))),
			string(rune('F' + rng.Intn(2))),
			strconv.Itoa(rng.Intn(50) + 1),
			fmt.Sprintf("%d.%02d", rng.Intn(100000), rng.Intn(100)),
			strconv.FormatFloat(float64(rng.Intn(16))/8, 'f', -1, 64),
			fmt.Sprintf("199%d-0%d-1%d", rng.Intn(8), rng.Intn(9)+1, rng.Intn(10)),
			strconv.Itoa(rng.Intn(20) - 10),
			strconv.FormatBool(rng.Intn(2) == 0),
		}
	}
	return rows
}

// TestHashAggregatePartialFinal checks Final(Gather(Partial_1..Partial_N))
// against the naive single-phase reference, with random data split at
// random into N parts (some of them empty).
func TestHashAggregatePartialFinal(t *testing.T) {
	aggs, refs := salesAggs()
	for seed := int64(1); seed <= 4; seed++ {
		rng := rand.New(rand.NewSource(seed))
		rows := randomSales(rng, 200+rng.Intn(300))
		nparts := 1 + rng.Intn(5)
		parts := make([]exectest.Rows, nparts)
		for _, r := range rows {
			p := rng.Intn(nparts)
			parts[p] = append(parts[p], r)
		}
		var inputs []exectest.Input
		for _, p := range parts {
			inputs = append(inputs, exectest.Input{Schema: salesSchema, Rows: p})
		}
		for _, grouped := range []bool{true, false} {
			var groups []exec.Expr
			var gcols []int
			if grouped {
				groups = []exec.Expr{colRef(0, "flag", strT), colRef(6, "code", int32T)}
				gcols = []int{0, 6}
			}
			exectest.Run(t, exectest.Case{
				Name:       fmt.Sprintf("seed=%d/parts=%d/grouped=%v", seed, nparts, grouped),
				Inputs:     inputs,
				BatchSizes: []int{7, 1024},
				Build: func(ch []exec.Operator) (exec.Operator, error) {
					var partials []exec.Operator
					for _, c := range ch {
						p, err := exec.NewHashAggregate(c, groups, nil, aggs, exec.AggPartial)
						if err != nil {
							return nil, err
						}
						partials = append(partials, p)
					}
					return exec.NewHashAggregate(&concatOp{children: partials}, groups, nil, aggs, exec.AggFinal)
				},
				Expected: refAggregate(rows, gcols, refs),
				Reference: func(in []exectest.Rows) (exectest.Rows, error) {
					var all exectest.Rows
					for _, p := range in {
						all = append(all, p...)
					}
					return refAggregate(all, gcols, refs), nil
				},
			})
		}
	}
}

func TestHashAggregatePartialSchema(t *testing.T) {
	src := exectest.NewSource(salesSchema, nil)
	aggs := []exec.Aggregate{
		{Func: exec.AggAvg, Args: []exec.Expr{colRef(3, "price", dec(15, 2))}, Name: "a"},
		{Func: exec.AggAvg, Args: []exec.Expr{colRef(2, "qty", int64T)}, Name: "b"},
		{Func: exec.AggCountStar, Name: "n"},
	}
	op, err := exec.NewHashAggregate(src, []exec.Expr{colRef(0, "flag", strT)}, []string{"flag"}, aggs, exec.AggPartial)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, f := range op.Schema().Fields() {
		got = append(got, f.Name+":"+f.Type.String())
	}
	want := "flag:utf8 a_sum:decimal(38, 2) a_count:int64 b_sum:decimal(38, 0) b_count:int64 n:int64"
	if strings.Join(got, " ") != want {
		t.Fatalf("partial schema\n got %s\nwant %s", strings.Join(got, " "), want)
	}
	op.Close()
}

func TestHashAggregateConstructorErrors(t *testing.T) {
	src := func() exec.Operator { return exectest.NewSource(salesSchema, nil) }
	sumStr := []exec.Aggregate{{Func: exec.AggSum, Args: []exec.Expr{colRef(0, "flag", strT)}, Name: "s"}}
	cd := []exec.Aggregate{{Func: exec.AggCountDistinct, Args: []exec.Expr{colRef(0, "flag", strT)}, Name: "d"}}
	cnt := []exec.Aggregate{{Func: exec.AggCount, Args: []exec.Expr{colRef(0, "flag", strT)}, Name: "c"}}
	udf := []exec.Aggregate{{Func: exec.AggUDF, Args: []exec.Expr{colRef(2, "qty", int64T)}, Name: "u", UDF: productUDF()}}
	for _, c := range []struct {
		name  string
		build func() (exec.Operator, error)
		want  string
	}{
		{"sum-of-utf8", func() (exec.Operator, error) { return exec.NewHashAggregate(src(), nil, nil, sumStr, exec.AggSingle) }, "sum is not defined for utf8"},
		{"count-distinct-partial", func() (exec.Operator, error) { return exec.NewHashAggregate(src(), nil, nil, cd, exec.AggPartial) }, "count_distinct cannot be split"},
		{"udf-final", func() (exec.Operator, error) { return exec.NewHashAggregate(src(), nil, nil, udf, exec.AggFinal) }, "udf cannot be split"},
		{"final-wrong-input", func() (exec.Operator, error) { return exec.NewHashAggregate(src(), nil, nil, cnt, exec.AggFinal) }, "final aggregate expects"},
		{"two-args", func() (exec.Operator, error) {
			return exec.NewHashAggregate(src(), nil, nil, []exec.Aggregate{{Func: exec.AggMin, Args: []exec.Expr{colRef(0, "a", strT), colRef(1, "b", strT)}}}, exec.AggSingle)
		}, "takes one argument"},
		{"names", func() (exec.Operator, error) {
			return exec.NewHashAggregate(src(), []exec.Expr{colRef(0, "a", strT)}, []string{"x", "y"}, cnt, exec.AggSingle)
		}, "group names"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := c.build()
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("want error containing %q, got %v", c.want, err)
			}
		})
	}
	// The final aggregate checks the state types, not just the count.
	partial := exectest.Schema("c:float64")
	_, err := exec.NewHashAggregate(exectest.NewSource(partial, nil), nil, nil, cnt, exec.AggFinal)
	if !errors.Is(err, exec.ErrType) {
		t.Fatalf("final over a mistyped partial: want ErrType, got %v", err)
	}
}

func TestAggResultType(t *testing.T) {
	for _, c := range []struct {
		f    exec.AggFunc
		arg  arrow.DataType
		want string
	}{
		{exec.AggSum, int32T, "int64"},
		{exec.AggSum, int64T, "int64"},
		{exec.AggSum, f64T, "float64"},
		{exec.AggSum, dec(15, 2), "decimal(38, 2)"},
		{exec.AggAvg, dec(15, 2), "float64"},
		{exec.AggAvg, int32T, "float64"},
		{exec.AggMin, dateT, "date32"},
		{exec.AggMax, strT, "utf8"},
		{exec.AggCount, strT, "int64"},
		{exec.AggCountStar, nil, "int64"},
		{exec.AggCountDistinct, dec(15, 2), "int64"},
		{exec.AggSum, strT, "error"},
		{exec.AggAvg, dateT, "error"},
		{exec.AggUDF, int64T, "error"},
	} {
		got, err := exec.AggResultType(c.f, c.arg)
		s := "error"
		if err == nil {
			s = got.String()
		} else if !errors.Is(err, exec.ErrType) {
			t.Errorf("%s(%v): error %v does not wrap ErrType", c.f, c.arg, err)
		}
		if s != c.want {
			t.Errorf("%s(%v) = %s, want %s", c.f, c.arg, s, c.want)
		}
	}
}

// productAcc multiplies int64 values (a test UDF); it fails on 13 and
// panics on 666.
type productAcc struct {
	p    int64
	seen bool
}

func (a *productAcc) Update(args []arrow.Array, row int) error {
	c := args[0].(*array.Int64)
	if c.IsNull(row) {
		return nil
	}
	v := c.Value(row)
	switch v {
	case 13:
		return errors.New("unlucky value")
	case 666:
		panic("the beast")
	}
	if !a.seen {
		a.p, a.seen = 1, true
	}
	a.p *= v
	return nil
}

func (a *productAcc) Result() (scalar.Scalar, error) {
	if !a.seen {
		return scalar.MakeNullScalar(arrow.PrimitiveTypes.Int64), nil
	}
	return scalar.NewInt64Scalar(a.p), nil
}

func productUDF() *exec.AggregateUDF {
	return &exec.AggregateUDF{Name: "product", Result: arrow.PrimitiveTypes.Int64, New: func() exec.Accumulator { return &productAcc{} }}
}

func TestHashAggregateUDF(t *testing.T) {
	s := exectest.Schema("g:utf8", "v:int64")
	aggs := []exec.Aggregate{
		{Func: exec.AggUDF, Args: []exec.Expr{colRef(1, "v", int64T)}, Name: "prod", UDF: productUDF()},
		{Func: exec.AggSum, Args: []exec.Expr{colRef(1, "v", int64T)}, Name: "s"},
	}
	build := func(ch []exec.Operator) (exec.Operator, error) {
		return exec.NewHashAggregate(ch[0], []exec.Expr{colRef(0, "g", strT)}, []string{"g"}, aggs, exec.AggSingle)
	}
	rows := exectest.R("a|2", "b|5", "a|3", "a|NULL", "c|NULL", "b|-1", "a|7")
	exectest.Run(t, exectest.Case{
		Name:     "product",
		Inputs:   []exectest.Input{{Schema: s, Rows: rows}},
		Build:    build,
		Expected: exectest.R("a|42|12", "b|-5|4", "c|NULL|NULL"),
		Reference: func(in []exectest.Rows) (exectest.Rows, error) {
			prod := map[string]*big.Int{}
			sums := refAggregate(in[0], []int{0}, []refAgg{{exec.AggSum, 1, "int"}})
			for _, r := range in[0] {
				if r[1] == "NULL" {
					continue
				}
				if prod[r[0]] == nil {
					prod[r[0]] = big.NewInt(1)
				}
				v, _ := strconv.ParseInt(r[1], 10, 64)
				prod[r[0]].Mul(prod[r[0]], big.NewInt(v))
			}
			var out exectest.Rows
			for _, r := range sums {
				p := "NULL"
				if prod[r[0]] != nil {
					p = prod[r[0]].String()
				}
				out = append(out, []string{r[0], p, r[1]})
			}
			return out, nil
		},
	})
	exectest.Run(t, exectest.Case{
		Name:      "udf-error",
		Inputs:    []exectest.Input{{Schema: s, Rows: exectest.R("a|2", "a|13")}},
		Build:     build,
		ExpectErr: "aggregate UDF product: Update: unlucky value",
	})
	exectest.Run(t, exectest.Case{
		Name:      "udf-panic",
		Inputs:    []exectest.Input{{Schema: s, Rows: exectest.R("a|2", "b|666")}},
		Build:     build,
		ExpectErr: "aggregate UDF product panicked in Update: the beast",
	})
}

func TestHashAggregateRunTimeErrors(t *testing.T) {
	s := exectest.Schema("g:int64", "v:int64")
	sum := []exec.Aggregate{{Func: exec.AggSum, Args: []exec.Expr{colRef(1, "v", int64T)}, Name: "s"}}
	groups := []exec.Expr{colRef(0, "g", int64T)}
	exectest.Run(t, exectest.Case{
		Name:   "sum-overflow",
		Inputs: []exectest.Input{{Schema: s, Rows: exectest.R("1|9223372036854775807", "1|1")}},
		Build: func(ch []exec.Operator) (exec.Operator, error) {
			return exec.NewHashAggregate(ch[0], groups, nil, sum, exec.AggSingle)
		},
		ExpectErr: "sum overflows int64",
	})
	var many exectest.Rows
	for i := 0; i < 5000; i++ {
		many = append(many, []string{strconv.Itoa(i), "1"})
	}
	exectest.Run(t, exectest.Case{
		Name:        "budget",
		Inputs:      []exectest.Input{{Schema: s, Rows: many}},
		MemoryLimit: 16 << 10,
		BatchSizes:  []int{1024},
		Build: func(ch []exec.Operator) (exec.Operator, error) {
			return exec.NewHashAggregate(ch[0], groups, nil, sum, exec.AggSingle)
		},
		ExpectErr: "hash aggregate needs",
	})
	// A child error surfaces unchanged and nothing leaks.
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	recs, err := exectest.MakeRecords(mem, s, exectest.R("1|2", "2|3"), 1, false)
	if err != nil {
		t.Fatal(err)
	}
	src := exectest.NewSource(s, recs)
	boom := errors.New("disk on fire")
	src.NextErr, src.ErrAt = boom, 1
	op, err := exec.NewHashAggregate(src, groups, nil, sum, exec.AggSingle)
	if err != nil {
		t.Fatal(err)
	}
	ctx := exec.NewContext(nil, mem)
	ctx.Budget = exec.NewBudget(0)
	if _, err := exectest.Drain(ctx, op); !errors.Is(err, boom) {
		t.Fatalf("want the child's error, got %v", err)
	}
	if _, err := op.Next(); err == nil {
		t.Fatal("Next after an error succeeded")
	}
	if ctx.Budget.Used() != 0 {
		t.Fatalf("budget holds %d bytes after Close", ctx.Budget.Used())
	}
}

// TestHashAggregateOverFilter runs the aggregate over a filter, where it
// takes the filter's selection instead of copied rows: a predicate
// keeping most rows (the aggregate reads the selected rows in place) and
// one keeping few (it copies them), against filtering then aggregating
// text rows.
func TestHashAggregateOverFilter(t *testing.T) {
	aggs, refs := salesAggs()
	s := salesSchema
	c := func(i int) exec.Expr { return colRef(i, s.Field(i).Name, s.Field(i).Type) }
	for _, tc := range []struct {
		name string
		pred exec.Expr
		keep func(r []string) bool
	}{
		{"most", must(exec.NewBinary(exec.OpNotEq, c(6), lit(t, "int32", "9"))), func(r []string) bool { return r[6] != "NULL" && r[6] != "9" }},
		{"few", must(exec.NewBinary(exec.OpEq, c(0), lit(t, "utf8", "R"))), func(r []string) bool { return r[0] == "R" }},
	} {
		filtered := func(rows exectest.Rows) exectest.Rows {
			var out exectest.Rows
			for _, r := range rows {
				if tc.keep(r) {
					out = append(out, r)
				}
			}
			return out
		}
		for _, groups := range [][]int{{0, 1}, {6}, nil} {
			var keys []exec.Expr
			for _, g := range groups {
				keys = append(keys, c(g))
			}
			exectest.Run(t, exectest.Case{
				Name:   fmt.Sprintf("%s/groups=%v", tc.name, groups),
				Inputs: []exectest.Input{{Schema: s, Rows: salesRows}},
				Build: func(ch []exec.Operator) (exec.Operator, error) {
					f, err := exec.NewFilter(ch[0], tc.pred)
					if err != nil {
						return nil, err
					}
					return exec.NewHashAggregate(f, keys, nil, aggs, exec.AggSingle)
				},
				Expected: refAggregate(filtered(salesRows), groups, refs),
				Reference: func(in []exectest.Rows) (exectest.Rows, error) {
					return refAggregate(filtered(in[0]), groups, refs), nil
				},
			})
		}
	}
}

// TestHashAggregateOverFilterRejectedRowsDoNotFail checks that a row the
// filter rejects cannot fail the aggregate: v / d is evaluated for the
// whole batch, and the zero divisor sits in a rejected row.
func TestHashAggregateOverFilterRejectedRowsDoNotFail(t *testing.T) {
	s := exectest.Schema("g:int64", "v:int64", "d:int64")
	c := func(i int) exec.Expr { return colRef(i, s.Field(i).Name, s.Field(i).Type) }
	rows := exectest.R("1|10|2", "1|6|3", "2|5|0", "2|8|4", "1|1|1")
	pred := must(exec.NewBinary(exec.OpNotEq, c(2), lit(t, "int64", "0")))
	aggs := []exec.Aggregate{{Func: exec.AggSum, Args: []exec.Expr{must(exec.NewBinary(exec.OpDiv, c(1), c(2)))}, Name: "q"}}
	exectest.Run(t, exectest.Case{
		Name:   "div-in-rejected-row",
		Inputs: []exectest.Input{{Schema: s, Rows: rows}},
		Build: func(ch []exec.Operator) (exec.Operator, error) {
			f, err := exec.NewFilter(ch[0], pred)
			if err != nil {
				return nil, err
			}
			return exec.NewHashAggregate(f, []exec.Expr{c(0)}, nil, aggs, exec.AggSingle)
		},
		Expected: exectest.R("1|8", "2|2"),
	})
}

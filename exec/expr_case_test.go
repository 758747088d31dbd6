package exec_test

import (
	"fmt"
	"math/rand"
	"regexp"
	"strings"
	"testing"

	"github.com/apache/arrow/go/v15/arrow"
	"github.com/apache/arrow/go/v15/arrow/array"
	"github.com/apache/arrow/go/v15/arrow/memory"

	"github.com/dataflow-go/dataflow/exec"
)

func TestCase(t *testing.T) {
	cols := []string{"x:int32", "p:utf8", "v:decimal(15,2)"}
	rows := col1("0|PROMO BRUSHED|10.00", "5|STANDARD|20.00", "NULL|PROMO X|NULL", "-2|NULL|1.50")
	cmp := func(op exec.BinaryOp, col, typ, v string) func(in *input) exec.Expr {
		return func(in *input) exec.Expr { return must(exec.NewBinary(op, in.col(col), lit(in.t, typ, v))) }
	}
	runExprCases(t, []exprCase{
		{name: "guards division by zero", cols: cols, rows: rows, build: func(in *input) (exec.Expr, error) {
			div := must(exec.NewBinary(exec.OpDiv, lit(in.t, "int32", "10"), in.col("x")))
			return exec.NewCase([]exec.WhenThen{{When: cmp(exec.OpNotEq, "x", "int32", "0")(in), Then: div}}, lit(in.t, "float64", "-1"))
		}, typ: "float64", want: []string{"-1", "2", "-1", "-5"}},
		{name: "later WHEN only on remaining rows", cols: cols, rows: rows, build: func(in *input) (exec.Expr, error) {
			// 10 % x > 0 would fail on x = 0, which the first arm takes.
			mod := must(exec.NewBinary(exec.OpMod, lit(in.t, "int32", "10"), in.col("x")))
			gt := must(exec.NewBinary(exec.OpGt, mod, lit(in.t, "int32", "0")))
			return exec.NewCase([]exec.WhenThen{
				{When: cmp(exec.OpEq, "x", "int32", "0")(in), Then: lit(in.t, "utf8", "zero")},
				{When: gt, Then: lit(in.t, "utf8", "rem")},
			}, nil)
		}, typ: "utf8", want: []string{"zero", "NULL", "NULL", "NULL"}},
		{name: "promo revenue", cols: cols, rows: rows, build: func(in *input) (exec.Expr, error) {
			like := must(exec.NewLike(in.col("p"), "PROMO%", 0, false, false))
			return exec.NewCase([]exec.WhenThen{{When: like, Then: in.col("v")}}, lit(in.t, "int32", "0"))
		}, typ: "decimal(15,2)", want: []string{"10.00", "0.00", "NULL", "0.00"}},
		// Arms that cannot fail are blended: every arm over every row, the
		// first TRUE WHEN picking the value (NULL WHENs fall through).
		{name: "blended arms", cols: cols, rows: rows, build: func(in *input) (exec.Expr, error) {
			like := must(exec.NewLike(in.col("p"), "PROMO%", 0, false, false))
			isNull := exec.NewIsNull(in.col("x"), false)
			return exec.NewCase([]exec.WhenThen{
				{When: cmp(exec.OpGt, "x", "int32", "0")(in), Then: in.col("v")},
				{When: like, Then: lit(in.t, "decimal(15,2)", "7.00")},
				{When: isNull, Then: in.col("v")},
			}, lit(in.t, "decimal(15,2)", "NULL"))
		}, typ: "decimal(15,2)", want: []string{"7.00", "20.00", "7.00", "NULL"}},
		{name: "blended ints", cols: cols, rows: rows, build: func(in *input) (exec.Expr, error) {
			eq := must(exec.NewBinary(exec.OpOr, cmp(exec.OpEq, "p", "utf8", "STANDARD")(in), cmp(exec.OpEq, "p", "utf8", "PROMO X")(in)))
			return exec.NewCase([]exec.WhenThen{{When: eq, Then: lit(in.t, "int32", "1")}}, lit(in.t, "int32", "0"))
		}, typ: "int32", want: []string{"0", "1", "1", "0"}},
		{name: "all rows one branch", cols: cols, rows: rows, build: func(in *input) (exec.Expr, error) {
			return exec.NewCase([]exec.WhenThen{{When: lit(in.t, "bool", "true"), Then: in.col("x")}}, nil)
		}, want: []string{"0", "5", "NULL", "-2"}},
		{name: "common type widens", cols: cols, rows: rows, build: func(in *input) (exec.Expr, error) {
			return exec.NewCase([]exec.WhenThen{{When: cmp(exec.OpGt, "x", "int32", "0")(in), Then: in.col("x")}}, lit(in.t, "decimal(4,1)", "0.5"))
		}, typ: "decimal(11,1)", want: []string{"0.5", "5.0", "0.5", "0.5"}},
		{name: "mixed types", cols: cols, build: func(in *input) (exec.Expr, error) {
			return exec.NewCase([]exec.WhenThen{{When: lit(in.t, "bool", "true"), Then: in.col("x")}}, in.col("p"))
		}, buildErr: "CASE branches mix int32 and utf8"},
		{name: "non-boolean when", cols: cols, build: func(in *input) (exec.Expr, error) {
			return exec.NewCase([]exec.WhenThen{{When: in.col("x"), Then: in.col("x")}}, nil)
		}, buildErr: "must be boolean"},
		{name: "error in taken branch", cols: cols, rows: rows, build: func(in *input) (exec.Expr, error) {
			div := must(exec.NewBinary(exec.OpDiv, lit(in.t, "int32", "10"), in.col("x")))
			return exec.NewCase([]exec.WhenThen{{When: cmp(exec.OpLtEq, "x", "int32", "0")(in), Then: div}}, nil)
		}, evalErr: "division by zero"},
	})
}

func TestInList(t *testing.T) {
	cols := []string{"x:int32", "s:utf8", "d:decimal(15,2)", "dt:date"}
	rows := col1("1|MAIL|1.00|1994-01-01", "2|SHIP|2.50|1995-01-01", "NULL|NULL|NULL|NULL", "4|AIR|0.07|1996-01-01")
	lits := func(typ string, vals ...string) func(in *input) []exec.Expr {
		return func(in *input) []exec.Expr {
			out := make([]exec.Expr, len(vals))
			for i, v := range vals {
				out[i] = lit(in.t, typ, v)
			}
			return out
		}
	}
	in := func(col string, list func(in *input) []exec.Expr, negated bool) func(in *input) (exec.Expr, error) {
		return func(in *input) (exec.Expr, error) { return exec.NewInList(in.col(col), list(in), negated) }
	}
	runExprCases(t, []exprCase{
		{name: "ints", cols: cols, rows: rows, build: in("x", lits("int32", "1", "4", "9"), false), typ: "bool", want: []string{"true", "false", "NULL", "true"}},
		{name: "ints widened", cols: cols, rows: rows, build: in("x", lits("int64", "2", "5000000000"), false), want: []string{"false", "true", "NULL", "false"}},
		{name: "strings", cols: cols, rows: rows, build: in("s", lits("utf8", "MAIL", "SHIP"), false), want: []string{"true", "true", "NULL", "false"}},
		{name: "not in", cols: cols, rows: rows, build: in("s", lits("utf8", "MAIL", "SHIP"), true), want: []string{"false", "false", "NULL", "true"}},
		// Past smallSetMax constants the list is hashed.
		{name: "long int list", cols: cols, rows: rows, build: in("x", lits("int32", "1", "4", "9", "10", "11", "12", "13", "14", "15"), false), want: []string{"true", "false", "NULL", "true"}},
		{name: "long string list", cols: cols, rows: rows, build: in("s", lits("utf8", "MAIL", "SHIP", "A", "B", "C", "D", "E", "F", "G"), false), want: []string{"true", "true", "NULL", "false"}},
		{name: "long date list", cols: cols, rows: rows, build: in("dt", lits("date", "1995-01-01", "1996-01-01", "2000-01-01", "2000-01-02", "2000-01-03", "2000-01-04", "2000-01-05", "2000-01-06", "2000-01-07"), true), want: []string{"true", "false", "NULL", "false"}},
		{name: "with null", cols: cols, rows: rows, build: in("x", lits("int32", "1", "NULL"), false), want: []string{"true", "NULL", "NULL", "NULL"}},
		{name: "not in with null", cols: cols, rows: rows, build: in("x", lits("int32", "1", "NULL"), true), want: []string{"false", "NULL", "NULL", "NULL"}},
		{name: "decimal vs int list", cols: cols, rows: rows, build: in("d", lits("int32", "1", "2"), false), want: []string{"true", "false", "NULL", "false"}},
		{name: "dates from strings", cols: cols, rows: rows, build: in("dt", lits("utf8", "1995-01-01", "1996-01-01"), false), want: []string{"false", "true", "NULL", "true"}},
		{name: "expressions", cols: cols, rows: rows, build: in("x", func(in *input) []exec.Expr {
			return []exec.Expr{must(exec.NewBinary(exec.OpAdd, in.col("x"), lit(in.t, "int32", "0"))), lit(in.t, "int32", "NULL")}
		}, false), want: []string{"true", "true", "NULL", "true"}},
		{name: "type mismatch", cols: cols, build: in("x", lits("utf8", "a"), false), buildErr: "cannot compare int32 with IN list value"},
		{name: "bad date literal", cols: cols, build: in("dt", lits("utf8", "1995-02-30"), false), buildErr: "IN list value"},
	})
}

func TestLike(t *testing.T) {
	cols := []string{"s:utf8"}
	rows := col1("PROMO BURNISHED COPPER", "forest green", "NULL", "", "special requests", "a%b", "héllo wörld", "Customer Complaints")
	like := func(p string, esc rune, ci, neg bool) func(in *input) (exec.Expr, error) {
		return func(in *input) (exec.Expr, error) { return exec.NewLike(in.col("s"), p, esc, ci, neg) }
	}
	runExprCases(t, []exprCase{
		{name: "prefix", cols: cols, rows: rows, build: like("PROMO%", 0, false, false), want: []string{"true", "false", "NULL", "false", "false", "false", "false", "false"}},
		{name: "suffix", cols: cols, rows: rows, build: like("%green", 0, false, false), want: []string{"false", "true", "NULL", "false", "false", "false", "false", "false"}},
		{name: "infix", cols: cols, rows: rows, build: like("%re%", 0, false, false), want: []string{"false", "true", "NULL", "false", "true", "false", "false", "false"}},
		{name: "two infixes", cols: cols, rows: rows, build: like("%special%requests%", 0, false, false), want: []string{"false", "false", "NULL", "false", "true", "false", "false", "false"}},
		{name: "not like", cols: cols, rows: rows, build: like("%Customer%Complaints%", 0, false, true), want: []string{"true", "true", "NULL", "true", "true", "true", "true", "false"}},
		{name: "underscore utf8", cols: cols, rows: rows, build: like("h_llo w_rld", 0, false, false), want: []string{"false", "false", "NULL", "false", "false", "false", "true", "false"}},
		{name: "exact", cols: cols, rows: rows, build: like("", 0, false, false), want: []string{"false", "false", "NULL", "true", "false", "false", "false", "false"}},
		{name: "escape", cols: cols, rows: rows, build: like(`a\%b`, '\\', false, false), want: []string{"false", "false", "NULL", "false", "false", "true", "false", "false"}},
		{name: "ilike", cols: cols, rows: rows, build: like("promo%copper", 0, true, false), want: []string{"true", "false", "NULL", "false", "false", "false", "false", "false"}},
		{name: "ilike unicode", cols: cols, rows: rows, build: like("HÉLLO%", 0, true, false), want: []string{"false", "false", "NULL", "false", "false", "false", "true", "false"}},
		{name: "percent only", cols: cols, rows: rows, build: like("%", 0, false, false), want: []string{"true", "true", "NULL", "true", "true", "true", "true", "true"}},
		{name: "not a string", cols: []string{"i:int32"}, build: func(in *input) (exec.Expr, error) { return exec.NewLike(in.col("i"), "1%", 0, false, false) }, buildErr: "LIKE needs a string"},
		{name: "dangling escape", cols: cols, build: like(`abc\`, '\\', false, false), buildErr: "ends with the escape character"},
	})
}

// TestLikeProperty checks the compiled matcher (every fast path and the
// general one) against a regular-expression translation of the pattern.
func TestLikeProperty(t *testing.T) {
	rng := rand.New(rand.NewSource(3))
	alphabet := []string{"a", "b", "c", "é", "%", "_"}
	randStr := func(n int, alpha []string) string {
		var b strings.Builder
		for i := 0; i < n; i++ {
			b.WriteString(alpha[rng.Intn(len(alpha))])
		}
		return b.String()
	}
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	sb := array.NewStringBuilder(mem)
	var strs []string
	for i := 0; i < 300; i++ {
		s := randStr(rng.Intn(9), alphabet[:4])
		strs = append(strs, s)
		sb.Append(s)
	}
	arr := sb.NewArray()
	sb.Release()
	schema := arrow.NewSchema([]arrow.Field{{Name: "s", Type: arrow.BinaryTypes.String}}, nil)
	rec := array.NewRecord(schema, []arrow.Array{arr}, int64(len(strs)))
	arr.Release()
	defer rec.Release()
	ctx := exec.NewContext(nil, mem)
	for iter := 0; iter < 400; iter++ {
		pattern := randStr(rng.Intn(6), alphabet)
		ci := rng.Intn(4) == 0
		e, err := exec.NewLike(exec.NewColumn(0, "s", arrow.BinaryTypes.String), pattern, 0, ci, false)
		if err != nil {
			t.Fatalf("pattern %q: %v", pattern, err)
		}
		re := likeRegexp(pattern, ci)
		got, err := evalRecord(ctx, rec, e)
		if err != nil {
			t.Fatal(err)
		}
		for i, s := range strs {
			if want := fmt.Sprint(re.MatchString(s)); got[i] != want {
				t.Fatalf("%q LIKE %q (ci=%v): got %s want %s", s, pattern, ci, got[i], want)
			}
		}
	}
}

func likeRegexp(pattern string, ci bool) *regexp.Regexp {
	var b strings.Builder
	b.WriteString("^")
	if ci {
		b.WriteString("(?i)")
	}
	b.WriteString("(?s)")
	for _, r := range pattern {
		switch r {
		case '%':
			b.WriteString(".*")
		case '_':
			b.WriteString(".")
		default:
			b.WriteString(regexp.QuoteMeta(string(r)))
		}
	}
	b.WriteString("$")
	return regexp.MustCompile(b.String())
}

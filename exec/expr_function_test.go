package exec_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/apache/arrow/go/v15/arrow"
	"github.com/apache/arrow/go/v15/arrow/array"
	"github.com/apache/arrow/go/v15/arrow/memory"

	"github.com/dataflow-go/dataflow/exec"
	"github.com/dataflow-go/dataflow/exec/exectest"
)

func cast(col, to string) func(in *input) (exec.Expr, error) {
	return func(in *input) (exec.Expr, error) {
		t, err := exectest.ParseType(to)
		if err != nil {
			return nil, err
		}
		return exec.NewCast(in.col(col), t)
	}
}

func TestCast(t *testing.T) {
	cols := []string{"i:int32", "x:int64", "f:float64", "d:decimal(15,2)", "s:utf8", "dt:date", "ts:timestamp", "b:bool"}
	rows := col1(
		"1|-3|2.5|12.35|42|1998-09-02|1998-09-02 13:14:15|true",
		"NULL|NULL|NULL|NULL|NULL|NULL|NULL|NULL",
		"-7|5000000000|-2.5|-0.05|-7|1970-01-01|1969-12-31 23:00:00|false",
	)
	runExprCases(t, []exprCase{
		{name: "int32 to int64", cols: cols, rows: rows, build: cast("i", "int64"), want: []string{"1", "NULL", "-7"}},
		{name: "int64 to int32 overflow", cols: cols, rows: rows, build: cast("x", "int32"), evalErr: "cannot cast int64 5000000000 to int32 (row "},
		{name: "float to int rounds half away", cols: cols, rows: rows, build: cast("f", "int64"), want: []string{"3", "NULL", "-3"}},
		{name: "decimal rescale down rounds", cols: cols, rows: rows, build: cast("d", "decimal(15,1)"), want: []string{"12.4", "NULL", "-0.1"}},
		{name: "decimal rescale up", cols: cols, rows: rows, build: cast("d", "decimal(20,4)"), want: []string{"12.3500", "NULL", "-0.0500"}},
		{name: "decimal to narrow decimal", cols: cols, rows: rows, build: cast("d", "decimal(3,2)"), evalErr: "does not fit in decimal(3, 2)"},
		{name: "decimal to int", cols: cols, rows: rows, build: cast("d", "int32"), want: []string{"12", "NULL", "0"}},
		{name: "decimal to float", cols: cols, rows: rows, build: cast("d", "float64"), want: []string{"12.35", "NULL", "-0.05"}},
		{name: "float to decimal", cols: cols, rows: rows, build: cast("f", "decimal(5,1)"), want: []string{"2.5", "NULL", "-2.5"}},
		{name: "int to decimal", cols: cols, rows: rows, build: cast("x", "decimal(12,2)"), want: []string{"-3.00", "NULL", "5000000000.00"}},
		{name: "string to int", cols: cols, rows: rows, build: cast("s", "int32"), want: []string{"42", "NULL", "-7"}},
		{name: "string to decimal", cols: cols, rows: rows, build: cast("s", "decimal(4,1)"), want: []string{"42.0", "NULL", "-7.0"}},
		{name: "bad string", cols: cols, rows: col1("1|1|1|1|x1|1998-01-01|1998-01-01 00:00:00|true"), build: cast("s", "int64"), evalErr: `cannot cast utf8 "x1" to int64 (row 0): not a number`},
		{name: "everything to string", cols: cols, rows: rows, build: func(in *input) (exec.Expr, error) {
			var parts []exec.Expr
			for _, col := range []string{"i", "d", "dt", "ts", "b", "f"} {
				parts = append(parts, must(exec.NewCast(in.col(col), arrow.BinaryTypes.String)))
			}
			return exec.NewFunction("concat", parts)
		}, want: []string{"112.351998-09-021998-09-02 13:14:15true2.5", "", "-7-0.051970-01-011969-12-31 23:00:00false-2.5"}},
		{name: "date to timestamp", cols: cols, rows: rows, build: cast("dt", "timestamp"), want: []string{"1998-09-02 00:00:00", "NULL", "1970-01-01 00:00:00"}},
		{name: "timestamp to date", cols: cols, rows: rows, build: cast("ts", "date"), want: []string{"1998-09-02", "NULL", "1969-12-31"}},
		{name: "bool to int", cols: cols, rows: rows, build: cast("b", "int32"), want: []string{"1", "NULL", "0"}},
		{name: "date to int", cols: cols, build: cast("dt", "int32"), buildErr: "cannot cast date32 to int32"},
	})
	// Strings to dates, timestamps, bools, decimals.
	runExprCases(t, []exprCase{
		{name: "string to date", cols: []string{"s:utf8"}, rows: col1("1998-09-02", " 2000-02-29 ", "NULL"), build: cast("s", "date"), want: []string{"1998-09-02", "2000-02-29", "NULL"}},
		{name: "impossible date", cols: []string{"s:utf8"}, rows: col1("1998-09-02", "1999-02-29"), build: cast("s", "date"), evalErr: `"1999-02-29" to date32 (row `},
		{name: "string to timestamp", cols: []string{"s:utf8"}, rows: col1("1998-09-02 01:02:03", "1998-09-02", "1998-09-02T01:02:03.5"), build: cast("s", "timestamp"), want: []string{"1998-09-02 01:02:03", "1998-09-02 00:00:00", "1998-09-02 01:02:03.5"}},
		{name: "string to bool", cols: []string{"s:utf8"}, rows: col1("true", "F", "NULL"), build: cast("s", "bool"), want: []string{"true", "false", "NULL"}},
		{name: "string to decimal rounds", cols: []string{"s:utf8"}, rows: col1("0.125", "-0.125", "1e2", "-.5"), build: cast("s", "decimal(6,2)"), want: []string{"0.13", "-0.13", "100.00", "-0.50"}},
		{name: "string decimal too wide", cols: []string{"s:utf8"}, rows: col1("12345"), build: cast("s", "decimal(6,2)"), evalErr: "does not fit"},
	})
}

func fn(name string, args ...func(in *input) exec.Expr) func(in *input) (exec.Expr, error) {
	return func(in *input) (exec.Expr, error) {
		es := make([]exec.Expr, len(args))
		for i, a := range args {
			es[i] = a(in)
		}
		return exec.NewFunction(name, es)
	}
}

func TestFunctions(t *testing.T) {
	cols := []string{"s:utf8", "i:int32", "d:decimal(15,2)", "f:float64", "dt:date", "t:utf8"}
	rows := col1(
		"  Hello, Wörld  |3|12.345|2.5|1998-09-02|lo",
		"NULL|NULL|NULL|NULL|NULL|NULL",
		"abc|-2|-0.05|-2.5|2000-02-29|zz",
	)
	runExprCases(t, []exprCase{
		{name: "substring", cols: cols, rows: rows, build: fn("substring", c("s"), l("int32", "3"), l("int32", "5")), want: []string{"Hello", "NULL", "c"}},
		{name: "substring no length", cols: cols, rows: rows, build: fn("SUBSTRING", c("s"), l("int64", "10")), want: []string{"Wörld  ", "NULL", ""}},
		{name: "substring before start", cols: cols, rows: rows, build: fn("substring", c("s"), l("int32", "0"), l("int32", "2")), want: []string{" ", "NULL", "a"}},
		{name: "upper", cols: cols, rows: rows, build: fn("upper", c("s")), want: []string{"  HELLO, WÖRLD  ", "NULL", "ABC"}},
		{name: "lower", cols: cols, rows: rows, build: fn("lower", c("s")), want: []string{"  hello, wörld  ", "NULL", "abc"}},
		{name: "length counts characters", cols: cols, rows: rows, build: fn("length", c("s")), typ: "int64", want: []string{"16", "NULL", "3"}},
		{name: "trim", cols: cols, rows: rows, build: fn("trim", c("s")), want: []string{"Hello, Wörld", "NULL", "abc"}},
		{name: "ltrim", cols: cols, rows: rows, build: fn("ltrim", c("s")), want: []string{"Hello, Wörld  ", "NULL", "abc"}},
		{name: "rtrim chars", cols: cols, rows: rows, build: fn("rtrim", c("s"), l("utf8", "c ")), want: []string{"  Hello, Wörld", "NULL", "ab"}},
		{name: "concat skips nulls", cols: cols, rows: rows, build: fn("concat", c("t"), l("utf8", "-"), c("i")), want: []string{"lo-3", "-", "zz--2"}},
		{name: "starts_with", cols: cols, rows: rows, build: fn("starts_with", c("s"), l("utf8", "ab")), want: []string{"false", "NULL", "true"}},
		{name: "strpos", cols: cols, rows: rows, build: fn("strpos", c("s"), c("t")), want: []string{"6", "NULL", "0"}},
		{name: "strpos after utf8", cols: cols, rows: rows, build: fn("position", c("s"), l("utf8", "r")), want: []string{"12", "NULL", "0"}},
		{name: "abs", cols: cols, rows: rows, build: fn("abs", c("i")), want: []string{"3", "NULL", "2"}},
		{name: "abs decimal", cols: cols, rows: rows, build: fn("abs", c("d")), want: []string{"12.35", "NULL", "0.05"}},
		{name: "round float", cols: cols, rows: rows, build: fn("round", c("f")), want: []string{"3", "NULL", "-3"}},
		{name: "round decimal", cols: cols, rows: rows, build: fn("round", c("d"), l("int32", "1")), typ: "decimal(16,2)", want: []string{"12.40", "NULL", "-0.10"}},
		{name: "round decimal carries", cols: []string{"d:decimal(4,2)"}, rows: col1("99.99", "-99.95"), build: fn("round", c("d")), want: []string{"100.00", "-100.00"}},
		{name: "ceil decimal", cols: cols, rows: rows, build: fn("ceil", c("d")), typ: "decimal(14,0)", want: []string{"13", "NULL", "0"}},
		{name: "floor decimal", cols: cols, rows: rows, build: fn("floor", c("d")), want: []string{"12", "NULL", "-1"}},
		{name: "floor float", cols: cols, rows: rows, build: fn("floor", c("f")), want: []string{"2", "NULL", "-3"}},
		{name: "coalesce", cols: cols, rows: rows, build: fn("coalesce", c("i"), l("int64", "0")), typ: "int64", want: []string{"3", "0", "-2"}},
		{name: "coalesce all null", cols: cols, rows: rows, build: fn("coalesce", c("t"), c("s")), want: []string{"lo", "NULL", "zz"}},
		{name: "nullif", cols: cols, rows: rows, build: fn("nullif", c("i"), l("int32", "3")), want: []string{"NULL", "NULL", "-2"}},
		{name: "date_part", cols: cols, rows: rows, build: fn("date_part", l("utf8", "year"), c("dt")), typ: "int64", want: []string{"1998", "NULL", "2000"}},
		{name: "extract_month", cols: cols, rows: rows, build: fn("extract_month", c("dt")), want: []string{"9", "NULL", "2"}},
		{name: "extract_day", cols: cols, rows: rows, build: fn("extract_day", c("dt")), want: []string{"2", "NULL", "29"}},
		{name: "date_part dow doy", cols: cols, rows: rows, build: func(in *input) (exec.Expr, error) {
			dow := must(exec.NewFunction("date_part", []exec.Expr{lit(in.t, "utf8", "dow"), in.col("dt")}))
			doy := must(exec.NewFunction("date_part", []exec.Expr{lit(in.t, "utf8", "doy"), in.col("dt")}))
			return exec.NewBinary(exec.OpConcat, must(exec.NewBinary(exec.OpConcat, dow, lit(in.t, "utf8", "/"))), doy)
		}, want: []string{"3/245", "NULL", "2/60"}},
		{name: "unknown function", cols: cols, build: fn("substrng", c("s")), buildErr: "unknown function substrng (did you mean substr, substring?)"},
		{name: "wrong args", cols: cols, build: fn("upper", c("i")), buildErr: "no function upper(int32); expected upper(string)"},
		{name: "date_part needs literal", cols: cols, build: fn("date_part", c("s"), c("dt")), buildErr: "field as a string literal"},
		{name: "unknown date part", cols: cols, build: fn("date_part", l("utf8", "fortnight"), c("dt")), buildErr: "unknown date part"},
	})
	if ty, err := exec.FunctionResultType("round", []arrow.DataType{&arrow.Decimal128Type{Precision: 15, Scale: 2}, arrow.PrimitiveTypes.Int32}); err != nil || ty.String() != "decimal(16, 2)" {
		t.Errorf("FunctionResultType(round) = %v, %v", ty, err)
	}
	if _, err := exec.FunctionResultType("nope", nil); !errors.Is(err, exec.ErrType) {
		t.Errorf("unknown function: %v", err)
	}
}

func TestScalarUDF(t *testing.T) {
	double := func(ctx *exec.Context, args []arrow.Array) (arrow.Array, error) {
		in := args[0].(*array.Int64)
		b := array.NewInt64Builder(ctx.Alloc)
		defer b.Release()
		for i := 0; i < in.Len(); i++ {
			if in.IsNull(i) {
				b.AppendNull()
			} else {
				b.Append(in.Value(i) * 2)
			}
		}
		return b.NewArray(), nil
	}
	cols := []string{"x:int64"}
	rows := col1("1", "NULL", "-4")
	udf := func(name string, f exec.ScalarFunc, ret arrow.DataType) func(in *input) (exec.Expr, error) {
		return func(in *input) (exec.Expr, error) {
			return exec.NewScalarUDF(name, f, []exec.Expr{in.col("x")}, ret), nil
		}
	}
	runExprCases(t, []exprCase{
		{name: "double", cols: cols, rows: rows, build: udf("double", double, arrow.PrimitiveTypes.Int64), want: []string{"2", "NULL", "-8"}},
		{name: "error", cols: cols, rows: rows, build: udf("failing", func(*exec.Context, []arrow.Array) (arrow.Array, error) {
			return nil, errors.New("model not loaded")
		}, arrow.PrimitiveTypes.Int64), evalErr: "udf failing: model not loaded"},
		{name: "panic", cols: cols, rows: rows, build: udf("my_fn", func(_ *exec.Context, args []arrow.Array) (arrow.Array, error) {
			var m map[string]int
			m["x"]++ // nil map write
			return nil, nil
		}, arrow.PrimitiveTypes.Int64), evalErr: "udf my_fn panicked: assignment to entry in nil map"},
		{name: "wrong type", cols: cols, rows: rows, build: udf("typed", double, arrow.PrimitiveTypes.Float64), evalErr: "udf typed returned int64, declared float64"},
		{name: "wrong length", cols: cols, rows: rows, build: udf("short", func(ctx *exec.Context, args []arrow.Array) (arrow.Array, error) {
			b := array.NewInt64Builder(ctx.Alloc)
			defer b.Release()
			b.Append(1)
			b.Append(2)
			b.Append(3)
			b.Append(4)
			return b.NewArray(), nil
		}, arrow.PrimitiveTypes.Int64), evalErr: "udf short returned 4 values for"},
	})
	// A UDF that returns its argument must Retain it; the contract lets it.
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	schema := exectest.Schema(cols...)
	id := exec.NewScalarUDF("id", func(_ *exec.Context, args []arrow.Array) (arrow.Array, error) {
		args[0].Retain()
		return args[0], nil
	}, []exec.Expr{exec.NewColumn(0, "x", arrow.PrimitiveTypes.Int64)}, arrow.PrimitiveTypes.Int64)
	got, err := evalAll(mem, schema, rows, id, 2, true)
	if err != nil || strings.Join(got, ",") != "1,NULL,-4" {
		t.Fatalf("identity udf: %v %v", got, err)
	}
	if id.String() != "id(x)" {
		t.Errorf("String() = %s", id.String())
	}
}

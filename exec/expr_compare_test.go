package exec_test

import (
	"fmt"
	"math/big"
	"math/rand"
	"strconv"
	"testing"

	"github.com/apache/arrow/go/v15/arrow"
	"github.com/apache/arrow/go/v15/arrow/array"
	"github.com/apache/arrow/go/v15/arrow/decimal128"
	"github.com/apache/arrow/go/v15/arrow/memory"
	"github.com/apache/arrow/go/v15/arrow/scalar"

	"github.com/dataflow-go/dataflow/exec"
	"github.com/dataflow-go/dataflow/exec/exectest"
)

func TestComparison(t *testing.T) {
	cols := []string{"i:int32", "x:int64", "d:decimal(15,2)", "f:float64", "s:utf8", "dt:date", "b:bool", "ts:timestamp"}
	rows := col1(
		"1|1|1.00|1|abc|1998-09-02|true|1998-09-02 00:00:00",
		"2|3|2.50|2.5|abd|1998-09-03|false|1998-09-02 12:00:00",
		"NULL|NULL|NULL|NULL|NULL|NULL|NULL|NULL",
		"-5|-4|-4.99|-5|ab|1998-01-01|true|1997-12-31 23:59:59",
	)
	runExprCases(t, []exprCase{
		{name: "int32 = int64", cols: cols, rows: rows, build: bin(exec.OpEq, c("i"), c("x")), typ: "bool", want: []string{"true", "false", "NULL", "false"}},
		{name: "int < decimal exact", cols: cols, rows: rows, build: bin(exec.OpLt, c("i"), c("d")), want: []string{"false", "true", "NULL", "true"}},
		{name: "decimal <= const int", cols: cols, rows: rows, build: bin(exec.OpLtEq, c("d"), l("int32", "1")), want: []string{"true", "false", "NULL", "true"}},
		{name: "const > decimal", cols: cols, rows: rows, build: bin(exec.OpGt, l("decimal(3,2)", "2.50"), c("d")), want: []string{"true", "false", "NULL", "true"}},
		{name: "decimal vs float", cols: cols, rows: rows, build: bin(exec.OpEq, c("d"), c("f")), want: []string{"true", "true", "NULL", "false"}},
		{name: "float >= int", cols: cols, rows: rows, build: bin(exec.OpGtEq, c("f"), c("x")), want: []string{"true", "false", "NULL", "false"}},
		{name: "strings", cols: cols, rows: rows, build: bin(exec.OpLt, c("s"), l("utf8", "abd")), want: []string{"true", "false", "NULL", "true"}},
		{name: "string eq", cols: cols, rows: rows, build: bin(exec.OpEq, l("utf8", "abc"), c("s")), want: []string{"true", "false", "NULL", "false"}},
		{name: "string neq columns", cols: cols, rows: rows, build: bin(exec.OpNotEq, c("s"), c("s")), want: []string{"false", "false", "NULL", "false"}},
		{name: "date <= const", cols: cols, rows: rows, build: bin(exec.OpLtEq, c("dt"), l("date", "1998-09-02")), want: []string{"true", "false", "NULL", "true"}},
		{name: "date vs string literal", cols: cols, rows: rows, build: bin(exec.OpGt, c("dt"), l("utf8", "1998-09-02")), want: []string{"false", "true", "NULL", "false"}},
		{name: "date vs timestamp", cols: cols, rows: rows, build: bin(exec.OpLt, c("dt"), c("ts")), want: []string{"false", "false", "NULL", "false"}},
		{name: "timestamp < date", cols: cols, rows: rows, build: bin(exec.OpLt, c("ts"), c("dt")), want: []string{"false", "true", "NULL", "true"}},
		{name: "bools", cols: cols, rows: rows, build: bin(exec.OpGt, c("b"), l("bool", "false")), want: []string{"true", "false", "NULL", "true"}},
		{name: "bool eq bool", cols: cols, rows: rows, build: bin(exec.OpEq, c("b"), c("b")), want: []string{"true", "true", "NULL", "true"}},
		{name: "null literal", cols: cols, rows: rows[:2], build: func(in *input) (exec.Expr, error) { return exec.NewBinary(exec.OpEq, in.col("i"), nullLit()) }, want: []string{"NULL", "NULL"}},
		{name: "string vs int", cols: cols, build: bin(exec.OpEq, c("s"), c("i")), buildErr: "cannot apply = to utf8 and int32"},
		{name: "date vs int", cols: cols, build: bin(exec.OpLt, c("dt"), c("x")), buildErr: "cannot apply <"},
		{name: "bad date literal", cols: cols, rows: rows[:1], build: bin(exec.OpEq, c("dt"), l("utf8", "1998-13-01")), evalErr: "cannot cast utf8 \"1998-13-01\" to date32"},
	})
}

func TestLogic(t *testing.T) {
	cols := []string{"a:bool", "b:bool"}
	var rows exectest.Rows
	for _, a := range []string{"true", "false", "NULL"} {
		for _, b := range []string{"true", "false", "NULL"} {
			rows = append(rows, []string{a, b})
		}
	}
	runExprCases(t, []exprCase{
		{name: "and", cols: cols, rows: rows, build: bin(exec.OpAnd, c("a"), c("b")), want: []string{"true", "false", "NULL", "false", "false", "false", "NULL", "false", "NULL"}},
		{name: "or", cols: cols, rows: rows, build: bin(exec.OpOr, c("a"), c("b")), want: []string{"true", "true", "true", "true", "false", "NULL", "true", "NULL", "NULL"}},
		{name: "and null literal", cols: cols, rows: rows[:3], build: func(in *input) (exec.Expr, error) { return exec.NewBinary(exec.OpAnd, in.col("b"), nullLit()) }, want: []string{"NULL", "false", "NULL"}},
		{name: "not", cols: cols, rows: rows[:3], build: func(in *input) (exec.Expr, error) { return exec.NewNot(in.col("b")) }, want: []string{"false", "true", "NULL"}},
		{name: "is null", cols: cols, rows: rows[:3], build: func(in *input) (exec.Expr, error) { return exec.NewIsNull(in.col("b"), false), nil }, want: []string{"false", "false", "true"}},
		{name: "is not null", cols: cols, rows: rows[:3], build: func(in *input) (exec.Expr, error) { return exec.NewIsNull(in.col("b"), true), nil }, want: []string{"true", "true", "false"}},
		{name: "is distinct from", cols: cols, rows: rows, build: func(in *input) (exec.Expr, error) { return exec.NewIsDistinctFrom(in.col("a"), in.col("b"), false) },
			want: []string{"false", "true", "true", "true", "false", "true", "true", "true", "false"}},
		{name: "is not distinct from", cols: cols, rows: rows, build: func(in *input) (exec.Expr, error) { return exec.NewIsDistinctFrom(in.col("a"), in.col("b"), true) },
			want: []string{"true", "false", "false", "false", "true", "false", "false", "false", "true"}},
		{name: "and of ints", cols: []string{"i:int32"}, build: func(in *input) (exec.Expr, error) { return exec.NewBinary(exec.OpAnd, in.col("i"), in.col("i")) }, buildErr: "cannot apply AND to int32 and int32"},
		{name: "not of int", cols: []string{"i:int32"}, build: func(in *input) (exec.Expr, error) { return exec.NewNot(in.col("i")) }, buildErr: "cannot apply NOT to int32"},
	})
}

func TestNegateAndConcat(t *testing.T) {
	runExprCases(t, []exprCase{
		{name: "negate ints", cols: []string{"i:int32"}, rows: col1("1", "NULL", "-7"), build: func(in *input) (exec.Expr, error) { return exec.NewNegate(in.col("i")) }, typ: "int32", want: []string{"-1", "NULL", "7"}},
		{name: "negate decimal", cols: []string{"d:decimal(5,2)"}, rows: col1("1.25", "NULL", "-0.01"), build: func(in *input) (exec.Expr, error) { return exec.NewNegate(in.col("d")) }, want: []string{"-1.25", "NULL", "0.01"}},
		{name: "negate overflow", cols: []string{"x:int64"}, rows: col1("1", "-9223372036854775808"), build: func(in *input) (exec.Expr, error) { return exec.NewNegate(in.col("x")) }, evalErr: "integer overflow"},
		{name: "negate string", cols: []string{"s:utf8"}, build: func(in *input) (exec.Expr, error) { return exec.NewNegate(in.col("s")) }, buildErr: "cannot apply unary - to utf8"},
		{name: "concat", cols: []string{"s:utf8", "i:int32"}, rows: col1("ab|1", "NULL|2", "|NULL", "x|-3"), build: bin(exec.OpConcat, c("s"), c("i")), typ: "utf8", want: []string{"ab1", "NULL", "NULL", "x-3"}},
		{name: "concat const", cols: []string{"s:utf8"}, rows: col1("ab", "NULL"), build: bin(exec.OpConcat, l("utf8", "<"), c("s")), want: []string{"<ab", "NULL"}},
	})
}

// TestCompareAcrossTypesProperty compares int64 and decimal columns at
// random scales against exact rational comparison in math/big.
func TestCompareAcrossTypesProperty(t *testing.T) {
	rng := rand.New(rand.NewSource(7))
	ops := []exec.BinaryOp{exec.OpEq, exec.OpNotEq, exec.OpLt, exec.OpLtEq, exec.OpGt, exec.OpGtEq}
	for iter := 0; iter < 200; iter++ {
		p1 := int32(1 + rng.Intn(38))
		s1 := int32(rng.Intn(int(p1) + 1))
		p2 := int32(1 + rng.Intn(38))
		s2 := int32(rng.Intn(int(p2) + 1))
		if iter%2 == 0 {
			p1, s1 = min(p1, 12), min(s1, 4)
			p2, s2 = min(p2, 12), min(s2, 4)
		}
		t1, t2 := &arrow.Decimal128Type{Precision: p1, Scale: s1}, &arrow.Decimal128Type{Precision: p2, Scale: s2}
		mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
		n := 30
		a, av := randomDecimals(mem, rng, t1, n)
		// Make some values equal across scales.
		bb := array.NewDecimal128Builder(mem, t2)
		bv := make([]*big.Int, n)
		for i := 0; i < n; i++ {
			var v *big.Int
			if av[i] != nil && rng.Intn(3) == 0 && s2 >= s1 && p2-s2 >= p1-s1 {
				v = new(big.Int).Mul(av[i], pow10(s2-s1))
			} else if rng.Intn(8) != 0 {
				v = new(big.Int).Rand(rng, pow10(p2))
				if rng.Intn(2) == 0 {
					v.Neg(v)
				}
			}
			if v == nil {
				bb.AppendNull()
				continue
			}
			bv[i] = v
			bb.Append(decimal128.FromBigInt(v))
		}
		b := bb.NewArray()
		bb.Release()
		schema := arrow.NewSchema([]arrow.Field{{Name: "a", Type: t1, Nullable: true}, {Name: "b", Type: t2, Nullable: true}}, nil)
		rec := array.NewRecord(schema, []arrow.Array{a, b}, int64(n))
		a.Release()
		b.Release()
		op := ops[rng.Intn(len(ops))]
		e := must(exec.NewBinary(op, exec.NewColumn(0, "a", t1), exec.NewColumn(1, "b", t2)))
		got, err := evalRecord(exec.NewContext(nil, mem), rec, e)
		if err != nil {
			// Rescaling both to a common scale can exceed 38 digits.
			if !overflowMsg(err) {
				t.Fatalf("%s %s %s: %v", t1, op, t2, err)
			}
		} else {
			for i := 0; i < n; i++ {
				want := "NULL"
				if av[i] != nil && bv[i] != nil {
					x := new(big.Rat).SetFrac(av[i], pow10(s1))
					y := new(big.Rat).SetFrac(bv[i], pow10(s2))
					want = strconv.FormatBool(holdsRef(op, x.Cmp(y)))
				}
				if got[i] != want {
					t.Fatalf("%s %s %s row %d (%v, %v): got %s want %s", t1, op, t2, i, av[i], bv[i], got[i], want)
				}
			}
		}
		// The same column against a constant, on either side: narrow
		// decimals compare in place against the constant's low word.
		if bv[0] != nil {
			k := exec.NewLiteral(scalar.NewDecimal128Scalar(decimal128.FromBigInt(bv[0]), t2))
			y := new(big.Rat).SetFrac(bv[0], pow10(s2))
			for _, constLeft := range []bool{false, true} {
				e := must(exec.NewBinary(op, exec.NewColumn(0, "a", t1), k))
				if constLeft {
					e = must(exec.NewBinary(op, k, exec.NewColumn(0, "a", t1)))
				}
				got, err := evalRecord(exec.NewContext(nil, mem), rec, e)
				if err != nil {
					if !overflowMsg(err) {
						t.Fatalf("%s %s const %s: %v", t1, op, t2, err)
					}
					continue
				}
				for i := 0; i < n; i++ {
					want := "NULL"
					if av[i] != nil {
						c := new(big.Rat).SetFrac(av[i], pow10(s1)).Cmp(y)
						if constLeft {
							c = -c
						}
						want = strconv.FormatBool(holdsRef(op, c))
					}
					if got[i] != want {
						t.Fatalf("%s %s const %s (const on the left: %v) row %d (%v, %v): got %s want %s", t1, op, t2, constLeft, i, av[i], bv[0], got[i], want)
					}
				}
			}
		}
		rec.Release()
		mem.AssertSize(t, 0)
	}
}

func holdsRef(op exec.BinaryOp, c int) bool {
	switch op {
	case exec.OpEq:
		return c == 0
	case exec.OpNotEq:
		return c != 0
	case exec.OpLt:
		return c < 0
	case exec.OpLtEq:
		return c <= 0
	case exec.OpGt:
		return c > 0
	}
	return c >= 0
}

func TestBinaryResultType(t *testing.T) {
	dec := func(p, s int32) arrow.DataType { return &arrow.Decimal128Type{Precision: p, Scale: s} }
	i32, i64, f64 := arrow.PrimitiveTypes.Int32, arrow.PrimitiveTypes.Int64, arrow.PrimitiveTypes.Float64
	for _, tc := range []struct {
		op   exec.BinaryOp
		l, r arrow.DataType
		want string
	}{
		{exec.OpAdd, i32, i64, "int64"},
		{exec.OpAdd, i32, f64, "float64"},
		{exec.OpAdd, dec(15, 2), dec(15, 2), "decimal(16, 2)"},
		{exec.OpSub, i32, dec(15, 2), "decimal(16, 2)"},
		{exec.OpMul, dec(15, 2), dec(16, 2), "decimal(31, 4)"},
		{exec.OpMul, dec(31, 4), dec(16, 2), "decimal(38, 6)"},
		{exec.OpMul, i64, dec(5, 1), "decimal(24, 1)"},
		{exec.OpDiv, i32, i32, "float64"},
		{exec.OpDiv, dec(15, 2), dec(15, 2), "float64"},
		{exec.OpAdd, dec(15, 2), f64, "float64"},
		{exec.OpMod, i32, i32, "int32"},
		{exec.OpLt, dec(15, 2), f64, "bool"},
		{exec.OpAdd, arrow.FixedWidthTypes.Date32, arrow.FixedWidthTypes.MonthDayNanoInterval, "date32"},
		{exec.OpSub, arrow.FixedWidthTypes.Date32, arrow.FixedWidthTypes.Date32, "int64"},
	} {
		got, err := exec.BinaryResultType(tc.op, tc.l, tc.r)
		if err != nil || got.String() != tc.want {
			t.Errorf("%s %s %s = %v, %v; want %s", tc.l, tc.op, tc.r, got, err, tc.want)
		}
	}
	if _, err := exec.BinaryResultType(exec.OpAdd, arrow.BinaryTypes.String, i64); err == nil || err.Error() != "type error: cannot apply + to utf8 and int64 (arithmetic needs numbers)" {
		t.Errorf("utf8 + int64: %v", err)
	}
	if got, err := exec.CommonType(i32, dec(15, 2)); err != nil || got.String() != "decimal(15, 2)" {
		t.Errorf("CommonType(int32, decimal(15,2)) = %v, %v", got, err)
	}
	if _, err := exec.CommonType(arrow.BinaryTypes.String, i32); err == nil {
		t.Error("CommonType(utf8, int32) succeeded")
	}
	if exec.OpLtEq.String() != "<=" || exec.OpConcat.String() != "||" || fmt.Sprint(exec.OpAnd) != "AND" {
		t.Error("BinaryOp.String")
	}
	if !exec.IsNumeric(dec(1, 0)) || exec.IsNumeric(arrow.BinaryTypes.String) {
		t.Error("IsNumeric")
	}
}

// TestCompareWithConstantProperty checks every comparison of int32,
// int64 and float64 columns against a literal, on either side, with
// batch lengths around the eight-row packing of the result bits.
func TestCompareWithConstantProperty(t *testing.T) {
	rng := rand.New(rand.NewSource(11))
	ops := []exec.BinaryOp{exec.OpEq, exec.OpNotEq, exec.OpLt, exec.OpLtEq, exec.OpGt, exec.OpGtEq}
	for _, typ := range []string{"int32", "int64", "float64"} {
		for iter := 0; iter < 60; iter++ {
			n := 1 + rng.Intn(40)
			rows := make(exectest.Rows, n)
			vals := make([]int, n)
			for i := range rows {
				vals[i] = rng.Intn(7) - 3
				rows[i] = []string{strconv.Itoa(vals[i])}
				if rng.Intn(10) == 0 {
					rows[i] = []string{"NULL"}
					vals[i] = 1 << 30
				}
			}
			mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
			schema := exectest.Schema("v:" + typ)
			rec, err := exectest.BuildRecord(mem, schema, rows)
			if err != nil {
				t.Fatal(err)
			}
			c := rng.Intn(7) - 3
			op := ops[rng.Intn(len(ops))]
			col := exec.NewColumn(0, "v", schema.Field(0).Type)
			k := lit(t, typ, strconv.Itoa(c))
			for _, flip := range []bool{false, true} {
				e := must(exec.NewBinary(op, col, k))
				if flip {
					e = must(exec.NewBinary(op, k, col))
				}
				got, err := evalRecord(exec.NewContext(nil, mem), rec, e)
				if err != nil {
					t.Fatal(err)
				}
				for i := 0; i < n; i++ {
					want := "NULL"
					if vals[i] != 1<<30 {
						cmpv := 0
						l, r := vals[i], c
						if flip {
							l, r = c, vals[i]
						}
						switch {
						case l < r:
							cmpv = -1
						case l > r:
							cmpv = 1
						}
						want = strconv.FormatBool(holdsRef(op, cmpv))
					}
					if got[i] != want {
						t.Fatalf("%s %v (flip %v) row %d of %d: got %s want %s", typ, op, flip, i, n, got[i], want)
					}
				}
			}
			rec.Release()
			mem.AssertSize(t, 0)
		}
	}
}

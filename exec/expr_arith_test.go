package exec_test

import (
	"errors"
	"fmt"
	"math/big"
	"math/rand"
	"strings"
	"testing"

	"github.com/apache/arrow/go/v15/arrow"
	"github.com/apache/arrow/go/v15/arrow/array"
	"github.com/apache/arrow/go/v15/arrow/decimal128"
	"github.com/apache/arrow/go/v15/arrow/memory"
	"github.com/apache/arrow/go/v15/arrow/scalar"

	"github.com/dataflow-go/dataflow/exec"
)

func bin(op exec.BinaryOp, l, r func(in *input) exec.Expr) func(in *input) (exec.Expr, error) {
	return func(in *input) (exec.Expr, error) { return exec.NewBinary(op, l(in), r(in)) }
}

func c(name string) func(in *input) exec.Expr {
	return func(in *input) exec.Expr { return in.col(name) }
}

func l(typ, text string) func(in *input) exec.Expr {
	return func(in *input) exec.Expr { return lit(in.t, typ, text) }
}

func interval(months, days int32) func(in *input) exec.Expr {
	return func(in *input) exec.Expr {
		return exec.NewLiteral(scalar.NewMonthDayNanoIntervalScalar(arrow.MonthDayNanoInterval{Months: months, Days: days}))
	}
}

func TestArithmetic(t *testing.T) {
	ints := []string{"a:int32", "b:int32", "x:int64"}
	intRows := col1("1|2|10", "NULL|3|20", "-7|2|NULL", "2147483647|0|9223372036854775807")
	decs := []string{"p:decimal(15,2)", "d:decimal(15,2)", "t:decimal(15,2)"}
	decRows := col1("100.00|0.05|0.08", "33.33|0.10|0.00", "NULL|0.01|0.02", "0.01|NULL|0.06", "-12.34|0.07|0.01")
	runExprCases(t, []exprCase{
		{name: "int32+int32", cols: ints, rows: intRows[:3], build: bin(exec.OpAdd, c("a"), c("b")), typ: "int32", want: []string{"3", "NULL", "-5"}},
		{name: "int32 overflow", cols: ints, rows: intRows, build: bin(exec.OpAdd, c("a"), l("int32", "1")), evalErr: "integer overflow"},
		{name: "int32+int64", cols: ints, rows: intRows[:3], build: bin(exec.OpAdd, c("a"), c("x")), typ: "int64", want: []string{"11", "NULL", "NULL"}},
		{name: "int64 overflow", cols: ints, rows: intRows, build: bin(exec.OpAdd, c("x"), l("int64", "1")), evalErr: "integer overflow"},
		{name: "int64 mul overflow", cols: ints, rows: intRows, build: bin(exec.OpMul, c("x"), l("int64", "2")), evalErr: "integer overflow"},
		{name: "overflow under null ignored", cols: ints, rows: col1("NULL|1|9223372036854775807", "1|1|5"), build: bin(exec.OpAdd, c("a"), c("x")), want: []string{"NULL", "6"}},
		{name: "int sub const", cols: ints, rows: intRows[:3], build: bin(exec.OpSub, l("int64", "100"), c("a")), typ: "int64", want: []string{"99", "NULL", "107"}},
		{name: "int mul", cols: ints, rows: intRows[:3], build: bin(exec.OpMul, c("a"), c("b")), want: []string{"2", "NULL", "-14"}},
		{name: "int div is float", cols: ints, rows: intRows[:3], build: bin(exec.OpDiv, c("a"), c("b")), typ: "float64", want: []string{"0.5", "NULL", "-3.5"}},
		{name: "int div by zero", cols: ints, rows: intRows, build: bin(exec.OpDiv, c("a"), c("b")), evalErr: "division by zero"},
		{name: "div by zero under null", cols: ints, rows: col1("NULL|0|1", "4|2|1"), build: bin(exec.OpDiv, c("a"), c("b")), want: []string{"NULL", "2"}},
		{name: "int mod", cols: ints, rows: intRows[:3], build: bin(exec.OpMod, c("a"), c("b")), typ: "int32", want: []string{"1", "NULL", "-1"}},
		{name: "int mod zero", cols: ints, rows: intRows, build: bin(exec.OpMod, c("x"), c("b")), evalErr: "division by zero"},
		{name: "float", cols: []string{"f:float64", "a:int32"}, rows: col1("1.5|2", "NULL|1", "-0.25|NULL"), build: bin(exec.OpMul, c("f"), c("a")), typ: "float64", want: []string{"3", "NULL", "NULL"}},
		{name: "float div zero is IEEE", cols: []string{"f:float64"}, rows: col1("1", "-1"), build: bin(exec.OpDiv, c("f"), l("float64", "0")), want: []string{"+Inf", "-Inf"}},
		{name: "decimal add", cols: decs, rows: decRows, build: bin(exec.OpAdd, c("p"), c("d")), typ: "decimal(16,2)", want: []string{"100.05", "33.43", "NULL", "NULL", "-12.27"}},
		{name: "one minus discount", cols: decs, rows: decRows, build: bin(exec.OpSub, l("int32", "1"), c("d")), typ: "decimal(16,2)", want: []string{"0.95", "0.90", "0.99", "NULL", "0.93"}},
		{name: "decimal mul exact", cols: decs, rows: decRows, build: func(in *input) (exec.Expr, error) {
			one := lit(in.t, "int32", "1")
			disc := must(exec.NewBinary(exec.OpSub, one, in.col("d")))
			return exec.NewBinary(exec.OpMul, in.col("p"), disc)
		}, typ: "decimal(31,4)", want: []string{"95.0000", "29.9970", "NULL", "NULL", "-11.4762"}},
		{name: "q1 charge scale 6", cols: decs, rows: decRows, build: func(in *input) (exec.Expr, error) {
			one := lit(in.t, "int32", "1")
			disc := must(exec.NewBinary(exec.OpSub, one, in.col("d")))
			tax := must(exec.NewBinary(exec.OpAdd, one, in.col("t")))
			price := must(exec.NewBinary(exec.OpMul, in.col("p"), disc))
			return exec.NewBinary(exec.OpMul, price, tax)
		}, typ: "decimal(38,6)", want: []string{"102.600000", "29.997000", "NULL", "NULL", "-11.590962"}},
		{name: "decimal scales differ", cols: []string{"a:decimal(5,1)", "b:decimal(7,3)"}, rows: col1("1.5|0.125", "-9999.9|1234.567"), build: bin(exec.OpSub, c("a"), c("b")), typ: "decimal(8,3)", want: []string{"1.375", "-11234.467"}},
		{name: "decimal times int", cols: []string{"a:decimal(5,1)", "i:int64"}, rows: col1("1.5|3", "-2.0|NULL"), build: bin(exec.OpMul, c("a"), c("i")), typ: "decimal(24,1)", want: []string{"4.5", "NULL"}},
		{name: "decimal div is float", cols: decs, rows: decRows[:2], build: bin(exec.OpDiv, c("p"), c("d")), typ: "float64", want: []string{"2000", "333.29999999999995"}},
		{name: "decimal div by zero", cols: decs, rows: decRows[:2], build: bin(exec.OpDiv, c("p"), c("t")), evalErr: "division by zero"},
		{name: "decimal plus float", cols: decs, rows: decRows[:1], build: bin(exec.OpAdd, c("p"), l("float64", "0.5")), typ: "float64", want: []string{"100.5"}},
		{name: "decimal mod", cols: decs, rows: decRows[:2], build: bin(exec.OpMod, c("p"), l("decimal(3,2)", "0.07")), typ: "decimal(15,2)", want: []string{"0.04", "0.01"}},
		{name: "decimal overflow", cols: []string{"a:decimal(38,0)"}, rows: col1("99999999999999999999999999999999999999"), build: bin(exec.OpAdd, c("a"), l("int32", "1")), evalErr: "decimal overflow"},
		{name: "decimal mul overflow", cols: []string{"a:decimal(38,0)"}, rows: col1("1", "99999999999999999999999999999999999999"), build: bin(exec.OpMul, c("a"), c("a")), evalErr: "decimal overflow"},
		{name: "null literal", cols: ints, rows: intRows[:2], build: func(in *input) (exec.Expr, error) { return exec.NewBinary(exec.OpAdd, in.col("a"), nullLit()) }, typ: "int32", want: []string{"NULL", "NULL"}},
		{name: "type mismatch", cols: []string{"s:utf8", "x:int64"}, build: bin(exec.OpAdd, c("s"), c("x")), buildErr: "cannot apply + to utf8 and int64"},
		{name: "bool arithmetic", cols: []string{"b:bool"}, build: bin(exec.OpMul, c("b"), c("b")), buildErr: "cannot apply *"},
	})
}

func TestDateArithmetic(t *testing.T) {
	cols := []string{"d:date", "e:date", "n:int32", "ts:timestamp"}
	rows := col1("1998-01-31|1998-01-01|3|2020-01-31 10:00:00", "1998-12-01|1997-12-01|NULL|2020-02-29 00:00:01", "NULL|1998-01-01|1|NULL", "2000-02-29|2000-02-29|-1|1999-12-31 23:59:59")
	runExprCases(t, []exprCase{
		{name: "plus month clamps", cols: cols, rows: rows, build: bin(exec.OpAdd, c("d"), interval(1, 0)), typ: "date32", want: []string{"1998-02-28", "1999-01-01", "NULL", "2000-03-29"}},
		{name: "minus days", cols: cols, rows: rows, build: bin(exec.OpSub, c("d"), interval(0, 90)), want: []string{"1997-11-02", "1998-09-02", "NULL", "1999-12-01"}},
		{name: "minus year", cols: cols, rows: rows, build: bin(exec.OpSub, c("d"), interval(12, 0)), want: []string{"1997-01-31", "1997-12-01", "NULL", "1999-02-28"}},
		{name: "interval plus date", cols: cols, rows: rows, build: bin(exec.OpAdd, interval(3, 1), c("d")), want: []string{"1998-05-01", "1999-03-02", "NULL", "2000-05-30"}},
		{name: "date minus date", cols: cols, rows: rows, build: bin(exec.OpSub, c("d"), c("e")), typ: "int64", want: []string{"30", "365", "NULL", "0"}},
		{name: "date plus int", cols: cols, rows: rows, build: bin(exec.OpAdd, c("d"), c("n")), typ: "date32", want: []string{"1998-02-03", "NULL", "NULL", "2000-02-28"}},
		{name: "const date minus interval", cols: cols, rows: rows[:1], build: bin(exec.OpSub, l("date", "1998-12-01"), interval(0, 90)), want: []string{"1998-09-02"}},
		{name: "timestamp plus interval", cols: cols, rows: rows, build: bin(exec.OpAdd, c("ts"), interval(1, 1)), typ: "timestamp", want: []string{"2020-03-01 10:00:00", "2020-03-30 00:00:01", "NULL", "2000-02-01 23:59:59"}},
		{name: "date plus date", cols: cols, build: bin(exec.OpAdd, c("d"), c("e")), buildErr: "cannot apply + to date32 and date32"},
		{name: "date times interval", cols: cols, build: bin(exec.OpMul, c("d"), interval(1, 0)), buildErr: "cannot apply *"},
	})
}

// TestDecimalArithmeticProperty checks the decimal kernels (all their
// fast paths) against math/big on random values of random precisions.
func TestDecimalArithmeticProperty(t *testing.T) {
	rng := rand.New(rand.NewSource(42))
	for iter := 0; iter < 300; iter++ {
		p1, p2 := int32(1+rng.Intn(38)), int32(1+rng.Intn(38))
		if iter%3 == 0 { // favour the int64 fast paths
			p1, p2 = int32(1+rng.Intn(18)), int32(1+rng.Intn(18))
		}
		s1, s2 := int32(rng.Intn(int(p1)+1)), int32(rng.Intn(int(p2)+1))
		t1, t2 := &arrow.Decimal128Type{Precision: p1, Scale: s1}, &arrow.Decimal128Type{Precision: p2, Scale: s2}
		ops := []exec.BinaryOp{exec.OpAdd, exec.OpSub, exec.OpMul}
		op := ops[rng.Intn(len(ops))]
		if op == exec.OpMul && s1+s2 > 38 {
			continue
		}
		n := 1 + rng.Intn(40)
		mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
		a, av := randomDecimals(mem, rng, t1, n)
		b, bv := randomDecimals(mem, rng, t2, n)
		if iter%4 == 1 {
			// Wide types holding small values (TPC-H's money times
			// rates): the kernels' value-bounded int64 paths.
			a.Release()
			b.Release()
			a, av = randomDecimalsBelow(mem, rng, t1, n, int32(1+rng.Intn(int(min(p1, 19)))))
			b, bv = randomDecimalsBelow(mem, rng, t2, n, int32(1+rng.Intn(int(min(p2, 19)))))
		}
		schema := arrow.NewSchema([]arrow.Field{{Name: "a", Type: t1, Nullable: true}, {Name: "b", Type: t2, Nullable: true}}, nil)
		rec := array.NewRecord(schema, []arrow.Array{a, b}, int64(n))
		a.Release()
		b.Release()
		e, err := exec.NewBinary(op, exec.NewColumn(0, "a", t1), exec.NewColumn(1, "b", t2))
		if err != nil {
			t.Fatalf("%s %s %s: %v", t1, op, t2, err)
		}
		rt := e.DataType().(*arrow.Decimal128Type)
		// Reference.
		want := make([]string, n)
		overflow := false
		for i := 0; i < n; i++ {
			if av[i] == nil || bv[i] == nil {
				want[i] = "NULL"
				continue
			}
			var r *big.Int
			switch op {
			case exec.OpMul:
				r = new(big.Int).Mul(av[i], bv[i])
			default:
				x := new(big.Int).Mul(av[i], pow10(rt.Scale-s1))
				y := new(big.Int).Mul(bv[i], pow10(rt.Scale-s2))
				if op == exec.OpSub {
					y.Neg(y)
				}
				r = x.Add(x, y)
			}
			if new(big.Int).Abs(r).Cmp(pow10(rt.Precision)) >= 0 {
				overflow = true
			}
			want[i] = exec.FormatDecimal(decimal128.FromBigInt(clampBig(r)), rt.Scale)
		}
		// Batches with and without a constant right side.
		got, err := evalRecord(exec.NewContext(nil, mem), rec, e)
		label := fmt.Sprintf("%s %s %s -> %s", t1, op, t2, rt)
		switch {
		case overflow:
			if err == nil || !errors.Is(err, exec.ErrExec) || !overflowMsg(err) {
				t.Fatalf("%s: want overflow error, got %v (a=%v b=%v got=%v)", label, err, av, bv, got)
			}
		case err != nil:
			t.Fatalf("%s: %v", label, err)
		default:
			for i := range want {
				if got[i] != want[i] {
					t.Fatalf("%s row %d: got %s want %s (a=%v b=%v)", label, i, got[i], want[i], av[i], bv[i])
				}
			}
		}
		if !overflow && bv[0] != nil {
			// Right side as a literal: the broadcast path.
			sc, _ := scalar.GetScalar(rec.Column(1), 0)
			ec, err := exec.NewBinary(op, exec.NewColumn(0, "a", t1), exec.NewLiteral(sc))
			if err != nil {
				t.Fatal(err)
			}
			gotc, err := evalRecord(exec.NewContext(nil, mem), rec, ec)
			if err == nil {
				for i := range want {
					if av[i] == nil {
						continue
					}
					r := refDecimal(op, av[i], bv[0], s1, s2, rt.Scale)
					if w := exec.FormatDecimal(decimal128.FromBigInt(clampBig(r)), rt.Scale); gotc[i] != w {
						t.Fatalf("%s const row %d: got %s want %s", label, i, gotc[i], w)
					}
				}
			} else if !overflowMsg(err) {
				t.Fatalf("%s const: %v", label, err)
			}
		}
		if !overflow && av[0] != nil {
			// Left side as a literal (Q1's 1 - l_discount): the other
			// broadcast shape.
			sc, _ := scalar.GetScalar(rec.Column(0), 0)
			ec, err := exec.NewBinary(op, exec.NewLiteral(sc), exec.NewColumn(1, "b", t2))
			if err != nil {
				t.Fatal(err)
			}
			gotc, err := evalRecord(exec.NewContext(nil, mem), rec, ec)
			if err == nil {
				for i := range want {
					if bv[i] == nil {
						continue
					}
					r := refDecimal(op, av[0], bv[i], s1, s2, rt.Scale)
					if w := exec.FormatDecimal(decimal128.FromBigInt(clampBig(r)), rt.Scale); gotc[i] != w {
						t.Fatalf("%s left const row %d: got %s want %s", label, i, gotc[i], w)
					}
				}
			} else if !overflowMsg(err) {
				t.Fatalf("%s left const: %v", label, err)
			}
		}
		rec.Release()
		mem.AssertSize(t, 0)
	}
}

func refDecimal(op exec.BinaryOp, a, b *big.Int, s1, s2, rs int32) *big.Int {
	if op == exec.OpMul {
		return new(big.Int).Mul(a, b)
	}
	x := new(big.Int).Mul(a, pow10(rs-s1))
	y := new(big.Int).Mul(b, pow10(rs-s2))
	if op == exec.OpSub {
		y.Neg(y)
	}
	return x.Add(x, y)
}

func clampBig(r *big.Int) *big.Int {
	if r.BitLen() > 127 {
		return big.NewInt(0)
	}
	return r
}

func pow10(k int32) *big.Int { return new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(k)), nil) }

// randomDecimals builds n random values of type t (about one in eight
// null), favouring extremes: zero, the largest magnitude, small values.
func randomDecimals(mem memory.Allocator, rng *rand.Rand, t *arrow.Decimal128Type, n int) (arrow.Array, []*big.Int) {
	b := array.NewDecimal128Builder(mem, t)
	defer b.Release()
	vals := make([]*big.Int, n)
	limit := pow10(t.Precision)
	for i := 0; i < n; i++ {
		if rng.Intn(8) == 0 {
			b.AppendNull()
			continue
		}
		var v *big.Int
		switch rng.Intn(4) {
		case 0:
			v = new(big.Int).Sub(limit, big.NewInt(1+rng.Int63n(3)))
		case 1:
			v = new(big.Int).Mod(big.NewInt(rng.Int63n(1000)), limit)
		default:
			v = new(big.Int).Rand(rng, limit)
		}
		if rng.Intn(2) == 0 {
			v.Neg(v)
		}
		vals[i] = v
		b.Append(decimal128.FromBigInt(v))
	}
	return b.NewArray(), vals
}

// randomDecimalsBelow builds n random values of type t below 10^digits in
// magnitude (about one in eight null).
func randomDecimalsBelow(mem memory.Allocator, rng *rand.Rand, t *arrow.Decimal128Type, n int, digits int32) (arrow.Array, []*big.Int) {
	b := array.NewDecimal128Builder(mem, t)
	defer b.Release()
	vals := make([]*big.Int, n)
	for i := 0; i < n; i++ {
		if rng.Intn(8) == 0 {
			b.AppendNull()
			continue
		}
		v := new(big.Int).Rand(rng, pow10(digits))
		if rng.Intn(2) == 0 {
			v.Neg(v)
		}
		vals[i] = v
		b.Append(decimal128.FromBigInt(v))
	}
	return b.NewArray(), vals
}

// overflowMsg accepts the two ways a decimal overflow is reported: by the
// arithmetic kernel, or by the rescale of an operand to the result's scale.
func overflowMsg(err error) bool {
	return strings.Contains(err.Error(), "overflow") || strings.Contains(err.Error(), "does not fit")
}

// TestDecimalProductOfAffine checks x * (c ± y) and (y - c) * x, which the
// kernel computes without materialising c ± y while the values are small,
// against math/big: small and wide values (the second fall back to the
// general path, or overflow), NULLs on either side, a constant x.
func TestDecimalProductOfAffine(t *testing.T) {
	rng := rand.New(rand.NewSource(7))
	xt := &arrow.Decimal128Type{Precision: 31, Scale: 4}
	yt := &arrow.Decimal128Type{Precision: 15, Scale: 2}
	for iter := 0; iter < 200; iter++ {
		n := 1 + rng.Intn(50)
		mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
		xd, yd := int32(1+rng.Intn(12)), int32(1+rng.Intn(15))
		if iter%5 == 0 {
			xd = 31
		}
		x, xv := randomDecimalsBelow(mem, rng, xt, n, xd)
		y, yv := randomDecimalsBelow(mem, rng, yt, n, yd)
		schema := arrow.NewSchema([]arrow.Field{{Name: "x", Type: xt, Nullable: true}, {Name: "y", Type: yt, Nullable: true}}, nil)
		rec := array.NewRecord(schema, []arrow.Array{x, y}, int64(n))
		x.Release()
		y.Release()
		cText := fmt.Sprintf("%d.%02d", rng.Intn(3), rng.Intn(100))
		c := lit(t, "decimal(15,2)", cText)
		cBig, _ := new(big.Int).SetString(strings.Replace(cText, ".", "", 1), 10)
		xc, yc := exec.NewColumn(0, "x", xt), exec.NewColumn(1, "y", yt)
		for _, shape := range []struct {
			name  string
			build func() (exec.Expr, error)
			t     func(y *big.Int) *big.Int
		}{
			{"x*(c-y)", func() (exec.Expr, error) {
				return exec.NewBinary(exec.OpMul, xc, must(exec.NewBinary(exec.OpSub, c, yc)))
			},
				func(y *big.Int) *big.Int { return new(big.Int).Sub(cBig, y) }},
			{"x*(c+y)", func() (exec.Expr, error) {
				return exec.NewBinary(exec.OpMul, xc, must(exec.NewBinary(exec.OpAdd, c, yc)))
			},
				func(y *big.Int) *big.Int { return new(big.Int).Add(cBig, y) }},
			{"x*(y-c)", func() (exec.Expr, error) {
				return exec.NewBinary(exec.OpMul, xc, must(exec.NewBinary(exec.OpSub, yc, c)))
			},
				func(y *big.Int) *big.Int { return new(big.Int).Sub(y, cBig) }},
			{"(y+c)*x", func() (exec.Expr, error) {
				return exec.NewBinary(exec.OpMul, must(exec.NewBinary(exec.OpAdd, yc, c)), xc)
			},
				func(y *big.Int) *big.Int { return new(big.Int).Add(y, cBig) }},
		} {
			e, err := shape.build()
			if err != nil {
				t.Fatal(err)
			}
			rt := e.DataType().(*arrow.Decimal128Type)
			want := make([]string, n)
			overflow := false
			for i := range want {
				if xv[i] == nil || yv[i] == nil {
					want[i] = "NULL"
					continue
				}
				r := new(big.Int).Mul(xv[i], shape.t(yv[i]))
				if new(big.Int).Abs(r).Cmp(pow10(rt.Precision)) >= 0 {
					overflow = true
				}
				want[i] = exec.FormatDecimal(decimal128.FromBigInt(clampBig(r)), rt.Scale)
			}
			got, err := evalRecord(exec.NewContext(nil, mem), rec, e)
			label := fmt.Sprintf("iter %d %s c=%s", iter, shape.name, cText)
			switch {
			case overflow:
				if err == nil || !overflowMsg(err) {
					t.Fatalf("%s: want overflow, got %v", label, err)
				}
			case err != nil:
				t.Fatalf("%s: %v", label, err)
			default:
				for i := range want {
					if got[i] != want[i] {
						t.Fatalf("%s row %d: got %s want %s (x=%v y=%v)", label, i, got[i], want[i], xv[i], yv[i])
					}
				}
			}
		}
		rec.Release()
		mem.AssertSize(t, 0)
	}
}

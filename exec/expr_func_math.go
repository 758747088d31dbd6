package exec

import (
	"fmt"
	"math"
	"math/big"
	"math/bits"

	"github.com/apache/arrow/go/v15/arrow/decimal128"
	"github.com/apache/arrow/go/v15/arrow/scalar"

	"github.com/apache/arrow/go/v15/arrow"
)

// Numeric functions: abs, round, ceil, floor. They keep their argument's
// type, except that round of a decimal gains one integer digit (rounding
// 99.99 up gives 100.00) and ceil/floor of decimal(p,s) give
// decimal(p-s+1,0). round(decimal, d) keeps the input's scale and zeroes
// the digits past d (DuckDB narrows the scale to d instead; the type here
// depends only on the argument types, so binder and executor agree). Ties
// round half away from zero.

func numericArg(name, signature string, args []arrow.DataType, n int) error {
	if len(args) != n || !(IsNumeric(args[0]) || isNullType(args[0])) {
		return argError(name, signature, args)
	}
	return nil
}

var absFunc = funcDef{
	resultType: func(args []arrow.DataType) (arrow.DataType, error) {
		if err := numericArg("abs", "abs(number)", args, 1); err != nil {
			return nil, err
		}
		return nullAsInt(widen(args[0])), nil
	},
	bind: func(args []Expr, ret arrow.DataType) (Expr, error) {
		a, err := NewCast(args[0], ret)
		if err != nil {
			return nil, err
		}
		return &funcExpr{name: "abs", args: []Expr{a}, ret: ret, kernel: func(ctx *Context, in []arrow.Array) (arrow.Array, error) {
			return mapNumeric(ctx, in[0], ret, numericMap{
				i64: func(v int64) (int64, bool) { return max(v, -v), v != math.MinInt64 },
				f64: math.Abs,
				dec: func(v num) (num, bool) {
					if v.Sign() < 0 {
						v = v.Negate()
					}
					return v, true
				},
			}, "abs")
		}}, nil
	},
}

func nullAsInt(t arrow.DataType) arrow.DataType {
	if isNullType(t) {
		return typInt32
	}
	return t
}

var roundFunc = funcDef{
	resultType: func(args []arrow.DataType) (arrow.DataType, error) {
		if len(args) == 2 && !(isInteger(args[1]) || isNullType(args[1])) {
			return nil, argError("round", "round(number[, digits integer])", args)
		}
		if len(args) != 1 && len(args) != 2 || numericArg("round", "", args[:1], 1) != nil {
			return nil, argError("round", "round(number[, digits integer])", args)
		}
		t := nullAsInt(widen(args[0]))
		if d, ok := t.(*arrow.Decimal128Type); ok {
			return decimalType(min(maxDecimalPrecision, d.Precision+1), d.Scale), nil
		}
		return t, nil
	},
	bind: func(args []Expr, ret arrow.DataType) (Expr, error) {
		// A decimal argument gains its extra integer digit up front.
		x, err := NewCast(args[0], ret)
		if err != nil {
			return nil, err
		}
		if len(args) == 1 {
			args = append(args, NewLiteral(scalar.NewInt64Scalar(0)))
		}
		digits, err := NewCast(args[1], typInt64)
		if err != nil {
			return nil, err
		}
		return &funcExpr{name: "round", args: []Expr{x, digits}, ret: ret, kernel: roundKernel(ret)}, nil
	},
}

func roundKernel(ret arrow.DataType) ScalarFunc {
	return func(ctx *Context, in []arrow.Array) (arrow.Array, error) {
		digits := values[int64](in[1])
		var row int
		d := func() int64 {
			if in[1].IsNull(row) {
				return 0
			}
			return digits[row]
		}
		var scale int32
		if dt, ok := ret.(*arrow.Decimal128Type); ok {
			scale = dt.Scale
		}
		return mapNumericRows(ctx, in[0], in[1], ret, func(i int) { row = i }, numericMap{
			i64: func(v int64) (int64, bool) {
				k := d()
				if k >= 0 {
					return v, true
				}
				if k < -18 {
					return 0, true
				}
				p := int64(pow10u64[-k])
				r := numFromInt64(v)
				r = rescaleDown(r, int32(-k))
				out, ok := mulChecked(r, numFromInt64(p), pow10num(19))
				return int64(out.LowBits()), ok && fitsInt64(out)
			},
			f64: func(v float64) float64 {
				k := d()
				if k > 22 || k < -22 {
					return v
				}
				p := math.Pow10(int(k))
				return math.Round(v*p) / p
			},
			dec: func(v num) (num, bool) {
				k := int64(scale) - d()
				if k <= 0 {
					return v, true
				}
				if k > int64(maxDecimalPrecision) {
					return num{}, true
				}
				r := rescaleDown(v, int32(k))
				return rescaleUp(r, int32(k), pow10num(ret.(*arrow.Decimal128Type).Precision))
			},
		}, "round")
	}
}

func ceilFloor(name string, f func(float64) float64, up bool) funcDef {
	return funcDef{
		resultType: func(args []arrow.DataType) (arrow.DataType, error) {
			if err := numericArg(name, name+"(number)", args, 1); err != nil {
				return nil, err
			}
			t := nullAsInt(widen(args[0]))
			if d, ok := t.(*arrow.Decimal128Type); ok {
				return decimalType(min(maxDecimalPrecision, d.Precision-d.Scale+1), 0), nil
			}
			return t, nil
		},
		bind: func(args []Expr, ret arrow.DataType) (Expr, error) {
			in := args[0]
			var scale int32
			if dt, ok := in.DataType().(*arrow.Decimal128Type); ok {
				scale = dt.Scale
			} else {
				var err error
				if in, err = NewCast(in, ret); err != nil {
					return nil, err
				}
			}
			return &funcExpr{name: name, args: []Expr{in}, ret: ret, kernel: func(ctx *Context, a []arrow.Array) (arrow.Array, error) {
				return mapNumeric(ctx, a[0], ret, numericMap{
					i64: func(v int64) (int64, bool) { return v, true },
					f64: f,
					dec: func(v num) (num, bool) {
						if scale == 0 {
							return v, true
						}
						// Truncate toward zero, then step away when the
						// dropped digits point that way.
						t := truncDecimal(v, scale)
						if t.Mul(pow10num(scale)) != v {
							if up && v.Sign() > 0 {
								t = t.Add(numFromInt64(1))
							} else if !up && v.Sign() < 0 {
								t = t.Sub(numFromInt64(1))
							}
						}
						return t, true
					},
				}, name)
			}}, nil
		},
	}
}

var (
	ceilFunc  = ceilFloor("ceil", math.Ceil, true)
	floorFunc = ceilFloor("floor", math.Floor, false)
)

// truncDecimal divides v by 10^k rounding toward zero.
func truncDecimal(v num, k int32) num {
	if k == 0 {
		return v
	}
	hi, lo, neg := absU(v)
	var r num
	if k > 19 {
		q := new(big.Int).Quo(v.BigInt(), pow10num(k).BigInt())
		return decimal128.FromBigInt(q)
	}
	d := pow10u64[k]
	qlo, _ := bits.Div64(hi%d, lo, d)
	r = decimal128.New(int64(hi/d), qlo)
	if neg {
		r = r.Negate()
	}
	return r
}

// numericMap holds one per-value function per representation; a false ok
// reports overflow.
type numericMap struct {
	i64 func(int64) (int64, bool)
	f64 func(float64) float64
	dec func(num) (num, bool)
}

func mapNumeric(ctx *Context, in arrow.Array, ret arrow.DataType, m numericMap, name string) (arrow.Array, error) {
	return mapNumericRows(ctx, in, nil, ret, nil, m, name)
}

// mapNumericRows applies m to every value of in (of type ret's kind),
// calling at(i) before row i so m can read other arguments; the result is
// NULL where in or extra is.
func mapNumericRows(ctx *Context, in, extra arrow.Array, ret arrow.DataType, at func(int), m numericMap, name string) (arrow.Array, error) {
	mem := allocator(ctx)
	n := in.Len()
	ops := []operand{{arr: in}}
	if extra != nil {
		ops = append(ops, operand{arr: extra})
	}
	validity, nulls, _ := combineValidity(mem, n, ops...)
	fail := func(i int) error {
		if validity != nil {
			validity.Release()
		}
		return fmt.Errorf("%w: %s overflows on %s (row %d)", ErrExec, name, FormatValue(in, i), i)
	}
	valid := func(i int) bool { return in.IsValid(i) && (extra == nil || extra.IsValid(i)) }
	switch ret.ID() {
	case arrow.INT32:
		buf, out := newValues[int32](mem, n)
		for i, v := range values[int32](in) {
			if at != nil {
				at(i)
			}
			r, ok := m.i64(int64(v))
			if (!ok || r != int64(int32(r))) && valid(i) {
				buf.Release()
				return nil, fail(i)
			}
			out[i] = int32(r)
		}
		return fixedArray(ret, n, validity, nulls, buf), nil
	case arrow.INT64:
		buf, out := newValues[int64](mem, n)
		for i, v := range values[int64](in) {
			if at != nil {
				at(i)
			}
			r, ok := m.i64(v)
			if !ok && valid(i) {
				buf.Release()
				return nil, fail(i)
			}
			out[i] = r
		}
		return fixedArray(ret, n, validity, nulls, buf), nil
	case arrow.FLOAT64:
		buf, out := newValues[float64](mem, n)
		for i, v := range values[float64](in) {
			if at != nil {
				at(i)
			}
			out[i] = m.f64(v)
		}
		return fixedArray(ret, n, validity, nulls, buf), nil
	case arrow.DECIMAL128:
		buf, out := newValues[num](mem, n)
		for i, v := range values[num](in) {
			if at != nil {
				at(i)
			}
			r, ok := m.dec(v)
			if !ok && valid(i) {
				buf.Release()
				return nil, fail(i)
			}
			out[i] = r
		}
		return fixedArray(ret, n, validity, nulls, buf), nil
	}
	if validity != nil {
		validity.Release()
	}
	return nil, fmt.Errorf("%w: %s has no kernel for %s", ErrInternal, name, ret)
}

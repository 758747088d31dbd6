package exec

import (
	"math"
	"math/big"
	"math/bits"
	"strconv"

	"github.com/apache/arrow/go/v15/arrow/decimal128"
)

// Exact 128-bit decimal arithmetic for the kernels. arrow's decimal128.Num
// wraps on overflow and goes through math/big for division and rescaling;
// these helpers detect overflow and stay on machine words except in rare
// slow paths (scale changes of more than 19 digits).

type num = decimal128.Num

// pow10u64[k] is 10^k for k <= 19.
var pow10u64 = func() (t [20]uint64) {
	t[0] = 1
	for i := 1; i < len(t); i++ {
		t[i] = t[i-1] * 10
	}
	return
}()

// pow10f[k] is 10^k as a float64, exact for k <= 22.
var pow10f = func() (t [23]float64) {
	t[0] = 1
	for i := 1; i < len(t); i++ {
		t[i] = t[i-1] * 10
	}
	return
}()

// pow10num returns 10^k for 0 <= k <= 38.
func pow10num(k int32) num { return decimal128.GetScaleMultiplier(int(k)) }

// fitsInt64 reports whether n is within the int64 range.
func fitsInt64(n num) bool { return n.HighBits() == int64(n.LowBits())>>63 }

// numFromInt64 widens v to 128 bits.
func numFromInt64(v int64) num { return decimal128.New(v>>63, uint64(v)) }

// mul64 is the exact 128-bit product of two int64 values.
func mul64(a, b int64) num {
	hi, lo := bits.Mul64(uint64(a), uint64(b))
	hi -= uint64(a>>63)&uint64(b) + uint64(b>>63)&uint64(a)
	return decimal128.New(int64(hi), lo)
}

// absU splits |n| into unsigned words and reports n's sign.
func absU(n num) (hi, lo uint64, neg bool) {
	if n.HighBits() < 0 {
		n = n.Negate()
		neg = true
	}
	return uint64(n.HighBits()), n.LowBits(), neg
}

// lessAbs reports |n| < limit for a positive limit.
func lessAbs(n, limit num) bool {
	if n.HighBits() < 0 {
		n = n.Negate()
		if n.HighBits() < 0 { // the most negative 128-bit value
			return false
		}
	}
	return n.Less(limit)
}

// mulChecked returns a*b and whether |a*b| < limit (limit at most 10^38).
func mulChecked(a, b, limit num) (num, bool) {
	ahi, alo, aneg := absU(a)
	bhi, blo, bneg := absU(b)
	if ahi != 0 && bhi != 0 {
		return num{}, false
	}
	if bhi != 0 {
		ahi, alo, bhi, blo = bhi, blo, ahi, alo
	}
	hi1, lo := bits.Mul64(alo, blo)
	hi2h, hi2l := bits.Mul64(ahi, blo)
	if hi2h != 0 {
		return num{}, false
	}
	hi, carry := bits.Add64(hi1, hi2l, 0)
	if carry != 0 || hi>>63 != 0 {
		return num{}, false
	}
	r := decimal128.New(int64(hi), lo)
	if !r.Less(limit) {
		return num{}, false
	}
	if aneg != bneg {
		r = r.Negate()
	}
	return r, true
}

// addChecked returns a+b and whether |a+b| < limit.
func addChecked(a, b, limit num) (num, bool) {
	r := a.Add(b)
	// Signed overflow of the 128-bit sum: both operands share a sign the
	// result lacks.
	if (a.HighBits()^r.HighBits())&(b.HighBits()^r.HighBits()) < 0 {
		return num{}, false
	}
	return r, lessAbs(r, limit)
}

// rescaleUp multiplies n by 10^k and reports whether the result stays
// below limit in magnitude.
func rescaleUp(n num, k int32, limit num) (num, bool) {
	if k == 0 {
		return n, lessAbs(n, limit)
	}
	return mulChecked(n, pow10num(k), limit)
}

// rescaleDown divides n by 10^k, rounding half away from zero.
func rescaleDown(n num, k int32) num {
	if k == 0 {
		return n
	}
	hi, lo, neg := absU(n)
	if k > 19 {
		b := n.BigInt()
		d := pow10num(k).BigInt()
		q, r := new(big.Int).QuoRem(b, d, new(big.Int))
		r.Abs(r).Lsh(r, 1)
		if r.Cmp(d) >= 0 {
			q.Add(q, big.NewInt(int64(n.Sign())))
		}
		return decimal128.FromBigInt(q)
	}
	d := pow10u64[k]
	qhi := hi / d
	qlo, rem := bits.Div64(hi%d, lo, d)
	if rem >= d-rem { // rem*2 >= d without overflow
		var c uint64
		qlo, c = bits.Add64(qlo, 1, 0)
		qhi += c
	}
	r := decimal128.New(int64(qhi), qlo)
	if neg {
		r = r.Negate()
	}
	return r
}

// decimalToFloat64 converts an unscaled decimal to the float64 nearest its
// exact value (correctly rounded, unlike decimal128.Num.ToFloat64).
func decimalToFloat64(n num, scale int32) float64 {
	if fitsInt64(n) && scale >= 0 && scale < int32(len(pow10f)) {
		v := int64(n.LowBits())
		if v >= -(1<<53) && v <= 1<<53 {
			// Both operands are exact, so the one IEEE division
			// rounds correctly.
			return float64(v) / pow10f[scale]
		}
	}
	f, err := strconv.ParseFloat(FormatDecimal(n, scale), 64)
	if err != nil {
		return math.NaN()
	}
	return f
}

// decimalRatio returns the float64 nearest to n / (d * 10^scale), rounding
// once: an average of exact decimals must not round the sum first (DuckDB,
// and the TPC-H answers, divide the exact values).
func decimalRatio(n num, scale int32, d int64) float64 {
	if fitsInt64(n) && scale >= 0 && scale < int32(len(pow10f)) && d > 0 && d <= 1<<53 {
		v := int64(n.LowBits())
		den := float64(d) * pow10f[scale]
		if v >= -(1<<53) && v <= 1<<53 && den <= 1<<53 {
			return float64(v) / den
		}
	}
	den := new(big.Int).Mul(big.NewInt(d), pow10num(scale).BigInt())
	f, _ := new(big.Rat).SetFrac(n.BigInt(), den).Float64()
	return f
}

// decimalFromFloat64 converts v to an unscaled decimal of the given scale,
// rounding half away from zero; ok is false when v is not finite or does
// not fit below limit.
func decimalFromFloat64(v float64, scale int32, limit num) (num, bool) {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return num{}, false
	}
	if scale < int32(len(pow10f)) {
		x := math.Round(v * pow10f[scale])
		if math.Abs(x) < 1<<62 {
			n := numFromInt64(int64(x))
			return n, lessAbs(n, limit)
		}
	}
	bf := new(big.Float).SetPrec(256).SetFloat64(v)
	bf.Mul(bf, new(big.Float).SetInt(pow10num(scale).BigInt()))
	if bf.Sign() >= 0 {
		bf.Add(bf, big.NewFloat(0.5))
	} else {
		bf.Sub(bf, big.NewFloat(0.5))
	}
	bi, _ := bf.Int(nil)
	if bi.BitLen() > 126 {
		return num{}, false
	}
	n := decimal128.FromBigInt(bi)
	return n, lessAbs(n, limit)
}

// cmpNum compares two 128-bit values: -1, 0 or +1.
func cmpNum(a, b num) int {
	switch {
	case a.HighBits() < b.HighBits():
		return -1
	case a.HighBits() > b.HighBits():
		return 1
	case a.LowBits() < b.LowBits():
		return -1
	case a.LowBits() > b.LowBits():
		return 1
	}
	return 0
}

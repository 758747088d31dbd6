package exec

import (
	"strconv"

	"github.com/apache/arrow/go/v15/arrow"
	"github.com/apache/arrow/go/v15/arrow/array"
	"github.com/apache/arrow/go/v15/arrow/decimal128"
)

// FormatValue renders row i of arr as text the way results are shown to
// users and compared in tests: NULL for a null, decimals with exactly their
// scale's digits, floats in shortest round-trip form without an exponent,
// dates as YYYY-MM-DD and timestamps as YYYY-MM-DD HH:MM:SS[.ffffff] (UTC).
func FormatValue(arr arrow.Array, i int) string {
	if arr.IsNull(i) {
		return "NULL"
	}
	switch a := arr.(type) {
	case *array.Boolean:
		return strconv.FormatBool(a.Value(i))
	case *array.Int8:
		return strconv.FormatInt(int64(a.Value(i)), 10)
	case *array.Int16:
		return strconv.FormatInt(int64(a.Value(i)), 10)
	case *array.Int32:
		return strconv.FormatInt(int64(a.Value(i)), 10)
	case *array.Int64:
		return strconv.FormatInt(a.Value(i), 10)
	case *array.Uint8:
		return strconv.FormatUint(uint64(a.Value(i)), 10)
	case *array.Uint16:
		return strconv.FormatUint(uint64(a.Value(i)), 10)
	case *array.Uint32:
		return strconv.FormatUint(uint64(a.Value(i)), 10)
	case *array.Uint64:
		return strconv.FormatUint(a.Value(i), 10)
	case *array.Float32:
		return strconv.FormatFloat(float64(a.Value(i)), 'f', -1, 32)
	case *array.Float64:
		return strconv.FormatFloat(a.Value(i), 'f', -1, 64)
	case *array.Decimal128:
		return FormatDecimal(a.Value(i), a.DataType().(*arrow.Decimal128Type).Scale)
	case *array.String:
		return a.Value(i)
	case *array.LargeString:
		return a.Value(i)
	case *array.Binary:
		return string(a.Value(i))
	case *array.Date32:
		return a.Value(i).ToTime().Format("2006-01-02")
	case *array.Date64:
		return a.Value(i).ToTime().Format("2006-01-02")
	case *array.Timestamp:
		unit := a.DataType().(*arrow.TimestampType).Unit
		t := a.Value(i).ToTime(unit).UTC()
		if t.Nanosecond() == 0 {
			return t.Format("2006-01-02 15:04:05")
		}
		return t.Format("2006-01-02 15:04:05.999999999")
	case *array.Dictionary:
		return FormatValue(a.Dictionary(), a.GetValueIndex(i))
	}
	return arr.ValueStr(i)
}

// FormatDecimal renders an unscaled decimal with the given scale, keeping
// trailing zeros: FormatDecimal(1234, 2) is "12.34", (-5, 2) is "-0.05".
func FormatDecimal(v decimal128.Num, scale int32) string {
	neg := v.Sign() < 0
	if neg {
		v = v.Negate()
	}
	digits := v.BigInt().String()
	if scale > 0 {
		for int32(len(digits)) <= scale {
			digits = "0" + digits
		}
		cut := int32(len(digits)) - scale
		digits = digits[:cut] + "." + digits[cut:]
	} else if scale < 0 {
		for s := scale; s < 0; s++ {
			digits += "0"
		}
	}
	if neg {
		return "-" + digits
	}
	return digits
}

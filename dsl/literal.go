package dsl

import (
	"context"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/apache/arrow/go/v15/arrow"
	"github.com/apache/arrow/go/v15/arrow/array"
	"github.com/apache/arrow/go/v15/arrow/decimal128"
	"github.com/apache/arrow/go/v15/arrow/memory"
	"github.com/apache/arrow/go/v15/arrow/scalar"

	"github.com/dataflow-go/dataflow/exec"
	"github.com/dataflow-go/dataflow/plan"
)

// numberLiteral types a numeric literal as DuckDB and PostgreSQL do:
// integers are int32, or int64 when they do not fit; numbers with a point
// are exact decimals with as many digits as written (0.05 is
// decimal(3,2)); numbers with an exponent, or too long for a decimal, are
// float64.
func numberLiteral(text string) (scalar.Scalar, error) {
	if strings.ContainsAny(text, "eE") {
		f, err := strconv.ParseFloat(text, 64)
		if err != nil {
			return nil, fmt.Errorf("bad number %s", text)
		}
		return scalar.NewFloat64Scalar(f), nil
	}
	neg := strings.HasPrefix(text, "-")
	digits := strings.TrimPrefix(text, "-")
	intPart, frac, hasPoint := strings.Cut(digits, ".")
	if !hasPoint {
		if v, err := strconv.ParseInt(text, 10, 64); err == nil {
			if v >= math.MinInt32 && v <= math.MaxInt32 {
				return scalar.NewInt32Scalar(int32(v)), nil
			}
			return scalar.NewInt64Scalar(v), nil
		}
	}
	intPart = strings.TrimLeft(intPart, "0")
	p := max(len(intPart), 1) + len(frac)
	s := len(frac)
	if p > 38 {
		f, err := strconv.ParseFloat(text, 64)
		if err != nil {
			return nil, fmt.Errorf("bad number %s", text)
		}
		return scalar.NewFloat64Scalar(f), nil
	}
	typ := &arrow.Decimal128Type{Precision: int32(p), Scale: int32(s)}
	n, err := decimal128.FromString(digits, int32(p), int32(s))
	if err != nil {
		return nil, fmt.Errorf("bad number %s: %v", text, err)
	}
	if neg {
		n = n.Negate()
	}
	return scalar.NewDecimal128Scalar(n, typ), nil
}

// dateLiteral parses YYYY-MM-DD.
func dateLiteral(s string) (scalar.Scalar, error) {
	t, err := time.Parse("2006-01-02", strings.TrimSpace(s))
	if err != nil {
		return nil, fmt.Errorf("invalid date %q (want YYYY-MM-DD)", s)
	}
	return scalar.NewDate32Scalar(arrow.Date32FromTime(t)), nil
}

// timestampLiteral parses YYYY-MM-DD[ HH:MM:SS[.ffffff]] as UTC.
func timestampLiteral(s string) (scalar.Scalar, error) {
	s = strings.TrimSpace(s)
	for _, layout := range []string{"2006-01-02 15:04:05.999999999", "2006-01-02T15:04:05.999999999", "2006-01-02 15:04:05", "2006-01-02"} {
		if t, err := time.Parse(layout, s); err == nil {
			typ := &arrow.TimestampType{Unit: arrow.Microsecond, TimeZone: "UTC"}
			return scalar.NewTimestampScalar(arrow.Timestamp(t.UnixMicro()), typ), nil
		}
	}
	return nil, fmt.Errorf("invalid timestamp %q (want YYYY-MM-DD HH:MM:SS)", s)
}

// intervalLiteral reads interval 'value' [unit]: with a unit the value is
// a number of that unit ('90' day, '3' month); without one it is a list
// of "number unit" pairs ('1 year 2 months', '3 days').
func intervalLiteral(value, unit string) (scalar.Scalar, error) {
	var iv arrow.MonthDayNanoInterval
	add := func(n int64, u string) error {
		u = strings.TrimSuffix(strings.ToLower(u), "s")
		switch u {
		case "year":
			iv.Months += int32(12 * n)
		case "month", "mon":
			iv.Months += int32(n)
		case "week":
			iv.Days += int32(7 * n)
		case "day":
			iv.Days += int32(n)
		case "hour":
			iv.Nanoseconds += n * int64(time.Hour)
		case "minute", "min":
			iv.Nanoseconds += n * int64(time.Minute)
		case "second", "sec":
			iv.Nanoseconds += n * int64(time.Second)
		default:
			return fmt.Errorf("unknown interval unit %q (use year, month, week, day, hour, minute or second)", u)
		}
		return nil
	}
	if unit != "" {
		n, err := strconv.ParseInt(strings.TrimSpace(value), 10, 64)
		if err != nil {
			return nil, fmt.Errorf("interval value %q is not a whole number", value)
		}
		if err := add(n, unit); err != nil {
			return nil, err
		}
		return scalar.NewMonthDayNanoIntervalScalar(iv), nil
	}
	f := strings.Fields(value)
	if len(f) == 0 || len(f)%2 != 0 {
		return nil, fmt.Errorf("invalid interval %q (write e.g. '3 days' or '1 year 2 months')", value)
	}
	for i := 0; i < len(f); i += 2 {
		n, err := strconv.ParseInt(f[i], 10, 64)
		if err != nil {
			return nil, fmt.Errorf("invalid interval %q: %q is not a whole number", value, f[i])
		}
		if err := add(n, f[i+1]); err != nil {
			return nil, err
		}
	}
	return scalar.NewMonthDayNanoIntervalScalar(iv), nil
}

// evalConstant evaluates an expression without column references.
func evalConstant(e plan.Expr) (scalar.Scalar, error) {
	if l, ok := e.(plan.Literal); ok {
		return l.Value, nil
	}
	x, err := plan.Compile(e, nil)
	if err != nil {
		return nil, err
	}
	mem := memory.NewGoAllocator()
	rec := array.NewRecord(arrow.NewSchema(nil, nil), nil, 1)
	defer rec.Release()
	arr, err := x.Eval(exec.NewContext(context.Background(), mem), rec)
	if err != nil {
		return nil, err
	}
	defer arr.Release()
	return scalar.GetScalar(arr, 0)
}

// zeroLiteral is a non-null value of type t, used to key NULLs in
// null-safe join keys.
func zeroLiteral(t arrow.DataType) plan.Expr {
	switch t.ID() {
	case arrow.STRING:
		return plan.Literal{Value: scalar.NewStringScalar("")}
	case arrow.BOOL:
		return plan.Literal{Value: scalar.NewBooleanScalar(false)}
	case arrow.DATE32:
		return plan.Literal{Value: scalar.NewDate32Scalar(0)}
	}
	return plan.Cast{Expr: plan.Literal{Value: scalar.NewInt32Scalar(0)}, To: t}
}

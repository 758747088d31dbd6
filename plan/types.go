package plan

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/apache/arrow/go/v15/arrow"
)

// ParseType reads a SQL type name: boolean, integer/int/int32,
// bigint/int64, double/float64/real, varchar/text/string (with an
// optional, ignored length), date, timestamp, decimal(p,s)/numeric(p,s),
// interval.
func ParseType(s string) (arrow.DataType, error) {
	t := strings.ToLower(strings.Join(strings.Fields(s), " "))
	base, args, hasArgs := strings.Cut(t, "(")
	base = strings.TrimSpace(base)
	var nums []int
	if hasArgs {
		if !strings.HasSuffix(args, ")") {
			return nil, fmt.Errorf("%w: type %q: missing )", ErrPlan, s)
		}
		for _, a := range strings.Split(strings.TrimSuffix(args, ")"), ",") {
			n, err := strconv.Atoi(strings.TrimSpace(a))
			if err != nil {
				return nil, fmt.Errorf("%w: type %q: %q is not a number", ErrPlan, s, a)
			}
			nums = append(nums, n)
		}
	}
	switch base {
	case "bool", "boolean":
		return arrow.FixedWidthTypes.Boolean, nil
	case "int", "integer", "int4", "int32":
		return arrow.PrimitiveTypes.Int32, nil
	case "bigint", "int8", "int64":
		return arrow.PrimitiveTypes.Int64, nil
	case "double", "double precision", "float", "float8", "float64", "real":
		return arrow.PrimitiveTypes.Float64, nil
	case "varchar", "char", "character", "text", "string", "utf8", "character varying":
		return arrow.BinaryTypes.String, nil
	case "date", "date32":
		return arrow.FixedWidthTypes.Date32, nil
	case "timestamp":
		return &arrow.TimestampType{Unit: arrow.Microsecond, TimeZone: "UTC"}, nil
	case "interval":
		return arrow.FixedWidthTypes.MonthDayNanoInterval, nil
	case "decimal", "numeric":
		p, sc := 38, 0
		switch len(nums) {
		case 0:
			p, sc = 18, 3
		case 1:
			p = nums[0]
		case 2:
			p, sc = nums[0], nums[1]
		default:
			return nil, fmt.Errorf("%w: type %q: decimal takes (precision, scale)", ErrPlan, s)
		}
		if p < 1 || p > 38 || sc < 0 || sc > p {
			return nil, fmt.Errorf("%w: type %q: precision must be 1..38 and scale 0..precision", ErrPlan, s)
		}
		return &arrow.Decimal128Type{Precision: int32(p), Scale: int32(sc)}, nil
	}
	return nil, fmt.Errorf("%w: unknown type %q", ErrPlan, s)
}

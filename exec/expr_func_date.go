package exec

import (
	"fmt"
	"strings"

	"github.com/apache/arrow/go/v15/arrow"
	"github.com/apache/arrow/go/v15/arrow/scalar"
)

// Date parts of a date32 or timestamp, as int64: date_part('year', d) with
// the field a string literal (year, quarter, month, day, dow — Sunday is
// 0 —, doy), and extract_year(d) / extract_month(d) / extract_day(d).

var dateFields = map[string]func(y, m, d, days int) int64{
	"year":    func(y, _, _, _ int) int64 { return int64(y) },
	"quarter": func(_, m, _, _ int) int64 { return int64((m-1)/3 + 1) },
	"month":   func(_, m, _, _ int) int64 { return int64(m) },
	"day":     func(_, _, d, _ int) int64 { return int64(d) },
	"dow":     func(_, _, _, days int) int64 { return int64(((days % 7) + 7 + 4) % 7) },
	"doy": func(y, _, _, days int) int64 {
		return int64(days - daysFromCivil(y, 1, 1) + 1)
	},
}

var datePartFunc = funcDef{
	resultType: func(args []arrow.DataType) (arrow.DataType, error) {
		if len(args) != 2 || args[0].ID() != arrow.STRING || !(isTemporal(args[1]) || isNullType(args[1])) {
			return nil, argError("date_part", "date_part(field varchar, date)", args)
		}
		return typInt64, nil
	},
	bind: func(args []Expr, ret arrow.DataType) (Expr, error) {
		v, ok := LiteralValue(args[0])
		if !ok || !v.IsValid() {
			return nil, fmt.Errorf("%w: date_part needs its field as a string literal such as 'year', got %s", ErrType, args[0])
		}
		field := strings.ToLower(strings.Trim(v.(*scalar.String).String(), " "))
		return bindDatePart(field, args[1])
	},
}

func extractFunc(field string) funcDef {
	name := "extract_" + field
	return funcDef{
		resultType: func(args []arrow.DataType) (arrow.DataType, error) {
			if len(args) != 1 || !(isTemporal(args[0]) || isNullType(args[0])) {
				return nil, argError(name, name+"(date)", args)
			}
			return typInt64, nil
		},
		bind: func(args []Expr, _ arrow.DataType) (Expr, error) { return bindDatePart(field, args[0]) },
	}
}

func bindDatePart(field string, arg Expr) (Expr, error) {
	f, ok := dateFields[field]
	if !ok {
		return nil, fmt.Errorf("%w: unknown date part %q (use year, quarter, month, day, dow or doy)", ErrType, field)
	}
	d, err := NewCast(arg, typDate32)
	if err != nil {
		return nil, err
	}
	name := "extract_" + field
	return &funcExpr{name: name, args: []Expr{d}, ret: typInt64, kernel: func(ctx *Context, in []arrow.Array) (arrow.Array, error) {
		mem := allocator(ctx)
		n := in[0].Len()
		validity, nulls := copyValidity(mem, in[0])
		buf, out := newValues[int64](mem, n)
		for i, days := range values[int32](in[0]) {
			y, m, dd := civilFromDays(int(days))
			out[i] = f(y, m, dd, int(days))
		}
		return fixedArray(typInt64, n, validity, nulls, buf), nil
	}}, nil
}

package exec

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/apache/arrow/go/v15/arrow"
	"github.com/apache/arrow/go/v15/arrow/array"
	"github.com/apache/arrow/go/v15/arrow/decimal128"
	"github.com/apache/arrow/go/v15/arrow/memory"
)

// castFunc converts a whole array to the target type. Values that cannot
// be converted (overflow, a malformed string) fail with ErrExec naming the
// value and its row.
type castFunc func(ctx *Context, in arrow.Array) (arrow.Array, error)

type castExpr struct {
	child Expr
	to    arrow.DataType
	fn    castFunc
}

var _ Expr = (*castExpr)(nil)

// NewCast returns CAST(e AS to). Supported: among int8/16/32/64, float32/64
// and decimals (rescaling rounds half away from zero; a value that does not
// fit fails with ErrExec), bool to and from numbers, every type to utf8 and
// utf8 to every type (a malformed string fails with ErrExec naming the
// value and row), date32 to and from timestamp. A cast to e's own type
// returns e; a cast of a literal is folded into a literal.
func NewCast(e Expr, to arrow.DataType) (Expr, error) {
	from := e.DataType()
	if arrow.TypeEqual(from, to) {
		return e, nil
	}
	fn, err := castKernelFor(from, to)
	if err != nil {
		return nil, err
	}
	c := &castExpr{child: e, to: to, fn: fn}
	if _, ok := LiteralValue(e); ok {
		return foldConstant(c), nil
	}
	return c, nil
}

func (c *castExpr) DataType() arrow.DataType { return c.to }

func (c *castExpr) String() string { return fmt.Sprintf("CAST(%s AS %s)", c.child, c.to) }

func (c *castExpr) Eval(ctx *Context, batch arrow.Record) (arrow.Array, error) {
	in, err := c.child.Eval(ctx, batch)
	if err != nil {
		return nil, err
	}
	defer in.Release()
	return c.fn(ctx, in)
}

// castErr reports a value that cannot be converted.
func castErr(in arrow.Array, row int, to arrow.DataType, why string) error {
	v := FormatValue(in, row)
	if in.DataType().ID() == arrow.STRING {
		v = strconv.Quote(v)
	}
	if why != "" {
		why = ": " + why
	}
	return fmt.Errorf("%w: cannot cast %s %s to %s (row %d)%s", ErrExec, in.DataType(), v, to, row, why)
}

// castKernelFor picks the conversion from one type to another, or fails
// with ErrType when there is none.
func castKernelFor(from, to arrow.DataType) (castFunc, error) {
	if arrow.TypeEqual(from, to) {
		return func(_ *Context, in arrow.Array) (arrow.Array, error) { in.Retain(); return in, nil }, nil
	}
	if isNullType(from) {
		return func(ctx *Context, in arrow.Array) (arrow.Array, error) {
			return nullArray(allocator(ctx), to, in.Len()), nil
		}, nil
	}
	switch {
	case to.ID() == arrow.STRING:
		if from.ID() == arrow.INTERVAL_MONTH_DAY_NANO || !castableToString(from) {
			break
		}
		return castToString, nil
	case from.ID() == arrow.STRING:
		if !castTarget(to) {
			break
		}
		return func(ctx *Context, in arrow.Array) (arrow.Array, error) { return castFromString(ctx, in, to) }, nil
	case (IsNumeric(from) || from.ID() == arrow.BOOL) && (IsNumeric(to) || to.ID() == arrow.BOOL):
		if !castTarget(to) {
			break
		}
		return func(ctx *Context, in arrow.Array) (arrow.Array, error) { return castNumeric(ctx, in, to) }, nil
	case from.ID() == arrow.DATE32 && to.ID() == arrow.TIMESTAMP:
		return castDateToTimestamp, nil
	case from.ID() == arrow.TIMESTAMP && to.ID() == arrow.DATE32:
		return castTimestampToDate, nil
	}
	return nil, fmt.Errorf("%w: cannot cast %s to %s", ErrType, from, to)
}

// castTarget reports the types casts produce.
func castTarget(t arrow.DataType) bool {
	switch t.ID() {
	case arrow.BOOL, arrow.INT32, arrow.INT64, arrow.FLOAT64, arrow.DECIMAL128, arrow.STRING, arrow.DATE32, arrow.TIMESTAMP:
		return true
	}
	return false
}

func castableToString(t arrow.DataType) bool {
	return castTarget(t) || IsNumeric(t)
}

// numericSource reads any number or bool array as one of three
// representations: int64, float64 or unscaled decimal with a scale.
type numericSource struct {
	ints   []int64
	floats []float64
	decs   []num
	scale  int32
}

func readNumeric(in arrow.Array) numericSource {
	n := in.Len()
	switch a := in.(type) {
	case *array.Int8:
		out := make([]int64, n)
		for i, v := range a.Int8Values() {
			out[i] = int64(v)
		}
		return numericSource{ints: out}
	case *array.Int16:
		out := make([]int64, n)
		for i, v := range a.Int16Values() {
			out[i] = int64(v)
		}
		return numericSource{ints: out}
	case *array.Int32:
		out := make([]int64, n)
		for i, v := range a.Int32Values() {
			out[i] = int64(v)
		}
		return numericSource{ints: out}
	case *array.Int64:
		return numericSource{ints: a.Int64Values()}
	case *array.Float32:
		out := make([]float64, n)
		for i, v := range a.Float32Values() {
			out[i] = float64(v)
		}
		return numericSource{floats: out}
	case *array.Float64:
		return numericSource{floats: a.Float64Values()}
	case *array.Decimal128:
		return numericSource{decs: a.Values(), scale: a.DataType().(*arrow.Decimal128Type).Scale}
	case *array.Boolean:
		out := make([]int64, n)
		for i := range out {
			if a.Value(i) {
				out[i] = 1
			}
		}
		return numericSource{ints: out}
	}
	return numericSource{}
}

// castNumeric converts among numbers and bools.
func castNumeric(ctx *Context, in arrow.Array, to arrow.DataType) (arrow.Array, error) {
	mem := allocator(ctx)
	n := in.Len()
	src := readNumeric(in)
	validity, nulls := copyValidity(mem, in)
	fail := func(row int, why string) (arrow.Array, error) {
		if validity != nil {
			validity.Release()
		}
		return nil, castErr(in, row, to, why)
	}
	switch to.ID() {
	case arrow.BOOL:
		buf := newBuffer(mem, int((n+7)/8))
		bm := buf.Bytes()
		for i := 0; i < n; i++ {
			var nz bool
			switch {
			case src.ints != nil:
				nz = src.ints[i] != 0
			case src.floats != nil:
				nz = src.floats[i] != 0
			default:
				nz = src.decs[i] != num{}
			}
			bm[i>>3] |= b2u8(nz) << (i & 7)
		}
		return fixedArray(to, n, validity, nulls, buf), nil
	case arrow.INT32, arrow.INT64:
		lo, hi := int64(math.MinInt32), int64(math.MaxInt32)
		if to.ID() == arrow.INT64 {
			lo, hi = math.MinInt64, math.MaxInt64
		}
		out := make([]int64, n)
		switch {
		case src.ints != nil:
			copy(out, src.ints)
		case src.floats != nil:
			for i, f := range src.floats {
				r := math.Round(f)
				// 2^63 is the first float64 beyond int64.
				if !(r >= -9.223372036854775808e18 && r < 9.223372036854775808e18) {
					if in.IsValid(i) {
						return fail(i, "out of range")
					}
					continue
				}
				out[i] = int64(r)
			}
		default:
			for i, d := range src.decs {
				r := rescaleDown(d, src.scale)
				if !fitsInt64(r) {
					if in.IsValid(i) {
						return fail(i, "out of range")
					}
					continue
				}
				out[i] = int64(r.LowBits())
			}
		}
		for i, v := range out {
			if (v < lo || v > hi) && in.IsValid(i) {
				return fail(i, "out of range")
			}
		}
		if to.ID() == arrow.INT32 {
			buf, vals := newValues[int32](mem, n)
			for i, v := range out {
				vals[i] = int32(v)
			}
			return fixedArray(to, n, validity, nulls, buf), nil
		}
		buf, vals := newValues[int64](mem, n)
		copy(vals, out)
		return fixedArray(to, n, validity, nulls, buf), nil
	case arrow.FLOAT64:
		buf, vals := newValues[float64](mem, n)
		switch {
		case src.ints != nil:
			for i, v := range src.ints {
				vals[i] = float64(v)
			}
		case src.floats != nil:
			copy(vals, src.floats)
		default:
			for i, d := range src.decs {
				vals[i] = decimalToFloat64(d, src.scale)
			}
		}
		return fixedArray(to, n, validity, nulls, buf), nil
	case arrow.DECIMAL128:
		dt := to.(*arrow.Decimal128Type)
		limit := pow10num(dt.Precision)
		buf, vals := newValues[num](mem, n)
		ok := true
		bad := -1
		switch {
		case src.ints != nil:
			for i, v := range src.ints {
				vals[i], ok = rescaleUp(numFromInt64(v), dt.Scale, limit)
				if !ok && in.IsValid(i) {
					bad = i
					break
				}
			}
		case src.floats != nil:
			for i, f := range src.floats {
				vals[i], ok = decimalFromFloat64(f, dt.Scale, limit)
				if !ok && in.IsValid(i) {
					bad = i
					break
				}
			}
		default:
			bad = rescaleDecimals(src.decs, src.scale, dt.Scale, limit, vals, in)
		}
		if bad >= 0 {
			buf.Release()
			return fail(bad, fmt.Sprintf("does not fit in %s", dt))
		}
		return fixedArray(to, n, validity, nulls, buf), nil
	}
	if validity != nil {
		validity.Release()
	}
	return nil, fmt.Errorf("%w: no numeric cast to %s", ErrInternal, to)
}

// rescaleDecimals converts unscaled values from one scale to another,
// rounding half away from zero, into out. It returns the first valid row
// that does not fit below limit, or -1.
func rescaleDecimals(in []num, from, to int32, limit num, out []num, arr arrow.Array) int {
	switch {
	case to > from:
		k := to - from
		var ok bool
		for i, d := range in {
			if out[i], ok = rescaleUp(d, k, limit); !ok && arr.IsValid(i) {
				return i
			}
		}
	default:
		k := from - to
		for i, d := range in {
			out[i] = rescaleDown(d, k)
			if !lessAbs(out[i], limit) && arr.IsValid(i) {
				return i
			}
		}
	}
	return -1
}

// castToString renders every value as FormatValue does.
func castToString(ctx *Context, in arrow.Array) (arrow.Array, error) {
	b := array.NewStringBuilder(allocator(ctx))
	defer b.Release()
	n := in.Len()
	b.Reserve(n)
	for i := 0; i < n; i++ {
		if in.IsNull(i) {
			b.AppendNull()
			continue
		}
		b.Append(FormatValue(in, i))
	}
	return b.NewArray(), nil
}

// castFromString parses every string as a value of type to.
func castFromString(ctx *Context, in arrow.Array, to arrow.DataType) (arrow.Array, error) {
	strs := in.(*array.String)
	mem := allocator(ctx)
	n := in.Len()
	validity, nulls := copyValidity(mem, in)
	var (
		buf *memory.Buffer
		err error
	)
	fail := func(row int, why string) {
		if err == nil {
			err = castErr(in, row, to, why)
		}
	}
	switch to.ID() {
	case arrow.BOOL:
		buf = newBuffer(mem, (n+7)/8)
		bm := buf.Bytes()
		for i := 0; i < n && err == nil; i++ {
			if strs.IsNull(i) {
				continue
			}
			v, ok := parseBool(strs.Value(i))
			if !ok {
				fail(i, "expected true or false")
			}
			bm[i>>3] |= b2u8(v) << (i & 7)
		}
	case arrow.INT32, arrow.INT64:
		bitSize := 64
		if to.ID() == arrow.INT32 {
			bitSize = 32
		}
		var v32 []int32
		var v64 []int64
		if bitSize == 32 {
			buf, v32 = newValues[int32](mem, n)
		} else {
			buf, v64 = newValues[int64](mem, n)
		}
		for i := 0; i < n && err == nil; i++ {
			var v int64
			if strs.IsValid(i) {
				var perr error
				v, perr = strconv.ParseInt(strings.TrimSpace(strs.Value(i)), 10, bitSize)
				if perr != nil {
					fail(i, numErrReason(perr))
				}
			}
			if bitSize == 32 {
				v32[i] = int32(v)
			} else {
				v64[i] = v
			}
		}
	case arrow.FLOAT64:
		var vals []float64
		buf, vals = newValues[float64](mem, n)
		for i := 0; i < n && err == nil; i++ {
			vals[i] = 0
			if strs.IsValid(i) {
				v, perr := strconv.ParseFloat(strings.TrimSpace(strs.Value(i)), 64)
				if perr != nil {
					fail(i, numErrReason(perr))
				}
				vals[i] = v
			}
		}
	case arrow.DECIMAL128:
		dt := to.(*arrow.Decimal128Type)
		var vals []num
		buf, vals = newValues[num](mem, n)
		for i := 0; i < n && err == nil; i++ {
			vals[i] = num{}
			if strs.IsValid(i) {
				v, why := parseDecimal(strs.Value(i), dt.Precision, dt.Scale)
				if why != "" {
					fail(i, why)
				}
				vals[i] = v
			}
		}
	case arrow.DATE32:
		var vals []int32
		buf, vals = newValues[int32](mem, n)
		for i := 0; i < n && err == nil; i++ {
			vals[i] = 0
			if strs.IsValid(i) {
				d, ok := parseDate(strs.Value(i))
				if !ok {
					fail(i, "expected a date as YYYY-MM-DD")
				}
				vals[i] = d
			}
		}
	case arrow.TIMESTAMP:
		var vals []int64
		buf, vals = newValues[int64](mem, n)
		for i := 0; i < n && err == nil; i++ {
			vals[i] = 0
			if strs.IsValid(i) {
				t, ok := parseTimestamp(strs.Value(i))
				if !ok {
					fail(i, "expected a timestamp as YYYY-MM-DD HH:MM:SS[.ffffff]")
				}
				vals[i] = t
			}
		}
	default:
		err = fmt.Errorf("%w: no cast from utf8 to %s", ErrInternal, to)
	}
	if err != nil {
		if buf != nil {
			buf.Release()
		}
		if validity != nil {
			validity.Release()
		}
		return nil, err
	}
	return fixedArray(to, n, validity, nulls, buf), nil
}

func numErrReason(err error) string {
	if ne, ok := err.(*strconv.NumError); ok {
		if ne.Err == strconv.ErrRange {
			return "out of range"
		}
		return "not a number"
	}
	return err.Error()
}

func parseBool(s string) (bool, bool) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "true", "t", "yes", "y", "1":
		return true, true
	case "false", "f", "no", "n", "0":
		return false, true
	}
	return false, false
}

// parseDecimal reads a decimal literal (sign, digits, optional fraction and
// exponent) as an unscaled value of the given scale, rounding extra
// fraction digits half away from zero. It returns a reason when s is not a
// number or does not fit in precision p.
func parseDecimal(s string, p, scale int32) (num, string) {
	s = strings.TrimSpace(s)
	neg := false
	if s != "" && (s[0] == '-' || s[0] == '+') {
		neg = s[0] == '-'
		s = s[1:]
	}
	mant, exp := s, 0
	if i := strings.IndexAny(s, "eE"); i >= 0 {
		e, err := strconv.Atoi(s[i+1:])
		if err != nil || e > 100 || e < -100 {
			return num{}, "not a number"
		}
		mant, exp = s[:i], e
	}
	intPart, frac, _ := strings.Cut(mant, ".")
	if intPart == "" && frac == "" {
		return num{}, "not a number"
	}
	digits := intPart + frac
	for i := 0; i < len(digits); i++ {
		if digits[i] < '0' || digits[i] > '9' {
			return num{}, "not a number"
		}
	}
	// value = digits * 10^(exp - len(frac)); we want value * 10^scale.
	shift := int(scale) + exp - len(frac)
	digits = strings.TrimLeft(digits, "0")
	roundUp := false
	if shift < 0 {
		cut := len(digits) + shift
		if cut < 0 {
			digits, cut = "", 0
		} else {
			roundUp = digits[cut] >= '5'
		}
		if cut < len(digits) {
			digits = digits[:cut]
		}
		shift = 0
	}
	if len(digits)+shift > int(p) {
		return num{}, fmt.Sprintf("does not fit in decimal(%d,%d)", p, scale)
	}
	var v num
	ten := decimal128.FromU64(10)
	for i := 0; i < len(digits); i++ {
		v = v.Mul(ten).Add(decimal128.FromU64(uint64(digits[i] - '0')))
	}
	if shift > 0 {
		v = v.Mul(pow10num(int32(shift)))
	}
	if roundUp {
		v = v.Add(decimal128.FromU64(1))
	}
	if !lessAbs(v, pow10num(p)) {
		return num{}, fmt.Sprintf("does not fit in decimal(%d,%d)", p, scale)
	}
	if neg {
		v = v.Negate()
	}
	return v, ""
}

// parseTimestamp reads "YYYY-MM-DD[ HH:MM:SS[.ffffff]]" (or with a T) as
// microseconds since the epoch, UTC.
func parseTimestamp(s string) (int64, bool) {
	s = strings.TrimSpace(s)
	if d, ok := parseDate(s); ok {
		return int64(d) * microsPerDay, true
	}
	for _, layout := range []string{"2006-01-02 15:04:05.999999999", "2006-01-02T15:04:05.999999999", "2006-01-02 15:04:05.999999999Z07:00", time.RFC3339Nano} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UnixMicro(), true
		}
	}
	return 0, false
}

const microsPerDay = 86400 * 1000000

func castDateToTimestamp(ctx *Context, in arrow.Array) (arrow.Array, error) {
	mem := allocator(ctx)
	n := in.Len()
	validity, nulls := copyValidity(mem, in)
	buf, vals := newValues[int64](mem, n)
	for i, d := range values[int32](in) {
		vals[i] = int64(d) * microsPerDay
	}
	return fixedArray(typTimestamp, n, validity, nulls, buf), nil
}

func castTimestampToDate(ctx *Context, in arrow.Array) (arrow.Array, error) {
	mem := allocator(ctx)
	n := in.Len()
	validity, nulls := copyValidity(mem, in)
	unit := in.DataType().(*arrow.TimestampType).Unit
	per := int64(86400) * int64(time.Second/unit.Multiplier())
	buf, vals := newValues[int32](mem, n)
	for i, t := range values[int64](in) {
		d := t / per
		if t%per < 0 {
			d--
		}
		vals[i] = int32(d)
	}
	return fixedArray(typDate32, n, validity, nulls, buf), nil
}

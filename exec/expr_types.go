package exec

import (
	"fmt"

	"github.com/apache/arrow/go/v15/arrow"
)

// BinaryOp is a binary operator of the expression language.
type BinaryOp int

// The binary operators. Arithmetic, comparison, logic and string concat.
const (
	OpAdd BinaryOp = iota
	OpSub
	OpMul
	OpDiv
	OpMod
	OpEq
	OpNotEq
	OpLt
	OpLtEq
	OpGt
	OpGtEq
	OpAnd
	OpOr
	OpConcat
)

var binaryOpNames = [...]string{
	OpAdd: "+", OpSub: "-", OpMul: "*", OpDiv: "/", OpMod: "%",
	OpEq: "=", OpNotEq: "<>", OpLt: "<", OpLtEq: "<=", OpGt: ">", OpGtEq: ">=",
	OpAnd: "AND", OpOr: "OR", OpConcat: "||",
}

// String returns the operator as written in SQL.
func (op BinaryOp) String() string {
	if op >= 0 && int(op) < len(binaryOpNames) {
		return binaryOpNames[op]
	}
	return fmt.Sprintf("BinaryOp(%d)", int(op))
}

// IsComparison reports whether op is one of = <> < <= > >=.
func (op BinaryOp) IsComparison() bool { return op >= OpEq && op <= OpGtEq }

// IsArithmetic reports whether op is one of + - * / %.
func (op BinaryOp) IsArithmetic() bool { return op >= OpAdd && op <= OpMod }

// flip returns the comparison that holds with the operands swapped
// (a < b  <=>  b > a).
func (op BinaryOp) flip() BinaryOp {
	switch op {
	case OpLt:
		return OpGt
	case OpLtEq:
		return OpGtEq
	case OpGt:
		return OpLt
	case OpGtEq:
		return OpLtEq
	}
	return op
}

// Types the kernels name often.
var (
	typBool     = arrow.FixedWidthTypes.Boolean
	typInt32    = arrow.PrimitiveTypes.Int32
	typInt64    = arrow.PrimitiveTypes.Int64
	typFloat64  = arrow.PrimitiveTypes.Float64
	typString   = arrow.BinaryTypes.String
	typDate32   = arrow.FixedWidthTypes.Date32
	typInterval = arrow.FixedWidthTypes.MonthDayNanoInterval
	typNull     = arrow.Null
	// typTimestamp is the engine's one timestamp type: microseconds, UTC.
	typTimestamp = &arrow.TimestampType{Unit: arrow.Microsecond, TimeZone: "UTC"}
)

// maxDecimalPrecision is the widest decimal128 precision.
const maxDecimalPrecision = 38

// IsNumeric reports whether t is one of the engine's number types: int32,
// int64, float64 or decimal128 (and the narrower ints and float32, which
// readers may produce).
func IsNumeric(t arrow.DataType) bool {
	switch t.ID() {
	case arrow.INT8, arrow.INT16, arrow.INT32, arrow.INT64, arrow.FLOAT32, arrow.FLOAT64, arrow.DECIMAL128:
		return true
	}
	return false
}

func isInteger(t arrow.DataType) bool {
	switch t.ID() {
	case arrow.INT8, arrow.INT16, arrow.INT32, arrow.INT64:
		return true
	}
	return false
}

func isFloat(t arrow.DataType) bool { return t.ID() == arrow.FLOAT64 || t.ID() == arrow.FLOAT32 }

func isDecimal(t arrow.DataType) bool { return t.ID() == arrow.DECIMAL128 }

func isNullType(t arrow.DataType) bool { return t.ID() == arrow.NULL }

func isTemporal(t arrow.DataType) bool { return t.ID() == arrow.DATE32 || t.ID() == arrow.TIMESTAMP }

// decimalParams returns precision and scale of a decimal type, or of the
// decimal an integer type converts to exactly (int32 as decimal(10,0),
// int64 as decimal(19,0)).
func decimalParams(t arrow.DataType) (p, s int32, ok bool) {
	switch t.ID() {
	case arrow.DECIMAL128:
		d := t.(*arrow.Decimal128Type)
		return d.Precision, d.Scale, true
	case arrow.INT8:
		return 3, 0, true
	case arrow.INT16:
		return 5, 0, true
	case arrow.INT32:
		return 10, 0, true
	case arrow.INT64:
		return 19, 0, true
	}
	return 0, 0, false
}

func decimalType(p, s int32) *arrow.Decimal128Type {
	return &arrow.Decimal128Type{Precision: p, Scale: s}
}

// CommonType returns the type two values are converted to when they meet
// in one column (CASE branches, COALESCE arguments, UNION inputs, IN lists)
// or in a comparison. Numbers widen exactly where they can: int32 and int64
// give int64, an int and a decimal give a decimal wide enough for both
// (int32 as decimal(10,0), int64 as decimal(19,0)), two decimals give the
// scale of the finer one and the integer digits of the wider one (capped at
// precision 38), and anything with a float gives float64. date32 and
// timestamp give timestamp. The NULL type gives way to the other type.
func CommonType(a, b arrow.DataType) (arrow.DataType, error) {
	switch {
	case arrow.TypeEqual(a, b):
		return a, nil
	case isNullType(a):
		return b, nil
	case isNullType(b):
		return a, nil
	case IsNumeric(a) && IsNumeric(b):
		return commonNumeric(a, b), nil
	case isTemporal(a) && isTemporal(b):
		return typTimestamp, nil
	case a.ID() == arrow.TIMESTAMP && b.ID() == arrow.TIMESTAMP:
		return typTimestamp, nil
	}
	return nil, fmt.Errorf("%w: no common type for %s and %s (add an explicit CAST)", ErrType, a, b)
}

// commonNumeric is CommonType for two numeric types.
func commonNumeric(a, b arrow.DataType) arrow.DataType {
	switch {
	case isFloat(a) || isFloat(b):
		return typFloat64
	case isInteger(a) && isInteger(b):
		if a.ID() == arrow.INT64 || b.ID() == arrow.INT64 {
			return typInt64
		}
		return typInt32
	}
	p1, s1, _ := decimalParams(a)
	p2, s2, _ := decimalParams(b)
	s := max(s1, s2)
	p := min(maxDecimalPrecision, max(p1-s1, p2-s2)+s)
	return decimalType(p, s)
}

// BinaryResultType returns the type of l op r, or an error wrapping
// ErrType that says which operator met which types. It is the one source
// of the type rules: the binder calls it to type a plan and NewBinary
// calls it to build the kernel.
func BinaryResultType(op BinaryOp, l, r arrow.DataType) (arrow.DataType, error) {
	mismatch := func(hint string) error {
		if hint != "" {
			hint = " (" + hint + ")"
		}
		return fmt.Errorf("%w: cannot apply %s to %s and %s%s", ErrType, op, l, r, hint)
	}
	switch {
	case op.IsArithmetic():
		return arithmeticResultType(op, l, r, mismatch)
	case op.IsComparison():
		if _, err := comparisonDomain(l, r); err != nil {
			return nil, mismatch("compare values of one kind, or add an explicit CAST")
		}
		return typBool, nil
	case op == OpAnd || op == OpOr:
		if (l.ID() == arrow.BOOL || isNullType(l)) && (r.ID() == arrow.BOOL || isNullType(r)) {
			return typBool, nil
		}
		return nil, mismatch("both sides must be boolean")
	case op == OpConcat:
		if _, err := castKernelFor(l, typString); err != nil {
			return nil, mismatch("")
		}
		if _, err := castKernelFor(r, typString); err != nil {
			return nil, mismatch("")
		}
		return typString, nil
	}
	return nil, fmt.Errorf("%w: unknown binary operator %d", ErrType, int(op))
}

func arithmeticResultType(op BinaryOp, l, r arrow.DataType, mismatch func(string) error) (arrow.DataType, error) {
	if isNullType(l) && isNullType(r) {
		return typNull, nil
	}
	if isNullType(l) {
		l = r
	}
	if isNullType(r) {
		r = l
	}
	// Date and timestamp arithmetic.
	if isTemporal(l) || isTemporal(r) || l.ID() == arrow.INTERVAL_MONTH_DAY_NANO || r.ID() == arrow.INTERVAL_MONTH_DAY_NANO {
		switch {
		case op == OpAdd && isTemporal(l) && (r.ID() == arrow.INTERVAL_MONTH_DAY_NANO || (l.ID() == arrow.DATE32 && isInteger(r))):
			return l, nil
		case op == OpAdd && isTemporal(r) && (l.ID() == arrow.INTERVAL_MONTH_DAY_NANO || (r.ID() == arrow.DATE32 && isInteger(l))):
			return r, nil
		case op == OpSub && isTemporal(l) && (r.ID() == arrow.INTERVAL_MONTH_DAY_NANO || (l.ID() == arrow.DATE32 && isInteger(r))):
			return l, nil
		case op == OpSub && l.ID() == arrow.DATE32 && r.ID() == arrow.DATE32:
			return typInt64, nil
		}
		return nil, mismatch("dates take + or - an interval or a number of days, and date - date gives days")
	}
	if !IsNumeric(l) || !IsNumeric(r) {
		return nil, mismatch("arithmetic needs numbers")
	}
	if op == OpDiv {
		return typFloat64, nil
	}
	if isFloat(l) || isFloat(r) {
		return typFloat64, nil
	}
	if isInteger(l) && isInteger(r) {
		return commonNumeric(l, r), nil
	}
	p1, s1, _ := decimalParams(l)
	p2, s2, _ := decimalParams(r)
	switch op {
	case OpAdd, OpSub:
		s := max(s1, s2)
		return decimalType(min(maxDecimalPrecision, max(p1-s1, p2-s2)+s+1), s), nil
	case OpMul:
		if s1+s2 > maxDecimalPrecision {
			return nil, mismatch(fmt.Sprintf("the product's scale %d exceeds 38; CAST an operand to a smaller scale or to double", s1+s2))
		}
		return decimalType(min(maxDecimalPrecision, p1+p2), s1+s2), nil
	default: // OpMod
		return commonNumeric(l, r), nil
	}
}

// comparisonDomain returns the type both sides of a comparison are
// converted to before comparing: the common type, where a string meets a
// date or timestamp the string is read as one.
func comparisonDomain(l, r arrow.DataType) (arrow.DataType, error) {
	if l.ID() == arrow.STRING && isTemporal(r) {
		return r, nil
	}
	if r.ID() == arrow.STRING && isTemporal(l) {
		return l, nil
	}
	t, err := CommonType(l, r)
	if err != nil {
		return nil, err
	}
	t = widen(t)
	if !isComparable(t) && !isNullType(t) {
		return nil, fmt.Errorf("%w: values of type %s cannot be compared", ErrType, t)
	}
	return t, nil
}

// isComparable reports whether the comparison kernels handle values of t.
func isComparable(t arrow.DataType) bool {
	switch t.ID() {
	case arrow.BOOL, arrow.INT32, arrow.INT64, arrow.FLOAT64, arrow.DECIMAL128, arrow.STRING, arrow.DATE32, arrow.TIMESTAMP:
		return true
	}
	return false
}

// widen maps the narrow number types readers may produce onto the ones the
// kernels handle: int8 and int16 to int32, float32 to float64.
func widen(t arrow.DataType) arrow.DataType {
	switch t.ID() {
	case arrow.INT8, arrow.INT16:
		return typInt32
	case arrow.FLOAT32:
		return typFloat64
	}
	return t
}

// sameType is arrow.TypeEqual with the common case, both sides the very
// same type value, first: arrow compares most types with reflect.DeepEqual,
// which per-batch checks in the hot loops would otherwise pay for.
func sameType(a, b arrow.DataType) bool {
	return a == b || arrow.TypeEqual(a, b)
}

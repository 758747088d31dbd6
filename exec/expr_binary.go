package exec

import (
	"fmt"

	"github.com/apache/arrow/go/v15/arrow/scalar"
)

// NewBinary returns l op r. The result type follows BinaryResultType;
// operands are converted to the kernel's domain when they differ (int32
// with int64, ints with decimals, numbers with floats, a string with a
// date), and conversions of literals happen once, here. A type mismatch
// fails with an error wrapping ErrType; run-time failures (overflow,
// division by zero) with ErrExec.
func NewBinary(op BinaryOp, l, r Expr) (Expr, error) {
	if l == nil || r == nil {
		return nil, fmt.Errorf("%w: %s needs two operands", ErrType, op)
	}
	typ, err := BinaryResultType(op, l.DataType(), r.DataType())
	if err != nil {
		return nil, err
	}
	switch {
	case op.IsComparison():
		return newCompare(op, l, r)
	case op == OpAnd || op == OpOr:
		return newLogic(op, l, r)
	case op == OpConcat:
		return newConcat(l, r)
	}
	// Arithmetic.
	if isNullType(typ) {
		return NewLiteral(scalar.MakeNullScalar(typNull)), nil
	}
	lt, rt := l.DataType(), r.DataType()
	if isTemporal(typ) || isTemporal(lt) || isTemporal(rt) {
		if isNullType(lt) || isNullType(rt) {
			return NewLiteral(scalar.MakeNullScalar(typ)), nil
		}
		return newDateArith(op, l, r, typ)
	}
	return newArith(op, l, r, typ)
}

// isLiteral reports whether e is a literal.
func isLiteral(e Expr) bool {
	_, ok := LiteralValue(e)
	return ok
}

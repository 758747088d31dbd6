package store

import (
	"bytes"
	"math"
	"math/big"

	"github.com/apache/arrow/go/v15/arrow"
	"github.com/apache/arrow/go/v15/arrow/decimal128"
	"github.com/apache/arrow/go/v15/arrow/scalar"
)

// MayMatch reports whether a row group (or any set of rows) described by st
// and holding rows rows may contain a row satisfying p. It answers false
// only when the statistics prove that no row matches; unknown statistics,
// types it cannot compare and a nil Value all answer true.
func (p Predicate) MayMatch(st ColumnStats, rows int64) bool {
	switch p.Op {
	case IsNull:
		return st.NullCount != 0 // -1 (unknown) may match
	case IsNotNull:
		return st.NullCount < 0 || rows < 0 || st.NullCount < rows
	}
	if rows >= 0 && st.NullCount >= 0 && st.NullCount == rows {
		return false // only nulls: no comparison is true
	}
	if p.Value == nil || !p.Value.IsValid() {
		return p.Value == nil // comparing with NULL is never true
	}
	if st.Min == nil || st.Max == nil || !st.Min.IsValid() || !st.Max.IsValid() {
		return true
	}
	cmin, ok1 := compareScalars(st.Min, p.Value)
	cmax, ok2 := compareScalars(st.Max, p.Value)
	if !ok1 || !ok2 {
		return true
	}
	switch p.Op {
	case Eq:
		return cmin <= 0 && cmax >= 0
	case NotEq:
		return !(cmin == 0 && cmax == 0)
	case Lt:
		return cmin < 0
	case LtEq:
		return cmin <= 0
	case Gt:
		return cmax > 0
	case GtEq:
		return cmax >= 0
	}
	return true
}

// compareScalars orders two valid scalars by value: -1, 0 or 1, and false
// when the pair cannot be compared (different kinds, NaN).
func compareScalars(a, b scalar.Scalar) (int, bool) {
	ka, kb := kindOf(a), kindOf(b)
	switch {
	case ka == kindInvalid || kb == kindInvalid:
		return 0, false
	case ka == kindString && kb == kindString:
		return bytes.Compare(bytesOf(a), bytesOf(b)), true
	case ka == kindDate32 && kb == kindDate32:
		return cmpInt(int64(a.(*scalar.Date32).Value), int64(b.(*scalar.Date32).Value)), true
	case ka == kindTimestamp && kb == kindTimestamp:
		ta, tb := a.(*scalar.Timestamp), b.(*scalar.Timestamp)
		if !arrowTypeEqual(ta, tb) {
			return 0, false
		}
		return cmpInt(int64(ta.Value), int64(tb.Value)), true
	case ka == kindBool && kb == kindBool:
		return cmpInt(b2i(a.(*scalar.Boolean).Value), b2i(b.(*scalar.Boolean).Value)), true
	case ka == kindInt && kb == kindInt:
		return cmpInt(intOf(a), intOf(b)), true
	case isNumeric(ka) && isNumeric(kb):
		if ka == kindFloat || kb == kindFloat {
			x, y := floatOf(a), floatOf(b)
			if math.IsNaN(x) || math.IsNaN(y) {
				return 0, false
			}
			return cmpOrdered(x, y), true
		}
		// Exact: integers and decimals as big rationals.
		return ratOf(a).Cmp(ratOf(b)), true
	}
	return 0, false
}

type scalarKind int

const (
	kindInvalid scalarKind = iota
	kindInt
	kindFloat
	kindDecimal
	kindString
	kindDate32
	kindTimestamp
	kindBool
)

func isNumeric(k scalarKind) bool {
	return k == kindInt || k == kindFloat || k == kindDecimal
}

func kindOf(s scalar.Scalar) scalarKind {
	switch s.(type) {
	case *scalar.Int8, *scalar.Int16, *scalar.Int32, *scalar.Int64:
		return kindInt
	case *scalar.Uint8, *scalar.Uint16, *scalar.Uint32, *scalar.Uint64:
		return kindDecimal // compared exactly through ratOf
	case *scalar.Float32, *scalar.Float64:
		return kindFloat
	case *scalar.Decimal128:
		return kindDecimal
	case *scalar.String, *scalar.LargeString, *scalar.Binary, *scalar.LargeBinary:
		return kindString
	case *scalar.Date32:
		return kindDate32
	case *scalar.Timestamp:
		return kindTimestamp
	case *scalar.Boolean:
		return kindBool
	}
	return kindInvalid
}

func bytesOf(s scalar.Scalar) []byte {
	switch s := s.(type) {
	case *scalar.String:
		return s.Data()
	case *scalar.LargeString:
		return s.Data()
	case *scalar.Binary:
		return s.Data()
	case *scalar.LargeBinary:
		return s.Data()
	}
	return nil
}

func intOf(s scalar.Scalar) int64 {
	switch s := s.(type) {
	case *scalar.Int8:
		return int64(s.Value)
	case *scalar.Int16:
		return int64(s.Value)
	case *scalar.Int32:
		return int64(s.Value)
	case *scalar.Int64:
		return s.Value
	}
	return 0
}

func floatOf(s scalar.Scalar) float64 {
	switch s := s.(type) {
	case *scalar.Float32:
		return float64(s.Value)
	case *scalar.Float64:
		return s.Value
	case *scalar.Decimal128:
		return s.Value.ToFloat64(decimalScale(s))
	}
	f, _ := ratOf(s).Float64()
	return f
}

func ratOf(s scalar.Scalar) *big.Rat {
	switch s := s.(type) {
	case *scalar.Decimal128:
		return decimalRat(s.Value, decimalScale(s))
	case *scalar.Uint8:
		return new(big.Rat).SetUint64(uint64(s.Value))
	case *scalar.Uint16:
		return new(big.Rat).SetUint64(uint64(s.Value))
	case *scalar.Uint32:
		return new(big.Rat).SetUint64(uint64(s.Value))
	case *scalar.Uint64:
		return new(big.Rat).SetUint64(s.Value)
	}
	return new(big.Rat).SetInt64(intOf(s))
}

func decimalRat(n decimal128.Num, scale int32) *big.Rat {
	r := new(big.Rat).SetInt(n.BigInt())
	if scale > 0 {
		r.Quo(r, new(big.Rat).SetInt(new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(scale)), nil)))
	} else if scale < 0 {
		r.Mul(r, new(big.Rat).SetInt(new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(-scale)), nil)))
	}
	return r
}

func decimalScale(s *scalar.Decimal128) int32 {
	if dt, ok := s.Type.(*arrow.Decimal128Type); ok {
		return dt.Scale
	}
	return 0
}

func arrowTypeEqual(a, b *scalar.Timestamp) bool {
	return a.Type.String() == b.Type.String()
}

func cmpInt(a, b int64) int { return cmpOrdered(a, b) }

func cmpOrdered[T int64 | float64](a, b T) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func b2i(b bool) int64 {
	if b {
		return 1
	}
	return 0
}

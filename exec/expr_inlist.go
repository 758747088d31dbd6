package exec

import (
	"fmt"
	"strings"

	"github.com/apache/arrow/go/v15/arrow"
	"github.com/apache/arrow/go/v15/arrow/array"
)

// x [NOT] IN (list) with SQL's null semantics: TRUE when x equals an
// element, NULL when it does not but the list holds a NULL (or x is NULL),
// FALSE otherwise. A list of literals becomes a hash set probed once per
// row; a list with expressions becomes x = a OR x = b ..., which has the
// same semantics.

type inListExpr struct {
	e       Expr
	set     inSet
	hasNull bool
	negated bool
	display string
}

var _ Expr = (*inListExpr)(nil)

// NewInList returns e IN (list), or e NOT IN (list) when negated. The
// elements and e are compared in their common type.
func NewInList(e Expr, list []Expr, negated bool) (Expr, error) {
	if len(list) == 0 {
		return nil, fmt.Errorf("%w: IN needs at least one value", ErrType)
	}
	allLiterals := true
	dom := e.DataType()
	for _, item := range list {
		if !isLiteral(item) {
			allLiterals = false
		}
		d, err := comparisonDomain(dom, item.DataType())
		if err != nil {
			return nil, fmt.Errorf("%w: cannot compare %s with IN list value %s of type %s (CAST them to one type)", ErrType, e.DataType(), item, item.DataType())
		}
		dom = d
	}
	if !allLiterals || isNullType(dom) {
		return inAsDisjunction(e, list, negated)
	}
	dom = widen(dom)
	probe, err := NewCast(e, dom)
	if err != nil {
		return nil, err
	}
	out := &inListExpr{e: probe, negated: negated}
	var lits []arrow.Array
	names := make([]string, len(list))
	for i, item := range list {
		names[i] = item.String()
		c, err := NewCast(item, dom)
		if err != nil {
			return nil, err
		}
		arr := constantOf(c)
		if arr == nil {
			// The cast of the literal failed; evaluate it to report why.
			_, err := safeEval(c)
			return nil, fmt.Errorf("%w: IN list value %s: %v", ErrType, item, err)
		}
		if arr.IsNull(0) {
			out.hasNull = true
			continue
		}
		lits = append(lits, arr)
	}
	out.set = newInSet(dom, lits)
	out.display = strings.Join(names, ", ")
	return out, nil
}

// inAsDisjunction rewrites e IN (a, b) as (e = a OR e = b).
func inAsDisjunction(e Expr, list []Expr, negated bool) (Expr, error) {
	var acc Expr
	for _, item := range list {
		eq, err := NewBinary(OpEq, e, item)
		if err != nil {
			return nil, err
		}
		if acc == nil {
			acc = eq
			continue
		}
		if acc, err = NewBinary(OpOr, acc, eq); err != nil {
			return nil, err
		}
	}
	if negated {
		return NewNot(acc)
	}
	return acc, nil
}

func (e *inListExpr) DataType() arrow.DataType { return typBool }

func (e *inListExpr) String() string {
	not := ""
	if e.negated {
		not = "NOT "
	}
	return fmt.Sprintf("(%s %sIN (%s))", e.e, not, e.display)
}

func (e *inListExpr) Eval(ctx *Context, batch arrow.Record) (arrow.Array, error) {
	a, err := e.e.Eval(ctx, batch)
	if err != nil {
		return nil, err
	}
	defer a.Release()
	mem := allocator(ctx)
	n := a.Len()
	buf := newBuffer(mem, (n+7)/8)
	out := buf.Bytes()
	if n > 0 && e.set != nil {
		e.set.probe(a, out)
	}
	validity, nulls := copyValidity(mem, a)
	if e.hasNull {
		// A miss is NULL: valid only where found.
		if validity == nil {
			validity = newBuffer(mem, (n+7)/8)
			for i := range out {
				validity.Bytes()[i] = 0xff
			}
		}
		v := validity.Bytes()
		for i := range out {
			v[i] &= out[i]
		}
		nulls = n - countBits(v, n)
	}
	if e.negated {
		for i := range out {
			out[i] = ^out[i]
		}
	}
	return fixedArray(typBool, n, validity, nulls, buf), nil
}

// inSet is a set of constants probed with a whole column.
type inSet interface {
	// probe sets bit i of found where row i of arr is in the set.
	probe(arr arrow.Array, found []byte)
}

// smallSetMax is the longest IN list compared constant by constant: up to
// here a few compares per row beat hashing every row (Q12's l_shipmode IN
// ('MAIL', 'SHIP') spent a third of the query in map lookups).
const smallSetMax = 8

func newInSet(dom arrow.DataType, lits []arrow.Array) inSet {
	small := len(lits) <= smallSetMax
	switch dom.ID() {
	case arrow.INT32, arrow.DATE32:
		if small {
			return newSmallSet[int32](lits)
		}
		return newHashSet[int32](lits)
	case arrow.INT64, arrow.TIMESTAMP:
		if small {
			return newSmallSet[int64](lits)
		}
		return newHashSet[int64](lits)
	case arrow.FLOAT64:
		return newHashSet[float64](lits)
	case arrow.DECIMAL128:
		return newHashSet[num](lits)
	case arrow.STRING:
		if small {
			var s smallStringSet
			for _, l := range lits {
				s = append(s, newStringConst(l.(*array.String).Value(0)))
			}
			return s
		}
		s := stringSet{}
		for _, l := range lits {
			s[l.(*array.String).Value(0)] = struct{}{}
		}
		return s
	case arrow.BOOL:
		var s boolSet
		for _, l := range lits {
			if l.(*array.Boolean).Value(0) {
				s.hasTrue = true
			} else {
				s.hasFalse = true
			}
		}
		return s
	}
	return nil
}

type hashSet[T comparable] map[T]struct{}

func newHashSet[T comparable](lits []arrow.Array) hashSet[T] {
	s := hashSet[T]{}
	for _, l := range lits {
		s[values[T](l)[0]] = struct{}{}
	}
	return s
}

func (s hashSet[T]) probe(arr arrow.Array, found []byte) {
	for i, v := range values[T](arr) {
		_, ok := s[v]
		found[i>>3] |= b2u8(ok) << (i & 7)
	}
}

// smallSet is a short IN list of integers, compared one by one.
type smallSet[T int32 | int64] []T

func newSmallSet[T int32 | int64](lits []arrow.Array) smallSet[T] {
	s := make(smallSet[T], 0, len(lits))
	for _, l := range lits {
		s = append(s, values[T](l)[0])
	}
	return s
}

func (s smallSet[T]) probe(arr arrow.Array, found []byte) {
	for i, v := range values[T](arr)[:arr.Len()] {
		ok := false
		for _, c := range s {
			ok = ok || v == c
		}
		found[i>>3] |= b2u8(ok) << (i & 7)
	}
}

// smallStringSet is a short IN list of strings, compared one by one
// straight from the column's buffers.
type smallStringSet []stringConst

func (s smallStringSet) probe(arr arrow.Array, found []byte) {
	offs, data := stringParts(arr)
	for i := range arr.Len() {
		ok := false
		for _, c := range s {
			ok = ok || c.equals(data, offs[i], offs[i+1])
		}
		found[i>>3] |= b2u8(ok) << (i & 7)
	}
}

type stringSet map[string]struct{}

func (s stringSet) probe(arr arrow.Array, found []byte) {
	a := arr.(*array.String)
	for i := 0; i < a.Len(); i++ {
		_, ok := s[a.Value(i)]
		found[i>>3] |= b2u8(ok) << (i & 7)
	}
}

type boolSet struct{ hasTrue, hasFalse bool }

func (s boolSet) probe(arr arrow.Array, found []byte) {
	a := arr.(*array.Boolean)
	for i := 0; i < a.Len(); i++ {
		v := a.Value(i)
		found[i>>3] |= b2u8(v && s.hasTrue || !v && s.hasFalse) << (i & 7)
	}
}

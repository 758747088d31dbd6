package dataflow

import (
	"fmt"
	"strings"
	"time"

	"github.com/apache/arrow/go/v15/arrow"
	"github.com/apache/arrow/go/v15/arrow/decimal128"
	"github.com/apache/arrow/go/v15/arrow/scalar"

	"github.com/dataflow-go/dataflow/exec"
	"github.com/dataflow-go/dataflow/plan"
)

// Expr is an expression in a query built with the fluent API. Build one
// with Col, Lit and the helpers below, combine with its methods. A
// malformed literal does not panic: the error surfaces when the query is
// planned.
type Expr struct {
	e   plan.Expr
	err error
}

func wrap(e plan.Expr) Expr { return Expr{e: e} }

func bad(format string, args ...any) Expr {
	return Expr{err: fmt.Errorf("%w: %s", ErrUsage, fmt.Sprintf(format, args...))}
}

// String renders the expression.
func (x Expr) String() string {
	if x.err != nil {
		return "<error: " + x.err.Error() + ">"
	}
	return x.e.String()
}

// Col references a column by name, optionally qualified: "l_quantity" or
// "l.l_quantity".
func Col(name string) Expr {
	if rel, col, ok := strings.Cut(name, "."); ok {
		return wrap(plan.Column{Relation: rel, Name: col})
	}
	return wrap(plan.Column{Name: name})
}

// Lit is a constant: nil (NULL), bool, int, int32, int64, float64, string,
// time.Time (a timestamp), or an arrow scalar.Scalar for anything else.
// Go ints become 32-bit integers when they fit, as SQL integer literals
// do, and 64-bit otherwise.
func Lit(v any) Expr {
	switch v := v.(type) {
	case nil:
		return wrap(plan.Literal{Value: scalar.MakeNullScalar(arrow.Null)})
	case bool:
		return wrap(plan.Literal{Value: scalar.NewBooleanScalar(v)})
	case int:
		if int64(int32(v)) == int64(v) {
			return wrap(plan.Literal{Value: scalar.NewInt32Scalar(int32(v))})
		}
		return wrap(plan.Literal{Value: scalar.NewInt64Scalar(int64(v))})
	case int32:
		return wrap(plan.Literal{Value: scalar.NewInt32Scalar(v)})
	case int64:
		return wrap(plan.Literal{Value: scalar.NewInt64Scalar(v)})
	case float64:
		return wrap(plan.Literal{Value: scalar.NewFloat64Scalar(v)})
	case string:
		return wrap(plan.Literal{Value: scalar.NewStringScalar(v)})
	case time.Time:
		typ := &arrow.TimestampType{Unit: arrow.Microsecond, TimeZone: "UTC"}
		return wrap(plan.Literal{Value: scalar.NewTimestampScalar(arrow.Timestamp(v.UnixMicro()), typ)})
	case scalar.Scalar:
		return wrap(plan.Literal{Value: v})
	}
	return bad("unsupported literal %v of type %T", v, v)
}

// Date is a DATE literal in YYYY-MM-DD form.
func Date(s string) Expr {
	t, err := time.Parse("2006-01-02", s)
	if err != nil {
		return bad("date literal %q is not YYYY-MM-DD", s)
	}
	return wrap(plan.Literal{Value: scalar.NewDate32Scalar(arrow.Date32FromTime(t))})
}

// Decimal is an exact DECIMAL literal; its scale is the number of digits
// after the point, as in SQL: Decimal("0.05") is DECIMAL(3,2).
func Decimal(s string) Expr {
	digits := strings.TrimLeft(strings.TrimPrefix(s, "-"), "0")
	scale := 0
	if i := strings.IndexByte(s, '.'); i >= 0 {
		scale = len(s) - i - 1
	}
	prec := len(strings.Replace(digits, ".", "", 1))
	prec = max(prec, scale+1, 1)
	if prec > 38 {
		return bad("decimal literal %q has more than 38 digits", s)
	}
	n, err := decimal128.FromString(s, int32(prec), int32(scale))
	if err != nil {
		return bad("decimal literal %q: %v", s, err)
	}
	typ := &arrow.Decimal128Type{Precision: int32(prec), Scale: int32(scale)}
	return wrap(plan.Literal{Value: scalar.NewDecimal128Scalar(n, typ)})
}

// Interval is an INTERVAL literal of months and days, for date arithmetic:
// Col("o_orderdate").Add(Interval(3, 0)).
func Interval(months, days int32) Expr {
	v := arrow.MonthDayNanoInterval{Months: months, Days: days}
	return wrap(plan.Literal{Value: scalar.NewMonthDayNanoIntervalScalar(v)})
}

func (x Expr) binary(op exec.BinaryOp, y Expr) Expr {
	if x.err != nil {
		return x
	}
	if y.err != nil {
		return y
	}
	return wrap(plan.Binary{Op: op, Left: x.e, Right: y.e})
}

// Add returns x + y.
func (x Expr) Add(y Expr) Expr { return x.binary(exec.OpAdd, y) }

// Sub returns x - y.
func (x Expr) Sub(y Expr) Expr { return x.binary(exec.OpSub, y) }

// Mul returns x * y.
func (x Expr) Mul(y Expr) Expr { return x.binary(exec.OpMul, y) }

// Div returns x / y (a float64, as in DuckDB).
func (x Expr) Div(y Expr) Expr { return x.binary(exec.OpDiv, y) }

// Mod returns x % y.
func (x Expr) Mod(y Expr) Expr { return x.binary(exec.OpMod, y) }

// Eq returns x = y.
func (x Expr) Eq(y Expr) Expr { return x.binary(exec.OpEq, y) }

// NotEq returns x <> y.
func (x Expr) NotEq(y Expr) Expr { return x.binary(exec.OpNotEq, y) }

// Lt returns x < y.
func (x Expr) Lt(y Expr) Expr { return x.binary(exec.OpLt, y) }

// LtEq returns x <= y.
func (x Expr) LtEq(y Expr) Expr { return x.binary(exec.OpLtEq, y) }

// Gt returns x > y.
func (x Expr) Gt(y Expr) Expr { return x.binary(exec.OpGt, y) }

// GtEq returns x >= y.
func (x Expr) GtEq(y Expr) Expr { return x.binary(exec.OpGtEq, y) }

// And returns x AND y.
func (x Expr) And(y Expr) Expr { return x.binary(exec.OpAnd, y) }

// Or returns x OR y.
func (x Expr) Or(y Expr) Expr { return x.binary(exec.OpOr, y) }

// Concat returns x || y.
func (x Expr) Concat(y Expr) Expr { return x.binary(exec.OpConcat, y) }

// Between returns lo <= x AND x <= hi.
func (x Expr) Between(lo, hi Expr) Expr { return x.GtEq(lo).And(x.LtEq(hi)) }

func (x Expr) unary(op plan.UnaryOp) Expr {
	if x.err != nil {
		return x
	}
	return wrap(plan.Unary{Op: op, Expr: x.e})
}

// Not returns NOT x.
func (x Expr) Not() Expr { return x.unary(plan.OpNot) }

// Neg returns -x.
func (x Expr) Neg() Expr { return x.unary(plan.OpNegate) }

// IsNull returns x IS NULL.
func (x Expr) IsNull() Expr { return x.unary(plan.OpIsNull) }

// IsNotNull returns x IS NOT NULL.
func (x Expr) IsNotNull() Expr { return x.unary(plan.OpIsNotNull) }

// Like returns x LIKE pattern ('%' any run, '_' one character).
func (x Expr) Like(pattern string) Expr {
	if x.err != nil {
		return x
	}
	return wrap(plan.Like{Expr: x.e, Pattern: pattern})
}

// NotLike returns x NOT LIKE pattern.
func (x Expr) NotLike(pattern string) Expr {
	if x.err != nil {
		return x
	}
	return wrap(plan.Like{Expr: x.e, Pattern: pattern, Negated: true})
}

// In returns x IN (list...).
func (x Expr) In(list ...Expr) Expr { return x.in(false, list) }

// NotIn returns x NOT IN (list...).
func (x Expr) NotIn(list ...Expr) Expr { return x.in(true, list) }

func (x Expr) in(negated bool, list []Expr) Expr {
	if x.err != nil {
		return x
	}
	items, err := unwrap(list)
	if err != nil {
		return Expr{err: err}
	}
	return wrap(plan.InList{Expr: x.e, List: items, Negated: negated})
}

// Cast converts x to typ.
func (x Expr) Cast(typ arrow.DataType) Expr {
	if x.err != nil {
		return x
	}
	return wrap(plan.Cast{Expr: x.e, To: typ})
}

// As names the expression's output column.
func (x Expr) As(name string) Expr {
	if x.err != nil {
		return x
	}
	return wrap(plan.Alias{Expr: plan.Unalias(x.e), Name: name})
}

// Asc orders by x ascending (nulls last); use in OrderBy.
func (x Expr) Asc() SortKey { return SortKey{expr: x} }

// Desc orders by x descending (nulls first, as in PostgreSQL); use in
// OrderBy.
func (x Expr) Desc() SortKey { return SortKey{expr: x, desc: true, nullsFirst: true} }

// SortKey is one ORDER BY key.
type SortKey struct {
	expr       Expr
	desc       bool
	nullsFirst bool
}

// NullsFirst puts nulls before other values.
func (k SortKey) NullsFirst() SortKey { k.nullsFirst = true; return k }

// NullsLast puts nulls after other values.
func (k SortKey) NullsLast() SortKey { k.nullsFirst = false; return k }

// Fn calls a scalar function by name: a registered Go UDF, or a built-in
// such as substring, upper, lower, length, trim, abs, round, coalesce.
func Fn(name string, args ...Expr) Expr {
	items, err := unwrap(args)
	if err != nil {
		return Expr{err: err}
	}
	return wrap(plan.Func{Name: strings.ToLower(name), Args: items})
}

// Case starts a searched CASE expression: Case().When(c, v).Else(d).
func Case() CaseExpr { return CaseExpr{} }

// CaseExpr is a CASE under construction; it is usable as an Expr through
// End (or Else).
type CaseExpr struct {
	whens []plan.When
	err   error
}

// When adds a WHEN cond THEN value arm.
func (c CaseExpr) When(cond, value Expr) CaseExpr {
	if c.err != nil {
		return c
	}
	if cond.err != nil {
		c.err = cond.err
		return c
	}
	if value.err != nil {
		c.err = value.err
		return c
	}
	c.whens = append(append([]plan.When(nil), c.whens...), plan.When{Cond: cond.e, Then: value.e})
	return c
}

// Else finishes the CASE with a default value.
func (c CaseExpr) Else(value Expr) Expr {
	if c.err != nil {
		return Expr{err: c.err}
	}
	if value.err != nil {
		return value
	}
	if len(c.whens) == 0 {
		return bad("CASE needs at least one WHEN")
	}
	return wrap(plan.Case{Whens: c.whens, Else: value.e})
}

// End finishes the CASE with NULL as the default.
func (c CaseExpr) End() Expr {
	if c.err != nil {
		return Expr{err: c.err}
	}
	if len(c.whens) == 0 {
		return bad("CASE needs at least one WHEN")
	}
	return wrap(plan.Case{Whens: c.whens})
}

func agg(f exec.AggFunc, x Expr) Expr {
	if x.err != nil {
		return x
	}
	return wrap(plan.AggCall{Func: f, Args: []plan.Expr{x.e}})
}

// Sum aggregates x by summing (exact for integers and decimals).
func Sum(x Expr) Expr { return agg(exec.AggSum, x) }

// Avg aggregates x by averaging (a float64).
func Avg(x Expr) Expr { return agg(exec.AggAvg, x) }

// Min aggregates to the smallest x.
func Min(x Expr) Expr { return agg(exec.AggMin, x) }

// Max aggregates to the largest x.
func Max(x Expr) Expr { return agg(exec.AggMax, x) }

// CountOf counts the rows where x is not null.
func CountOf(x Expr) Expr { return agg(exec.AggCount, x) }

// CountDistinct counts the distinct non-null values of x.
func CountDistinct(x Expr) Expr { return agg(exec.AggCountDistinct, x) }

// Count counts rows: count(*).
func Count() Expr { return wrap(plan.AggCall{Func: exec.AggCountStar}) }

// AggFn calls a registered Go aggregate UDF by name.
func AggFn(name string, args ...Expr) Expr {
	items, err := unwrap(args)
	if err != nil {
		return Expr{err: err}
	}
	return wrap(plan.AggCall{Func: exec.AggUDF, Args: items, UDF: &exec.AggregateUDF{Name: strings.ToLower(name)}})
}

func unwrap(xs []Expr) ([]plan.Expr, error) {
	out := make([]plan.Expr, len(xs))
	for i, x := range xs {
		if x.err != nil {
			return nil, x.err
		}
		if x.e == nil {
			return nil, fmt.Errorf("%w: empty expression (use dataflow.Col or dataflow.Lit)", ErrUsage)
		}
		out[i] = x.e
	}
	return out, nil
}

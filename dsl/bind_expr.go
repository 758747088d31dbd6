package dsl

import (
	"errors"
	"fmt"
	"strings"

	"github.com/apache/arrow/go/v15/arrow"
	"github.com/apache/arrow/go/v15/arrow/scalar"

	"github.com/dataflow-go/dataflow/dsl/parser"
	"github.com/dataflow-go/dataflow/exec"
	"github.com/dataflow-go/dataflow/plan"
)

// exprCtx binds the expressions of one clause.
type exprCtx struct {
	b      *binder
	sc     *scope
	clause string // "WHERE", "ON", ... for messages
	// agg is set where aggregates may stand (SELECT, HAVING and ORDER BY of
	// an aggregating query): expressions then bind over the groups and
	// aggregate results.
	agg *aggState
	// inAgg is set while binding an aggregate's arguments.
	inAgg bool
	// applies receives the subqueries the clause contains; nil forbids
	// subqueries.
	applies *[]pendingApply
}

// aggState collects a SELECT's groups and aggregate calls.
type aggState struct {
	groups   []plan.Expr // as given to plan.NewAggregate
	groupKey []string    // String() of each group expression, for matching
	groupRef []plan.Column
	groupTyp []arrow.DataType
	aggs     []plan.Expr // Alias{AggCall, name}
	aggIdx   map[string]int
}

// pendingApply is a subquery waiting to be attached to the clause's input.
type pendingApply struct {
	kind plan.SubqueryKind
	node plan.Node
	in   plan.Expr
	name string
	pos  parser.Pos
}

func (c *exprCtx) sub() *exprCtx {
	d := *c
	return &d
}

// typeOf types e by its column references, whose types the binder has
// recorded: no node has to exist yet.
func (c *exprCtx) typeOf(e plan.Expr, p parser.Pos) (arrow.DataType, error) {
	var schema plan.Schema
	seen := map[plan.Column]bool{}
	for _, col := range plan.Columns(e) {
		if seen[col] {
			continue
		}
		seen[col] = true
		t, ok := c.b.types[col]
		if !ok {
			return nil, c.b.errAt(p, exec.ErrInternal, "binder lost the type of %s", col)
		}
		schema = append(schema, plan.Field{Relation: col.Relation, Name: col.Name, Type: t, Nullable: true})
	}
	t, err := plan.TypeOf(e, schema)
	if err != nil {
		return nil, c.b.wrapAt(p, cleanTypeError(err))
	}
	return t, nil
}

// cleanTypeError shortens "plan error: in (a + b): type error: cannot..."
// to its informative tail, keeping the error chain.
func cleanTypeError(err error) error {
	msg := err.Error()
	if i := strings.LastIndex(msg, "type error: "); i >= 0 {
		return &wrapped{msg: msg[i+len("type error: "):], err: err}
	}
	return err
}

type wrapped struct {
	msg string
	err error
}

func (w *wrapped) Error() string { return w.msg }
func (w *wrapped) Unwrap() error { return w.err }

func (c *exprCtx) bind(e parser.Expr) (plan.Expr, arrow.DataType, error) {
	if c.agg != nil && !c.inAgg {
		if x, t, ok := c.matchGroup(e); ok {
			return x, t, nil
		}
	}
	switch e := e.(type) {
	case *parser.ColumnRef:
		col, err := c.b.resolve(c.sc, e)
		if err != nil {
			return nil, nil, err
		}
		if c.agg != nil && !c.inAgg && c.isLocal(col) {
			return nil, nil, c.b.errAt(e.Pos(), nil, "column %s must appear in the GROUP BY clause or be used in an aggregate function", quote(refText(e)))
		}
		c.b.types[col.col] = col.typ
		return col.col, col.typ, nil
	case *parser.Star:
		return nil, nil, c.b.errAt(e.Pos(), nil, "* is only allowed in a select list or count(*)")
	case *parser.NumberLit:
		v, err := numberLiteral(e.Text)
		if err != nil {
			return nil, nil, c.b.errAt(e.Pos(), nil, "%v", err)
		}
		return lit(v)
	case *parser.StringLit:
		return lit(scalar.NewStringScalar(e.Value))
	case *parser.BoolLit:
		return lit(scalar.NewBooleanScalar(e.Value))
	case *parser.NullLit:
		return lit(scalar.MakeNullScalar(arrow.Null))
	case *parser.TypedLit:
		return c.typedLiteral(e)
	case *parser.IntervalLit:
		v, err := intervalLiteral(e.Value, e.Unit)
		if err != nil {
			return nil, nil, c.b.errAt(e.Pos(), nil, "%v", err)
		}
		return lit(v)
	case *parser.UnaryExpr:
		return c.unary(e)
	case *parser.BinaryExpr:
		return c.binary(e)
	case *parser.IsExpr:
		x, _, err := c.bind(e.Expr)
		if err != nil {
			return nil, nil, err
		}
		var out plan.Expr
		switch e.What {
		case "NULL", "UNKNOWN":
			out = plan.Unary{Op: plan.OpIsNull, Expr: x}
			if e.Not {
				out = plan.Unary{Op: plan.OpIsNotNull, Expr: x}
			}
		case "TRUE", "FALSE":
			cond := x
			if e.What == "FALSE" {
				cond = plan.Unary{Op: plan.OpNot, Expr: x}
			}
			out = plan.Case{Whens: []plan.When{{Cond: cond, Then: boolLit(!e.Not)}}, Else: boolLit(e.Not)}
		default:
			return nil, nil, c.b.errAt(e.Pos(), ErrNotSupported, "IS %s is not supported", e.What)
		}
		return c.typed(out, e.Pos())
	case *parser.DistinctFromExpr:
		l, lt, err := c.bind(e.Left)
		if err != nil {
			return nil, nil, err
		}
		r, rt, err := c.bind(e.Right)
		if err != nil {
			return nil, nil, err
		}
		l, r = coerceCompare(l, lt, r, rt)
		var out plan.Expr = notDistinct(l, r)
		if !e.Not {
			out = plan.Unary{Op: plan.OpNot, Expr: out}
		}
		return c.typed(out, e.Pos())
	case *parser.BetweenExpr:
		x, xt, err := c.bind(e.Expr)
		if err != nil {
			return nil, nil, err
		}
		lo, lot, err := c.bind(e.Low)
		if err != nil {
			return nil, nil, err
		}
		hi, hit, err := c.bind(e.High)
		if err != nil {
			return nil, nil, err
		}
		x1, lo := coerceCompare(x, xt, lo, lot)
		x2, hi := coerceCompare(x, xt, hi, hit)
		var out plan.Expr
		if e.Not {
			out = plan.Binary{Op: exec.OpOr, Left: plan.Binary{Op: exec.OpLt, Left: x1, Right: lo}, Right: plan.Binary{Op: exec.OpGt, Left: x2, Right: hi}}
		} else {
			out = plan.Binary{Op: exec.OpAnd, Left: plan.Binary{Op: exec.OpGtEq, Left: x1, Right: lo}, Right: plan.Binary{Op: exec.OpLtEq, Left: x2, Right: hi}}
		}
		return c.typed(out, e.Pos())
	case *parser.InListExpr:
		x, xt, err := c.bind(e.Expr)
		if err != nil {
			return nil, nil, err
		}
		list := make([]plan.Expr, len(e.List))
		for i, item := range e.List {
			v, vt, err := c.bind(item)
			if err != nil {
				return nil, nil, err
			}
			_, list[i] = coerceCompare(x, xt, v, vt)
		}
		return c.typed(plan.InList{Expr: x, List: list, Negated: e.Not}, e.Pos())
	case *parser.LikeExpr:
		x, _, err := c.bind(e.Expr)
		if err != nil {
			return nil, nil, err
		}
		if _, null := e.Pattern.(*parser.NullLit); null {
			// x LIKE NULL is NULL whatever x is.
			return lit(scalar.MakeNullScalar(arrow.FixedWidthTypes.Boolean))
		}
		pat, err := c.likePattern(e.Pattern)
		if err != nil {
			return nil, nil, err
		}
		if pat == nil {
			return lit(scalar.MakeNullScalar(arrow.FixedWidthTypes.Boolean))
		}
		// As in PostgreSQL, backslash escapes unless ESCAPE names another
		// character, and ESCAPE '' turns escaping off. A pattern without a
		// backslash keeps no escape, so its plan is unchanged.
		var esc rune
		if strings.ContainsRune(pat.Value, '\\') {
			esc = '\\'
		}
		if e.Escape != nil {
			s, ok := e.Escape.(*parser.StringLit)
			if !ok || len([]rune(s.Value)) > 1 {
				return nil, nil, c.b.errAt(e.Escape.Pos(), nil, "ESCAPE must be a single character string")
			}
			esc = 0
			if s.Value != "" {
				esc = []rune(s.Value)[0]
			}
		}
		return c.typed(plan.Like{Expr: x, Pattern: pat.Value, Escape: esc, CaseInsensitive: e.CaseInsensitive, Negated: e.Not}, e.Pos())
	case *parser.CaseExpr:
		return c.caseExpr(e)
	case *parser.CastExpr:
		x, _, err := c.bind(e.Expr)
		if err != nil {
			return nil, nil, err
		}
		t, err := c.b.typeName(e.Type)
		if err != nil {
			return nil, nil, err
		}
		if s, ok := e.Expr.(*parser.StringLit); ok && t.ID() == arrow.DATE32 {
			v, err := dateLiteral(s.Value)
			if err != nil {
				return nil, nil, c.b.errAt(e.Expr.Pos(), nil, "%v", err)
			}
			return lit(v)
		}
		return c.typed(plan.Cast{Expr: x, To: t}, e.Pos())
	case *parser.ExtractExpr:
		x, _, err := c.bind(e.Expr)
		if err != nil {
			return nil, nil, err
		}
		field := strings.ToLower(e.Field)
		return c.typed(plan.Func{Name: "date_part", Args: []plan.Expr{plan.Literal{Value: scalar.NewStringScalar(field)}, x}}, e.Pos())
	case *parser.FuncCall:
		return c.funcCall(e)
	case *parser.ExistsExpr:
		return c.subquery(plan.SubqueryExists, e.Query, nil, e.Pos())
	case *parser.InSubqueryExpr:
		x, _, err := c.bind(e.Expr)
		if err != nil {
			return nil, nil, err
		}
		m, t, err := c.subquery(plan.SubqueryIn, e.Query, x, e.Pos())
		if err != nil {
			return nil, nil, err
		}
		if e.Not {
			return plan.Unary{Op: plan.OpNot, Expr: m}, t, nil
		}
		return m, t, nil
	case *parser.SubqueryExpr:
		return c.subquery(plan.SubqueryScalar, e.Query, nil, e.Pos())
	case *parser.TupleExpr:
		return nil, nil, c.b.errAt(e.Pos(), ErrNotSupported, "row values (a, b, ...) are not supported here")
	}
	return nil, nil, c.b.errAt(e.Pos(), ErrNotSupported, "expression %s is not supported", e)
}

func lit(v scalar.Scalar) (plan.Expr, arrow.DataType, error) {
	return plan.Literal{Value: v}, v.DataType(), nil
}

func boolLit(v bool) plan.Expr { return plan.Literal{Value: scalar.NewBooleanScalar(v)} }

// notDistinct is l IS NOT DISTINCT FROM r, never NULL.
func notDistinct(l, r plan.Expr) plan.Expr {
	return plan.Case{Whens: []plan.When{
		{Cond: plan.Unary{Op: plan.OpIsNull, Expr: l}, Then: plan.Unary{Op: plan.OpIsNull, Expr: r}},
		{Cond: plan.Unary{Op: plan.OpIsNull, Expr: r}, Then: boolLit(false)},
	}, Else: plan.Binary{Op: exec.OpEq, Left: l, Right: r}}
}

func (c *exprCtx) typed(e plan.Expr, p parser.Pos) (plan.Expr, arrow.DataType, error) {
	t, err := c.typeOf(e, p)
	if err != nil {
		return nil, nil, err
	}
	return e, t, nil
}

// isLocal reports whether col belongs to the clause's own FROM (rather
// than to an enclosing query, whose columns are constants here).
func (c *exprCtx) isLocal(col column) bool {
	for _, x := range c.sc.cols {
		if x.col == col.col {
			return true
		}
	}
	return false
}

// coerceCompare converts a string literal compared with a date or
// timestamp to that type, as DuckDB and PostgreSQL do.
func coerceCompare(l plan.Expr, lt arrow.DataType, r plan.Expr, rt arrow.DataType) (plan.Expr, plan.Expr) {
	temporal := func(t arrow.DataType) bool {
		return t != nil && (t.ID() == arrow.DATE32 || t.ID() == arrow.TIMESTAMP)
	}
	strLit := func(e plan.Expr) bool {
		x, ok := e.(plan.Literal)
		return ok && x.Value != nil && x.Value.DataType().ID() == arrow.STRING
	}
	switch {
	case temporal(lt) && strLit(r):
		return l, castLiteral(r, lt)
	case temporal(rt) && strLit(l):
		return castLiteral(l, rt), r
	}
	return l, r
}

func castLiteral(e plan.Expr, t arrow.DataType) plan.Expr {
	s := e.(plan.Literal).Value.(*scalar.String).String()
	if t.ID() == arrow.DATE32 {
		if v, err := dateLiteral(s); err == nil {
			return plan.Literal{Value: v}
		}
	} else if v, err := timestampLiteral(s); err == nil {
		return plan.Literal{Value: v}
	}
	return plan.Cast{Expr: e, To: t}
}

func (c *exprCtx) typedLiteral(e *parser.TypedLit) (plan.Expr, arrow.DataType, error) {
	var v scalar.Scalar
	var err error
	switch e.Type.Name {
	case "date":
		v, err = dateLiteral(e.Value)
	case "timestamp":
		v, err = timestampLiteral(e.Value)
	default:
		t, terr := c.b.typeName(e.Type)
		if terr != nil {
			return nil, nil, terr
		}
		return c.typed(plan.Cast{Expr: plan.Literal{Value: scalar.NewStringScalar(e.Value)}, To: t}, e.Pos())
	}
	if err != nil {
		return nil, nil, c.b.errAt(e.Pos(), nil, "%v", err)
	}
	return lit(v)
}

var binaryOps = map[string]exec.BinaryOp{
	"+": exec.OpAdd, "-": exec.OpSub, "*": exec.OpMul, "/": exec.OpDiv, "%": exec.OpMod,
	"=": exec.OpEq, "<>": exec.OpNotEq, "<": exec.OpLt, "<=": exec.OpLtEq, ">": exec.OpGt, ">=": exec.OpGtEq,
	"AND": exec.OpAnd, "OR": exec.OpOr, "||": exec.OpConcat,
}

func (c *exprCtx) unary(e *parser.UnaryExpr) (plan.Expr, arrow.DataType, error) {
	if n, ok := e.Expr.(*parser.NumberLit); ok && e.Op == "-" {
		v, err := numberLiteral("-" + n.Text)
		if err != nil {
			return nil, nil, c.b.errAt(e.Pos(), nil, "%v", err)
		}
		return lit(v)
	}
	x, _, err := c.bind(e.Expr)
	if err != nil {
		return nil, nil, err
	}
	switch e.Op {
	case "+":
		return c.typed(x, e.Pos())
	case "-":
		return c.typed(plan.Unary{Op: plan.OpNegate, Expr: x}, e.Pos())
	case "NOT":
		return c.typed(plan.Unary{Op: plan.OpNot, Expr: x}, e.Pos())
	}
	return nil, nil, c.b.errAt(e.Pos(), ErrNotSupported, "unary operator %s is not supported", e.Op)
}

func (c *exprCtx) binary(e *parser.BinaryExpr) (plan.Expr, arrow.DataType, error) {
	op, ok := binaryOps[e.Op]
	if !ok {
		return nil, nil, c.b.errAt(e.OpPos, ErrNotSupported, "operator %s is not supported", e.Op)
	}
	l, lt, err := c.bind(e.Left)
	if err != nil {
		return nil, nil, err
	}
	r, rt, err := c.bind(e.Right)
	if err != nil {
		return nil, nil, err
	}
	if op.IsComparison() {
		l, r = coerceCompare(l, lt, r, rt)
	}
	return c.typed(plan.Binary{Op: op, Left: l, Right: r}, e.OpPos)
}

// likePattern evaluates a LIKE pattern, which must be a constant string
// expression ('%' || 'x' is one); nil means the pattern is NULL.
func (c *exprCtx) likePattern(e parser.Expr) (*parser.StringLit, error) {
	if s, ok := e.(*parser.StringLit); ok {
		return s, nil
	}
	notConst := c.b.errAt(e.Pos(), ErrNotSupported, "LIKE needs a constant string pattern")
	if c.b.containsAggOrSubquery(e) {
		return nil, notConst
	}
	x, t, err := c.sub().bind(e)
	if err != nil {
		return nil, err
	}
	if len(plan.Columns(x)) > 0 || (t.ID() != arrow.STRING && t.ID() != arrow.NULL) {
		return nil, notConst
	}
	v, err := evalConstant(x)
	if err != nil {
		return nil, c.b.wrapAt(e.Pos(), err)
	}
	if !v.IsValid() {
		return nil, nil
	}
	s := &parser.StringLit{Value: v.(*scalar.String).String()}
	s.Position = e.Pos()
	return s, nil
}

func (c *exprCtx) caseExpr(e *parser.CaseExpr) (plan.Expr, arrow.DataType, error) {
	var operand plan.Expr
	var ot arrow.DataType
	if e.Operand != nil {
		var err error
		if operand, ot, err = c.bind(e.Operand); err != nil {
			return nil, nil, err
		}
	}
	out := plan.Case{}
	for _, w := range e.Whens {
		cond, ct, err := c.bind(w.Cond)
		if err != nil {
			return nil, nil, err
		}
		if operand != nil {
			l, r := coerceCompare(operand, ot, cond, ct)
			cond = plan.Binary{Op: exec.OpEq, Left: l, Right: r}
		}
		then, _, err := c.bind(w.Result)
		if err != nil {
			return nil, nil, err
		}
		out.Whens = append(out.Whens, plan.When{Cond: cond, Then: then})
	}
	if e.Else != nil {
		els, _, err := c.bind(e.Else)
		if err != nil {
			return nil, nil, err
		}
		out.Else = els
	}
	return c.typed(out, e.Pos())
}

// aggFuncs are the built-in aggregate functions.
var aggFuncs = map[string]exec.AggFunc{
	"count": exec.AggCount, "sum": exec.AggSum, "avg": exec.AggAvg, "min": exec.AggMin, "max": exec.AggMax,
}

// isAggregateName reports whether a call of name aggregates.
func (b *binder) isAggregateName(name string) bool {
	if _, ok := aggFuncs[name]; ok {
		return true
	}
	_, _, ok := b.cat.AggregateFunction(name)
	return ok
}

func (c *exprCtx) funcCall(e *parser.FuncCall) (plan.Expr, arrow.DataType, error) {
	name := strings.ToLower(e.Name)
	if c.b.isAggregateName(name) {
		return c.aggregate(e, name)
	}
	if e.Star || e.Distinct {
		return nil, nil, c.b.errAt(e.Pos(), nil, "%s is not an aggregate function, so it takes no * or DISTINCT", name)
	}
	args := make([]plan.Expr, len(e.Args))
	for i, a := range e.Args {
		x, _, err := c.bind(a)
		if err != nil {
			return nil, nil, err
		}
		args[i] = x
	}
	if u, ok := c.b.cat.ScalarFunction(name); ok {
		return c.typed(plan.UDFCall{UDF: u, Args: args}, e.Pos())
	}
	x, t, err := c.typed(plan.Func{Name: name, Args: args}, e.Pos())
	if err != nil && strings.Contains(err.Error(), "unknown function") {
		var be *Error
		if errors.As(err, &be) {
			be.Msg = fmt.Sprintf("unknown function %s", name)
		}
	}
	return x, t, err
}

func (c *exprCtx) aggregate(e *parser.FuncCall, name string) (plan.Expr, arrow.DataType, error) {
	if c.agg == nil || c.inAgg {
		if c.inAgg {
			return nil, nil, c.b.errAt(e.Pos(), nil, "aggregate function calls cannot be nested")
		}
		return nil, nil, c.b.errAt(e.Pos(), nil, "aggregate functions are not allowed in %s", c.clause)
	}
	inner := c.sub()
	inner.inAgg = true
	inner.applies = nil
	var call plan.AggCall
	switch {
	case e.Star:
		if name != "count" {
			return nil, nil, c.b.errAt(e.Pos(), nil, "%s(*) is not allowed; only count(*)", name)
		}
		call.Func = exec.AggCountStar
	default:
		for _, a := range e.Args {
			x, _, err := inner.bind(a)
			if err != nil {
				return nil, nil, err
			}
			call.Args = append(call.Args, x)
		}
		if f, ok := aggFuncs[name]; ok {
			call.Func = f
			if len(call.Args) != 1 {
				return nil, nil, c.b.errAt(e.Pos(), nil, "%s takes one argument, got %d", name, len(call.Args))
			}
			if e.Distinct {
				switch name {
				case "count":
					call.Func = exec.AggCountDistinct
				case "min", "max":
				default:
					return nil, nil, c.b.errAt(e.Pos(), ErrNotSupported, "%s(DISTINCT ...) is not supported; only count(DISTINCT ...)", name)
				}
			}
		} else {
			udf, argTypes, _ := c.b.cat.AggregateFunction(name)
			if e.Distinct {
				return nil, nil, c.b.errAt(e.Pos(), ErrNotSupported, "DISTINCT is not supported for %s", name)
			}
			if len(call.Args) != len(argTypes) {
				return nil, nil, c.b.errAt(e.Pos(), nil, "%s takes %d argument(s), got %d", name, len(argTypes), len(call.Args))
			}
			for i, a := range call.Args {
				t, err := c.typeOf(a, e.Args[i].Pos())
				if err != nil {
					return nil, nil, err
				}
				if !arrow.TypeEqual(t, argTypes[i]) {
					call.Args[i] = plan.Cast{Expr: a, To: argTypes[i]}
				}
			}
			call.Func, call.UDF, call.UDFArgs = exec.AggUDF, udf, argTypes
		}
	}
	t, err := c.typeOf(call, e.Pos())
	if err != nil {
		return nil, nil, err
	}
	key := call.String()
	idx, ok := c.agg.aggIdx[key]
	if !ok {
		idx = len(c.agg.aggs)
		c.agg.aggIdx[key] = idx
		c.agg.aggs = append(c.agg.aggs, plan.Alias{Expr: call, Name: key})
	}
	ref := plan.Column{Name: key}
	c.b.types[ref] = t
	return ref, t, nil
}

// matchGroup binds e as a grouping expression when it is one.
func (c *exprCtx) matchGroup(e parser.Expr) (plan.Expr, arrow.DataType, bool) {
	switch e.(type) {
	case *parser.NumberLit, *parser.StringLit, *parser.BoolLit, *parser.NullLit, *parser.TypedLit, *parser.IntervalLit:
		return nil, nil, false
	}
	if len(c.agg.groupKey) == 0 || c.b.containsAggOrSubquery(e) {
		return nil, nil, false
	}
	pre := c.sub()
	pre.agg, pre.applies = nil, nil
	x, _, err := pre.bind(e)
	if err != nil {
		return nil, nil, false
	}
	key := x.String()
	for i, g := range c.agg.groupKey {
		if g == key {
			return c.agg.groupRef[i], c.agg.groupTyp[i], true
		}
	}
	return nil, nil, false
}

// subquery binds a nested query and registers it to be applied to the
// clause's input; the returned column holds its result.
func (c *exprCtx) subquery(kind plan.SubqueryKind, q *parser.Query, in plan.Expr, p parser.Pos) (plan.Expr, arrow.DataType, error) {
	if c.applies == nil {
		return nil, nil, c.b.errAt(p, ErrNotSupported, "subqueries are not supported in %s", c.clause)
	}
	node, _, err := c.b.bindQuery(q, c.sc, c.b.env)
	if err != nil {
		return nil, nil, err
	}
	s := node.Schema()
	var t arrow.DataType = arrow.FixedWidthTypes.Boolean
	switch kind {
	case plan.SubqueryIn, plan.SubqueryScalar:
		if len(s) != 1 {
			return nil, nil, c.b.errAt(p, nil, "subquery must return one column, it returns %d", len(s))
		}
		if kind == plan.SubqueryScalar {
			t = s[0].Type
		}
	}
	name := c.b.fresh("$sq")
	*c.applies = append(*c.applies, pendingApply{kind: kind, node: node, in: in, name: name, pos: p})
	ref := plan.Column{Name: name}
	c.b.types[ref] = t
	return ref, t, nil
}

// containsAggOrSubquery reports whether e calls an aggregate or holds a
// subquery (not looking inside subqueries).
func (b *binder) containsAggOrSubquery(e parser.Expr) bool {
	found := false
	walkExpr(e, func(x parser.Expr) bool {
		switch x := x.(type) {
		case *parser.FuncCall:
			if b.isAggregateName(strings.ToLower(x.Name)) {
				found = true
			}
		case *parser.ExistsExpr, *parser.SubqueryExpr, *parser.InSubqueryExpr:
			found = true
		}
		return !found
	})
	return found
}

// containsAggregate reports whether e calls an aggregate outside any
// subquery.
func (b *binder) containsAggregate(e parser.Expr) bool {
	found := false
	walkExpr(e, func(x parser.Expr) bool {
		if f, ok := x.(*parser.FuncCall); ok && b.isAggregateName(strings.ToLower(f.Name)) {
			found = true
		}
		return !found
	})
	return found
}

// walkExpr visits e and its sub-expressions (not entering subqueries).
func walkExpr(e parser.Expr, fn func(parser.Expr) bool) {
	if e == nil || !fn(e) {
		return
	}
	var kids []parser.Expr
	switch e := e.(type) {
	case *parser.UnaryExpr:
		kids = []parser.Expr{e.Expr}
	case *parser.BinaryExpr:
		kids = []parser.Expr{e.Left, e.Right}
	case *parser.IsExpr:
		kids = []parser.Expr{e.Expr}
	case *parser.DistinctFromExpr:
		kids = []parser.Expr{e.Left, e.Right}
	case *parser.BetweenExpr:
		kids = []parser.Expr{e.Expr, e.Low, e.High}
	case *parser.InListExpr:
		kids = append([]parser.Expr{e.Expr}, e.List...)
	case *parser.InSubqueryExpr:
		kids = []parser.Expr{e.Expr}
	case *parser.LikeExpr:
		kids = []parser.Expr{e.Expr, e.Pattern, e.Escape}
	case *parser.CaseExpr:
		kids = []parser.Expr{e.Operand, e.Else}
		for _, w := range e.Whens {
			kids = append(kids, w.Cond, w.Result)
		}
	case *parser.CastExpr:
		kids = []parser.Expr{e.Expr}
	case *parser.ExtractExpr:
		kids = []parser.Expr{e.Expr}
	case *parser.FuncCall:
		kids = e.Args
	case *parser.TupleExpr:
		kids = e.Items
	}
	for _, k := range kids {
		if k != nil {
			walkExpr(k, fn)
		}
	}
}

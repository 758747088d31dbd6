package dataflow

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/dataflow-go/dataflow/plan"
)

// ErrJSONPlan reports a malformed JSON plan.
var ErrJSONPlan = fmt.Errorf("%w: bad JSON plan", ErrUsage)

// A JSON plan describes a query the way the fluent builder does, as data,
// so the CLI can run jobs without Go code:
//
//	{
//	  "tables": {"lineitem": {"path": "lineitem.parquet"}},
//	  "query": [
//	    {"from": "lineitem"},
//	    {"where": {"<=": [{"col": "l_shipdate"}, {"date": "1998-09-02"}]}},
//	    {"group_by": [{"col": "l_returnflag"}]},
//	    {"agg": [{"sum": {"col": "l_quantity"}, "as": "sum_qty"}]},
//	    {"order_by": [{"asc": {"col": "l_returnflag"}}]},
//	    {"limit": 10}
//	  ]
//	}
//
// Steps: from, from_as ({"table":..,"alias":..}), where, select, group_by,
// agg, join ({"query": [...], "on": expr, "type": "inner|left|right|full|
// semi|anti"}), order_by (items {"asc": e} or {"desc": e}), limit, offset
// ({"skip": n, "limit": m}), distinct (true), union_all ([[...], ...]).
//
// Expressions are objects with one operator key and an optional "as":
// col, lit, date, decimal, interval ({"months": m, "days": d}); binary
// operators + - * / % = <> < <= > >= and or || over an array of operands;
// not, neg, is_null, is_not_null; between [x, lo, hi]; like / not_like
// [x, "pattern"]; in / not_in [x, items...]; cast {"expr": e, "type":
// "decimal(15,2)"}; case {"when": [[cond, value], ...], "else": e}; fn
// with args; the aggregates sum, avg, min, max, count (an expression or
// "*"), count_distinct, and agg_fn with args for Go aggregate UDFs.
type jsonPlan struct {
	Tables map[string]jsonTable `json:"tables"`
	Query  []json.RawMessage    `json:"query"`
}

type jsonTable struct {
	Path    string            `json:"path"`
	Format  string            `json:"format"`
	Options map[string]string `json:"options"`
}

// LoadJSONPlanFile reads a JSON plan, registers the tables it lists (paths
// relative to the plan file) unless a table of that name is already
// registered, and returns its query.
func (e *Engine) LoadJSONPlanFile(path string) (*Query, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrUsage, err)
	}
	q, err := e.LoadJSONPlan(data, filepath.Dir(path))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return q, nil
}

// LoadJSONPlan is LoadJSONPlanFile over bytes, with table paths relative
// to baseDir.
func (e *Engine) LoadJSONPlan(data []byte, baseDir string) (*Query, error) {
	var p jsonPlan
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&p); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrJSONPlan, err)
	}
	names := make([]string, 0, len(p.Tables))
	for n := range p.Tables {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, name := range names {
		if _, err := e.catalog.Lookup(name); err == nil {
			continue
		}
		t := p.Tables[name]
		if t.Path == "" {
			return nil, fmt.Errorf("%w: table %q has no path", ErrJSONPlan, name)
		}
		path := t.Path
		if !filepath.IsAbs(path) {
			path = filepath.Join(baseDir, path)
		}
		opts := map[string]string{"format": t.Format}
		for k, v := range t.Options {
			opts[k] = v
		}
		if err := e.RegisterFile(name, path, opts); err != nil {
			return nil, err
		}
	}
	if len(p.Query) == 0 {
		return nil, fmt.Errorf("%w: no \"query\" steps", ErrJSONPlan)
	}
	return e.jsonQuery(p.Query)
}

func (e *Engine) jsonQuery(steps []json.RawMessage) (*Query, error) {
	var q *Query
	for i, raw := range steps {
		var step map[string]json.RawMessage
		if err := json.Unmarshal(raw, &step); err != nil || len(step) != 1 {
			return nil, fmt.Errorf("%w: step %d must be an object with one key, got %s", ErrJSONPlan, i+1, raw)
		}
		for op, arg := range step {
			if q == nil && op != "from" && op != "from_as" {
				return nil, fmt.Errorf("%w: step 1 must be from or from_as, got %q", ErrJSONPlan, op)
			}
			next, err := e.jsonStep(q, op, arg)
			if err != nil {
				return nil, fmt.Errorf("step %d (%s): %w", i+1, op, err)
			}
			q = next
		}
	}
	if _, err := q.Plan(); err != nil {
		return nil, err
	}
	return q, nil
}

func (e *Engine) jsonStep(q *Query, op string, arg json.RawMessage) (*Query, error) {
	switch op {
	case "from":
		var t string
		if err := json.Unmarshal(arg, &t); err != nil {
			return nil, fmt.Errorf("%w: from takes a table name", ErrJSONPlan)
		}
		return e.From(t), nil
	case "from_as":
		var t struct{ Table, Alias string }
		if err := json.Unmarshal(arg, &t); err != nil || t.Table == "" {
			return nil, fmt.Errorf("%w: from_as takes {\"table\": ..., \"alias\": ...}", ErrJSONPlan)
		}
		return e.FromAs(t.Table, t.Alias), nil
	case "where":
		x, err := parseJSONExpr(arg)
		if err != nil {
			return nil, err
		}
		return q.Where(x), nil
	case "select", "group_by", "agg":
		xs, err := parseJSONExprs(arg)
		if err != nil {
			return nil, err
		}
		switch op {
		case "select":
			return q.Select(xs...), nil
		case "group_by":
			return q.GroupBy(xs...), nil
		}
		return q.Agg(xs...), nil
	case "join":
		var j struct {
			Query []json.RawMessage `json:"query"`
			On    json.RawMessage   `json:"on"`
			Type  string            `json:"type"`
		}
		if err := json.Unmarshal(arg, &j); err != nil {
			return nil, fmt.Errorf("%w: join: %v", ErrJSONPlan, err)
		}
		other, err := e.jsonQuery(j.Query)
		if err != nil {
			return nil, fmt.Errorf("join query: %w", err)
		}
		var on Expr
		if len(j.On) > 0 {
			if on, err = parseJSONExpr(j.On); err != nil {
				return nil, err
			}
		}
		typ, ok := map[string]JoinType{"": InnerJoin, "inner": InnerJoin, "left": LeftJoin, "right": RightJoin,
			"full": FullJoin, "semi": SemiJoin, "anti": AntiJoin}[strings.ToLower(j.Type)]
		if !ok {
			return nil, fmt.Errorf("%w: unknown join type %q (inner, left, right, full, semi, anti)", ErrJSONPlan, j.Type)
		}
		return q.Join(other, on, typ), nil
	case "order_by":
		var items []map[string]json.RawMessage
		if err := json.Unmarshal(arg, &items); err != nil {
			return nil, fmt.Errorf("%w: order_by takes a list of {\"asc\": expr} or {\"desc\": expr}", ErrJSONPlan)
		}
		keys := make([]SortKey, 0, len(items))
		for _, it := range items {
			if a, ok := it["asc"]; ok && len(it) == 1 {
				x, err := parseJSONExpr(a)
				if err != nil {
					return nil, err
				}
				keys = append(keys, x.Asc())
			} else if d, ok := it["desc"]; ok && len(it) == 1 {
				x, err := parseJSONExpr(d)
				if err != nil {
					return nil, err
				}
				keys = append(keys, x.Desc())
			} else {
				return nil, fmt.Errorf("%w: order_by item must be {\"asc\": expr} or {\"desc\": expr}", ErrJSONPlan)
			}
		}
		return q.OrderBy(keys...), nil
	case "limit":
		var n int64
		if err := json.Unmarshal(arg, &n); err != nil {
			return nil, fmt.Errorf("%w: limit takes a number", ErrJSONPlan)
		}
		return q.Limit(n), nil
	case "offset":
		var o struct{ Skip, Limit int64 }
		o.Limit = -1
		if err := json.Unmarshal(arg, &o); err != nil {
			return nil, fmt.Errorf("%w: offset takes {\"skip\": n, \"limit\": m}", ErrJSONPlan)
		}
		return q.Offset(o.Skip, o.Limit), nil
	case "distinct":
		return q.Distinct(), nil
	case "union_all":
		var branches [][]json.RawMessage
		if err := json.Unmarshal(arg, &branches); err != nil {
			return nil, fmt.Errorf("%w: union_all takes a list of queries", ErrJSONPlan)
		}
		others := make([]*Query, len(branches))
		for i, b := range branches {
			o, err := e.jsonQuery(b)
			if err != nil {
				return nil, err
			}
			others[i] = o
		}
		return q.UnionAll(others...), nil
	}
	return nil, fmt.Errorf("%w: unknown step %q", ErrJSONPlan, op)
}

func parseJSONExprs(raw json.RawMessage) ([]Expr, error) {
	var items []json.RawMessage
	if err := json.Unmarshal(raw, &items); err != nil {
		return nil, fmt.Errorf("%w: expected a list of expressions, got %s", ErrJSONPlan, raw)
	}
	out := make([]Expr, len(items))
	for i, it := range items {
		x, err := parseJSONExpr(it)
		if err != nil {
			return nil, err
		}
		out[i] = x
	}
	return out, nil
}

var jsonBinary = map[string]func(Expr, Expr) Expr{
	"+": Expr.Add, "-": Expr.Sub, "*": Expr.Mul, "/": Expr.Div, "%": Expr.Mod,
	"=": Expr.Eq, "<>": Expr.NotEq, "!=": Expr.NotEq, "<": Expr.Lt, "<=": Expr.LtEq,
	">": Expr.Gt, ">=": Expr.GtEq, "and": Expr.And, "or": Expr.Or, "||": Expr.Concat,
}

// jsonVariadic operators take two or more operands, folded from the left.
var jsonVariadic = map[string]bool{"+": true, "*": true, "and": true, "or": true, "||": true}

var jsonUnary = map[string]func(Expr) Expr{
	"not": Expr.Not, "neg": Expr.Neg, "is_null": Expr.IsNull, "is_not_null": Expr.IsNotNull,
}

var jsonAgg = map[string]func(Expr) Expr{
	"sum": Sum, "avg": Avg, "min": Min, "max": Max, "count_distinct": CountDistinct,
}

func parseJSONExpr(raw json.RawMessage) (Expr, error) {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(raw, &m); err != nil {
		return Expr{}, fmt.Errorf("%w: expected an expression object, got %s", ErrJSONPlan, raw)
	}
	var alias string
	if a, ok := m["as"]; ok {
		if err := json.Unmarshal(a, &alias); err != nil {
			return Expr{}, fmt.Errorf("%w: \"as\" takes a name", ErrJSONPlan)
		}
		delete(m, "as")
	}
	args, hasArgs := m["args"]
	delete(m, "args")
	if len(m) != 1 {
		keys := make([]string, 0, len(m))
		for k := range m {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		return Expr{}, fmt.Errorf("%w: an expression needs exactly one operator key, got %v in %s", ErrJSONPlan, keys, raw)
	}
	var x Expr
	var err error
	for op, arg := range m {
		x, err = jsonOperator(op, arg, args, hasArgs)
	}
	if err != nil {
		return Expr{}, err
	}
	if alias != "" {
		x = x.As(alias)
	}
	return x, x.err
}

func jsonOperator(op string, arg, args json.RawMessage, hasArgs bool) (Expr, error) {
	str := func() (string, error) {
		var s string
		if err := json.Unmarshal(arg, &s); err != nil {
			return "", fmt.Errorf("%w: %s takes a string, got %s", ErrJSONPlan, op, arg)
		}
		return s, nil
	}
	if f, ok := jsonBinary[op]; ok {
		xs, err := parseJSONExprs(arg)
		if err != nil {
			return Expr{}, err
		}
		if len(xs) < 2 || (len(xs) > 2 && !jsonVariadic[op]) {
			return Expr{}, fmt.Errorf("%w: %s takes two operands, got %d", ErrJSONPlan, op, len(xs))
		}
		out := xs[0]
		for _, y := range xs[1:] {
			out = f(out, y)
		}
		return out, nil
	}
	if f, ok := jsonUnary[op]; ok {
		x, err := parseJSONExpr(arg)
		return f(x), err
	}
	if f, ok := jsonAgg[op]; ok {
		x, err := parseJSONExpr(arg)
		return f(x), err
	}
	switch op {
	case "col", "date", "decimal":
		s, err := str()
		if err != nil {
			return Expr{}, err
		}
		return map[string]func(string) Expr{"col": Col, "date": Date, "decimal": Decimal}[op](s), nil
	case "lit":
		dec := json.NewDecoder(bytes.NewReader(arg))
		dec.UseNumber()
		var v any
		if err := dec.Decode(&v); err != nil {
			return Expr{}, fmt.Errorf("%w: lit: %v", ErrJSONPlan, err)
		}
		switch v := v.(type) {
		case json.Number:
			if i, err := v.Int64(); err == nil {
				if int64(int32(i)) == i {
					return Lit(int32(i)), nil
				}
				return Lit(i), nil
			}
			f, err := v.Float64()
			if err != nil {
				return Expr{}, fmt.Errorf("%w: lit %s is not a number", ErrJSONPlan, v)
			}
			return Lit(f), nil
		case nil, bool, string:
			return Lit(v), nil
		}
		return Expr{}, fmt.Errorf("%w: lit takes a number, string, bool or null", ErrJSONPlan)
	case "interval":
		var iv struct{ Months, Days int32 }
		if err := json.Unmarshal(arg, &iv); err != nil {
			return Expr{}, fmt.Errorf("%w: interval takes {\"months\": m, \"days\": d}", ErrJSONPlan)
		}
		return Interval(iv.Months, iv.Days), nil
	case "count":
		if s, err := str(); err == nil && s == "*" {
			return Count(), nil
		}
		x, err := parseJSONExpr(arg)
		return CountOf(x), err
	case "between":
		xs, err := parseJSONExprs(arg)
		if err != nil || len(xs) != 3 {
			return Expr{}, fmt.Errorf("%w: between takes [x, low, high]", ErrJSONPlan)
		}
		return xs[0].Between(xs[1], xs[2]), nil
	case "like", "not_like":
		var parts []json.RawMessage
		var pattern string
		if err := json.Unmarshal(arg, &parts); err != nil || len(parts) != 2 || json.Unmarshal(parts[1], &pattern) != nil {
			return Expr{}, fmt.Errorf("%w: %s takes [x, \"pattern\"]", ErrJSONPlan, op)
		}
		x, err := parseJSONExpr(parts[0])
		if err != nil {
			return Expr{}, err
		}
		if op == "like" {
			return x.Like(pattern), nil
		}
		return x.NotLike(pattern), nil
	case "in", "not_in":
		xs, err := parseJSONExprs(arg)
		if err != nil || len(xs) < 2 {
			return Expr{}, fmt.Errorf("%w: %s takes [x, item, ...]", ErrJSONPlan, op)
		}
		if op == "in" {
			return xs[0].In(xs[1:]...), nil
		}
		return xs[0].NotIn(xs[1:]...), nil
	case "cast":
		var c struct {
			Expr json.RawMessage `json:"expr"`
			Type string          `json:"type"`
		}
		if err := json.Unmarshal(arg, &c); err != nil || c.Type == "" {
			return Expr{}, fmt.Errorf("%w: cast takes {\"expr\": e, \"type\": \"...\"}", ErrJSONPlan)
		}
		x, err := parseJSONExpr(c.Expr)
		if err != nil {
			return Expr{}, err
		}
		t, err := plan.ParseType(c.Type)
		if err != nil {
			return Expr{}, err
		}
		return x.Cast(t), nil
	case "case":
		var c struct {
			When [][]json.RawMessage `json:"when"`
			Else json.RawMessage     `json:"else"`
		}
		if err := json.Unmarshal(arg, &c); err != nil || len(c.When) == 0 {
			return Expr{}, fmt.Errorf("%w: case takes {\"when\": [[cond, value], ...], \"else\": e}", ErrJSONPlan)
		}
		ce := Case()
		for _, w := range c.When {
			if len(w) != 2 {
				return Expr{}, fmt.Errorf("%w: each case arm is [cond, value]", ErrJSONPlan)
			}
			cond, err := parseJSONExpr(w[0])
			if err != nil {
				return Expr{}, err
			}
			val, err := parseJSONExpr(w[1])
			if err != nil {
				return Expr{}, err
			}
			ce = ce.When(cond, val)
		}
		if len(c.Else) == 0 {
			return ce.End(), nil
		}
		els, err := parseJSONExpr(c.Else)
		if err != nil {
			return Expr{}, err
		}
		return ce.Else(els), nil
	case "fn", "agg_fn":
		name, err := str()
		if err != nil {
			return Expr{}, err
		}
		var xs []Expr
		if hasArgs {
			if xs, err = parseJSONExprs(args); err != nil {
				return Expr{}, err
			}
		}
		if op == "fn" {
			return Fn(name, xs...), nil
		}
		return AggFn(name, xs...), nil
	}
	return Expr{}, fmt.Errorf("%w: unknown operator %q", ErrJSONPlan, op)
}

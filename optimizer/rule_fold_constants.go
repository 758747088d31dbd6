package optimizer

import (
	"context"
	"strings"

	"github.com/apache/arrow/go/v15/arrow"
	"github.com/apache/arrow/go/v15/arrow/array"
	"github.com/apache/arrow/go/v15/arrow/memory"
	"github.com/apache/arrow/go/v15/arrow/scalar"

	"github.com/dataflow-go/dataflow/exec"
	"github.com/dataflow-go/dataflow/plan"
)

// foldConstants evaluates every sub-expression that reads no column once,
// at planning time, through the same exec kernels the query would run
// (compiled against an empty schema, evaluated over a one-row batch), so
// `date '1998-12-01' - interval '90' day` becomes a date literal a scan
// can prune row groups with. It also simplifies boolean identities (x AND
// true, x OR false, x AND false, x OR true, NOT NOT x), drops filters and
// inner-join conditions that fold to true, and keeps every output column's
// name by aliasing a rewritten expression to its old name.
//
// An expression whose evaluation fails (1/0, an overflowing cast) is left
// as written: the error, if the row is ever reached, is the query's to
// report at run time, not the planner's.
type foldConstants struct{}

func (foldConstants) Name() string { return "fold_constants" }

// nondeterministic lists built-in functions that must run per row.
var nondeterministic = map[string]bool{"random": true, "now": true, "current_date": true, "current_timestamp": true}

func (foldConstants) Apply(n plan.Node) (plan.Node, bool, error) {
	return transformUp(n, foldNode)
}

func foldNode(n plan.Node) (plan.Node, bool, error) {
	switch n := n.(type) {
	case *plan.Filter:
		p, ch := foldExpr(n.Predicate)
		if isTrue(p) {
			return n.Input, true, nil
		}
		if !ch {
			return n, false, nil
		}
		out, err := plan.NewFilter(n.Input, p)
		return out, true, err
	case *plan.Project:
		exprs, ch := foldNamed(n.Exprs)
		if !ch {
			return n, false, nil
		}
		out, err := plan.NewProject(n.Input, exprs)
		return out, true, err
	case *plan.Aggregate:
		groups, gch := foldNamed(n.Groups)
		aggs, ach := foldNamed(n.Aggs)
		if !gch && !ach {
			return n, false, nil
		}
		out, err := plan.NewAggregate(n.Input, groups, aggs)
		return out, true, err
	case *plan.Join:
		if n.On == nil {
			return n, false, nil
		}
		on, ch := foldExpr(n.On)
		if isTrue(on) && n.Type == exec.JoinInner {
			on, ch = nil, true
		}
		if !ch {
			return n, false, nil
		}
		out, err := plan.NewJoin(n.Left, n.Right, n.Type, on)
		return out, true, err
	case *plan.Sort:
		keys := append([]plan.SortKey(nil), n.Keys...)
		changed := false
		for i, k := range keys {
			e, ch := foldExpr(k.Expr)
			keys[i].Expr, changed = e, changed || ch
		}
		if !changed {
			return n, false, nil
		}
		out, err := plan.NewSort(n.Input, keys)
		return out, true, err
	case *plan.Scan:
		if len(n.Filters) == 0 {
			return n, false, nil
		}
		var filters []plan.Expr
		changed := false
		for _, f := range n.Filters {
			e, ch := foldExpr(f)
			changed = changed || ch
			if isTrue(e) {
				changed = true
				continue
			}
			filters = append(filters, e)
		}
		if !changed {
			return n, false, nil
		}
		out := *n
		out.Filters = filters
		return &out, true, nil
	}
	return n, false, nil
}

// foldNamed folds output expressions, aliasing any that changed to the
// name it had, so the node's schema keeps its column names.
func foldNamed(es []plan.Expr) ([]plan.Expr, bool) {
	out := make([]plan.Expr, len(es))
	changed := false
	for i, e := range es {
		f, ch := foldExpr(e)
		if ch && !strings.EqualFold(plan.OutputName(f), plan.OutputName(e)) {
			f = plan.Alias{Expr: plan.Unalias(f), Name: plan.OutputName(e)}
		}
		out[i], changed = f, changed || ch
	}
	return out, changed
}

// foldExpr folds e bottom-up, reporting whether anything changed.
func foldExpr(e plan.Expr) (plan.Expr, bool) {
	before := e.String()
	out, err := plan.Transform(e, func(x plan.Expr) (plan.Expr, error) {
		x = simplifyBoolean(x)
		if foldable(x) {
			if lit, ok := evalConstant(x); ok {
				return lit, nil
			}
		}
		return x, nil
	})
	if err != nil || out.String() == before {
		return e, false
	}
	return out, true
}

// foldable reports whether x is worth evaluating now: not already a
// literal, reading no column, calling no aggregate, UDF or volatile
// function.
func foldable(x plan.Expr) bool {
	switch x.(type) {
	case plan.Literal, plan.Alias, plan.AggCall:
		return false
	}
	ok := true
	plan.Walk(x, func(y plan.Expr) bool {
		switch y := y.(type) {
		case plan.Column, plan.AggCall, plan.UDFCall:
			ok = false
		case plan.Func:
			if nondeterministic[strings.ToLower(y.Name)] {
				ok = false
			}
		}
		return ok
	})
	return ok
}

// evalConstant evaluates a column-free expression over one row.
func evalConstant(x plan.Expr) (plan.Literal, bool) {
	compiled, err := plan.Compile(x, plan.Schema{})
	if err != nil {
		return plan.Literal{}, false
	}
	mem := memory.NewGoAllocator()
	batch := array.NewRecord(arrow.NewSchema(nil, nil), nil, 1)
	defer batch.Release()
	arr, err := compiled.Eval(exec.NewContext(context.Background(), mem), batch)
	if err != nil {
		return plan.Literal{}, false
	}
	defer arr.Release()
	if arr.Len() != 1 {
		return plan.Literal{}, false
	}
	v, err := scalar.GetScalar(arr, 0)
	if err != nil || !arrow.TypeEqual(v.DataType(), compiled.DataType()) {
		return plan.Literal{}, false
	}
	return plan.Literal{Value: v}, true
}

// simplifyBoolean applies the identities of three-valued logic that hold
// whatever the other operand is (NULL included).
func simplifyBoolean(x plan.Expr) plan.Expr {
	switch e := x.(type) {
	case plan.Binary:
		switch e.Op {
		case exec.OpAnd:
			switch {
			case isFalse(e.Left) || isFalse(e.Right):
				return boolLiteral(false)
			case isTrue(e.Left):
				return e.Right
			case isTrue(e.Right):
				return e.Left
			}
		case exec.OpOr:
			switch {
			case isTrue(e.Left) || isTrue(e.Right):
				return boolLiteral(true)
			case isFalse(e.Left):
				return e.Right
			case isFalse(e.Right):
				return e.Left
			}
		}
	case plan.Unary:
		if inner, ok := e.Expr.(plan.Unary); ok && e.Op == plan.OpNot && inner.Op == plan.OpNot {
			return inner.Expr
		}
	}
	return x
}

func boolLiteral(v bool) plan.Literal { return plan.Literal{Value: scalar.NewBooleanScalar(v)} }

func isTrue(e plan.Expr) bool  { return isBool(e, true) }
func isFalse(e plan.Expr) bool { return isBool(e, false) }

func isBool(e plan.Expr, want bool) bool {
	l, ok := e.(plan.Literal)
	if !ok || l.Value == nil || !l.Value.IsValid() {
		return false
	}
	b, ok := l.Value.(*scalar.Boolean)
	return ok && b.Value == want
}

package optimizer

import (
	"github.com/dataflow-go/dataflow/exec"
	"github.com/dataflow-go/dataflow/plan"
)

// pushPredicates splits filters into conjuncts and moves each as close to
// the data as it may go without changing the result:
//
//   - through projections, with the projection's expressions substituted
//     for the output columns the predicate names;
//   - through inner joins into the side whose columns it uses, or into the
//     join's ON condition when it uses both (so FROM a, b WHERE a.k = b.k
//     becomes a keyed join instead of a cross product);
//   - through left/right joins into the preserved side only (a filter on
//     the null-supplying side would drop rows the join must keep);
//   - below an aggregate when it uses only grouping columns;
//   - below sorts and distincts, into every input of a union, never below a
//     limit.
//
// ON conjuncts that use only one input of an inner join also move into that
// input, and those over the null-supplying side of an outer join move into
// it (they only decide which of its rows match).
type pushPredicates struct{}

func (pushPredicates) Name() string { return "push_predicates" }

func (pushPredicates) Apply(n plan.Node) (plan.Node, bool, error) {
	out, err := pushDown(n, nil)
	if err != nil {
		return nil, false, err
	}
	if plan.Explain(out) == plan.Explain(n) {
		return n, false, nil
	}
	return out, true, nil
}

// pushDown returns a plan equivalent to n filtered by the conjunction of
// preds (predicates over n's schema), with every filter below n pushed too.
func pushDown(n plan.Node, preds []plan.Expr) (plan.Node, error) {
	switch n := n.(type) {
	case *plan.Filter:
		all := append([]plan.Expr(nil), preds...)
		for _, c := range Conjuncts(n.Predicate) {
			all = append(all, Conjuncts(factorDisjunction(c))...)
		}
		return pushDown(n.Input, all)
	case *plan.Project:
		var down, keep []plan.Expr
		for _, p := range preds {
			if s, ok := substitute(p, n.Schema(), n.Exprs); ok && !callsUDF(s) {
				down = append(down, s)
			} else {
				keep = append(keep, p)
			}
		}
		in, err := pushDown(n.Input, down)
		if err != nil {
			return nil, err
		}
		out, err := plan.NewProject(in, n.Exprs)
		if err != nil {
			return nil, err
		}
		return filterOver(out, keep)
	case *plan.Aggregate:
		var down, keep []plan.Expr
		for _, p := range preds {
			// A global aggregate returns a row even for empty input, so
			// nothing may move below it.
			if len(n.Groups) == 0 {
				keep = append(keep, p)
				continue
			}
			if s, ok := substitute(p, n.Schema()[:len(n.Groups)], n.Groups); ok {
				down = append(down, s)
			} else {
				keep = append(keep, p)
			}
		}
		in, err := pushDown(n.Input, down)
		if err != nil {
			return nil, err
		}
		out, err := plan.NewAggregate(in, n.Groups, n.Aggs)
		if err != nil {
			return nil, err
		}
		return filterOver(out, keep)
	case *plan.Sort, *plan.Distinct:
		in, err := pushDown(n.Children()[0], preds)
		if err != nil {
			return nil, err
		}
		return n.WithChildren([]plan.Node{in})
	case *plan.Union:
		return pushUnion(n, preds)
	case *plan.Join:
		return pushJoin(n, preds)
	}
	// Scans, values, limits and anything else: the predicates stop here,
	// and the search for filters goes on below.
	children := n.Children()
	if len(children) > 0 {
		nc := make([]plan.Node, len(children))
		for i, c := range children {
			t, err := pushDown(c, nil)
			if err != nil {
				return nil, err
			}
			nc[i] = t
		}
		var err error
		if n, err = n.WithChildren(nc); err != nil {
			return nil, err
		}
	}
	return filterOver(n, preds)
}

// filterOver puts a filter with preds (duplicates removed) over n.
func filterOver(n plan.Node, preds []plan.Expr) (plan.Node, error) {
	preds = dedupeExprs(preds)
	if len(preds) == 0 {
		return n, nil
	}
	return plan.NewFilter(n, Conjoin(preds))
}

func dedupeExprs(es []plan.Expr) []plan.Expr {
	seen := make(map[string]bool, len(es))
	out := es[:0:0]
	for _, e := range es {
		if k := e.String(); !seen[k] {
			seen[k] = true
			out = append(out, e)
		}
	}
	return out
}

// substitute rewrites e, an expression over schema, replacing each column
// with the expression that computes it (exprs[i] computes schema[i]). It
// fails when a column does not resolve to one of exprs.
func substitute(e plan.Expr, schema plan.Schema, exprs []plan.Expr) (plan.Expr, bool) {
	ok := true
	out, err := plan.Transform(e, func(x plan.Expr) (plan.Expr, error) {
		c, isCol := x.(plan.Column)
		if !isCol {
			return x, nil
		}
		i, err := schema.Resolve(c.Relation, c.Name)
		if err != nil || i >= len(exprs) {
			ok = false
			return x, nil
		}
		return plan.Unalias(exprs[i]), nil
	})
	return out, ok && err == nil
}

// callsUDF reports whether e calls a user function, which may be costly or
// have side effects, so it is not duplicated into a pushed predicate.
func callsUDF(e plan.Expr) bool {
	found := false
	plan.Walk(e, func(x plan.Expr) bool {
		if _, ok := x.(plan.UDFCall); ok {
			found = true
		}
		return !found
	})
	return found
}

// pushUnion sends each predicate into every input, renaming its columns to
// that input's columns at the same positions.
func pushUnion(u *plan.Union, preds []plan.Expr) (plan.Node, error) {
	perInput := make([][]plan.Expr, len(u.Inputs))
	var keep []plan.Expr
	for _, p := range preds {
		rewritten := make([]plan.Expr, len(u.Inputs))
		ok := true
		for k, in := range u.Inputs {
			refs := make([]plan.Expr, len(in.Schema()))
			for i, f := range in.Schema() {
				c := plan.Column{Relation: f.Relation, Name: f.Name}
				if j, err := in.Schema().Resolve(c.Relation, c.Name); err != nil || j != i {
					refs = nil // this input cannot name its own column i
					break
				}
				refs[i] = c
			}
			if refs == nil {
				ok = false
				break
			}
			if rewritten[k], ok = substitute(p, u.Schema(), refs); !ok {
				break
			}
		}
		if !ok {
			keep = append(keep, p)
			continue
		}
		for k := range u.Inputs {
			perInput[k] = append(perInput[k], rewritten[k])
		}
	}
	inputs := make([]plan.Node, len(u.Inputs))
	for k, in := range u.Inputs {
		t, err := pushDown(in, perInput[k])
		if err != nil {
			return nil, err
		}
		inputs[k] = t
	}
	out, err := plan.NewUnion(inputs...)
	if err != nil {
		return nil, err
	}
	return filterOver(out, keep)
}

// pushJoin distributes preds (over the join's output) and the join's own
// ON conjuncts between its inputs, its condition and a filter above it.
func pushJoin(j *plan.Join, preds []plan.Expr) (plan.Node, error) {
	ls, rs := j.Left.Schema(), j.Right.Schema()
	var toLeft, toRight, on, keep []plan.Expr
	var existing []plan.Expr
	if j.On != nil {
		existing = Conjuncts(j.On)
	}
	leftOnly := func(p plan.Expr) bool { return over(p, ls) }
	rightOnly := func(p plan.Expr) bool { return over(p, rs) }
	switch j.Type {
	case exec.JoinInner:
		for _, p := range preds {
			// An OR over both sides stays on the join, but each side can
			// already drop rows that satisfy none of its disjuncts.
			if l, ok := impliedSide(p, ls); ok && !leftOnly(p) {
				toLeft = append(toLeft, l)
			}
			if r, ok := impliedSide(p, rs); ok && !rightOnly(p) {
				toRight = append(toRight, r)
			}
			switch {
			case leftOnly(p):
				toLeft = append(toLeft, p)
			case rightOnly(p):
				toRight = append(toRight, p)
			case len(plan.Columns(p)) == 0:
				keep = append(keep, p)
			default:
				on = append(on, p)
			}
		}
		for _, p := range existing {
			switch {
			case leftOnly(p):
				toLeft = append(toLeft, p)
			case rightOnly(p):
				toRight = append(toRight, p)
			default:
				on = append(on, p)
			}
		}
	case exec.JoinRight:
		for _, p := range preds {
			if rightOnly(p) {
				toRight = append(toRight, p)
			} else {
				keep = append(keep, p)
			}
		}
		for _, p := range existing {
			if leftOnly(p) {
				toLeft = append(toLeft, p)
			} else {
				on = append(on, p)
			}
		}
	case exec.JoinFull:
		keep, on = preds, existing
	default: // left, semi, anti, mark, single: the left side is preserved
		for _, p := range preds {
			if leftOnly(p) {
				toLeft = append(toLeft, p)
			} else {
				keep = append(keep, p)
			}
		}
		for _, p := range existing {
			switch {
			// A mark join's mark is NULL when a pair's condition is
			// NULL; filtering the right side first would make it false.
			case rightOnly(p) && j.Type != exec.JoinMark:
				toRight = append(toRight, p)
			case j.Type == exec.JoinSemi && leftOnly(p):
				// A semi join emits a left row only if the condition
				// holds for some pair, so a left-only conjunct filters.
				toLeft = append(toLeft, p)
			default:
				on = append(on, p)
			}
		}
	}
	left, err := pushDown(j.Left, toLeft)
	if err != nil {
		return nil, err
	}
	right, err := pushDown(j.Right, toRight)
	if err != nil {
		return nil, err
	}
	out, err := plan.NewJoin(left, right, j.Type, Conjoin(dedupeExprs(on)))
	if err != nil {
		return nil, err
	}
	return filterOver(out, keep)
}

// disjuncts splits a predicate on OR.
func disjuncts(e plan.Expr) []plan.Expr {
	if b, ok := e.(plan.Binary); ok && b.Op == exec.OpOr {
		return append(disjuncts(b.Left), disjuncts(b.Right)...)
	}
	return []plan.Expr{e}
}

func disjoin(es []plan.Expr) plan.Expr {
	out := es[0]
	for _, e := range es[1:] {
		out = plan.Binary{Op: exec.OpOr, Left: out, Right: e}
	}
	return out
}

// factorDisjunction pulls the conjuncts every disjunct shares out of an OR:
// (A AND B) OR (A AND C) becomes A AND (B OR C), and (A) OR (A AND C)
// becomes A. Both identities hold in three-valued logic. It turns TPC-H
// Q19's join key, repeated in each disjunct, into a join condition.
func factorDisjunction(e plan.Expr) plan.Expr {
	ds := disjuncts(e)
	if len(ds) < 2 {
		return e
	}
	parts := make([][]plan.Expr, len(ds))
	inAll := map[string]int{}
	for i, d := range ds {
		parts[i] = dedupeExprs(Conjuncts(d))
		for _, c := range parts[i] {
			inAll[c.String()]++
		}
	}
	var common []plan.Expr
	isCommon := map[string]bool{}
	for _, c := range parts[0] {
		if inAll[c.String()] == len(ds) {
			common = append(common, c)
			isCommon[c.String()] = true
		}
	}
	if len(common) == 0 {
		return e
	}
	rest := make([]plan.Expr, 0, len(ds))
	for _, p := range parts {
		var r []plan.Expr
		for _, c := range p {
			if !isCommon[c.String()] {
				r = append(r, c)
			}
		}
		if len(r) == 0 {
			return Conjoin(common) // one disjunct is just the common part
		}
		rest = append(rest, Conjoin(r))
	}
	return Conjoin(append(common, disjoin(rest)))
}

// impliedSide derives, from an OR whose every disjunct has conjuncts over
// schema s alone, the weaker predicate OR(those conjuncts) over s: rows of
// that side failing it can satisfy no disjunct.
func impliedSide(p plan.Expr, s plan.Schema) (plan.Expr, bool) {
	ds := disjuncts(p)
	if len(ds) < 2 {
		return nil, false
	}
	out := make([]plan.Expr, len(ds))
	for i, d := range ds {
		var mine []plan.Expr
		for _, c := range Conjuncts(d) {
			if over(c, s) {
				mine = append(mine, c)
			}
		}
		if len(mine) == 0 {
			return nil, false
		}
		out[i] = Conjoin(mine)
	}
	return disjoin(out), true
}

package optimizer

import (
	"errors"
	"fmt"

	"github.com/apache/arrow/go/v15/arrow/scalar"

	"github.com/dataflow-go/dataflow/exec"
	"github.com/dataflow-go/dataflow/plan"
)

// ErrNotSupported marks a plan the optimizer cannot turn into one the
// executor runs, such as a correlated subquery it cannot decorrelate.
var ErrNotSupported = errors.New("not supported")

// decorrelate rewrites every plan.Apply (a subquery evaluated per row)
// into joins, so no subquery runs as a nested loop over its outer query:
//
//   - EXISTS, NOT EXISTS and IN that are conjuncts of a filter become
//     semi and anti joins;
//   - IN and NOT IN elsewhere, and EXISTS elsewhere, become mark joins
//     (SQL's three-valued IN: the mark is NULL where the answer is
//     unknown, which NOT IN needs);
//   - scalar subqueries become single joins (a left join that fails on a
//     second match), keyed on the correlation when there is one;
//   - a correlated aggregate is grouped by its correlation columns and
//     then joined (TPC-H Q2, Q17, Q20), the "aggregate then join" form.
//
// Correlations are pulled up from the subquery's filters through
// projections, inner joins, distincts and aggregates (equality
// correlations only through aggregates). What cannot be pulled up (a
// correlated LIMIT, a correlation through an outer join or a union, a
// non-equality correlation through an aggregate, a correlated COUNT
// without GROUP BY) is reported as ErrNotSupported naming the construct.
type decorrelate struct{}

func (decorrelate) Name() string { return "decorrelate_subqueries" }

func (decorrelate) Apply(n plan.Node) (plan.Node, bool, error) {
	d := &decorrelator{}
	out, err := d.rewrite(n)
	if err != nil {
		return nil, false, err
	}
	return out, d.changed, nil
}

type decorrelator struct {
	changed bool
}

func (d *decorrelator) rewrite(n plan.Node) (plan.Node, error) {
	switch x := n.(type) {
	case *plan.Filter:
		var chain []*plan.Apply
		cur := x.Input
		for {
			a, ok := cur.(*plan.Apply)
			if !ok {
				break
			}
			chain = append(chain, a)
			cur = a.Input
		}
		if len(chain) == 0 {
			break
		}
		node, err := d.rewrite(cur)
		if err != nil {
			return nil, err
		}
		conj := Conjuncts(x.Predicate)
		for i := len(chain) - 1; i >= 0; i-- {
			a := chain[i]
			sub, err := d.rewrite(a.Subquery)
			if err != nil {
				return nil, err
			}
			k, anti := -1, false
			for j, c := range conj {
				if isColumn(c, a.Name) && a.Kind != plan.SubqueryScalar {
					k = j
					break
				}
				if u, ok := c.(plan.Unary); ok && u.Op == plan.OpNot && isColumn(u.Expr, a.Name) && a.Kind == plan.SubqueryExists {
					k, anti = j, true
					break
				}
			}
			if k >= 0 {
				node, err = d.semi(node, a, sub, anti)
				conj = append(conj[:k:k], conj[k+1:]...)
			} else {
				node, err = d.general(node, a, sub)
			}
			if err != nil {
				return nil, err
			}
		}
		if len(conj) == 0 {
			return node, nil
		}
		return plan.NewFilter(node, Conjoin(conj))
	case *plan.Apply:
		in, err := d.rewrite(x.Input)
		if err != nil {
			return nil, err
		}
		sub, err := d.rewrite(x.Subquery)
		if err != nil {
			return nil, err
		}
		return d.general(in, x, sub)
	}
	children := n.Children()
	if len(children) == 0 {
		return n, nil
	}
	nc := make([]plan.Node, len(children))
	same := true
	for i, c := range children {
		r, err := d.rewrite(c)
		if err != nil {
			return nil, err
		}
		nc[i] = r
		same = same && r == c
	}
	if same {
		return n, nil
	}
	return n.WithChildren(nc)
}

func isColumn(e plan.Expr, name string) bool {
	c, ok := e.(plan.Column)
	return ok && c.Relation == "" && c.Name == name
}

// semi turns a filter conjunct EXISTS / NOT EXISTS / IN into a semi or
// anti join.
func (d *decorrelator) semi(node plan.Node, a *plan.Apply, sub plan.Node, anti bool) (plan.Node, error) {
	right, on, err := d.prepare(a, sub)
	if err != nil {
		return nil, err
	}
	typ := exec.JoinSemi
	if anti {
		typ = exec.JoinAnti
	}
	d.changed = true
	return plan.NewJoin(node, right, typ, on)
}

// general computes the Apply's column with a mark or single join and
// projects the input's columns plus that column.
func (d *decorrelator) general(node plan.Node, a *plan.Apply, sub plan.Node) (plan.Node, error) {
	right, on, err := d.prepare(a, sub)
	if err != nil {
		return nil, err
	}
	var value plan.Expr
	typ := exec.JoinMark
	switch a.Kind {
	case plan.SubqueryExists:
		// No match is false for EXISTS, whatever made the mark unknown.
		value = plan.Func{Name: "coalesce", Args: []plan.Expr{plan.Column{Name: plan.MarkColumn}, plan.Literal{Value: scalar.NewBooleanScalar(false)}}}
	case plan.SubqueryIn:
		value = plan.Column{Name: plan.MarkColumn}
	case plan.SubqueryScalar:
		typ = exec.JoinSingle
		value = plan.Column{Name: a.Name}
	}
	j, err := plan.NewJoin(node, right, typ, on)
	if err != nil {
		return nil, err
	}
	exprs := make([]plan.Expr, 0, len(node.Schema())+1)
	for _, f := range node.Schema() {
		exprs = append(exprs, plan.Column{Relation: f.Relation, Name: f.Name})
	}
	exprs = append(exprs, plan.Alias{Expr: value, Name: a.Name})
	d.changed = true
	return plan.NewProject(j, exprs)
}

// prepare decorrelates an Apply's subquery: it returns the join's right
// side, with its columns renamed after the Apply so they cannot clash with
// the outer query's, and the join condition (the pulled-up correlation
// predicates, plus in = value for IN).
func (d *decorrelator) prepare(a *plan.Apply, sub plan.Node) (plan.Node, plan.Expr, error) {
	outer := findOuterRow(sub)
	var preds []plan.Expr
	if outer != nil {
		var err error
		if sub, preds, err = pullUp(sub, outer); err != nil {
			return nil, nil, err
		}
	}
	if a.Kind == plan.SubqueryExists && len(preds) == 0 {
		// Uncorrelated EXISTS: one row decides it.
		lim, err := plan.NewLimit(sub, 0, 1)
		return lim, nil, err
	}
	s := sub.Schema()
	var exprs []plan.Expr
	if a.Kind != plan.SubqueryExists {
		exprs = append(exprs, plan.Alias{Expr: plan.Column{Relation: s[0].Relation, Name: s[0].Name}, Name: a.Name})
	}
	renamed := map[plan.Column]plan.Column{}
	for _, p := range preds {
		for _, c := range plan.Columns(p) {
			if outer.IsOuterColumn(c) {
				continue
			}
			if _, done := renamed[c]; done {
				continue
			}
			to := plan.Column{Name: fmt.Sprintf("%s.k%d", a.Name, len(renamed))}
			renamed[c] = to
			exprs = append(exprs, plan.Alias{Expr: c, Name: to.Name})
		}
	}
	right, err := plan.NewProject(sub, exprs)
	if err != nil {
		return nil, nil, err
	}
	var conds []plan.Expr
	if a.Kind == plan.SubqueryIn {
		conds = append(conds, plan.Binary{Op: exec.OpEq, Left: a.In, Right: plan.Column{Name: a.Name}})
	}
	for _, p := range preds {
		r, err := plan.Transform(p, func(e plan.Expr) (plan.Expr, error) {
			if c, ok := e.(plan.Column); ok {
				if to, ok := renamed[c]; ok {
					return to, nil
				}
			}
			return e, nil
		})
		if err != nil {
			return nil, nil, err
		}
		conds = append(conds, r)
	}
	return right, Conjoin(conds), nil
}

func findOuterRow(n plan.Node) *plan.OuterRow {
	if o, ok := n.(*plan.OuterRow); ok {
		return o
	}
	for _, c := range n.Children() {
		if o := findOuterRow(c); o != nil {
			return o
		}
	}
	return nil
}

func containsNode(n, target plan.Node) bool {
	if n == target {
		return true
	}
	for _, c := range n.Children() {
		if containsNode(c, target) {
			return true
		}
	}
	return false
}

func refsOuter(e plan.Expr, outer *plan.OuterRow) bool {
	for _, c := range plan.Columns(e) {
		if outer.IsOuterColumn(c) {
			return true
		}
	}
	return false
}

func notSupported(format string, args ...any) error {
	return fmt.Errorf("%w: %w: %s", plan.ErrPlan, ErrNotSupported, fmt.Sprintf(format, args...))
}

// pullUp removes the OuterRow from n and returns n without it plus the
// correlation predicates (over n's new output and the outer columns) that
// must hold between an outer row and the rows of n.
func pullUp(n plan.Node, outer *plan.OuterRow) (plan.Node, []plan.Expr, error) {
	if !containsNode(n, outer) {
		return n, nil, nil
	}
	switch x := n.(type) {
	case *plan.Join:
		if x.Right == outer && x.Type == exec.JoinInner && x.On == nil {
			return x.Left, nil, nil
		}
		switch x.Type {
		case exec.JoinInner:
			l, lp, err := pullUp(x.Left, outer)
			if err != nil {
				return nil, nil, err
			}
			r, rp, err := pullUp(x.Right, outer)
			if err != nil {
				return nil, nil, err
			}
			preds := append(lp, rp...)
			var keep []plan.Expr
			if x.On != nil {
				for _, c := range Conjuncts(x.On) {
					if refsOuter(c, outer) {
						preds = append(preds, c)
					} else {
						keep = append(keep, c)
					}
				}
			}
			j, err := plan.NewJoin(l, r, exec.JoinInner, Conjoin(keep))
			return j, preds, err
		case exec.JoinSemi, exec.JoinAnti, exec.JoinLeft, exec.JoinMark, exec.JoinSingle:
			if containsNode(x.Right, outer) || (x.On != nil && refsOuter(x.On, outer)) {
				return nil, nil, notSupported("a correlated subquery whose correlation sits in the inner side of a %s join", plan.JoinTypeName(x.Type))
			}
			l, lp, err := pullUp(x.Left, outer)
			if err != nil {
				return nil, nil, err
			}
			j, err := plan.NewJoin(l, x.Right, x.Type, x.On)
			return j, lp, err
		}
		return nil, nil, notSupported("a correlation under a %s join in a subquery", plan.JoinTypeName(x.Type))
	case *plan.Filter:
		in, preds, err := pullUp(x.Input, outer)
		if err != nil {
			return nil, nil, err
		}
		var keep []plan.Expr
		for _, c := range Conjuncts(x.Predicate) {
			if refsOuter(c, outer) {
				preds = append(preds, c)
			} else {
				keep = append(keep, c)
			}
		}
		if len(keep) == 0 {
			return in, preds, nil
		}
		f, err := plan.NewFilter(in, Conjoin(keep))
		return f, preds, err
	case *plan.Project:
		in, preds, err := pullUp(x.Input, outer)
		if err != nil {
			return nil, nil, err
		}
		for _, e := range x.Exprs {
			if refsOuter(e, outer) {
				return nil, nil, notSupported("an outer column in the select list of a correlated subquery (%s)", e)
			}
		}
		exprs := append([]plan.Expr(nil), x.Exprs...)
		have := map[plan.Column]bool{}
		for _, e := range exprs {
			if c, ok := e.(plan.Column); ok {
				have[c] = true
			}
		}
		for _, p := range preds {
			for _, c := range plan.Columns(p) {
				if outer.IsOuterColumn(c) || have[c] {
					continue
				}
				have[c] = true
				exprs = append(exprs, c)
			}
		}
		p, err := plan.NewProject(in, exprs)
		return p, preds, err
	case *plan.Aggregate:
		in, preds, err := pullUp(x.Input, outer)
		if err != nil {
			return nil, nil, err
		}
		for _, e := range append(append([]plan.Expr(nil), x.Groups...), x.Aggs...) {
			if refsOuter(e, outer) {
				return nil, nil, notSupported("an outer column inside an aggregate of a correlated subquery (%s)", e)
			}
		}
		groups := append([]plan.Expr(nil), x.Groups...)
		if len(preds) > 0 && len(x.Groups) == 0 {
			for _, a := range x.Aggs {
				switch plan.Unalias(a).(plan.AggCall).Func {
				case exec.AggCount, exec.AggCountStar, exec.AggCountDistinct:
					return nil, nil, notSupported("a correlated subquery computing %s without GROUP BY", a)
				}
			}
		}
		have := map[string]bool{}
		for _, g := range groups {
			have[g.String()] = true
		}
		for _, p := range preds {
			inner, ok := equalityInnerColumn(p, outer)
			if !ok {
				return nil, nil, notSupported("the correlation %s through an aggregate (only column = outer column is)", p)
			}
			if !have[inner.String()] {
				have[inner.String()] = true
				groups = append(groups, inner)
			}
		}
		a, err := plan.NewAggregate(in, groups, x.Aggs)
		return a, preds, err
	case *plan.Sort:
		in, preds, err := pullUp(x.Input, outer)
		if err != nil {
			return nil, nil, err
		}
		s, err := plan.NewSort(in, x.Keys)
		return s, preds, err
	case *plan.Distinct:
		in, preds, err := pullUp(x.Input, outer)
		if err != nil {
			return nil, nil, err
		}
		return plan.NewDistinct(in), preds, nil
	case *plan.Limit:
		return nil, nil, notSupported("LIMIT or OFFSET in a correlated subquery")
	}
	return nil, nil, notSupported("a correlated subquery over %s", n.Describe())
}

// equalityInnerColumn matches inner = outer (either way round) with the
// inner side a plain column.
func equalityInnerColumn(p plan.Expr, outer *plan.OuterRow) (plan.Column, bool) {
	b, ok := p.(plan.Binary)
	if !ok || b.Op != exec.OpEq {
		return plan.Column{}, false
	}
	l, lok := b.Left.(plan.Column)
	r, rok := b.Right.(plan.Column)
	switch {
	case lok && !outer.IsOuterColumn(l) && refsOuter(b.Right, outer) && onlyOuter(b.Right, outer):
		return l, true
	case rok && !outer.IsOuterColumn(r) && refsOuter(b.Left, outer) && onlyOuter(b.Left, outer):
		return r, true
	}
	return plan.Column{}, false
}

func onlyOuter(e plan.Expr, outer *plan.OuterRow) bool {
	for _, c := range plan.Columns(e) {
		if !outer.IsOuterColumn(c) {
			return false
		}
	}
	return true
}

// Decorrelate returns the decorrelation rule alone (it is also the first
// of Rules), for callers and tests that want only it.
func Decorrelate() Rule { return decorrelate{} }

package optimizer

import (
	"github.com/dataflow-go/dataflow/exec"
	"github.com/dataflow-go/dataflow/plan"
)

// semiJoinReduction restricts a grouped aggregate that is joined on one of
// its grouping columns to the groups the other side can match: below the
// aggregate it puts a semi join of the aggregate's input with the part of
// the other side that supplies the key (a copy of it), when that part has
// clearly fewer rows than the aggregate has groups.
//
// TPC-H Q17 decorrelates `l_quantity < (SELECT 0.2 * avg(l_quantity) FROM
// lineitem WHERE l_partkey = p_partkey)` into an average per part over
// all of lineitem (200 000 groups at SF1), joined to the 199 parts the
// outer query keeps; with the reduction the average is computed for the
// lineitem rows of those parts only. Q2 and Q20 have the same shape.
//
// It is exact for any join whose condition includes the equality: the
// semi join keeps whole groups (every row with a kept key), and a group it
// drops has a key no row of the other side has, so it matched nothing.
// The key's supplier is found by following the column down through
// projections, inner joins (into the side that has it) and semi joins
// (into either side when the semi join equates it with a subquery
// column), taking the smallest estimated subtree on the way.
type semiJoinReduction struct{}

// reductionFactor is how many times more groups than key rows the
// aggregate must have (more than) for the reduction to be worth a second evaluation
// of the key's supplier.
const reductionFactor = 4

func (semiJoinReduction) Name() string { return "semi_join_reduction" }

func (semiJoinReduction) Apply(n plan.Node) (plan.Node, bool, error) {
	return transformUp(n, func(n plan.Node) (plan.Node, bool, error) {
		j, ok := n.(*plan.Join)
		if !ok || j.On == nil {
			return n, false, nil
		}
		if r, ok, err := reduceSide(j.Right, j.Left, j.On); err != nil || ok {
			if err != nil || !ok {
				return nil, false, err
			}
			out, err := plan.NewJoin(j.Left, r, j.Type, j.On)
			return out, err == nil, err
		}
		if j.Type != exec.JoinInner {
			return n, false, nil
		}
		l, ok, err := reduceSide(j.Left, j.Right, j.On)
		if err != nil || !ok {
			return n, false, err
		}
		out, err := plan.NewJoin(l, j.Right, j.Type, j.On)
		return out, err == nil, err
	})
}

// reduceSide rewrites agg (an aggregate under projections) to keep only
// the groups other can match under on; false when it does not apply.
func reduceSide(side, other plan.Node, on plan.Expr) (plan.Node, bool, error) {
	var projects []*plan.Project
	n := side
	for {
		p, ok := n.(*plan.Project)
		if !ok {
			break
		}
		projects = append(projects, p)
		n = p.Input
	}
	agg, ok := n.(*plan.Aggregate)
	if !ok || len(agg.Groups) == 0 || alreadyReduced(agg) {
		return nil, false, nil
	}
	groups := EstimateRows(agg)
	for _, c := range Conjuncts(on) {
		o, s, ok := equiKey(c, other.Schema(), side.Schema())
		if !ok {
			continue
		}
		oc, ok1 := plan.Unalias(o).(plan.Column)
		sc, ok2 := plan.Unalias(s).(plan.Column)
		if !ok1 || !ok2 {
			continue
		}
		key, ok := groupColumn(sc, projects, agg)
		if !ok {
			continue
		}
		// The semi join's inputs must not both have a column the
		// condition names.
		in := agg.Input
		distinct := func(m plan.Node, mc plan.Column) bool {
			_, err1 := m.Schema().Resolve(key.Relation, key.Name)
			_, err2 := in.Schema().Resolve(mc.Relation, mc.Name)
			return err1 != nil && err2 != nil
		}
		sup, col, ok := supplier(other, oc, distinct)
		if !ok || EstimateRows(sup)*reductionFactor >= groups {
			continue
		}
		semi, err := plan.NewJoin(in, sup, exec.JoinSemi, plan.Binary{Op: exec.OpEq, Left: key, Right: col})
		if err != nil {
			return nil, false, err
		}
		var out plan.Node
		if out, err = plan.NewAggregate(semi, agg.Groups, agg.Aggs); err != nil {
			return nil, false, err
		}
		for i := len(projects) - 1; i >= 0; i-- {
			if out, err = plan.NewProject(out, projects[i].Exprs); err != nil {
				return nil, false, err
			}
		}
		return out, true, nil
	}
	return nil, false, nil
}

// alreadyReduced reports whether the aggregate's input is a semi join
// this rule put there (its right side is not a subquery projection).
func alreadyReduced(agg *plan.Aggregate) bool {
	j, ok := agg.Input.(*plan.Join)
	return ok && j.Type == exec.JoinSemi
}

// groupColumn follows c (a column of the outermost projection's output)
// down the projections to the aggregate's output, and returns the input
// column of the grouping key it is, if it is one.
func groupColumn(c plan.Column, projects []*plan.Project, agg *plan.Aggregate) (plan.Column, bool) {
	for _, p := range projects {
		i, err := p.Schema().Resolve(c.Relation, c.Name)
		if err != nil {
			return plan.Column{}, false
		}
		next, ok := plan.Unalias(p.Exprs[i]).(plan.Column)
		if !ok {
			return plan.Column{}, false
		}
		c = next
	}
	i, err := agg.Schema().Resolve(c.Relation, c.Name)
	if err != nil || i >= len(agg.Groups) {
		return plan.Column{}, false
	}
	g, ok := plan.Unalias(agg.Groups[i]).(plan.Column)
	return g, ok
}

// supplier returns the smallest subtree of n (by estimated rows) whose
// values of column c include all of n's, and the column's name there;
// ok(subtree, column) says which subtrees may be used.
func supplier(n plan.Node, c plan.Column, ok func(plan.Node, plan.Column) bool) (plan.Node, plan.Column, bool) {
	if _, err := n.Schema().Resolve(c.Relation, c.Name); err != nil {
		return nil, plan.Column{}, false
	}
	var best plan.Node
	var bestCol plan.Column
	if ok(n, c) {
		best, bestCol = n, c
	}
	consider := func(m plan.Node, mc plan.Column) {
		if s, sc, found := supplier(m, mc, ok); found && (best == nil || EstimateRows(s) < EstimateRows(best)) {
			best, bestCol = s, sc
		}
	}
	switch x := n.(type) {
	case *plan.Project:
		i, _ := x.Schema().Resolve(c.Relation, c.Name)
		if ic, isCol := plan.Unalias(x.Exprs[i]).(plan.Column); isCol {
			consider(x.Input, ic)
		}
	case *plan.Join:
		switch x.Type {
		case exec.JoinInner:
			_, lerr := x.Left.Schema().Resolve(c.Relation, c.Name)
			_, rerr := x.Right.Schema().Resolve(c.Relation, c.Name)
			switch {
			case lerr == nil && rerr != nil:
				consider(x.Left, c)
			case rerr == nil && lerr != nil:
				consider(x.Right, c)
			}
		case exec.JoinSemi:
			consider(x.Left, c)
			for _, cond := range Conjuncts(x.On) {
				l, r, isKey := equiKey(cond, x.Left.Schema(), x.Right.Schema())
				lc, lok := plan.Unalias(l).(plan.Column)
				rc, rok := plan.Unalias(r).(plan.Column)
				if isKey && lok && rok && sameColumn(x.Left.Schema(), lc, c) {
					consider(x.Right, rc)
				}
			}
		}
	}
	return best, bestCol, best != nil
}

// sameColumn reports whether a and b name the same column of s.
func sameColumn(s plan.Schema, a, b plan.Column) bool {
	i, err := s.Resolve(a.Relation, a.Name)
	k, err2 := s.Resolve(b.Relation, b.Name)
	return err == nil && err2 == nil && i == k
}

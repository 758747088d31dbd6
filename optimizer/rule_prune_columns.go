package optimizer

import (
	"fmt"
	"sort"

	"github.com/dataflow-go/dataflow/exec"
	"github.com/dataflow-go/dataflow/plan"
)

// pruneColumns makes every scan read only the columns some ancestor uses
// and drops projection outputs nobody reads.
type pruneColumns struct{}

func (pruneColumns) Name() string { return "prune_columns" }

func (pruneColumns) Apply(n plan.Node) (plan.Node, bool, error) {
	all := make(map[int]bool, len(n.Schema()))
	for i := range n.Schema() {
		all[i] = true
	}
	return prune(n, all)
}

// needed resolves the columns exprs reference against schema and adds
// their indexes to set.
func needed(set map[int]bool, schema plan.Schema, exprs ...plan.Expr) error {
	for _, e := range exprs {
		for _, c := range plan.Columns(e) {
			i, err := schema.Resolve(c.Relation, c.Name)
			if err != nil {
				return err
			}
			set[i] = true
		}
	}
	return nil
}

func everything(s plan.Schema) map[int]bool {
	set := make(map[int]bool, len(s))
	for i := range s {
		set[i] = true
	}
	return set
}

// prune rewrites n so that it still produces at least the columns in
// required (indexes into n's schema); the output keeps those columns'
// names, so parents (which refer to columns by name) are unaffected.
func prune(n plan.Node, required map[int]bool) (plan.Node, bool, error) {
	switch n := n.(type) {
	case *plan.Scan:
		set := map[int]bool{}
		for i := range required {
			set[i] = true
		}
		if err := needed(set, n.Schema(), n.Filters...); err != nil {
			return nil, false, err
		}
		if len(set) == len(n.Schema()) {
			return n, false, nil
		}
		if len(set) == 0 {
			set[0] = true // keep one column so row counts survive (count(*))
		}
		cols := make([]int, 0, len(set))
		for i := range set {
			cols = append(cols, i)
		}
		sort.Ints(cols)
		table := make([]int, len(cols))
		for i, c := range cols {
			if n.Projection != nil {
				table[i] = n.Projection[c]
			} else {
				table[i] = c
			}
		}
		out, err := n.WithProjection(table)
		return out, err == nil, err
	case *plan.Filter:
		set := copySet(required)
		if err := needed(set, n.Input.Schema(), n.Predicate); err != nil {
			return nil, false, err
		}
		return rebuild(n, set)
	case *plan.Project:
		var keep []plan.Expr
		for i, e := range n.Exprs {
			if required[i] {
				keep = append(keep, e)
			}
		}
		if len(keep) == 0 {
			keep = n.Exprs[:1]
		}
		set := map[int]bool{}
		if err := needed(set, n.Input.Schema(), keep...); err != nil {
			return nil, false, err
		}
		in, ch, err := prune(n.Input, set)
		if err != nil {
			return nil, false, err
		}
		if !ch && len(keep) == len(n.Exprs) {
			return n, false, nil
		}
		p, err := plan.NewProject(in, keep)
		return p, true, err
	case *plan.Aggregate:
		set := map[int]bool{}
		if err := needed(set, n.Input.Schema(), append(append([]plan.Expr{}, n.Groups...), n.Aggs...)...); err != nil {
			return nil, false, err
		}
		return rebuild(n, set)
	case *plan.Sort:
		set := copySet(required)
		for _, k := range n.Keys {
			if err := needed(set, n.Input.Schema(), k.Expr); err != nil {
				return nil, false, err
			}
		}
		return rebuild(n, set)
	case *plan.Limit:
		return rebuild(n, copySet(required))
	case *plan.Join:
		nl := len(n.Left.Schema())
		left, right := map[int]bool{}, map[int]bool{}
		for i := range required {
			if i < nl {
				left[i] = true
			} else if n.Type != exec.JoinSemi && n.Type != exec.JoinAnti && n.Type != exec.JoinMark {
				right[i-nl] = true
			}
		}
		if n.On != nil {
			both := append(append(plan.Schema{}, n.Left.Schema()...), n.Right.Schema()...)
			set := map[int]bool{}
			if err := needed(set, both, n.On); err != nil {
				return nil, false, err
			}
			for i := range set {
				if i < nl {
					left[i] = true
				} else {
					right[i-nl] = true
				}
			}
		}
		l, lch, err := pruneJoinInput(n.Left, left)
		if err != nil {
			return nil, false, err
		}
		r, rch, err := pruneJoinInput(n.Right, right)
		if err != nil {
			return nil, false, err
		}
		if !lch && !rch {
			return n, false, nil
		}
		j, err := plan.NewJoin(l, r, n.Type, n.On)
		return j, true, err
	case *plan.Distinct, *plan.Union:
		// Every column matters to a distinct; union inputs line up by
		// position, so each keeps its full width.
		changed := false
		children := n.Children()
		nc := make([]plan.Node, len(children))
		for i, c := range children {
			t, ch, err := prune(c, everything(c.Schema()))
			if err != nil {
				return nil, false, err
			}
			nc[i], changed = t, changed || ch
		}
		if !changed {
			return n, false, nil
		}
		out, err := n.WithChildren(nc)
		return out, true, err
	case *plan.Values, *plan.TableFunc:
		return n, false, nil
	}
	return nil, false, fmt.Errorf("prune_columns: unhandled node %T", n)
}

// rebuild prunes the single input of n to set and rebuilds n over it.
func rebuild(n plan.Node, set map[int]bool) (plan.Node, bool, error) {
	in, ch, err := prune(n.Children()[0], set)
	if err != nil || !ch {
		return n, false, err
	}
	out, err := n.WithChildren([]plan.Node{in})
	return out, true, err
}

func copySet(s map[int]bool) map[int]bool {
	out := make(map[int]bool, len(s))
	for k := range s {
		out[k] = true
	}
	return out
}

// pruneJoinInput prunes a join input to required and, when it is a scan
// that keeps columns only its own filters read, projects those away: a
// hash join copies every column of its build side and of the pairs it
// emits, so a filter-only column (TPC-H Q13's o_comment, Q3's
// l_shipdate) would otherwise be gathered row by row for nothing.
func pruneJoinInput(n plan.Node, required map[int]bool) (plan.Node, bool, error) {
	out, changed, err := prune(n, required)
	if err != nil {
		return nil, false, err
	}
	scan, ok := out.(*plan.Scan)
	if !ok || len(required) == 0 || len(scan.Schema()) <= len(required) {
		return out, changed, nil
	}
	schema := n.Schema()
	idx := make([]int, 0, len(required))
	for i := range required {
		idx = append(idx, i)
	}
	sort.Ints(idx)
	exprs := make([]plan.Expr, len(idx))
	for k, i := range idx {
		exprs[k] = plan.Column{Relation: schema[i].Relation, Name: schema[i].Name}
	}
	p, err := plan.NewProject(scan, exprs)
	if err != nil {
		return nil, false, err
	}
	return p, true, nil
}

package optimizer

import (
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/dataflow-go/dataflow/plan"
)

// ErrOptimizer reports a rule that failed or produced an invalid plan.
var ErrOptimizer = errors.New("optimizer error")

// Rule is one logical rewrite.
type Rule interface {
	// Name identifies the rule in EXPLAIN output and in the setting that
	// switches rules off.
	Name() string
	// Apply rewrites the plan, reporting whether anything changed. A rule
	// must return a plan with the same output schema (names and types).
	Apply(n plan.Node) (plan.Node, bool, error)
}

// Rules returns the default rule list, in the order they run.
func Rules() []Rule {
	return []Rule{
		decorrelate{},
		foldConstants{},
		pushPredicates{},
		semiJoinReduction{},
		reorderJoins{},
		pushLimits{},
		dedupeAggregates{},
		pushFilterIntoScan{},
		pruneColumns{},
	}
}

// RuleNames lists the names of the default rules.
func RuleNames() []string {
	var out []string
	for _, r := range Rules() {
		out = append(out, r.Name())
	}
	return out
}

// Options configure Optimize.
type Options struct {
	// Disabled names rules to skip.
	Disabled []string
	// Trace, when set, is called after each rule with whether it changed
	// the plan.
	Trace func(rule string, changed bool, n plan.Node)
}

// CheckRuleNames reports an error naming the first unknown rule.
func CheckRuleNames(names []string) error {
	known := map[string]bool{}
	for _, r := range Rules() {
		known[r.Name()] = true
	}
	for _, d := range names {
		if d != "" && !known[d] {
			all := RuleNames()
			sort.Strings(all)
			return fmt.Errorf("%w: unknown rule %q (rules: %s)", ErrOptimizer, d, strings.Join(all, ", "))
		}
	}
	return nil
}

// Optimize runs the default rules over n in order and checks the result.
func Optimize(n plan.Node, opts Options) (plan.Node, error) {
	if err := CheckRuleNames(opts.Disabled); err != nil {
		return nil, err
	}
	off := map[string]bool{}
	for _, d := range opts.Disabled {
		off[d] = true
	}
	want := n.Schema()
	for _, r := range Rules() {
		if off[r.Name()] {
			continue
		}
		out, changed, err := r.Apply(n)
		if err != nil {
			return nil, fmt.Errorf("%w: rule %s: %w", ErrOptimizer, r.Name(), err)
		}
		if err := sameSchema(want, out.Schema()); err != nil {
			return nil, fmt.Errorf("%w: rule %s changed the output schema: %v", ErrOptimizer, r.Name(), err)
		}
		if opts.Trace != nil {
			opts.Trace(r.Name(), changed, out)
		}
		n = out
	}
	return n, nil
}

func sameSchema(a, b plan.Schema) error {
	if len(a) != len(b) {
		return fmt.Errorf("%d columns became %d", len(a), len(b))
	}
	for i := range a {
		if !strings.EqualFold(a[i].Name, b[i].Name) || a[i].Type.ID() != b[i].Type.ID() {
			return fmt.Errorf("column %d %s %s became %s %s", i, a[i].Name, plan.TypeName(a[i].Type), b[i].Name, plan.TypeName(b[i].Type))
		}
	}
	return nil
}

// transformUp rebuilds the plan bottom-up with fn applied to every node.
func transformUp(n plan.Node, fn func(plan.Node) (plan.Node, bool, error)) (plan.Node, bool, error) {
	changed := false
	children := n.Children()
	if len(children) > 0 {
		nc := make([]plan.Node, len(children))
		for i, c := range children {
			t, ch, err := transformUp(c, fn)
			if err != nil {
				return nil, false, err
			}
			nc[i] = t
			changed = changed || ch
		}
		if changed {
			var err error
			if n, err = n.WithChildren(nc); err != nil {
				return nil, false, err
			}
		}
	}
	out, ch, err := fn(n)
	if err != nil {
		return nil, false, err
	}
	return out, changed || ch, nil
}

// Conjuncts splits a predicate on AND.
func Conjuncts(e plan.Expr) []plan.Expr {
	if b, ok := e.(plan.Binary); ok && b.Op == execOpAnd {
		return append(Conjuncts(b.Left), Conjuncts(b.Right)...)
	}
	return []plan.Expr{e}
}

// Conjoin joins predicates with AND (nil for none).
func Conjoin(es []plan.Expr) plan.Expr {
	var out plan.Expr
	for _, e := range es {
		if out == nil {
			out = e
			continue
		}
		out = plan.Binary{Op: execOpAnd, Left: out, Right: e}
	}
	return out
}

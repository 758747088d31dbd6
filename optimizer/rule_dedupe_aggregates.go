package optimizer

import (
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/dataflow-go/dataflow/plan"
)

// dedupeAggregates removes repeated work from aggregations:
//
//   - a sub-expression that appears more than once in the aggregate
//     arguments (TPC-H Q1's l_extendedprice*(1-l_discount), inside two
//     sums) is computed once, by a projection under the aggregate, and the
//     arguments read its column;
//   - identical aggregate calls (sum(x) twice under different names) are
//     computed once, and a projection above the aggregate hands the value
//     to every name.
//
// avg(x) is not rewritten as sum(x)/count(x): the executor's avg rounds
// an exact decimal sum once, and decimal division has its own rounding
// and zero-count rules, so the two are not interchangeable.
type dedupeAggregates struct{}

func (dedupeAggregates) Name() string { return "dedupe_aggregates" }

func (dedupeAggregates) Apply(n plan.Node) (plan.Node, bool, error) {
	return transformUp(n, func(n plan.Node) (plan.Node, bool, error) {
		a, ok := n.(*plan.Aggregate)
		if !ok {
			return n, false, nil
		}
		out, cseChanged, err := shareArgumentExprs(a)
		if err != nil {
			return nil, false, err
		}
		res, callsChanged, err := shareAggregateCalls(out)
		if err != nil {
			return nil, false, err
		}
		return res, cseChanged || callsChanged, nil
	})
}

// shareArgumentExprs computes repeated argument sub-expressions once in a
// projection under a.
func shareArgumentExprs(a *plan.Aggregate) (*plan.Aggregate, bool, error) {
	in := a.Input.Schema()
	// The projection passes every input column through by name, so each
	// must be nameable on its own.
	pass := make([]plan.Expr, len(in))
	taken := map[string]bool{}
	for i, f := range in {
		c := plan.Column{Relation: f.Relation, Name: f.Name}
		if j, err := in.Resolve(c.Relation, c.Name); err != nil || j != i {
			return a, false, nil
		}
		pass[i] = c
		taken[strings.ToLower(f.Name)] = true
	}
	aggs := append([]plan.Expr(nil), a.Aggs...)
	var shared []plan.Expr
	for range 16 { // each round shares the largest repeated expression
		e, ok := largestRepeated(aggs)
		if !ok {
			break
		}
		name := freshName("__cse", len(shared), taken)
		shared = append(shared, plan.Alias{Expr: e, Name: name})
		key := e.String()
		for i, x := range aggs {
			aggs[i] = replaceExpr(x, key, plan.Column{Name: name})
		}
	}
	if len(shared) == 0 {
		return a, false, nil
	}
	proj, err := plan.NewProject(a.Input, append(pass, shared...))
	if err != nil {
		return nil, false, err
	}
	for i := range aggs {
		if name := plan.OutputName(a.Aggs[i]); !strings.EqualFold(plan.OutputName(aggs[i]), name) {
			aggs[i] = plan.Alias{Expr: plan.Unalias(aggs[i]), Name: name}
		}
	}
	out, err := plan.NewAggregate(proj, a.Groups, aggs)
	if err != nil {
		return nil, false, err
	}
	return out, true, nil
}

// largestRepeated finds the longest sub-expression of the aggregate
// arguments that occurs at least twice and is worth computing once:
// something over columns that is neither a column nor a literal.
func largestRepeated(aggs []plan.Expr) (plan.Expr, bool) {
	count := map[string]int{}
	exprs := map[string]plan.Expr{}
	for _, a := range aggs {
		call, ok := plan.Unalias(a).(plan.AggCall)
		if !ok {
			continue
		}
		for _, arg := range call.Args {
			plan.Walk(arg, func(x plan.Expr) bool {
				if worthSharing(x) {
					k := x.String()
					count[k]++
					exprs[k] = x
				}
				return true
			})
		}
	}
	var keys []string
	for k, c := range count {
		if c >= 2 {
			keys = append(keys, k)
		}
	}
	if len(keys) == 0 {
		return nil, false
	}
	sort.Slice(keys, func(i, j int) bool {
		if len(keys[i]) != len(keys[j]) {
			return len(keys[i]) > len(keys[j])
		}
		return keys[i] < keys[j]
	})
	return exprs[keys[0]], true
}

func worthSharing(x plan.Expr) bool {
	switch x.(type) {
	case plan.Column, plan.Literal, plan.Alias, plan.AggCall:
		return false
	}
	return len(plan.Columns(x)) > 0 && !callsUDF(x) && foldableExceptColumns(x)
}

// foldableExceptColumns reports whether x calls no volatile function.
func foldableExceptColumns(x plan.Expr) bool {
	ok := true
	plan.Walk(x, func(y plan.Expr) bool {
		if f, isFunc := y.(plan.Func); isFunc && nondeterministic[strings.ToLower(f.Name)] {
			ok = false
		}
		return ok
	})
	return ok
}

// replaceExpr replaces, top down, every sub-expression of e whose text is
// key.
func replaceExpr(e plan.Expr, key string, with plan.Expr) plan.Expr {
	if _, isAlias := e.(plan.Alias); !isAlias && e.String() == key {
		return with
	}
	children := e.Children()
	if len(children) == 0 {
		return e
	}
	nc := make([]plan.Expr, len(children))
	for i, c := range children {
		nc[i] = replaceExpr(c, key, with)
	}
	return e.WithChildren(nc)
}

func freshName(prefix string, i int, taken map[string]bool) string {
	for {
		name := prefix + strconv.Itoa(i)
		if !taken[strings.ToLower(name)] {
			taken[strings.ToLower(name)] = true
			return name
		}
		i++
	}
}

// shareAggregateCalls computes each distinct aggregate call of a once and
// fans the values out to their names in a projection above it.
func shareAggregateCalls(a *plan.Aggregate) (plan.Node, bool, error) {
	keyOf := func(e plan.Expr) string {
		call := plan.Unalias(e).(plan.AggCall)
		return fmt.Sprintf("%s|%p", call.String(), call.UDF)
	}
	first := map[string]int{} // key -> index in kept
	var kept []plan.Expr
	source := make([]int, len(a.Aggs)) // agg i reads kept[source[i]]
	for i, e := range a.Aggs {
		k := keyOf(e)
		if j, ok := first[k]; ok {
			source[i] = j
			continue
		}
		first[k] = len(kept)
		source[i] = len(kept)
		kept = append(kept, e)
	}
	if len(kept) == len(a.Aggs) {
		return a, false, nil
	}
	// Kept aggregates need names that the projection can tell apart.
	taken := map[string]bool{}
	for _, f := range a.Schema()[:len(a.Groups)] {
		taken[strings.ToLower(f.Name)] = true
	}
	seen := map[string]int{}
	for _, e := range kept {
		seen[strings.ToLower(plan.OutputName(e))]++
	}
	for j, e := range kept {
		name := plan.OutputName(e)
		if seen[strings.ToLower(name)] > 1 || taken[strings.ToLower(name)] {
			kept[j] = plan.Alias{Expr: plan.Unalias(e), Name: freshName("__agg", j, taken)}
			continue
		}
		taken[strings.ToLower(name)] = true
	}
	agg, err := plan.NewAggregate(a.Input, a.Groups, kept)
	if err != nil {
		return nil, false, err
	}
	s := agg.Schema()
	exprs := make([]plan.Expr, 0, len(a.Schema()))
	for i, f := range s[:len(a.Groups)] {
		c := plan.Column{Relation: f.Relation, Name: f.Name}
		if j, err := s.Resolve(c.Relation, c.Name); err != nil || j != i {
			return a, false, nil
		}
		exprs = append(exprs, c)
	}
	for i, e := range a.Aggs {
		f := s[len(a.Groups)+source[i]]
		var x plan.Expr = plan.Column{Name: f.Name}
		if j, err := s.Resolve("", f.Name); err != nil || j != len(a.Groups)+source[i] {
			return a, false, nil
		}
		if name := plan.OutputName(e); !strings.EqualFold(name, f.Name) {
			x = plan.Alias{Expr: x, Name: name}
		}
		exprs = append(exprs, x)
	}
	out, err := plan.NewProject(agg, exprs)
	if err != nil {
		return nil, false, err
	}
	return out, true, nil
}

package optimizer

import (
	"math"
	"math/bits"
	"sort"
	"strings"

	"github.com/dataflow-go/dataflow/exec"
	"github.com/dataflow-go/dataflow/plan"
)

// reorderJoins picks the order of each tree of inner joins by estimated
// cardinality (see EstimateRows). It flattens the tree into its inputs
// ("relations") and the conjuncts of all its ON conditions, then
// enumerates bushy join trees by dynamic programming over subsets of up to
// maxDPRelations relations (greedy pairing above that), considering only
// joins connected by a condition, so no cross product appears while a
// connected order exists. The cost of a tree is the sum of its
// intermediate result sizes plus probe rows plus twice the build rows of
// each hash join; each join puts its smaller input on the right, the
// hash-join build side. A projection on top restores the original column
// order.
//
// Run it after push_predicates, which turns comma joins with WHERE
// conditions into keyed joins.
type reorderJoins struct{}

// maxDPRelations bounds the exhaustive search (3^n subset pairs).
const maxDPRelations = 10

func (reorderJoins) Name() string { return "reorder_joins" }

func (reorderJoins) Apply(n plan.Node) (plan.Node, bool, error) {
	out, err := reorder(n)
	if err != nil {
		return nil, false, err
	}
	if plan.Explain(out) == plan.Explain(n) {
		return n, false, nil
	}
	return out, true, nil
}

// reorder rewrites every maximal inner-join tree in n, top down.
func reorder(n plan.Node) (plan.Node, error) {
	if j, ok := n.(*plan.Join); ok && j.Type == exec.JoinInner {
		var leaves []plan.Node
		var conds []plan.Expr
		flattenInner(j, &leaves, &conds)
		for i, l := range leaves {
			t, err := reorder(l)
			if err != nil {
				return nil, err
			}
			leaves[i] = t
		}
		out, ok, err := orderJoins(j.Schema(), leaves, conds)
		if err != nil || ok {
			return out, err
		}
		// The conditions could not be assigned to relations: keep this
		// join and try the trees below it.
	}
	children := n.Children()
	if len(children) == 0 {
		return n, nil
	}
	nc := make([]plan.Node, len(children))
	for i, c := range children {
		t, err := reorder(c)
		if err != nil {
			return nil, err
		}
		nc[i] = t
	}
	return n.WithChildren(nc)
}

func flattenInner(n plan.Node, leaves *[]plan.Node, conds *[]plan.Expr) {
	j, ok := n.(*plan.Join)
	if !ok || j.Type != exec.JoinInner {
		*leaves = append(*leaves, n)
		return
	}
	flattenInner(j.Left, leaves, conds)
	flattenInner(j.Right, leaves, conds)
	if j.On != nil {
		*conds = append(*conds, Conjuncts(j.On)...)
	}
}

// joinGraph is the flattened join: relations, their estimated sizes, and
// the conditions with the set of relations each uses.
type joinGraph struct {
	leaves []plan.Node
	rows   []float64
	conds  []plan.Expr
	masks  []uint64 // relations each condition uses (0: none)
	// groups are the conditions' selectivities by relation set, combined
	// with backoff (correlated composite keys).
	groups map[uint64][]float64
}

// relationOf returns the single relation whose schema resolves every
// column of e, as a bit set (0 for no columns), or false when a column
// resolves in none or in several.
func (g *joinGraph) maskOf(e plan.Expr) (uint64, bool) {
	var mask uint64
	for _, c := range plan.Columns(e) {
		found := -1
		for i, l := range g.leaves {
			if _, err := l.Schema().Resolve(c.Relation, c.Name); err == nil {
				if found >= 0 {
					return 0, false
				}
				found = i
			}
		}
		if found < 0 {
			return 0, false
		}
		mask |= 1 << found
	}
	return mask, true
}

// orderJoins builds the cheapest join tree over leaves with conds,
// returning a plan with the given schema (false when the conditions do not
// map onto the leaves).
func orderJoins(want plan.Schema, leaves []plan.Node, conds []plan.Expr) (plan.Node, bool, error) {
	if len(leaves) > 64 {
		return nil, false, nil
	}
	// Search in a canonical order of the relations, so that ties between
	// equally cheap trees break the same way whatever order the query
	// named them in (and a second run finds the plan it produced).
	leaves = append([]plan.Node(nil), leaves...)
	sort.SliceStable(leaves, func(i, j int) bool { return plan.Explain(leaves[i]) < plan.Explain(leaves[j]) })
	g := &joinGraph{leaves: leaves, groups: map[uint64][]float64{}}
	var constant []plan.Expr
	local := make([][]plan.Expr, len(leaves))
	for _, c := range conds {
		m, ok := g.maskOf(c)
		if !ok {
			return nil, false, nil
		}
		switch bits.OnesCount64(m) {
		case 0:
			constant = append(constant, c)
		case 1:
			i := bits.TrailingZeros64(m)
			local[i] = append(local[i], c)
		default:
			g.conds = append(g.conds, c)
			g.masks = append(g.masks, m)
		}
	}
	// Conditions over one relation filter it before it joins.
	for i, l := range leaves {
		if len(local[i]) > 0 {
			f, err := filterOver(l, local[i])
			if err != nil {
				return nil, false, err
			}
			g.leaves[i] = f
		}
		g.rows = append(g.rows, EstimateRows(g.leaves[i]))
	}
	for k, c := range g.conds {
		g.groups[g.masks[k]] = append(g.groups[g.masks[k]], g.condSelectivity(c, g.masks[k]))
	}

	var tree *joinTree
	if len(leaves) <= maxDPRelations {
		tree = g.dp(false)
		if tree == nil {
			tree = g.dp(true)
		}
	} else {
		tree = g.greedy()
	}
	out, err := g.build(tree, constant)
	if err != nil {
		return nil, false, err
	}
	out, ok, err := restoreOrder(out, want)
	return out, ok, err
}

// condSelectivity estimates one join condition between relations.
func (g *joinGraph) condSelectivity(c plan.Expr, mask uint64) float64 {
	if bits.OnesCount64(mask) != 2 {
		return selNonEquiJoin
	}
	i := bits.TrailingZeros64(mask)
	j := bits.TrailingZeros64(mask &^ (1 << i))
	li, lj := g.leaves[i], g.leaves[j]
	if l, r, ok := equiKey(c, li.Schema(), lj.Schema()); ok {
		return equiSelectivity(l, li, r, lj)
	}
	return selNonEquiJoin
}

// card is the estimated size of the join of the relations in set: the
// product of their sizes and of the selectivities of the conditions among
// them, so it does not depend on the order they were joined in.
func (g *joinGraph) card(set uint64) float64 {
	c := 1.0
	for s := set; s != 0; s &= s - 1 {
		c *= g.rows[bits.TrailingZeros64(s)]
	}
	for m, sels := range g.groups {
		if m&set == m {
			c *= backoff(append([]float64(nil), sels...))
		}
	}
	return math.Max(c, 1)
}

// connected reports whether a condition links a and b.
func (g *joinGraph) connected(a, b uint64) bool {
	for _, m := range g.masks {
		if m&a != 0 && m&b != 0 && m&^(a|b) == 0 {
			return true
		}
	}
	return false
}

// joinTree is a chosen (sub)plan: a relation (left == nil) or a hash join
// probing left with right as the build side.
type joinTree struct {
	set         uint64
	left, right *joinTree
	rows, cost  float64
}

func (g *joinGraph) join(a, b *joinTree) *joinTree {
	if b.rows > a.rows {
		a, b = b, a // build the smaller side
	}
	rows := g.card(a.set | b.set)
	return &joinTree{set: a.set | b.set, left: a, right: b, rows: rows,
		cost: a.cost + b.cost + rows + a.rows + 2*b.rows}
}

// dp finds the cheapest bushy tree, over connected pairs only unless
// cross is set; nil when the relations are not connected.
func (g *joinGraph) dp(cross bool) *joinTree {
	n := len(g.leaves)
	full := uint64(1)<<n - 1
	best := make([]*joinTree, full+1)
	for i := range n {
		best[1<<i] = &joinTree{set: 1 << i, rows: g.rows[i]}
	}
	for set := uint64(1); set <= full; set++ {
		if bits.OnesCount64(set) < 2 {
			continue
		}
		// Each split once: the part holding the lowest relation is a.
		low := set & -set
		for a := (set - 1) & set; a > 0; a = (a - 1) & set {
			if a&low == 0 {
				continue
			}
			b := set &^ a
			if best[a] == nil || best[b] == nil || (!cross && !g.connected(a, b)) {
				continue
			}
			t := g.join(best[a], best[b])
			if best[set] == nil || t.cost < best[set].cost {
				best[set] = t
			}
		}
	}
	return best[full]
}

// greedy joins, repeatedly, the connected pair of partial trees with the
// smallest result (any pair when none is connected).
func (g *joinGraph) greedy() *joinTree {
	var trees []*joinTree
	for i := range g.leaves {
		trees = append(trees, &joinTree{set: 1 << i, rows: g.rows[i]})
	}
	for len(trees) > 1 {
		bi, bj, bestConnected := -1, -1, false
		var bestRows float64
		for i := range trees {
			for j := i + 1; j < len(trees); j++ {
				conn := g.connected(trees[i].set, trees[j].set)
				rows := g.card(trees[i].set | trees[j].set)
				if bi < 0 || (conn && !bestConnected) || (conn == bestConnected && rows < bestRows) {
					bi, bj, bestConnected, bestRows = i, j, conn, rows
				}
			}
		}
		t := g.join(trees[bi], trees[bj])
		trees[bi] = t
		trees = append(trees[:bj], trees[bj+1:]...)
	}
	return trees[0]
}

// build turns the chosen tree into plan joins, each with the conditions
// that become evaluable at it; constant conditions go on the top join.
func (g *joinGraph) build(t *joinTree, constant []plan.Expr) (plan.Node, error) {
	if t.left == nil {
		return filterOver(g.leaves[bits.TrailingZeros64(t.set)], constant)
	}
	l, err := g.build(t.left, nil)
	if err != nil {
		return nil, err
	}
	r, err := g.build(t.right, nil)
	if err != nil {
		return nil, err
	}
	var on []plan.Expr
	for k, m := range g.masks {
		if m&t.set == m && m&t.left.set != m && m&t.right.set != m {
			on = append(on, g.conds[k])
		}
	}
	on = append(on, constant...)
	return plan.NewJoin(l, r, exec.JoinInner, Conjoin(on))
}

// restoreOrder puts a projection over n when its columns are not in the
// order want lists them; false when a column cannot be named uniquely.
func restoreOrder(n plan.Node, want plan.Schema) (plan.Node, bool, error) {
	have := n.Schema()
	same := len(have) == len(want)
	for i := 0; same && i < len(want); i++ {
		same = strings.EqualFold(have[i].Relation, want[i].Relation) && strings.EqualFold(have[i].Name, want[i].Name)
	}
	if same {
		return n, true, nil
	}
	exprs := make([]plan.Expr, len(want))
	for i, f := range want {
		c := plan.Column{Relation: f.Relation, Name: f.Name}
		j, err := have.Resolve(c.Relation, c.Name)
		if err != nil || !strings.EqualFold(have[j].Relation, f.Relation) {
			return nil, false, nil
		}
		exprs[i] = c
	}
	p, err := plan.NewProject(n, exprs)
	return p, err == nil, err
}

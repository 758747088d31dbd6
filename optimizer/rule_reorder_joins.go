package optimizer

import (
	"math"
	"math/bits"
	"sort"
	"strings"

	"github.com/apache/arrow/go/v15/arrow"

	"github.com/dataflow-go/dataflow/exec"
	"github.com/dataflow-go/dataflow/plan"
)

// reorderJoins picks the order of each tree of inner joins by estimated
// cardinality (see EstimateRows). It flattens the tree into its inputs
// ("relations") and the conjuncts of all its ON conditions, then
// enumerates bushy join trees by dynamic programming over subsets of up to
// maxDPRelations relations (greedy pairing above that), considering only
// joins connected by a condition, so no cross product appears while a
// connected order exists.
//
// Semi and anti joins over the tree (decorrelated EXISTS and IN, TPC-H
// Q18, Q21) take part as filters: their subquery side is a relation that
// may join, always as the build side, any subtree that holds every column
// its condition needs from the outer query, and it scales the subtree's
// rows by the fraction its join keeps. The search therefore decides
// whether the filter runs early (Q18's IN on o_orderkey, on orders before
// the lineitem join) or late (above a selective join).
//
// Equalities between plain columns form equivalence classes (a = b and
// b = c give a = c), so a relation may join any other member's relation:
// Q5's customer joins the ASIA nations through c_nationkey = s_nationkey =
// n_nationkey before orders. Each class counts once in the estimates.
//
// The cost of a tree is the sum of its intermediate result sizes plus its
// probe rows plus buildCost times its build rows (a hash table costs more
// per row than a probe, and it is built by one goroutine); each inner join
// puts its smaller input on the right, the hash-join build side. A
// projection on top restores the original column order.
//
// Run it after push_predicates, which turns comma joins with WHERE
// conditions into keyed joins.
type reorderJoins struct{}

// maxDPRelations bounds the exhaustive search (3^n subset pairs).
const maxDPRelations = 10

// buildCost is the cost of one build-side row relative to one probe or
// output row.
const buildCost = 2

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

// isSemi reports whether a join type filters its left input by the right
// one (and outputs the left columns only).
func isSemi(t exec.JoinType) bool { return t == exec.JoinSemi || t == exec.JoinAnti }

// reorder rewrites every maximal inner-join tree in n, top down.
func reorder(n plan.Node) (plan.Node, error) {
	if j, ok := n.(*plan.Join); ok && (j.Type == exec.JoinInner || isSemi(j.Type)) {
		f := &flatJoin{}
		f.flatten(j)
		for i, l := range f.leaves {
			t, err := reorder(l)
			if err != nil {
				return nil, err
			}
			f.leaves[i] = t
		}
		out, ok, err := orderJoins(j.Schema(), f)
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

// flatJoin is a tree of inner joins, with semi and anti joins above parts
// of it, flattened into relations and conditions.
type flatJoin struct {
	leaves []plan.Node
	// kind is JoinInner for a relation of the tree, JoinSemi or JoinAnti
	// for the subquery side of a semi or anti join.
	kind []exec.JoinType
	// keep is, for a semi or anti relation, the estimated fraction of
	// rows its join keeps.
	keep  []float64
	conds []plan.Expr
	// owner is, per condition, the semi or anti relation whose ON it
	// comes from, or -1.
	owner []int
}

func (f *flatJoin) leaf(n plan.Node, kind exec.JoinType, keep float64) int {
	f.leaves = append(f.leaves, n)
	f.kind = append(f.kind, kind)
	f.keep = append(f.keep, keep)
	return len(f.leaves) - 1
}

func (f *flatJoin) flatten(n plan.Node) {
	j, ok := n.(*plan.Join)
	switch {
	case ok && j.Type == exec.JoinInner:
		f.flatten(j.Left)
		f.flatten(j.Right)
		if j.On != nil {
			for _, c := range Conjuncts(j.On) {
				f.conds = append(f.conds, c)
				f.owner = append(f.owner, -1)
			}
		}
	case ok && isSemi(j.Type):
		f.flatten(j.Left)
		keep := math.Min(EstimateRows(j)/EstimateRows(j.Left), 1)
		k := f.leaf(j.Right, j.Type, keep)
		if j.On != nil {
			for _, c := range Conjuncts(j.On) {
				f.conds = append(f.conds, c)
				f.owner = append(f.owner, k)
			}
		}
	default:
		f.leaf(n, exec.JoinInner, 1)
	}
}

// sortLeaves puts the relations in a canonical order, so that ties
// between equally cheap trees break the same way whatever order the query
// named them in (and a second run finds the plan it produced).
func (f *flatJoin) sortLeaves() {
	idx := make([]int, len(f.leaves))
	keys := make([]string, len(f.leaves))
	for i, l := range f.leaves {
		idx[i] = i
		keys[i] = plan.JoinTypeName(f.kind[i]) + " " + plan.Explain(l)
	}
	sort.SliceStable(idx, func(a, b int) bool { return keys[idx[a]] < keys[idx[b]] })
	pos := make([]int, len(idx))
	leaves, kind, keep := make([]plan.Node, len(idx)), make([]exec.JoinType, len(idx)), make([]float64, len(idx))
	for to, from := range idx {
		pos[from] = to
		leaves[to], kind[to], keep[to] = f.leaves[from], f.kind[from], f.keep[from]
	}
	f.leaves, f.kind, f.keep = leaves, kind, keep
	for i, o := range f.owner {
		if o >= 0 {
			f.owner[i] = pos[o]
		}
	}
}

// joinGraph is the flattened join: relations, their estimated sizes, and
// the conditions with the set of relations each uses.
type joinGraph struct {
	leaves []plan.Node
	// rows is a relation's estimated size (for a semi or anti relation,
	// its build side).
	rows []float64
	kind []exec.JoinType
	keep []float64
	// semi is the set of semi and anti relations; deps, for each, the
	// relations its condition needs; semiConds its conditions.
	semi      uint64
	deps      []uint64
	semiConds [][]plan.Expr
	conds     []plan.Expr
	masks     []uint64 // relations each condition uses (0: none)
	classes   []*eqClass
	// groups are the conditions' selectivities by relation set, combined
	// with backoff (correlated composite keys).
	groups map[uint64][]float64
	// composite corrects, per pair of relations joined by two or more
	// classes, the product of the classes' selectivities to the
	// composite-key estimate (see keysSelectivity).
	composite map[uint64]float64
	cards     map[uint64]float64
}

// eqClass is a set of columns, each of a different relation, that
// equality conditions make equal.
type eqClass struct {
	members []eqMember // by ascending distinct bound
	mask    uint64
	// sel[i][j] is the selectivity of members i = j on their own.
	sel   [][]float64
	conds []plan.Expr // the conditions that formed the class
}

type eqMember struct {
	leaf int
	col  plan.Column
}

// maskOf returns the relations whose schemas resolve the columns of e, as
// a bit set (0 for no columns), or false when a column resolves in none or
// in several.
func (g *joinGraph) maskOf(e plan.Expr) (uint64, bool) {
	var mask uint64
	for _, c := range plan.Columns(e) {
		i, ok := g.leafOf(c)
		if !ok {
			return 0, false
		}
		mask |= 1 << i
	}
	return mask, true
}

func (g *joinGraph) leafOf(c plan.Column) (int, bool) {
	found := -1
	for i, l := range g.leaves {
		if _, err := l.Schema().Resolve(c.Relation, c.Name); err == nil {
			if found >= 0 {
				return 0, false
			}
			found = i
		}
	}
	return found, found >= 0
}

// orderJoins builds the cheapest join tree over f's relations, returning
// a plan with the given schema (false when the conditions do not map onto
// the relations).
func orderJoins(want plan.Schema, f *flatJoin) (plan.Node, bool, error) {
	if len(f.leaves) > 64 {
		return nil, false, nil
	}
	f.sortLeaves()
	n := len(f.leaves)
	g := &joinGraph{leaves: f.leaves, kind: f.kind, keep: f.keep, deps: make([]uint64, n), semiConds: make([][]plan.Expr, n),
		groups: map[uint64][]float64{}, composite: map[uint64]float64{}, cards: map[uint64]float64{}}
	for i, k := range f.kind {
		if k != exec.JoinInner {
			g.semi |= 1 << i
		}
	}
	var constant []plan.Expr
	local := make([][]plan.Expr, n)
	var edges []plan.Expr
	var edgeMasks []uint64
	for k, c := range f.conds {
		m, ok := g.maskOf(c)
		if !ok {
			return nil, false, nil
		}
		if o := f.owner[k]; o >= 0 {
			// A semi or anti join's condition stays with it; only one
			// over the subquery side alone may filter that side first.
			if m&^(1<<o) == 0 {
				local[o] = append(local[o], c)
				continue
			}
			if m&g.semi&^(1<<o) != 0 {
				return nil, false, nil
			}
			g.deps[o] |= m &^ (1 << o)
			g.semiConds[o] = append(g.semiConds[o], c)
			continue
		}
		if m&g.semi != 0 {
			return nil, false, nil
		}
		switch bits.OnesCount64(m) {
		case 0:
			constant = append(constant, c)
		case 1:
			i := bits.TrailingZeros64(m)
			local[i] = append(local[i], c)
		default:
			edges = append(edges, c)
			edgeMasks = append(edgeMasks, m)
		}
	}
	// Conditions over one relation filter it before it joins.
	for i, l := range g.leaves {
		if len(local[i]) > 0 {
			fl, err := filterOver(l, local[i])
			if err != nil {
				return nil, false, err
			}
			g.leaves[i] = fl
		}
		g.rows = append(g.rows, EstimateRows(g.leaves[i]))
	}
	g.classify(edges, edgeMasks)
	for k, c := range g.conds {
		g.groups[g.masks[k]] = append(g.groups[g.masks[k]], g.condSelectivity(c, g.masks[k]))
	}
	g.compositeKeys()

	var tree *joinTree
	if n <= maxDPRelations {
		tree = g.dp(false)
		if tree == nil {
			tree = g.dp(true)
		}
	} else {
		tree = g.greedy()
	}
	if tree == nil {
		return nil, false, nil
	}
	out, err := g.build(tree)
	if err != nil {
		return nil, false, err
	}
	if out, err = filterOver(out, constant); err != nil {
		return nil, false, err
	}
	out, ok, err := restoreOrder(out, want)
	return out, ok, err
}

// classify groups the equalities between plain columns of two relations
// (of the same type) into equivalence classes; the other conditions stay
// as they are. A class that would hold two columns of one relation is
// left as its conditions.
func (g *joinGraph) classify(edges []plan.Expr, masks []uint64) {
	type key struct{ leaf, col int }
	parent := map[key]key{}
	var find func(k key) key
	find = func(k key) key {
		p, ok := parent[k]
		if !ok || p == k {
			return k
		}
		r := find(p)
		parent[k] = r
		return r
	}
	type eqCond struct {
		a, b   key
		ca, cb plan.Column
	}
	cols := map[key]plan.Column{}
	var eqs []eqCond
	var eqIdx []int
	for k, c := range edges {
		b, ok := c.(plan.Binary)
		l, lok := plan.Unalias(b.Left).(plan.Column)
		r, rok := plan.Unalias(b.Right).(plan.Column)
		if !ok || b.Op != exec.OpEq || !lok || !rok || bits.OnesCount64(masks[k]) != 2 {
			continue
		}
		li, _ := g.leafOf(l)
		ri, _ := g.leafOf(r)
		lc, lerr := g.leaves[li].Schema().Resolve(l.Relation, l.Name)
		rc, rerr := g.leaves[ri].Schema().Resolve(r.Relation, r.Name)
		if lerr != nil || rerr != nil || li == ri ||
			!arrow.TypeEqual(g.leaves[li].Schema()[lc].Type, g.leaves[ri].Schema()[rc].Type) {
			continue
		}
		a, bk := key{li, lc}, key{ri, rc}
		cols[a], cols[bk] = l, r
		eqs = append(eqs, eqCond{a, bk, l, r})
		eqIdx = append(eqIdx, k)
		parent[find(a)] = find(bk)
	}
	byRoot := map[key]*eqClass{}
	var roots []key
	classOf := make([]*eqClass, len(edges))
	for i, e := range eqs {
		r := find(e.a)
		cl := byRoot[r]
		if cl == nil {
			cl = &eqClass{}
			byRoot[r] = cl
			roots = append(roots, r)
		}
		cl.conds = append(cl.conds, edges[eqIdx[i]])
		classOf[eqIdx[i]] = cl
	}
	members := map[*eqClass]map[key]bool{}
	for k := range cols {
		cl := byRoot[find(k)]
		if members[cl] == nil {
			members[cl] = map[key]bool{}
		}
		members[cl][k] = true
	}
	valid := map[*eqClass]bool{}
	for _, r := range roots {
		cl := byRoot[r]
		var ks []key
		for k := range members[cl] {
			ks = append(ks, k)
		}
		sort.Slice(ks, func(i, j int) bool {
			if ks[i].leaf != ks[j].leaf {
				return ks[i].leaf < ks[j].leaf
			}
			return ks[i].col < ks[j].col
		})
		ok := true
		for _, k := range ks {
			if cl.mask&(1<<k.leaf) != 0 {
				ok = false
				break
			}
			cl.mask |= 1 << k.leaf
			cl.members = append(cl.members, eqMember{leaf: k.leaf, col: cols[k]})
		}
		if !ok {
			continue
		}
		bound := func(m eqMember) float64 {
			i, _ := g.leaves[m.leaf].Schema().Resolve(m.col.Relation, m.col.Name)
			return columnStats(g.leaves[m.leaf], i).keyBound(g.leaves[m.leaf])
		}
		sort.SliceStable(cl.members, func(i, j int) bool { return bound(cl.members[i]) < bound(cl.members[j]) })
		cl.sel = make([][]float64, len(cl.members))
		for i, a := range cl.members {
			cl.sel[i] = make([]float64, len(cl.members))
			for j, b := range cl.members {
				if i != j {
					cl.sel[i][j] = equiSelectivity(a.col, g.leaves[a.leaf], b.col, g.leaves[b.leaf])
				}
			}
		}
		valid[cl] = true
		g.classes = append(g.classes, cl)
	}
	for k, c := range edges {
		if cl := classOf[k]; cl != nil && valid[cl] {
			continue
		}
		g.conds = append(g.conds, c)
		g.masks = append(g.masks, masks[k])
	}
}

// compositeKeys records, for each pair of relations that two or more
// classes join, how much the composite-key estimate exceeds the product
// of the classes' own selectivities.
func (g *joinGraph) compositeKeys() {
	n := len(g.leaves)
	for a := range n {
		for b := a + 1; b < n; b++ {
			pair := uint64(1)<<a | uint64(1)<<b
			var keys []keyPair
			naive := 1.0
			for _, cl := range g.classes {
				if cl.mask&pair != pair {
					continue
				}
				var ia, ib int
				for i, m := range cl.members {
					switch m.leaf {
					case a:
						ia = i
					case b:
						ib = i
					}
				}
				keys = append(keys, keyPair{cl.members[ia].col, cl.members[ib].col})
				naive *= cl.sel[ia][ib]
			}
			if len(keys) < 2 {
				continue
			}
			if f := keysSelectivity(keys, g.leaves[a], g.leaves[b]) / naive; f > 1 {
				g.composite[pair] = f
			}
		}
	}
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
// product of their sizes (a semi or anti relation: the fraction its join
// keeps) and of the selectivities of the conditions among them, so it does
// not depend on the order they were joined in. A class of k members in
// set counts as the k-1 equalities between its member with the fewest
// distinct values (the key) and the others.
func (g *joinGraph) card(set uint64) float64 {
	if c, ok := g.cards[set]; ok {
		return c
	}
	c := 1.0
	for s := set; s != 0; s &= s - 1 {
		i := bits.TrailingZeros64(s)
		if g.semi&(1<<i) != 0 {
			c *= g.keep[i]
		} else {
			c *= g.rows[i]
		}
	}
	for m, sels := range g.groups {
		if m&set == m {
			c *= backoff(append([]float64(nil), sels...))
		}
	}
	for _, cl := range g.classes {
		key := -1
		for i, m := range cl.members {
			if set&(1<<m.leaf) == 0 {
				continue
			}
			if key < 0 {
				key = i
				continue
			}
			c *= cl.sel[key][i]
		}
	}
	for pair, f := range g.composite {
		if pair&set == pair {
			c *= f
		}
	}
	c = math.Max(c, 1)
	g.cards[set] = c
	return c
}

// connected reports whether a condition or a class links a and b.
func (g *joinGraph) connected(a, b uint64) bool {
	for _, m := range g.masks {
		if m&a != 0 && m&b != 0 && m&^(a|b) == 0 {
			return true
		}
	}
	for _, cl := range g.classes {
		if cl.mask&a != 0 && cl.mask&b != 0 {
			return true
		}
	}
	return false
}

// joinTree is a chosen (sub)plan: a relation (left == nil) or a hash join
// probing left with right as the build side (a semi or anti join when
// right is such a relation).
type joinTree struct {
	set         uint64
	left, right *joinTree
	rows, cost  float64
}

// semiLeaf returns the semi or anti relation t is, or -1.
func (g *joinGraph) semiLeaf(t *joinTree) int {
	if t.left == nil && t.set&g.semi != 0 {
		return bits.TrailingZeros64(t.set)
	}
	return -1
}

// join combines a and b, or returns nil when they may not be joined
// directly (a semi relation whose outer columns a does not hold yet).
func (g *joinGraph) join(a, b *joinTree, cross bool) *joinTree {
	sa, sb := g.semiLeaf(a), g.semiLeaf(b)
	switch {
	case sa >= 0 && sb >= 0:
		return nil
	case sa >= 0:
		a, b, sb = b, a, sa
		fallthrough
	case sb >= 0:
		if g.deps[sb]&^a.set != 0 {
			return nil
		}
	default:
		if !cross && !g.connected(a.set, b.set) {
			return nil
		}
		if b.rows > a.rows {
			a, b = b, a // build the smaller side
		}
	}
	rows := g.card(a.set | b.set)
	return &joinTree{set: a.set | b.set, left: a, right: b, rows: rows,
		cost: a.cost + b.cost + rows + a.rows + buildCost*b.rows}
}

func (g *joinGraph) leafTree(i int) *joinTree {
	return &joinTree{set: 1 << i, rows: g.rows[i]}
}

// dp finds the cheapest bushy tree, over connected pairs only unless
// cross is set; nil when the relations are not connected.
func (g *joinGraph) dp(cross bool) *joinTree {
	n := len(g.leaves)
	full := uint64(1)<<n - 1
	best := make([]*joinTree, full+1)
	for i := range n {
		best[1<<i] = g.leafTree(i)
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
			if best[a] == nil || best[b] == nil {
				continue
			}
			t := g.join(best[a], best[b], cross)
			if t != nil && (best[set] == nil || t.cost < best[set].cost) {
				best[set] = t
			}
		}
	}
	return best[full]
}

// greedy joins, repeatedly, the connected pair of partial trees with the
// smallest result (any pair that may join when none is connected).
func (g *joinGraph) greedy() *joinTree {
	var trees []*joinTree
	for i := range g.leaves {
		trees = append(trees, g.leafTree(i))
	}
	for len(trees) > 1 {
		var best *joinTree
		bi, bj, bestConnected := -1, -1, false
		for i := range trees {
			for j := i + 1; j < len(trees); j++ {
				t := g.join(trees[i], trees[j], true)
				if t == nil {
					continue
				}
				conn := g.semiLeaf(trees[i]) >= 0 || g.semiLeaf(trees[j]) >= 0 || g.connected(trees[i].set, trees[j].set)
				if best == nil || (conn && !bestConnected) || (conn == bestConnected && t.rows < best.rows) {
					best, bi, bj, bestConnected = t, i, j, conn
				}
			}
		}
		if best == nil {
			return nil
		}
		trees[bi] = best
		trees = append(trees[:bj], trees[bj+1:]...)
	}
	return trees[0]
}

// build turns the chosen tree into plan joins, each with the conditions
// that become evaluable at it.
func (g *joinGraph) build(t *joinTree) (plan.Node, error) {
	if t.left == nil {
		return g.leaves[bits.TrailingZeros64(t.set)], nil
	}
	l, err := g.build(t.left)
	if err != nil {
		return nil, err
	}
	r, err := g.build(t.right)
	if err != nil {
		return nil, err
	}
	if s := g.semiLeaf(t.right); s >= 0 {
		return plan.NewJoin(l, r, g.kind[s], Conjoin(g.semiConds[s]))
	}
	var on []plan.Expr
	for k, m := range g.masks {
		if m&t.set == m && m&t.left.set != m && m&t.right.set != m {
			on = append(on, g.conds[k])
		}
	}
	for _, cl := range g.classes {
		if c := cl.equality(t.left.set, t.right.set, g); c != nil {
			on = append(on, c)
		}
	}
	return plan.NewJoin(l, r, exec.JoinInner, Conjoin(on))
}

// equality returns one condition making the class's members in a equal
// to those in b, or nil when the class has no member on one side. On each
// side it names the member of the relation that the most classes join
// across (so that a composite key's columns come from one table, as the
// estimate of the built join needs), else of the relation with the fewest
// distinct values; the query's own condition when it is that pair.
func (cl *eqClass) equality(a, b uint64, g *joinGraph) plan.Expr {
	if cl.mask&a == 0 || cl.mask&b == 0 {
		return nil
	}
	pick := func(side uint64) *eqMember {
		var best *eqMember
		bestN := -1
		for i := range cl.members {
			m := &cl.members[i]
			if side&(1<<m.leaf) == 0 {
				continue
			}
			n := 0
			for _, o := range g.classes {
				if o.mask&(1<<m.leaf) != 0 && o.mask&a != 0 && o.mask&b != 0 {
					n++
				}
			}
			if n > bestN {
				best, bestN = m, n
			}
		}
		return best
	}
	x, y := pick(a), pick(b)
	for _, c := range cl.conds {
		m, _ := g.maskOf(c)
		if m == 1<<x.leaf|1<<y.leaf {
			return c
		}
	}
	return plan.Binary{Op: exec.OpEq, Left: x.col, Right: y.col}
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

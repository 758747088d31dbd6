package placement

// Index structures that let the placer find its candidate nodes without
// scanning the whole cluster for every task.

// maxTree is a segment tree over per-node values answering "largest value"
// in O(1) after O(log n) updates: the busiest node's load for the
// imbalance term, the fullest node of a stage for SPREAD.
type maxTree struct {
	size int
	t    []float64
}

func newMaxTree(n int) *maxTree {
	size := 1
	for size < n {
		size *= 2
	}
	return &maxTree{size: size, t: make([]float64, 2*size)}
}

func (m *maxTree) set(i int, v float64) {
	i += m.size
	m.t[i] = v
	for i > 1 {
		i /= 2
		m.t[i] = max(m.t[2*i], m.t[2*i+1])
	}
}

func (m *maxTree) max() float64 { return m.t[1] }

// loadHeap orders the nodes of one group by (load, index), so the least
// loaded node of the group, the only one of its interchangeable members a
// cost-minimising choice can prefer, is found without a scan.
type loadHeap struct {
	nodes []int
	pos   map[int]int
	load  []float64 // the placer's load slice, shared
}

func newLoadHeap(members []int, load []float64) *loadHeap {
	h := &loadHeap{nodes: append([]int(nil), members...), pos: make(map[int]int, len(members)), load: load}
	// Members arrive sorted by index with equal loads at the start, which
	// is already a valid heap; be safe anyway.
	for i, n := range h.nodes {
		h.pos[n] = i
	}
	for i := len(h.nodes)/2 - 1; i >= 0; i-- {
		h.down(i)
	}
	return h
}

func (h *loadHeap) less(i, j int) bool {
	a, b := h.nodes[i], h.nodes[j]
	if h.load[a] != h.load[b] {
		return h.load[a] < h.load[b]
	}
	return a < b
}

func (h *loadHeap) swap(i, j int) {
	h.nodes[i], h.nodes[j] = h.nodes[j], h.nodes[i]
	h.pos[h.nodes[i]] = i
	h.pos[h.nodes[j]] = j
}

func (h *loadHeap) up(i int) {
	for i > 0 {
		p := (i - 1) / 2
		if !h.less(i, p) {
			return
		}
		h.swap(i, p)
		i = p
	}
}

func (h *loadHeap) down(i int) {
	for {
		l, best := 2*i+1, i
		if l < len(h.nodes) && h.less(l, best) {
			best = l
		}
		if r := l + 1; r < len(h.nodes) && h.less(r, best) {
			best = r
		}
		if best == i {
			return
		}
		h.swap(i, best)
		i = best
	}
}

// fix restores the heap after node n's load changed.
func (h *loadHeap) fix(n int) {
	i := h.pos[n]
	h.up(i)
	h.down(h.pos[n])
}

// first returns the member with the least (load, index) satisfying ok, or
// -1. It walks the heap best first, so it looks at the members that fail
// ok plus O(log n) more, not at the whole group.
func (h *loadHeap) first(ok func(n int) bool) int {
	if len(h.nodes) == 0 {
		return -1
	}
	// A small heap of heap positions, ordered like the heap itself.
	open := []int{0}
	lessPos := func(a, b int) bool { return h.less(open[a], open[b]) }
	for len(open) > 0 {
		// Pop the best open position.
		bi := 0
		for i := 1; i < len(open); i++ {
			if lessPos(i, bi) {
				bi = i
			}
		}
		i := open[bi]
		open[bi] = open[len(open)-1]
		open = open[:len(open)-1]
		if n := h.nodes[i]; ok(n) {
			return n
		}
		if l := 2*i + 1; l < len(h.nodes) {
			open = append(open, l)
		}
		if r := 2*i + 2; r < len(h.nodes) {
			open = append(open, r)
		}
	}
	return -1
}

package placement

import (
	"fmt"
	"math"
	"sort"
	"strings"
)

// compiled is a validated Problem in index form, shared by the solver, the
// baselines and Evaluate.
type compiled struct {
	p       *Problem
	opts    Options
	nodeIdx map[string]int
	res     []string    // resource names, sorted
	cap     [][]float64 // node x resource
	stages  []cstage
	topo    []int   // stage indexes, producers before consumers
	in, out [][]int // edge indexes per stage

	// Derived once, used by every placer.
	groups      [][]int     // nodes by shape, see nodeGroups
	order       [][]int     // per stage: tasks by input size, see taskOrder
	minNodesOf  []int       // per stage: minNodes
	evenShareOf []float64   // per stage: evenShare
	softBad     [][]float64 // stage x node: soft labels a task breaks there
	fullLocal   [][]float64 // node x stage, see fullyLocal
}

type cstage struct {
	k         int
	strategy  Strategy // resolved against Options.Strategy
	variants  []cvariant
	input     []float64         // input bytes per task
	local     []map[int]float64 // per task: node -> bytes held there
	eligible  [][]bool          // variant x node: hard labels and one task fits
	hardLabel []LabelConstraint
	softLabel []LabelConstraint
	combineTo []int // edges of kind EdgeCombine leaving this stage
}

type cvariant struct {
	name    string
	demand  []float64 // per resource
	weight  float64   // load of one task for imbalance
	penalty float64
}

func (c *compiled) nNodes() int { return len(c.p.Cluster.Nodes) }

// compile validates p and builds its index form.
func compile(p *Problem, opts Options) (*compiled, error) {
	if p == nil {
		return nil, fmt.Errorf("%w: nil problem", ErrInvalid)
	}
	c := &compiled{p: p, opts: opts, nodeIdx: map[string]int{}}
	if len(p.Cluster.Nodes) == 0 {
		return nil, fmt.Errorf("%w: cluster has no nodes", ErrInvalid)
	}
	resSet := map[string]bool{}
	for i, n := range p.Cluster.Nodes {
		if n.ID == "" {
			return nil, fmt.Errorf("%w: node %d has no id", ErrInvalid, i)
		}
		if _, dup := c.nodeIdx[n.ID]; dup {
			return nil, fmt.Errorf("%w: duplicate node id %q", ErrInvalid, n.ID)
		}
		c.nodeIdx[n.ID] = i
		for r, v := range n.Resources {
			if v < 0 || math.IsNaN(v) || math.IsInf(v, 0) {
				return nil, fmt.Errorf("%w: node %s has resource %s=%v", ErrInvalid, n.ID, r, v)
			}
			resSet[r] = true
		}
	}
	tables := map[string]*Table{}
	for ti := range p.Cluster.Tables {
		t := &p.Cluster.Tables[ti]
		if _, dup := tables[t.Name]; dup {
			return nil, fmt.Errorf("%w: duplicate table %q", ErrInvalid, t.Name)
		}
		tables[t.Name] = t
		for pi, part := range t.Partitions {
			if part.Bytes < 0 {
				return nil, fmt.Errorf("%w: table %s partition %d has negative size", ErrInvalid, t.Name, pi)
			}
			for _, r := range part.Replicas {
				if _, ok := c.nodeIdx[r]; !ok {
					return nil, fmt.Errorf("%w: table %s partition %d has a replica on unknown node %q", ErrInvalid, t.Name, pi, r)
				}
			}
		}
	}
	for si := range p.Stages {
		for _, v := range p.Stages[si].variants() {
			for r, d := range v.Demand {
				if d < 0 || math.IsNaN(d) || math.IsInf(d, 0) {
					return nil, fmt.Errorf("%w: stage %d (%s) demands %s=%v", ErrInvalid, si, p.Stages[si].Name, r, d)
				}
				resSet[r] = true
			}
		}
	}
	for r := range resSet {
		c.res = append(c.res, r)
	}
	sort.Strings(c.res)
	c.cap = make([][]float64, len(p.Cluster.Nodes))
	for i, n := range p.Cluster.Nodes {
		c.cap[i] = make([]float64, len(c.res))
		for ri, r := range c.res {
			c.cap[i][ri] = n.Resources[r]
		}
	}

	c.in = make([][]int, len(p.Stages))
	c.out = make([][]int, len(p.Stages))
	for ei, e := range p.Edges {
		if e.From < 0 || e.From >= len(p.Stages) || e.To < 0 || e.To >= len(p.Stages) || e.From == e.To {
			return nil, fmt.Errorf("%w: edge %d connects stages %d -> %d of %d", ErrInvalid, ei, e.From, e.To, len(p.Stages))
		}
		if e.Bytes < 0 {
			return nil, fmt.Errorf("%w: edge %d has negative bytes", ErrInvalid, ei)
		}
		if e.Kind < EdgeShuffle || e.Kind > EdgeCombine {
			return nil, fmt.Errorf("%w: edge %d has unknown kind %d", ErrInvalid, ei, int(e.Kind))
		}
		if e.Kind == EdgeForward && p.Stages[e.From].K() != p.Stages[e.To].K() {
			return nil, fmt.Errorf("%w: forward edge %d joins stage %d (%d tasks) to stage %d (%d tasks)",
				ErrInvalid, ei, e.From, p.Stages[e.From].K(), e.To, p.Stages[e.To].K())
		}
		c.out[e.From] = append(c.out[e.From], ei)
		c.in[e.To] = append(c.in[e.To], ei)
	}
	if err := c.sortTopo(); err != nil {
		return nil, err
	}

	c.stages = make([]cstage, len(p.Stages))
	for si := range p.Stages {
		if err := c.compileStage(si, tables); err != nil {
			return nil, err
		}
	}
	c.order = make([][]int, len(c.stages))
	c.minNodesOf = make([]int, len(c.stages))
	c.evenShareOf = make([]float64, len(c.stages))
	c.softBad = make([][]float64, len(c.stages))
	for s := range c.stages {
		c.minNodesOf[s] = c.minNodes(s)
		c.evenShareOf[s] = c.evenShare(s)
		c.softBad[s] = make([]float64, c.nNodes())
		for n := range c.softBad[s] {
			for _, l := range c.stages[s].softLabel {
				if !labelHolds(l, p.Cluster.Nodes[n].Labels) {
					c.softBad[s][n]++
				}
			}
		}
	}
	return c, nil
}

// nodeShapes returns per node a key that is equal for nodes with the same
// capacities of demanded resources and the same values of the labels some
// constraint mentions.
func (c *compiled) nodeShapes() []string {
	demanded := make([]bool, len(c.res))
	labelKeys := map[string]bool{}
	for s := range c.stages {
		for _, v := range c.stages[s].variants {
			for ri, d := range v.demand {
				if d > 0 {
					demanded[ri] = true
				}
			}
		}
		for _, l := range c.p.Stages[s].Labels {
			labelKeys[l.Key] = true
		}
	}
	keys := make([]string, 0, len(labelKeys))
	for k := range labelKeys {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	out := make([]string, c.nNodes())
	for n := range out {
		var sb strings.Builder
		for ri := range c.res {
			if demanded[ri] {
				fmt.Fprintf(&sb, "%g,", c.cap[n][ri])
			}
		}
		for _, k := range keys {
			v, ok := c.p.Cluster.Nodes[n].Labels[k]
			fmt.Fprintf(&sb, "|%v:%q", ok, v)
		}
		out[n] = sb.String()
	}
	return out
}

func (c *compiled) sortTopo() error {
	n := len(c.p.Stages)
	indeg := make([]int, n)
	for _, e := range c.p.Edges {
		indeg[e.To]++
	}
	var queue []int
	for s := 0; s < n; s++ {
		if indeg[s] == 0 {
			queue = append(queue, s)
		}
	}
	for len(queue) > 0 {
		s := queue[0]
		queue = queue[1:]
		c.topo = append(c.topo, s)
		for _, ei := range c.out[s] {
			t := c.p.Edges[ei].To
			indeg[t]--
			if indeg[t] == 0 {
				queue = append(queue, t)
			}
		}
	}
	if len(c.topo) != n {
		return fmt.Errorf("%w: the stage graph has a cycle", ErrInvalid)
	}
	return nil
}

func (c *compiled) compileStage(si int, tables map[string]*Table) error {
	st := &c.p.Stages[si]
	cs := &c.stages[si]
	if st.K() == 0 {
		return fmt.Errorf("%w: stage %d (%s) has no tasks", ErrInvalid, si, st.Name)
	}
	if st.Strategy < StrategyAuto || st.Strategy > StrategyStrictSpread {
		return fmt.Errorf("%w: stage %d (%s) has unknown strategy %d", ErrInvalid, si, st.Name, int(st.Strategy))
	}
	cs.k = st.K()
	cs.strategy = st.Strategy
	if cs.strategy == StrategyAuto {
		cs.strategy = c.opts.Strategy
	}
	for _, l := range st.Labels {
		if l.Key == "" {
			return fmt.Errorf("%w: stage %d (%s) has a label constraint without a key", ErrInvalid, si, st.Name)
		}
		if l.Soft {
			cs.softLabel = append(cs.softLabel, l)
		} else {
			cs.hardLabel = append(cs.hardLabel, l)
		}
	}
	cpu := -1
	for ri, r := range c.res {
		if r == ResourceCPU {
			cpu = ri
		}
	}
	for _, v := range st.variants() {
		cv := cvariant{name: v.Name, demand: make([]float64, len(c.res)), weight: 1, penalty: v.Penalty}
		if v.Penalty < 0 || math.IsNaN(v.Penalty) {
			return fmt.Errorf("%w: stage %d (%s) variant %s has penalty %v", ErrInvalid, si, st.Name, v.Name, v.Penalty)
		}
		for ri, r := range c.res {
			cv.demand[ri] = v.Demand[r]
		}
		if cpu >= 0 && cv.demand[cpu] > 0 {
			cv.weight = cv.demand[cpu]
		}
		cs.variants = append(cs.variants, cv)
	}
	cs.input = make([]float64, cs.k)
	cs.local = make([]map[int]float64, cs.k)
	for ti, t := range st.Tasks {
		cs.local[ti] = map[int]float64{}
		for _, ref := range t.Inputs {
			tab, ok := tables[ref.Table]
			if !ok {
				return fmt.Errorf("%w: stage %d (%s) task %d reads unknown table %q", ErrInvalid, si, st.Name, ti, ref.Table)
			}
			if ref.Partition < 0 || ref.Partition >= len(tab.Partitions) {
				return fmt.Errorf("%w: stage %d (%s) task %d reads partition %d of table %s with %d partitions",
					ErrInvalid, si, st.Name, ti, ref.Partition, ref.Table, len(tab.Partitions))
			}
			part := tab.Partitions[ref.Partition]
			b := float64(part.Bytes)
			cs.input[ti] += b
			seen := map[int]bool{}
			for _, r := range part.Replicas {
				n := c.nodeIdx[r]
				if !seen[n] {
					seen[n] = true
					cs.local[ti][n] += b
				}
			}
		}
	}
	cs.eligible = make([][]bool, len(cs.variants))
	for vi := range cs.variants {
		cs.eligible[vi] = make([]bool, c.nNodes())
		for n := range c.p.Cluster.Nodes {
			cs.eligible[vi][n] = c.labelsOK(cs.hardLabel, n) && c.fits(cs.variants[vi].demand, n, 1)
		}
	}
	for _, ei := range c.out[si] {
		if c.p.Edges[ei].Kind == EdgeCombine {
			cs.combineTo = append(cs.combineTo, ei)
		}
	}
	return nil
}

// labelsOK reports whether node n satisfies every constraint in ls.
func (c *compiled) labelsOK(ls []LabelConstraint, n int) bool {
	for _, l := range ls {
		if !labelHolds(l, c.p.Cluster.Nodes[n].Labels) {
			return false
		}
	}
	return true
}

func labelHolds(l LabelConstraint, labels map[string]string) bool {
	v, ok := labels[l.Key]
	has := ok && v == l.Value
	return has != l.Anti
}

// fits reports whether count tasks of the given demand fit the capacity of n.
func (c *compiled) fits(demand []float64, n int, count int) bool {
	for ri, d := range demand {
		if d*float64(count) > c.cap[n][ri]+1e-9 {
			return false
		}
	}
	return true
}

// maxPerNode returns how many tasks of the given demand fit on node n alone.
func (c *compiled) maxPerNode(demand []float64, n int, limit int) int {
	m := limit
	for ri, d := range demand {
		if d > 0 {
			f := int(math.Floor(c.cap[n][ri]/d + 1e-9))
			if f < m {
				m = f
			}
		}
	}
	return m
}

// isFullyLocal reports whether task t of stage s reads all its input on n.
func (cs *cstage) isFullyLocal(t, n int) bool {
	return cs.input[t] > 0 && cs.local[t][n] >= cs.input[t]-1e-9
}

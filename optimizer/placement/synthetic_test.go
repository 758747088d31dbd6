package placement

import (
	"fmt"
	"math/rand"
)

// syntheticCluster builds n nodes (32 cpu, 128 GiB, one GPU on every 8th
// node, 8 nodes per rack) and tables whose partitions sit on rf random
// nodes (seeded).
func syntheticCluster(rng *rand.Rand, n, rf int, tables map[string]int, partBytes int64) Cluster {
	var cl Cluster
	for i := 0; i < n; i++ {
		res := Resources{ResourceCPU: 32, ResourceMemory: 128 << 30}
		if i%8 == 7 {
			res[ResourceGPU] = 1
		}
		cl.Nodes = append(cl.Nodes, Node{ID: fmt.Sprintf("n%d", i), Resources: res,
			Labels: map[string]string{"rack": fmt.Sprintf("r%d", i/8)}})
	}
	names := []string{"lineitem", "orders", "customer", "supplier", "nation"}
	for _, name := range names {
		parts, ok := tables[name]
		if !ok {
			continue
		}
		t := Table{Name: name}
		for p := 0; p < parts; p++ {
			perm := rng.Perm(n)
			var reps []string
			for r := 0; r < rf && r < n; r++ {
				reps = append(reps, cl.Nodes[perm[r]].ID)
			}
			t.Partitions = append(t.Partitions, Partition{Bytes: partBytes, Replicas: reps})
		}
		cl.Tables = append(cl.Tables, t)
	}
	return cl
}

func scanStage(name, table string, parts int, cpu float64) Stage {
	st := Stage{Name: name, Demand: Resources{ResourceCPU: cpu}}
	for p := 0; p < parts; p++ {
		st.Tasks = append(st.Tasks, Task{Inputs: []PartitionRef{{Table: table, Partition: p}}})
	}
	return st
}

func plainStage(name string, k int, cpu float64) Stage {
	return Stage{Name: name, Tasks: make([]Task, k), Demand: Resources{ResourceCPU: cpu}}
}

// syntheticTenStage is a 10-stage graph on n nodes with 8n lineitem
// partitions (512 on 64 nodes): scans, two shuffle joins, a partial
// aggregation combined into a final one, a sort and an output stage.
func syntheticTenStage(seed int64, n int) *Problem {
	rng := rand.New(rand.NewSource(seed))
	P := 8 * n
	cl := syntheticCluster(rng, n, 3, map[string]int{"lineitem": P, "orders": P / 4, "customer": max(1, P/8)}, 64<<20)
	p := &Problem{Cluster: cl}
	p.Stages = []Stage{
		scanStage("scan-lineitem", "lineitem", P, 1),
		plainStage("filter", P, 0.5),
		scanStage("scan-orders", "orders", P/4, 1),
		plainStage("join-lo", n, 1),
		scanStage("scan-customer", "customer", max(1, P/8), 1),
		plainStage("join-c", n, 1),
		plainStage("agg-partial", n, 1),
		plainStage("agg-final", 4, 1),
		plainStage("sort", 1, 1),
		plainStage("output", 1, 0.5),
	}
	mb := int64(1 << 20)
	p.Edges = []Edge{
		{From: 0, To: 1, Bytes: int64(P) * 16 * mb, Kind: EdgeForward},
		{From: 1, To: 3, Bytes: int64(P) * 4 * mb, Kind: EdgeShuffle},
		{From: 2, To: 3, Bytes: int64(P) * 2 * mb, Kind: EdgeShuffle},
		{From: 3, To: 5, Bytes: int64(P) * 2 * mb, Kind: EdgeShuffle},
		{From: 4, To: 5, Bytes: int64(P) * 1 * mb, Kind: EdgeShuffle},
		{From: 5, To: 6, Bytes: int64(P) * 1 * mb, Kind: EdgeForward},
		{From: 6, To: 7, Bytes: int64(n) * 4 * mb, Kind: EdgeCombine},
		{From: 7, To: 8, Bytes: 4 * mb, Kind: EdgeShuffle},
		{From: 8, To: 9, Bytes: mb, Kind: EdgeForward},
	}
	return p
}

// Synthetic shapes of TPC-H queries (hand-described stage graphs, not
// plans produced by the planner): Q1 scans lineitem into a partial
// aggregation combined by a final one; Q3 and Q5 scan several tables, join
// them by shuffles and aggregate.
func syntheticQ1(seed int64, n, perNode int) *Problem {
	rng := rand.New(rand.NewSource(seed))
	P := perNode * n
	p := &Problem{Cluster: syntheticCluster(rng, n, 1, map[string]int{"lineitem": P}, 128<<20)}
	for i := range p.Cluster.Tables[0].Partitions { // exactly perNode partitions per node
		p.Cluster.Tables[0].Partitions[i].Replicas = []string{p.Cluster.Nodes[i%n].ID}
	}
	p.Stages = []Stage{scanStage("scan+partial-agg", "lineitem", P, 1), plainStage("final-agg", 1, 1)}
	p.Edges = []Edge{{From: 0, To: 1, Bytes: int64(P) * 4 << 10, Kind: EdgeCombine}}
	return p
}

func syntheticQ3(seed int64, n int) *Problem {
	rng := rand.New(rand.NewSource(seed))
	P := 4 * n
	p := &Problem{Cluster: syntheticCluster(rng, n, 2, map[string]int{"lineitem": P, "orders": P / 2, "customer": max(1, P/4)}, 64<<20)}
	p.Stages = []Stage{
		scanStage("scan-customer", "customer", max(1, P/4), 1),
		scanStage("scan-orders", "orders", P/2, 1),
		plainStage("join-co", n, 1),
		scanStage("scan-lineitem", "lineitem", P, 1),
		plainStage("join-col", n, 1),
		plainStage("agg-partial", n, 1),
		plainStage("agg-final+topk", 1, 1),
	}
	mb := int64(1 << 20)
	p.Edges = []Edge{
		{From: 0, To: 2, Bytes: int64(P) * mb, Kind: EdgeShuffle},
		{From: 1, To: 2, Bytes: int64(P) * 4 * mb, Kind: EdgeShuffle},
		{From: 2, To: 4, Bytes: int64(P) * 2 * mb, Kind: EdgeShuffle},
		{From: 3, To: 4, Bytes: int64(P) * 8 * mb, Kind: EdgeShuffle},
		{From: 4, To: 5, Bytes: int64(P) * mb, Kind: EdgeForward},
		{From: 5, To: 6, Bytes: int64(n) * mb, Kind: EdgeCombine},
	}
	return p
}

func syntheticQ5(seed int64, n int) *Problem {
	rng := rand.New(rand.NewSource(seed))
	P := 4 * n
	p := &Problem{Cluster: syntheticCluster(rng, n, 2, map[string]int{"lineitem": P, "orders": P / 2,
		"customer": max(1, P/4), "supplier": max(1, P/8), "nation": 1}, 64<<20)}
	p.Stages = []Stage{
		scanStage("scan-nation", "nation", 1, 0.5),
		scanStage("scan-customer", "customer", max(1, P/4), 1),
		scanStage("scan-orders", "orders", P/2, 1),
		plainStage("join-co", n, 1),
		scanStage("scan-lineitem", "lineitem", P, 1),
		plainStage("join-col", n, 1),
		scanStage("scan-supplier", "supplier", max(1, P/8), 1),
		plainStage("join-s-n", n, 1),
		plainStage("agg-partial", n, 1),
		plainStage("agg-final", 1, 1),
	}
	mb := int64(1 << 20)
	p.Edges = []Edge{
		{From: 1, To: 3, Bytes: int64(P) * mb, Kind: EdgeShuffle},
		{From: 2, To: 3, Bytes: int64(P) * 4 * mb, Kind: EdgeShuffle},
		{From: 3, To: 5, Bytes: int64(P) * 2 * mb, Kind: EdgeShuffle},
		{From: 4, To: 5, Bytes: int64(P) * 8 * mb, Kind: EdgeShuffle},
		{From: 5, To: 7, Bytes: int64(P) * mb, Kind: EdgeShuffle},
		{From: 6, To: 7, Bytes: int64(P) * mb / 4, Kind: EdgeShuffle},
		{From: 0, To: 7, Bytes: mb, Kind: EdgeShuffle},
		{From: 7, To: 8, Bytes: int64(P) * mb / 2, Kind: EdgeForward},
		{From: 8, To: 9, Bytes: int64(n) * mb / 8, Kind: EdgeCombine},
	}
	return p
}

package placement

import (
	"fmt"
	"testing"
	"time"
)

// BenchmarkSolve reports solve time and bytes moved of the solver and each
// baseline on synthetic 10-stage problems with 8 partitions per node
// (64 nodes = 512 partitions).
func BenchmarkSolve(b *testing.B) {
	for _, n := range []int{4, 16, 64, 256} {
		p := syntheticTenStage(1, n)
		benchAll(b, fmt.Sprintf("synthetic10stage/nodes=%d", n), p)
	}
}

// BenchmarkShapes runs synthetic stage graphs shaped like TPC-H Q1, Q3 and
// Q5 (hand-described, not planner output) on 16 and 64 nodes. The real
// plans of those queries, derived by optimizer.Stages, are benchmarked in
// the root package: go test -bench PlacementTPCH -run '^$' .
func BenchmarkShapes(b *testing.B) {
	for _, n := range []int{16, 64} {
		benchAll(b, fmt.Sprintf("synthetic-Q1-shape/nodes=%d", n), syntheticQ1(1, n, 4))
		benchAll(b, fmt.Sprintf("synthetic-Q3-shape/nodes=%d", n), syntheticQ3(1, n))
		benchAll(b, fmt.Sprintf("synthetic-Q5-shape/nodes=%d", n), syntheticQ5(1, n))
	}
}

// reportCPU reports the process CPU time per operation since start (see
// processCPU): on a shared machine ns/op also counts waiting for a core.
func reportCPU(b *testing.B, start time.Duration, ok bool) {
	if end, ok2 := processCPU(); ok && ok2 {
		b.ReportMetric(float64(end-start)/float64(b.N), "cpu-ns/op")
	}
}

func benchAll(b *testing.B, name string, p *Problem) {
	b.Run(name+"/solver", func(b *testing.B) {
		var res *Result
		cpu, ok := processCPU()
		for i := 0; i < b.N; i++ {
			var err error
			res, err = Solve(p, nil)
			if err != nil {
				b.Fatal(err)
			}
		}
		reportCPU(b, cpu, ok)
		b.ReportMetric(res.Metrics.BytesMoved/(1<<20), "MiB-moved")
		b.ReportMetric(res.Metrics.BytesToFinal/(1<<20), "MiB-to-final")
		b.ReportMetric(res.Metrics.Imbalance, "imbalance")
		b.ReportMetric(100*res.Explanation.Gap, "gap-%")
		b.ReportMetric(float64(res.Explanation.NodesExplored), "lps")
	})
	for _, base := range BaselineNames {
		b.Run(name+"/"+base, func(b *testing.B) {
			var pl *Placement
			cpu, ok := processCPU()
			for i := 0; i < b.N; i++ {
				var err error
				pl, err = Baseline(p, base, 1, DefaultOptions())
				if err != nil {
					b.Fatal(err)
				}
			}
			reportCPU(b, cpu, ok)
			m, err := Evaluate(p, pl)
			if err != nil {
				b.Fatal(err)
			}
			b.ReportMetric(m.BytesMoved/(1<<20), "MiB-moved")
			b.ReportMetric(m.BytesToFinal/(1<<20), "MiB-to-final")
			b.ReportMetric(m.Imbalance, "imbalance")
		})
	}
}

package dataflow

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/dataflow-go/dataflow/exec"
	"github.com/dataflow-go/dataflow/optimizer"
	"github.com/dataflow-go/dataflow/plan"
)

// physicalTrace records the operators the physical planner built for each
// plan node, metered when analyzing.
type physicalTrace struct {
	mu     sync.Mutex
	meter  bool
	ops    map[plan.Node][]exec.Operator
	meters map[plan.Node][]*exec.Metered
}

func newPhysicalTrace(meter bool) *physicalTrace {
	return &physicalTrace{meter: meter, ops: map[plan.Node][]exec.Operator{}, meters: map[plan.Node][]*exec.Metered{}}
}

func (t *physicalTrace) wrap(n plan.Node, op exec.Operator) exec.Operator {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.ops[n] = append(t.ops[n], op)
	if !t.meter {
		return op
	}
	m := exec.Meter(op)
	t.meters[n] = append(t.meters[n], m)
	return m
}

func (t *physicalTrace) stats(n plan.Node) (exec.MeterStats, bool) {
	var s exec.MeterStats
	ms, ok := t.meters[n]
	for _, m := range ms {
		s = s.Add(m.Stats())
	}
	return s, ok
}

// render prints the plan with, for each node, the operators that run it
// (and how many parallel pipelines) and, when metered, rows, bytes,
// batches and time. Time sums the node's pipelines and includes the time
// spent pulling from its inputs; self subtracts the inputs.
func (t *physicalTrace) render(n plan.Node) string {
	var b strings.Builder
	var walk func(plan.Node, int)
	walk = func(n plan.Node, depth int) {
		b.WriteString(strings.Repeat("  ", depth))
		b.WriteString(n.Describe())
		ops := t.ops[n]
		if len(ops) == 0 {
			b.WriteString("  [fused into the operator above]")
		} else {
			names := map[string]int{}
			for _, op := range ops {
				names[exec.OperatorName(op)]++
			}
			var parts []string
			for name, k := range names {
				if k > 1 {
					name = fmt.Sprintf("%s x%d", name, k)
				}
				parts = append(parts, name)
			}
			sort.Strings(parts)
			b.WriteString("  [" + strings.Join(parts, ", ") + "]")
		}
		if s, ok := t.stats(n); ok {
			self := s.Time
			for _, c := range n.Children() {
				if cs, ok := t.stats(c); ok {
					self -= cs.Time
				}
			}
			self = max(self, 0)
			fmt.Fprintf(&b, " rows=%d bytes=%s batches=%d time=%v self=%v", s.Rows, exec.FormatBytes(s.Bytes), s.Batches,
				s.Time.Round(time.Microsecond), self.Round(time.Microsecond))
		}
		b.WriteByte('\n')
		for _, c := range n.Children() {
			walk(c, depth+1)
		}
	}
	walk(n, 0)
	return b.String()
}

// explainPlans renders the logical, optimized and physical plans.
func (s *Session) explainPlans(n plan.Node) (string, error) {
	st := s.current()
	opt, err := optimizer.Optimize(n, optimizer.Options{Disabled: st.disabled})
	if err != nil {
		return "", err
	}
	trace := newPhysicalTrace(false)
	op, err := optimizer.Physical(opt, optimizer.PhysicalOptions{Parallelism: st.parallelism, Wrap: trace.wrap})
	if err != nil {
		return "", err
	}
	op.Close()
	return "logical plan:\n" + plan.Explain(n) + "\noptimized plan:\n" + plan.Explain(opt) +
		"\nphysical plan (operators per node, xN: parallel pipelines):\n" + trace.render(opt), nil
}

// explainAnalyze runs the query with every operator metered and renders
// the physical plan with rows, bytes and time per operator.
func (s *Session) explainAnalyze(ctx context.Context, n plan.Node) (string, error) {
	trace := newPhysicalTrace(true)
	stream, opt, err := s.start(ctx, n, trace.wrap)
	if err != nil {
		return "", err
	}
	res, err := stream.Collect()
	stream.Close()
	if err != nil {
		return "", err
	}
	stats := res.Stats
	res.Release()
	return fmt.Sprintf("physical plan (analyzed; time includes inputs, summed over parallel pipelines):\n%s\n%d rows in %v, peak memory %s",
		trace.render(opt), stats.Rows, stats.Elapsed.Round(time.Microsecond), exec.FormatBytes(stats.PeakMemory)), nil
}

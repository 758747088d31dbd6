package optimizer

import (
	"github.com/dataflow-go/dataflow/exec"
	"github.com/dataflow-go/dataflow/plan"
)

const execOpAnd = exec.OpAnd

// pushFilterIntoScan moves a filter that sits directly on a scan into the
// scan, so the table source can skip row groups using its statistics.
type pushFilterIntoScan struct{}

func (pushFilterIntoScan) Name() string { return "push_filter_into_scan" }

func (pushFilterIntoScan) Apply(n plan.Node) (plan.Node, bool, error) {
	return transformUp(n, func(n plan.Node) (plan.Node, bool, error) {
		f, ok := n.(*plan.Filter)
		if !ok {
			return n, false, nil
		}
		s, ok := f.Input.(*plan.Scan)
		if !ok {
			return n, false, nil
		}
		out, err := s.WithFilters(Conjuncts(f.Predicate))
		if err != nil {
			return nil, false, err
		}
		return out, true, nil
	})
}

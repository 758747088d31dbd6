package optimizer

import (
	"github.com/dataflow-go/dataflow/plan"
)

// pushLimits moves LIMIT toward the data: below projections (a projection
// maps rows one to one, and a limit under it computes fewer of them), into
// every input of a UNION ALL as a limit of offset+count (each input need
// not produce more), and merges a limit directly over another. A limit
// that reaches a sort stays right above it: physical planning turns that
// pair into a top-N, which a projection in between would prevent.
type pushLimits struct{}

func (pushLimits) Name() string { return "push_limits" }

func (pushLimits) Apply(n plan.Node) (plan.Node, bool, error) {
	out, _, err := transformUp(n, func(n plan.Node) (plan.Node, bool, error) {
		l, ok := n.(*plan.Limit)
		if !ok {
			return n, false, nil
		}
		out, err := sinkLimit(l)
		return out, true, err
	})
	if err != nil {
		return nil, false, err
	}
	if plan.Explain(out) == plan.Explain(n) {
		return n, false, nil
	}
	return out, true, nil
}

// sinkLimit pushes l as far down as it goes.
func sinkLimit(l *plan.Limit) (plan.Node, error) {
	switch in := l.Input.(type) {
	case *plan.Project:
		below, err := plan.NewLimit(in.Input, l.Offset, l.Count)
		if err != nil {
			return nil, err
		}
		sunk, err := sinkLimit(below)
		if err != nil {
			return nil, err
		}
		return plan.NewProject(sunk, in.Exprs)
	case *plan.Limit:
		offset, count := mergeLimits(in.Offset, in.Count, l.Offset, l.Count)
		merged, err := plan.NewLimit(in.Input, offset, count)
		if err != nil {
			return nil, err
		}
		return sinkLimit(merged)
	case *plan.Union:
		if l.Count < 0 {
			return l, nil
		}
		need := l.Offset + l.Count
		inputs := make([]plan.Node, len(in.Inputs))
		for i, c := range in.Inputs {
			inputs[i] = c
			if k, ok := limitedTo(c); ok && k <= need {
				continue
			}
			lim, err := plan.NewLimit(c, 0, need)
			if err != nil {
				return nil, err
			}
			if inputs[i], err = sinkLimit(lim); err != nil {
				return nil, err
			}
		}
		u, err := plan.NewUnion(inputs...)
		if err != nil {
			return nil, err
		}
		return plan.NewLimit(u, l.Offset, l.Count)
	}
	return l, nil
}

// limitedTo reports the most rows n can produce when a limit bounds it
// (looking through projections).
func limitedTo(n plan.Node) (int64, bool) {
	for {
		switch x := n.(type) {
		case *plan.Project:
			n = x.Input
		case *plan.Limit:
			if x.Count < 0 {
				return 0, false
			}
			return x.Count, true
		default:
			return 0, false
		}
	}
}

// mergeLimits combines LIMIT outerCount OFFSET outerOffset applied over
// LIMIT innerCount OFFSET innerOffset (a count < 0 means no limit).
func mergeLimits(innerOffset, innerCount, outerOffset, outerCount int64) (offset, count int64) {
	offset = innerOffset + outerOffset
	if innerCount < 0 {
		return offset, outerCount
	}
	left := max(innerCount-outerOffset, 0)
	if outerCount < 0 {
		return offset, left
	}
	return offset, min(outerCount, left)
}

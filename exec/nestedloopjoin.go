package exec

import "fmt"

// NewNestedLoopJoin joins left with right under an arbitrary condition:
// cross joins (cond nil), non-equi conditions, and the uncorrelated scalar
// subquery (a single join with no condition, which fails when the
// subquery returns more than one row and pads with NULLs when it returns
// none). cond, when not nil, is a boolean expression over left's columns
// followed by right's. The output and the semantics of each join type are
// those of NewHashJoinProbe, with cond as the whole join condition (a mark
// is NULL only where cond was NULL for some pair and true for none).
//
// The right side is buffered in memory, reserved against the query budget
// (ErrMemoryLimit naming "nested loop join"); every left batch is then
// paired with all of it, a batch of pairs at a time. It is the hash join's
// machinery with a single chain holding every build row.
func NewNestedLoopJoin(left, right Operator, typ JoinType, cond Expr) (Operator, error) {
	b, err := newJoinBridge(right, nil, "nested loop join")
	if err != nil {
		return nil, err
	}
	if left == nil {
		return nil, fmt.Errorf("%w: nested loop join without a probe input", ErrInternal)
	}
	return NewHashJoinProbe(b, left, nil, typ, cond)
}

package dsl

import (
	"github.com/dataflow-go/dataflow/exec"
	"github.com/dataflow-go/dataflow/plan"
)

// factorOr pulls the conjuncts every branch of a disjunction shares out
// of it: (a AND b) OR (a AND c) becomes a AND (b OR c). The law holds in
// SQL's three-valued logic, and it turns TPC-H Q19's join condition,
// repeated in each branch, into a join key.
func factorOr(e plan.Expr) plan.Expr {
	var out []plan.Expr
	for _, c := range splitOn(e, exec.OpAnd) {
		out = append(out, factorDisjunction(c)...)
	}
	return conjoin(out)
}

func factorDisjunction(e plan.Expr) []plan.Expr {
	branches := splitOn(e, exec.OpOr)
	if len(branches) < 2 {
		return []plan.Expr{e}
	}
	conj := make([][]plan.Expr, len(branches))
	for i, b := range branches {
		conj[i] = splitOn(b, exec.OpAnd)
	}
	var common []plan.Expr
	for _, c := range conj[0] {
		key := c.String()
		inAll := true
		for _, other := range conj[1:] {
			found := false
			for _, o := range other {
				found = found || o.String() == key
			}
			inAll = inAll && found
		}
		if inAll && !containsExpr(common, key) {
			common = append(common, c)
		}
	}
	if len(common) == 0 {
		return []plan.Expr{e}
	}
	var rest []plan.Expr
	for _, cs := range conj {
		var keep []plan.Expr
		for _, c := range cs {
			if !containsExpr(common, c.String()) {
				keep = append(keep, c)
			}
		}
		if len(keep) == 0 {
			// One branch is just the common part: the OR is implied.
			return common
		}
		rest = append(rest, conjoin(keep))
	}
	var or plan.Expr
	for _, r := range rest {
		if or == nil {
			or = r
		} else {
			or = plan.Binary{Op: exec.OpOr, Left: or, Right: r}
		}
	}
	return append(common, or)
}

func containsExpr(es []plan.Expr, key string) bool {
	for _, e := range es {
		if e.String() == key {
			return true
		}
	}
	return false
}

func splitOn(e plan.Expr, op exec.BinaryOp) []plan.Expr {
	if b, ok := e.(plan.Binary); ok && b.Op == op {
		return append(splitOn(b.Left, op), splitOn(b.Right, op)...)
	}
	return []plan.Expr{e}
}

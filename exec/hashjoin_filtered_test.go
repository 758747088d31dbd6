package exec_test

import (
	"errors"
	"fmt"
	"math/rand"
	"testing"

	"github.com/dataflow-go/dataflow/exec"
	"github.com/dataflow-go/dataflow/exec/exectest"
)

// TestFilteredHashJoinProbe checks a probe that filters its own input
// against filtering first and joining after, for every join type it
// accepts, with and without a residual; the filter is NULL for rows with
// a NULL lv.
func TestFilteredHashJoinProbe(t *testing.T) {
	rng := rand.New(rand.NewSource(9))
	left := randomJoinRows(rng, 120, 15, false)
	right := randomJoinRows(rng, 60, 15, true)
	filter := intCmp(0, 2, "<") // lk < lv
	var kept exectest.Rows
	for _, r := range left {
		if filter.onText(r) == 1 {
			kept = append(kept, r)
		}
	}
	if len(kept) == 0 || len(kept) == len(left) {
		t.Fatalf("the filter keeps %d of %d rows; the test needs some of each", len(kept), len(left))
	}
	lk, rk := []exec.Expr{colRef(0, "lk", int64T)}, []exec.Expr{colRef(0, "rk", int64T)}
	for _, typ := range []exec.JoinType{exec.JoinInner, exec.JoinRight, exec.JoinSemi, exec.JoinRightSemi, exec.JoinRightAnti} {
		for _, withResidual := range []bool{false, true} {
			var residual exec.Expr
			var cond func([]string) tri
			if withResidual {
				e := intCmp(2, 5, "<") // lv < rv
				residual, cond = e, e.onText
			}
			exp, err := refJoin(kept, right, 4, []int{0}, []int{0}, typ, cond)
			if err != nil {
				t.Fatal(err)
			}
			exectest.Run(t, exectest.Case{
				Name:       fmt.Sprintf("%s/residual=%v", typ, withResidual),
				Inputs:     []exectest.Input{{Schema: leftSchema, Rows: left}, {Schema: rightSchema, Rows: right}},
				BatchSizes: []int{7, 1024},
				Build: func(ch []exec.Operator) (exec.Operator, error) {
					b, err := exec.NewHashJoinBridge(ch[1], rk)
					if err != nil {
						return nil, err
					}
					return exec.NewFilteredHashJoinProbe(b, ch[0], filter, lk, typ, residual)
				},
				Expected: exp,
			})
		}
	}
}

// TestFilteredHashJoinProbeRejects checks the join types that emit
// unmatched probe rows, which a probe filter would turn into wrong rows.
func TestFilteredHashJoinProbeRejects(t *testing.T) {
	for _, typ := range []exec.JoinType{exec.JoinLeft, exec.JoinFull, exec.JoinAnti, exec.JoinMark, exec.JoinSingle} {
		src := exectest.NewSource(leftSchema, nil)
		b, err := exec.NewHashJoinBridge(exectest.NewSource(rightSchema, nil), []exec.Expr{colRef(0, "rk", int64T)})
		if err != nil {
			t.Fatal(err)
		}
		_, err = exec.NewFilteredHashJoinProbe(b, src, intCmp(0, 2, "<"), []exec.Expr{colRef(0, "lk", int64T)}, typ, nil)
		if !errors.Is(err, exec.ErrType) {
			t.Errorf("%s: err = %v, want ErrType", typ, err)
		}
	}
}

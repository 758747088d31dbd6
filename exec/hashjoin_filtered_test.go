package exec_test

import (
	"errors"
	"fmt"
	"math/rand"
	"testing"

	"github.com/apache/arrow/go/v15/arrow"
	"github.com/apache/arrow/go/v15/arrow/array"
	"github.com/apache/arrow/go/v15/arrow/bitutil"
	"github.com/apache/arrow/go/v15/arrow/memory"

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
	for i := 0; i < len(left); i += 7 {
		left[i][2] = "NULL" // the filter is NULL on these rows
	}
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
			// Without a residual (which would drop such rows itself), the
			// filter's NULLs have their value bit set: a NULL must drop the
			// row whatever its value bit says.
			filter := exec.Expr(filter)
			if !withResidual {
				filter = nullBitsSet{filter}
			}
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

// nullBitsSet is a boolean expression whose NULL rows have their value bit
// set, as Arrow allows (kernels may leave anything under a NULL).
type nullBitsSet struct{ exec.Expr }

func (e nullBitsSet) Eval(ctx *exec.Context, batch arrow.Record) (arrow.Array, error) {
	arr, err := e.Expr.Eval(ctx, batch)
	if err != nil || arr.NullN() == 0 {
		return arr, err
	}
	defer arr.Release()
	d := arr.Data()
	n := arr.Len()
	vals := make([]byte, bitutil.BytesForBits(int64(n+d.Offset())))
	copy(vals, d.Buffers()[1].Bytes())
	for i := 0; i < n; i++ {
		if arr.IsNull(i) {
			bitutil.SetBit(vals, d.Offset()+i)
		}
	}
	out := array.NewData(d.DataType(), n, []*memory.Buffer{d.Buffers()[0], memory.NewBufferBytes(vals)}, nil, d.NullN(), d.Offset())
	defer out.Release()
	return array.MakeFromData(out), nil
}

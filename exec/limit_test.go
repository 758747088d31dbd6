package exec_test

import (
	"fmt"
	"strconv"
	"testing"

	"github.com/apache/arrow/go/v15/arrow"
	"github.com/apache/arrow/go/v15/arrow/memory"

	"github.com/dataflow-go/dataflow/exec"
	"github.com/dataflow-go/dataflow/exec/exectest"
)

func opsSeqRows(n int) exectest.Rows {
	rows := make(exectest.Rows, n)
	for i := range rows {
		rows[i] = []string{strconv.Itoa(i), "v" + strconv.Itoa(i)}
	}
	return rows
}

func TestLimit(t *testing.T) {
	schema := exectest.Schema("i:int64", "s:utf8")
	rows := opsSeqRows(20)
	for _, c := range []struct{ offset, limit int64 }{
		{0, -1}, {0, 0}, {0, 1}, {2, 3}, {0, 20}, {0, 25}, {8, 100}, {19, 5}, {20, 5}, {100, 5}, {-3, 2}, {5, -1},
	} {
		ref := func(in []exectest.Rows) (exectest.Rows, error) {
			rs := in[0]
			start := min(max(c.offset, 0), int64(len(rs)))
			end := int64(len(rs))
			if c.limit >= 0 {
				end = min(end, start+c.limit)
			}
			return rs[start:end], nil
		}
		want, _ := ref([]exectest.Rows{rows})
		exectest.Run(t, exectest.Case{
			Name:   fmt.Sprintf("offset=%d limit=%d", c.offset, c.limit),
			Inputs: []exectest.Input{{Schema: schema, Rows: rows}},
			Build: func(ch []exec.Operator) (exec.Operator, error) {
				return exec.NewLimit(ch[0], c.offset, c.limit), nil
			},
			Expected:  want,
			Ordered:   true,
			Reference: ref,
		})
	}
	exectest.Run(t, exectest.Case{
		Name:   "child error before the limit",
		Inputs: []exectest.Input{{Schema: schema, Rows: rows}},
		Build: func(ch []exec.Operator) (exec.Operator, error) {
			src := ch[0].(*exectest.Source)
			src.NextErr, src.ErrAt = fmt.Errorf("%w: bad page", exec.ErrExec), 0
			return exec.NewLimit(src, 0, 3), nil
		},
		ExpectErr: "bad page",
	})
}

// opsCountingOp counts the Next calls reaching its child.
type opsCountingOp struct {
	exec.Operator
	nexts int
}

func (c *opsCountingOp) Next() (arrow.Record, error) {
	c.nexts++
	return c.Operator.Next()
}

// TestLimitStopsPulling checks that a satisfied limit never asks its child
// for another batch, so upstream work stops.
func TestLimitStopsPulling(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	schema := exectest.Schema("i:int64", "s:utf8")
	recs, err := exectest.MakeRecords(mem, schema, opsSeqRows(100), 10, false)
	if err != nil {
		t.Fatal(err)
	}
	child := &opsCountingOp{Operator: exectest.NewSource(schema, recs)}
	got, err := exectest.Drain(exec.NewContext(nil, mem), exec.NewLimit(child, 5, 15))
	if err != nil {
		t.Fatal(err)
	}
	if d := exectest.Diff(opsSeqRows(100)[5:20], got, true); d != "" {
		t.Fatal(d)
	}
	if child.nexts != 2 {
		t.Fatalf("child saw %d Next calls, want 2 (rows 0-9 and 10-19)", child.nexts)
	}
}

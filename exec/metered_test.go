package exec_test

import (
	"fmt"
	"testing"

	"github.com/dataflow-go/dataflow/exec"
	"github.com/dataflow-go/dataflow/exec/exectest"
)

func TestMetered(t *testing.T) {
	schema := exectest.Schema("i:int64", "s:utf8")
	rows := opsSeqRows(30)
	var meters []*exec.Metered
	exectest.Run(t, exectest.Case{
		Name:   "passes batches through",
		Inputs: []exectest.Input{{Schema: schema, Rows: rows}},
		Build: func(ch []exec.Operator) (exec.Operator, error) {
			m := exec.Meter(ch[0])
			meters = append(meters, m)
			return m, nil
		},
		Expected:  rows,
		Ordered:   true,
		Reference: func(in []exectest.Rows) (exectest.Rows, error) { return in[0], nil },
	})
	if len(meters) == 0 {
		t.Fatal("the harness built no operator")
	}
	for _, m := range meters {
		s := m.Stats()
		if s.Rows != 30 || s.Batches == 0 || s.Bytes <= 0 || s.Time <= 0 {
			t.Errorf("stats %+v: want 30 rows, some batches, bytes and time", s)
		}
	}
	if got := exec.OperatorName(meters[0]); got != "Source" {
		t.Errorf("OperatorName looks through the meter: got %q, want Source", got)
	}
	exectest.Run(t, exectest.Case{
		Name:   "passes errors through",
		Inputs: []exectest.Input{{Schema: schema, Rows: rows}},
		Build: func(ch []exec.Operator) (exec.Operator, error) {
			src := ch[0].(*exectest.Source)
			src.NextErr, src.ErrAt = fmt.Errorf("%w: bad page", exec.ErrExec), 1
			return exec.Meter(src), nil
		},
		ExpectErr: "bad page",
	})
}

func TestMeterStatsAdd(t *testing.T) {
	a := exec.MeterStats{Rows: 1, Bytes: 2, Batches: 3, Time: 4}
	if got := a.Add(a); got != (exec.MeterStats{Rows: 2, Bytes: 4, Batches: 6, Time: 8}) {
		t.Fatalf("got %+v", got)
	}
}

package exectest

import (
	"testing"

	"github.com/dataflow-go/dataflow/exec"
)

// TestSourceUnderHarness runs the replaying source itself under the
// harness: every value type round-trips through build and format.
func TestSourceUnderHarness(t *testing.T) {
	s := Schema("b:bool", "i:int32", "l:int64", "f:float64", "d:decimal(15,2)", "s:utf8", "dt:date32", "ts:timestamp")
	rows := R(
		"true|1|-7|2.5|12.34|x|1998-09-02|2020-01-02 03:04:05",
		"NULL|NULL|NULL|NULL|NULL|NULL|NULL|NULL",
		"false|-2147483648|9223372036854775807|0.1|-0.05||1970-01-01|1999-12-31 23:59:59",
	)
	Run(t, Case{
		Name:     "identity",
		Inputs:   []Input{{Schema: s, Rows: rows}},
		Build:    func(ch []exec.Operator) (exec.Operator, error) { return ch[0], nil },
		Expected: rows,
		Ordered:  true,
		Reference: func(in []Rows) (Rows, error) {
			return in[0], nil
		},
	})
}

func TestDiff(t *testing.T) {
	a := R("1|x", "2|y")
	b := R("2|y", "1|x")
	if d := Diff(a, b, false); d != "" {
		t.Fatalf("unordered diff: %s", d)
	}
	if d := Diff(a, b, true); d == "" {
		t.Fatal("ordered diff found no difference")
	}
	if d := Diff(a, a[:1], false); d == "" {
		t.Fatal("missing row not reported")
	}
}

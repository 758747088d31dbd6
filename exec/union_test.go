package exec_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/dataflow-go/dataflow/exec"
	"github.com/dataflow-go/dataflow/exec/exectest"
)

func TestUnion(t *testing.T) {
	a := exectest.Schema("x:int64", "s:utf8")
	b := exectest.Schema("y:int64", "t:utf8")
	ra := exectest.R("1|a", "2|NULL", "3|c")
	rb := exectest.R("NULL|d", "5|e")
	concat := func(in []exectest.Rows) (exectest.Rows, error) {
		var out exectest.Rows
		for _, r := range in {
			out = append(out, r...)
		}
		return out, nil
	}
	want, _ := concat([]exectest.Rows{ra, rb, ra})
	exectest.Run(t, exectest.Case{
		Name:   "three inputs",
		Inputs: []exectest.Input{{Schema: a, Rows: ra}, {Schema: b, Rows: rb}, {Schema: a, Rows: ra}},
		Build: func(ch []exec.Operator) (exec.Operator, error) {
			op, err := exec.NewUnion(ch...)
			if err == nil && op.Schema().Field(0).Name != "x" {
				t.Errorf("union names its columns after the first input, got %s", op.Schema())
			}
			return op, err
		},
		Expected:  want,
		Ordered:   true,
		Reference: concat,
	})
	exectest.Run(t, exectest.Case{
		Name:   "empty inputs",
		Inputs: []exectest.Input{{Schema: a}, {Schema: b, Rows: rb}, {Schema: a}},
		Build: func(ch []exec.Operator) (exec.Operator, error) {
			return exec.NewUnion(ch...)
		},
		Expected: rb,
		Ordered:  true,
	})
	exectest.Run(t, exectest.Case{
		Name:   "error in the second input",
		Inputs: []exectest.Input{{Schema: a, Rows: ra}, {Schema: b, Rows: rb}},
		Build: func(ch []exec.Operator) (exec.Operator, error) {
			src := ch[1].(*exectest.Source)
			src.NextErr, src.ErrAt = errors.New("second input broke"), 1
			return exec.NewUnion(ch...)
		},
		ExpectErr: "second input broke",
	})
}

func TestUnionTypeErrors(t *testing.T) {
	a := exectest.Schema("x:int64", "s:utf8")
	for _, c := range []struct {
		s    string
		want string
	}{
		{s: "x:int64|s:int32", want: "union column 2 (s): input 2 has int32, the first input has utf8"},
		{s: "x:int64", want: "input 2 has 1 columns, the first input has 2"},
	} {
		other := exectest.Schema(strings.Split(c.s, "|")...)
		_, err := exec.NewUnion(exectest.NewSource(a, nil), exectest.NewSource(other, nil))
		if !errors.Is(err, exec.ErrType) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: got %v, want ErrType containing %q", c.s, err, c.want)
		}
	}
	if _, err := exec.NewUnion(); !errors.Is(err, exec.ErrInternal) {
		t.Errorf("no inputs: got %v", err)
	}
}

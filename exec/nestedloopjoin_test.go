package exec_test

import (
	"fmt"
	"math/rand"
	"testing"

	"github.com/dataflow-go/dataflow/exec"
	"github.com/dataflow-go/dataflow/exec/exectest"
)

func TestNestedLoopJoinCross(t *testing.T) {
	left := exectest.R("1|a|10", "2|b|20")
	right := exectest.R("7|x|1|1.00", "8|y|2|2.00", "9|z|3|3.00")
	exectest.Run(t, exectest.Case{
		Name:   "cross",
		Inputs: []exectest.Input{{Schema: leftSchema, Rows: left}, {Schema: rightSchema, Rows: right}},
		Build: func(ch []exec.Operator) (exec.Operator, error) {
			return exec.NewNestedLoopJoin(ch[0], ch[1], exec.JoinInner, nil)
		},
		Expected: exectest.R(
			"1|a|10|7|x|1|1.00", "1|a|10|8|y|2|2.00", "1|a|10|9|z|3|3.00",
			"2|b|20|7|x|1|1.00", "2|b|20|8|y|2|2.00", "2|b|20|9|z|3|3.00",
		),
		Reference: func(in []exectest.Rows) (exectest.Rows, error) {
			return refJoin(in[0], in[1], 4, nil, nil, exec.JoinInner, nil)
		},
	})
}

// TestNestedLoopJoinProperty checks every join type under a non-equi
// condition against the naive reference.
func TestNestedLoopJoinProperty(t *testing.T) {
	rng := rand.New(rand.NewSource(7))
	left := randomJoinRows(rng, 30, 10, false)
	right := randomJoinRows(rng, 25, 10, true)
	cond := intCmp(2, 5, "<") // lv < rv over the pair (left ++ right)
	for _, typ := range allJoins {
		if typ == exec.JoinSingle {
			continue
		}
		exp, err := refJoin(left, right, 4, nil, nil, typ, cond.onText)
		if err != nil {
			t.Fatal(err)
		}
		exectest.Run(t, exectest.Case{
			Name:   fmt.Sprintf("lv<rv/%s", typ),
			Inputs: []exectest.Input{{Schema: leftSchema, Rows: left}, {Schema: rightSchema, Rows: right}},
			Build: func(ch []exec.Operator) (exec.Operator, error) {
				return exec.NewNestedLoopJoin(ch[0], ch[1], typ, cond)
			},
			Expected: exp,
			Reference: func(in []exectest.Rows) (exectest.Rows, error) {
				return refJoin(in[0], in[1], 4, nil, nil, typ, cond.onText)
			},
		})
	}
}

// TestNestedLoopJoinMarkNull: NOT IN through a condition that can be NULL.
func TestNestedLoopJoinMarkNull(t *testing.T) {
	left := exectest.R("1|a|1", "2|b|2", "3|c|NULL")
	right := exectest.R("0|x|1|0.00", "0|y|NULL|0.00")
	cond := intCmp(2, 5, "<>") // mark = lv IN (rv...) negated: true when some rv <> lv
	exectest.Run(t, exectest.Case{
		Name:   "mark",
		Inputs: []exectest.Input{{Schema: leftSchema, Rows: left}, {Schema: rightSchema, Rows: right}},
		Build: func(ch []exec.Operator) (exec.Operator, error) {
			return exec.NewNestedLoopJoin(ch[0], ch[1], exec.JoinMark, cond)
		},
		Expected: exectest.R("1|a|1|NULL", "2|b|2|true", "3|c|NULL|NULL"),
		Reference: func(in []exectest.Rows) (exectest.Rows, error) {
			return refJoin(in[0], in[1], 4, nil, nil, exec.JoinMark, cond.onText)
		},
	})
}

// TestNestedLoopJoinScalarSubquery is TPC-H Q22's shape: every row is
// joined with the one-row result of an uncorrelated scalar subquery.
func TestNestedLoopJoinScalarSubquery(t *testing.T) {
	left := exectest.R("1|a|10", "2|b|20", "3|c|30")
	avgSchema := exectest.Schema("avg_bal:decimal(12,2)")
	build := func(ch []exec.Operator) (exec.Operator, error) {
		return exec.NewNestedLoopJoin(ch[0], ch[1], exec.JoinSingle, nil)
	}
	exectest.Run(t, exectest.Case{
		Name:     "one-row",
		Inputs:   []exectest.Input{{Schema: leftSchema, Rows: left}, {Schema: avgSchema, Rows: exectest.R("12.50")}},
		Build:    build,
		Expected: exectest.R("1|a|10|12.50", "2|b|20|12.50", "3|c|30|12.50"),
		Reference: func(in []exectest.Rows) (exectest.Rows, error) {
			return refJoin(in[0], in[1], 1, nil, nil, exec.JoinSingle, nil)
		},
	})
	exectest.Run(t, exectest.Case{
		Name:     "no-rows",
		Inputs:   []exectest.Input{{Schema: leftSchema, Rows: left}, {Schema: avgSchema}},
		Build:    build,
		Expected: exectest.R("1|a|10|NULL", "2|b|20|NULL", "3|c|30|NULL"),
	})
	exectest.Run(t, exectest.Case{
		Name:      "two-rows",
		Inputs:    []exectest.Input{{Schema: leftSchema, Rows: left}, {Schema: avgSchema, Rows: exectest.R("1.00", "2.00")}},
		Build:     build,
		ExpectErr: "more than one row returned by a subquery used as an expression",
	})
	// An empty probe side never looks at the subquery's rows.
	exectest.Run(t, exectest.Case{
		Name:     "empty-probe",
		Inputs:   []exectest.Input{{Schema: leftSchema}, {Schema: avgSchema, Rows: exectest.R("1.00", "2.00")}},
		Build:    build,
		Expected: nil,
	})
}

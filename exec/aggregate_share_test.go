package exec_test

import (
	"fmt"
	"testing"

	"github.com/dataflow-go/dataflow/exec"
	"github.com/dataflow-go/dataflow/exec/exectest"
)

// TestHashAggregateSharedSums checks avg(x) next to sum(x) over the same
// column (where the avg reuses the sum's state) in every position and
// mode, with NULLs that the avg's count must skip, against sums and avgs
// over a different column or an expression, which do not share; and
// counts beside a count(*), which count only their NULLs.
func TestHashAggregateSharedSums(t *testing.T) {
	s := exectest.Schema("g:utf8", "x:decimal(15,2)", "f:float64", "y:decimal(15,2)")
	c := func(i int) exec.Expr { return colRef(i, s.Field(i).Name, s.Field(i).Type) }
	rows := exectest.R(
		"a|1.00|0.5|2.00",
		"a|NULL|NULL|3.00",
		"b|2.50|1.5|NULL",
		"a|4.00|2|1.00",
		"b|NULL|NULL|NULL",
		"c|NULL|NULL|5.00",
	)
	xPlusY := must(exec.NewBinary(exec.OpAdd, c(1), c(3)))
	aggs := []exec.Aggregate{
		{Func: exec.AggAvg, Args: []exec.Expr{c(1)}, Name: "avg_x"}, // before its sum
		{Func: exec.AggSum, Args: []exec.Expr{c(1)}, Name: "sum_x"},
		{Func: exec.AggSum, Args: []exec.Expr{c(2)}, Name: "sum_f"},
		{Func: exec.AggAvg, Args: []exec.Expr{c(2)}, Name: "avg_f"},
		{Func: exec.AggAvg, Args: []exec.Expr{c(3)}, Name: "avg_y"}, // no sum(y)
		{Func: exec.AggSum, Args: []exec.Expr{xPlusY}, Name: "sum_xy"},
		{Func: exec.AggAvg, Args: []exec.Expr{xPlusY}, Name: "avg_xy"},
		{Func: exec.AggAvg, Args: []exec.Expr{c(1)}, Name: "avg_x2"}, // a second avg of x
		{Func: exec.AggCount, Args: []exec.Expr{c(1)}, Name: "cnt_x"},
		{Func: exec.AggCountStar, Name: "n"}, // the counts above count only NULLs
		{Func: exec.AggCount, Args: []exec.Expr{c(3)}, Name: "cnt_y"},
	}
	expected := exectest.R(
		"a|2.5|5.00|2.5|1.25|2|8.00|4|2.5|2|3|3",
		"b|2.5|2.50|1.5|1.5|NULL|NULL|NULL|2.5|1|2|0",
		"c|NULL|NULL|NULL|NULL|5|NULL|NULL|NULL|0|1|1",
	)
	groups := []exec.Expr{c(0)}
	for _, mode := range []string{"single", "partial+final", "filtered"} {
		exectest.Run(t, exectest.Case{
			Name:       fmt.Sprintf("mode=%s", mode),
			Inputs:     []exectest.Input{{Schema: s, Rows: rows}},
			BatchSizes: []int{1, 4, 1024},
			Build: func(ch []exec.Operator) (exec.Operator, error) {
				switch mode {
				case "partial+final":
					p, err := exec.NewHashAggregate(ch[0], groups, nil, aggs, exec.AggPartial)
					if err != nil {
						return nil, err
					}
					return exec.NewHashAggregate(p, groups, nil, aggs, exec.AggFinal)
				case "filtered":
					f, err := exec.NewFilter(ch[0], must(exec.NewBinary(exec.OpNotEq, c(0), lit(t, "utf8", "z"))))
					if err != nil {
						return nil, err
					}
					return exec.NewHashAggregate(f, groups, nil, aggs, exec.AggSingle)
				}
				return exec.NewHashAggregate(ch[0], groups, nil, aggs, exec.AggSingle)
			},
			Expected: expected,
		})
	}
}

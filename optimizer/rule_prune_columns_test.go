package optimizer

import (
	"strings"
	"testing"

	"github.com/dataflow-go/dataflow/exec"
	"github.com/dataflow-go/dataflow/plan"
)

// TestPruneFilterOnlyJoinColumns checks that a join input scanning a
// column only for its own filter drops that column before the join, and
// that the result is unchanged.
func TestPruneFilterOnlyJoinColumns(t *testing.T) {
	must := rtMust[plan.Node](t)
	build := func() plan.Node {
		o := plan.NewScan("o", "", rtTable(t, []string{"ok:int64", "ock:int64", "note:utf8"},
			"1|10|plain", "2|10|special", "3|20|plain", "4|30|special"))
		c := plan.NewScan("c", "", rtTable(t, []string{"ck:int64"}, "10", "20", "30"))
		of, err := o.WithFilters([]plan.Expr{rtEq(rtCol("o", "note"), rtStr("plain"))})
		if err != nil {
			t.Fatal(err)
		}
		j := must(plan.NewJoin(c, of, exec.JoinLeft, rtEq(rtCol("c", "ck"), rtCol("o", "ock"))))
		return must(plan.NewProject(j, []plan.Expr{rtCol("c", "ck"), rtCol("o", "ok")}))
	}
	out, changed := rtApply(t, pruneColumns{}, build())
	if !changed {
		t.Fatal("prune_columns changed nothing")
	}
	got := rtExplain(out)
	if !strings.Contains(got, "Project: o.ok, o.ock\n") {
		t.Fatalf("the filtered scan keeps its filter-only column through the join:\n%s", got)
	}
	rtSameResult(t, build(), out)
}

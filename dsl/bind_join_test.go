package dsl_test

import (
	"strings"
	"testing"

	"github.com/dataflow-go/dataflow/plan"
)

// A FULL JOIN's USING column is COALESCE(left, right), as in SQL: the row
// only the right side has must not show a NULL key. Qualified names still
// reach each side.
func TestBindFullJoinUsing(t *testing.T) {
	cat := newCatalog(t)
	sql := "SELECT k, recent.k, l.l_orderkey FROM (SELECT l_orderkey AS k, l_orderkey FROM lineitem) l FULL JOIN recent USING (k)"
	n, err := bind(t, cat, sql)
	if err != nil {
		t.Fatal(err)
	}
	text := plan.Explain(n)
	if !strings.Contains(text, "coalesce(l.k, recent.k)") || !strings.Contains(text, "Full Join") {
		t.Errorf("plan:\n%s", text)
	}
	if got := strings.Join(n.Schema().Names(), ","); got != "k,k,l_orderkey" {
		t.Errorf("columns %s", got)
	}
	// Other join kinds keep one side's column, unchanged.
	n, err = bind(t, cat, "SELECT k FROM (SELECT l_orderkey AS k FROM lineitem) l LEFT JOIN recent USING (k)")
	if err != nil {
		t.Fatal(err)
	}
	if text := plan.Explain(n); strings.Contains(text, "coalesce") {
		t.Errorf("LEFT JOIN USING merged its column:\n%s", text)
	}
}

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

// A negative LIMIT or OFFSET is an error (it used to mean "no limit");
// LIMIT NULL and LIMIT ALL still mean none.
func TestBindLimitMustNotBeNegative(t *testing.T) {
	cat := newCatalog(t)
	for _, c := range []struct{ sql, want string }{
		{"SELECT 1 FROM orders LIMIT -1", "LIMIT and OFFSET must not be negative, got -1"},
		{"SELECT 1 FROM orders LIMIT 2 OFFSET 1 - 3", "LIMIT and OFFSET must not be negative, got -2"},
	} {
		if _, err := bind(t, cat, c.sql); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want an error containing %q", c.sql, err, c.want)
		}
	}
	for _, sql := range []string{"SELECT 1 FROM orders LIMIT NULL", "SELECT 1 FROM orders LIMIT ALL OFFSET 0"} {
		if _, err := bind(t, cat, sql); err != nil {
			t.Errorf("%s: %v", sql, err)
		}
	}
}

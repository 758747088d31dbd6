package dsl_test

import (
	"strings"
	"testing"

	"github.com/dataflow-go/dataflow/plan"
)

// LIKE patterns: backslash escapes by default (as in PostgreSQL), an empty
// ESCAPE string turns escaping off, a constant expression is a pattern, and a NULL
// pattern makes the test NULL.
func TestBindLikePatterns(t *testing.T) {
	cat := newCatalog(t)
	for _, c := range []struct{ sql, want string }{
		{`SELECT 1 FROM lineitem WHERE l_comment LIKE 'a\_b'`, `l_comment LIKE 'a\_b' ESCAPE '\'`},
		{`SELECT 1 FROM lineitem WHERE l_comment LIKE 'a%'`, "l_comment LIKE 'a%'\n"},
		{`SELECT 1 FROM lineitem WHERE l_comment LIKE 'a\_b' ESCAPE ''`, "l_comment LIKE 'a\\_b'\n"},
		{`SELECT 1 FROM lineitem WHERE l_comment LIKE 'a#_b' ESCAPE '#'`, `l_comment LIKE 'a#_b' ESCAPE '#'`},
		{`SELECT 1 FROM lineitem WHERE l_comment NOT ILIKE '%' || 'x' || '%'`, `l_comment NOT ILIKE '%x%'`},
		{`SELECT 1 FROM lineitem WHERE l_comment LIKE NULL`, `Filter: NULL`},
	} {
		n, err := bind(t, cat, c.sql)
		if err != nil {
			t.Errorf("%s: %v", c.sql, err)
			continue
		}
		if text := plan.Explain(n); !strings.Contains(text, c.want) {
			t.Errorf("%s: plan does not contain %q:\n%s", c.sql, c.want, text)
		}
	}
	for _, c := range []struct{ sql, want string }{
		{`SELECT 1 FROM lineitem WHERE l_comment LIKE l_comment`, "LIKE needs a constant string pattern"},
		{`SELECT 1 FROM lineitem WHERE l_comment LIKE 'a' ESCAPE 'ab'`, "ESCAPE must be a single character string"},
		{`SELECT 1 FROM lineitem WHERE l_comment LIKE 'a\'`, "ends with the escape character"},
	} {
		if _, err := bind(t, cat, c.sql); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want an error containing %q", c.sql, err, c.want)
		}
	}
}

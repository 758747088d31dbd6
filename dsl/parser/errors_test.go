package parser

import (
	"errors"
	"strings"
	"testing"
)

func TestErrorText(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{
			"SELECT l_returnflag,\n  l_linestatus\n  FORM lineitem",
			"syntax error at line 3, column 3: expected FROM, found \"FORM\"\n" +
				"  FORM lineitem\n" +
				"  ^\n" +
				"did you mean FROM?",
		},
		{
			"SELECT a,\n  b\nFROM t\nGROUPBY a",
			"syntax error at line 4, column 1: expected GROUP BY, found \"GROUPBY\"\n" +
				"GROUPBY a\n" +
				"^\n" +
				"did you mean GROUP BY?",
		},
		{
			"SELCT a FROM t",
			"syntax error at line 1, column 1: expected a statement (SELECT, VALUES, WITH, CREATE, INSERT, DROP, SET, SHOW or EXPLAIN), found \"SELCT\"\n" +
				"SELCT a FROM t\n" +
				"^\n" +
				"did you mean SELECT?",
		},
		{
			"select a\nfrom t\nwhere a between 1",
			"syntax error at line 3, column 18: expected AND, found end of input\n" +
				"where a between 1\n" +
				"                 ^",
		},
		{
			// Tabs are kept in the caret line so it lines up on any terminal.
			"select\ta\tfrom\tt\twhere\t)",
			"syntax error at line 1, column 23: expected an expression, found \")\"\n" +
				"select\ta\tfrom\tt\twhere\t)\n" +
				"      \t \t    \t \t     \t^",
		},
	} {
		_, err := ParseScript(c.in)
		if err == nil {
			t.Errorf("%q: no error", c.in)
			continue
		}
		if got := err.Error(); got != c.want {
			t.Errorf("%q:\n got: %s\nwant: %s", c.in, got, c.want)
		}
	}
}

func TestErrorPositions(t *testing.T) {
	for _, c := range []struct {
		in        string
		line, col int
		token     string
		msg, hint string // substrings; hint "" means there must be none
	}{
		{"SELECT * FORM t", 1, 10, "FORM", `expected ";" or end of input`, "did you mean FROM?"},
		{"SELECT a FROM t\nWHERE x = 1 ORDERBY x", 2, 13, "ORDERBY", "", "did you mean ORDER BY?"},
		{"SELECT a FROM t WHERE", 1, 22, "", "expected an expression, found end of input", ""},
		{"SELECT 'abc", 1, 8, "'", "unterminated string", ""},
		{`SELECT "abc`, 1, 8, `"`, "unterminated quoted identifier", ""},
		{`SELECT ""`, 1, 8, `""`, "zero-length quoted identifier", ""},
		{"SELECT 1 /* open", 1, 10, "/*", "unterminated /* comment", ""},
		{"select a # b", 1, 10, "#", `unexpected character "#"`, ""},
		{"select a from from", 1, 15, "from", "reserved word FROM", ""},
		{"select a from t where x in ()", 1, 29, ")", "expected an expression", ""},
		{"select a from t join u", 1, 23, "", "expected ON or USING", ""},
		{"select * from a natural cross join b", 1, 25, "cross", "NATURAL CROSS JOIN", ""},
		{"select * from a natural b", 1, 25, "b", "expected JOIN", ""},
		{"create table t ()", 1, 17, ")", "expected column name", ""},
		{"create table t", 1, 15, "", `expected "(" or AS`, ""},
		{"create or replace table t (a int)", 1, 19, "table", "VIEW or FUNCTION", ""},
		{"create external table t stored as orc location 'x'", 1, 35, "orc", "PARQUET, IPC, ARROW or CSV", ""},
		{"create external table t stored as csv", 1, 38, "", "expected LOCATION", ""},
		{"create external table t location 'x'", 1, 37, "", "expected STORED AS", ""},
		{"create function f(int) returns int", 1, 35, "", "AS 'registered_function_name'", ""},
		{"select count(*) from t limit 1 limit 2", 1, 32, "limit", "only one LIMIT", ""},
		{"select 1 offset 1 offset 2", 1, 19, "offset", "only one OFFSET", ""},
		{"values (1, 2), (3)", 1, 16, "(", "same length", ""},
		{"insert into t", 1, 14, "", "expected VALUES or SELECT", ""},
		{"select case when 1 then 2", 1, 26, "", "expected END", ""},
		{"select case end", 1, 13, "end", "expected an expression", ""},
		{"select cast(a as decimal(x))", 1, 26, "x", "expected type argument", ""},
		{"select cast(a as decimal(99999999999))", 1, 26, "99999999999", "must be an integer", ""},
		{"select a is maybe", 1, 13, "maybe", "after IS", ""},
		{"select extract(from x)", 1, 21, "x", "expected FROM", ""},
		{"drop index i", 1, 6, "index", "TABLE, VIEW or FUNCTION", ""},
		{"set x", 1, 6, "", `expected "=" or TO`, ""},
		{`set a."b.c" = 1`, 1, 7, `"b.c"`, "cannot contain", ""},
		{"select 1; select 2 select", 1, 20, "select", `expected ";" or end of input`, ""},
		{"select (1", 1, 10, "", `expected ")"`, ""},
		{"select 1 fetch first 3 rows", 1, 28, "", "expected ONLY", ""},
		{"select * from t order by a nulls", 1, 33, "", "expected FIRST or LAST", ""},
		{"explain", 1, 8, "", "expected a statement", ""},
		{"with x as (select 1)", 1, 21, "", "expected SELECT, VALUES or (", ""},
	} {
		_, err := ParseScript(c.in)
		if !errors.Is(err, ErrParse) {
			t.Errorf("%q: got %v, want a syntax error", c.in, err)
			continue
		}
		var pe *Error
		if !errors.As(err, &pe) {
			t.Errorf("%q: %T is not *Error", c.in, err)
			continue
		}
		if pe.Pos.Line != c.line || pe.Pos.Col != c.col || pe.Token != c.token {
			t.Errorf("%q: error at %d:%d on %q, want %d:%d on %q (%s)", c.in,
				pe.Pos.Line, pe.Pos.Col, pe.Token, c.line, c.col, c.token, pe.Msg)
		}
		if !strings.Contains(pe.Msg, c.msg) {
			t.Errorf("%q: message %q does not contain %q", c.in, pe.Msg, c.msg)
		}
		if pe.Hint != c.hint {
			t.Errorf("%q: hint %q, want %q", c.in, pe.Hint, c.hint)
		}
		// The caret sits under the reported column.
		lines := strings.Split(pe.Error(), "\n")
		if len(lines) < 3 || len([]rune(lines[2])) != c.col || !strings.HasSuffix(lines[2], "^") {
			t.Errorf("%q: caret line %q does not point at column %d", c.in, lines[2], c.col)
		}
	}
}

func TestSuggestKeyword(t *testing.T) {
	for word, want := range map[string]string{
		"FORM": "FROM", "form": "FROM", "SELCT": "SELECT", "GROUPBY": "GROUP BY", "ordr": "",
		"WHERE": "", "FROM": "", "foo": "", "l_shipdate": "", "revenue": "", "as": "",
		"HAVNG": "HAVING", "LIMT": "LIMIT", "UNIONALL": "UNION ALL",
	} {
		if got := suggestKeyword(word); got != want {
			t.Errorf("suggestKeyword(%q) = %q, want %q", word, got, want)
		}
	}
}

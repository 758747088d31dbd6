package parser

import (
	"errors"
	"testing"
)

// formatCases pairs input SQL with its canonical form. Every case is also
// checked to round-trip: parse(format(parse(in))) == parse(in).
var formatCases = []struct{ in, want string }{
	// Select basics, aliases, DISTINCT, star forms.
	{"select 1", "SELECT 1"},
	{"SELECT a, b AS c, d e FROM t", "SELECT a, b AS c, d AS e FROM t"},
	{"select distinct a from t", "SELECT DISTINCT a FROM t"},
	{"select all a from t", "SELECT a FROM t"},
	{"select *, t.* from t", "SELECT *, t.* FROM t"},
	{`select "Weird Name", "select", "a""b" from "T"`, `SELECT "Weird Name", "select", "a""b" FROM "T"`},
	{`select "abc" from t`, "SELECT abc FROM t"},
	{"SELECT A.B FROM Sch.Tab a", "SELECT a.b FROM sch.tab AS a"},
	{"select x as select from t", `SELECT x AS "select" FROM t`},
	{"select value, year, date from t", "SELECT value, year, date FROM t"},
	// Literals.
	{"select 1, 1.5, .5, 1e10, 2.5E-3, 'it''s', true, false, null",
		"SELECT 1, 1.5, .5, 1e10, 2.5E-3, 'it''s', TRUE, FALSE, NULL"},
	{"select date '1998-12-01', timestamp '2020-01-01 10:00:00'",
		"SELECT DATE '1998-12-01', TIMESTAMP '2020-01-01 10:00:00'"},
	{"select date '1998-12-01' - interval '90' day (3)", "SELECT DATE '1998-12-01' - INTERVAL '90' DAY (3)"},
	{"select interval '3' month, interval '1' year, interval '1 day'",
		"SELECT INTERVAL '3' MONTH, INTERVAL '1' YEAR, INTERVAL '1 day'"},
	// Operators and precedence.
	{"select a + b * c - d / e % f", "SELECT a + b * c - d / e % f"},
	{"select (a + b) * c, a - (b - c), (a - b) - c", "SELECT (a + b) * c, a - (b - c), a - b - c"},
	{"select -a, - -a, -(a + b), +a, 2 ^ 3 ^ 2, -2 ^ 2", "SELECT -a, -(-a), -(a + b), +a, 2 ^ 3 ^ 2, -2 ^ 2"},
	{"select a || b || 'c'", "SELECT a || b || 'c'"},
	{"select a from t where a = 1 and b <> 2 or c != 3 and d <= 4 and e >= 5 and f < 6 and g > 7",
		"SELECT a FROM t WHERE a = 1 AND b <> 2 OR c <> 3 AND d <= 4 AND e >= 5 AND f < 6 AND g > 7"},
	{"select a from t where (a or b) and c", "SELECT a FROM t WHERE (a OR b) AND c"},
	{"select a from t where not a and not (b or c)", "SELECT a FROM t WHERE NOT a AND NOT (b OR c)"},
	{"select not a = b", "SELECT NOT a = b"},
	{"select (not a) = b", "SELECT (NOT a) = b"},
	{"select a::int, cast(b as decimal(15,2)), c::varchar(10)::text",
		"SELECT CAST(a AS int), CAST(b AS decimal(15, 2)), CAST(CAST(c AS varchar(10)) AS text)"},
	{"select -a::int", "SELECT -CAST(a AS int)"},
	// Predicates.
	{"select a is null, b is not null, c is true, d is not false, e is unknown",
		"SELECT a IS NULL, b IS NOT NULL, c IS TRUE, d IS NOT FALSE, e IS UNKNOWN"},
	{"select a is distinct from b, a is not distinct from b + 1",
		"SELECT a IS DISTINCT FROM b, a IS NOT DISTINCT FROM b + 1"},
	{"select a = b is null", "SELECT a = b IS NULL"},
	{"select a between 1 and 2, a not between b + 1 and c * 2",
		"SELECT a BETWEEN 1 AND 2, a NOT BETWEEN b + 1 AND c * 2"},
	{"select a from t where a between 1 and 2 and b", "SELECT a FROM t WHERE a BETWEEN 1 AND 2 AND b"},
	{"select a in (1, 2, 3), b not in ('x'), c in (select x from u), d not in (select y from v)",
		"SELECT a IN (1, 2, 3), b NOT IN ('x'), c IN (SELECT x FROM u), d NOT IN (SELECT y FROM v)"},
	{"select a like 'x%', b not like '%y', c ilike 'Z%', d not ilike 'q', e like 'a!%' escape '!'",
		"SELECT a LIKE 'x%', b NOT LIKE '%y', c ILIKE 'Z%', d NOT ILIKE 'q', e LIKE 'a!%' ESCAPE '!'"},
	{"select exists (select 1), not exists (select * from t where t.a = u.a)",
		"SELECT EXISTS (SELECT 1), NOT EXISTS (SELECT * FROM t WHERE t.a = u.a)"},
	{"select (a, b) in ((1, 2), (3, 4))", "SELECT (a, b) IN ((1, 2), (3, 4))"},
	// Subqueries.
	{"select (select max(x) from t) + 1", "SELECT (SELECT max(x) FROM t) + 1"},
	{"select a from t where a = (select 1)", "SELECT a FROM t WHERE a = (SELECT 1)"},
	{"select ((select 1) union (select 2))", "SELECT (SELECT 1 UNION SELECT 2)"},
	{"select ((select 1 limit 1))", "SELECT (SELECT 1 LIMIT 1)"},
	{"select a in ((select 1) union (select 2)), b in ((select 1), 2)",
		"SELECT a IN (SELECT 1 UNION SELECT 2), b IN ((SELECT 1), 2)"},
	// CASE, EXTRACT, SUBSTRING, functions.
	{"select case when a > 0 then 'p' when a < 0 then 'n' else 'z' end",
		"SELECT CASE WHEN a > 0 THEN 'p' WHEN a < 0 THEN 'n' ELSE 'z' END"},
	{"select case a when 1 then 'one' end", "SELECT CASE a WHEN 1 THEN 'one' END"},
	{"select extract(year from o_orderdate), extract('month' from d)",
		"SELECT EXTRACT(YEAR FROM o_orderdate), EXTRACT(MONTH FROM d)"},
	{"select substring(s from 1 for 2), substring(s from 3), substring(s for 4), substring(s, 1, 2)",
		"SELECT substring(s, 1, 2), substring(s, 3), substring(s, 1, 4), substring(s, 1, 2)"},
	{"select count(*), count(distinct x), sum(all y), now(), left(s, 2), Upper(s)",
		"SELECT count(*), count(DISTINCT x), sum(y), now(), left(s, 2), upper(s)"},
	{`select "MyFunc"(x)`, `SELECT "MyFunc"(x)`},
	{`select "substring"(), "substring"(*), "substring"(distinct s, 1), "extract"(x)`,
		`SELECT "substring"(), "substring"(*), "substring"(DISTINCT s, 1), "extract"(x)`},
	// Joins.
	{"select * from a, b, c", "SELECT * FROM a, b, c"},
	{"select * from a join b on a.x = b.x inner join c using (y)",
		"SELECT * FROM a JOIN b ON a.x = b.x JOIN c USING (y)"},
	{"select * from a left join b on p left outer join c on q",
		"SELECT * FROM a LEFT JOIN b ON p LEFT JOIN c ON q"},
	{"select * from a right outer join b on p full join c on q full outer join d on r",
		"SELECT * FROM a RIGHT JOIN b ON p FULL JOIN c ON q FULL JOIN d ON r"},
	{"select * from a cross join b natural join c natural left join d",
		"SELECT * FROM a CROSS JOIN b NATURAL JOIN c NATURAL LEFT JOIN d"},
	{"select * from a join (b join c on p) on q", "SELECT * FROM a JOIN (b JOIN c ON p) ON q"},
	{"select * from (a join b on p)", "SELECT * FROM a JOIN b ON p"},
	{"select * from (select 1 as x) as s (y), (values (1, 'a'), (2, 'b')) v (n, s)",
		"SELECT * FROM (SELECT 1 AS x) AS s (y), (VALUES (1, 'a'), (2, 'b')) AS v (n, s)"},
	{"select * from (select 1) sub", "SELECT * FROM (SELECT 1) AS sub"},
	{"select * from ((select 1) union all (select 2)) u", "SELECT * FROM (SELECT 1 UNION ALL SELECT 2) AS u"},
	// Clauses.
	{"select a, count(*) from t where b > 0 group by a having count(*) > 1 order by 2 desc, a",
		"SELECT a, count(*) FROM t WHERE b > 0 GROUP BY a HAVING count(*) > 1 ORDER BY 2 DESC, a"},
	{"select a x from t order by x asc nulls first, y desc nulls last",
		"SELECT a AS x FROM t ORDER BY x NULLS FIRST, y DESC NULLS LAST"},
	{"select a from t limit 10 offset 5", "SELECT a FROM t LIMIT 10 OFFSET 5"},
	{"select a from t offset 5 rows fetch first 10 rows only", "SELECT a FROM t LIMIT 10 OFFSET 5"},
	{"select a from t fetch next row only", "SELECT a FROM t LIMIT 1"},
	{"select a from t limit all", "SELECT a FROM t"},
	// Set operations and WITH.
	{"select 1 union select 2 union all select 3", "SELECT 1 UNION SELECT 2 UNION ALL SELECT 3"},
	{"select 1 union select 2 intersect select 3", "SELECT 1 UNION SELECT 2 INTERSECT SELECT 3"},
	{"(select 1 union select 2) intersect select 3", "(SELECT 1 UNION SELECT 2) INTERSECT SELECT 3"},
	{"select 1 except (select 2 except select 3)", "SELECT 1 EXCEPT (SELECT 2 EXCEPT SELECT 3)"},
	{"select 1 union distinct select 2", "SELECT 1 UNION SELECT 2"},
	{"(select a from t order by a limit 1) union all select b from u order by 1",
		"(SELECT a FROM t ORDER BY a LIMIT 1) UNION ALL SELECT b FROM u ORDER BY 1"},
	{"values (1, 'a'), (2, 'b')", "VALUES (1, 'a'), (2, 'b')"},
	{"with r as (select 1), s (x) as (select 2) select * from r, s",
		"WITH r AS (SELECT 1), s (x) AS (SELECT 2) SELECT * FROM r, s"},
	{"with recursive r (n) as (select 1 union all select n + 1 from r where n < 3) select n from r",
		"WITH RECURSIVE r (n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r WHERE n < 3) SELECT n FROM r"},
	// Statements.
	{"create table t (a int not null, b bigint, c double precision, d decimal(15,2), e varchar(25) null, f date, g boolean, h text, i real, j char(1), k smallint, l numeric(10), m timestamp, n interval, o float, p string, q integer)",
		"CREATE TABLE t (a int NOT NULL, b bigint, c double precision, d decimal(15, 2), e varchar(25), f date, g boolean, h text, i real, j char(1), k smallint, l numeric(10), m timestamp, n interval, o float, p string, q integer)"},
	{"create table if not exists t (a int)", "CREATE TABLE IF NOT EXISTS t (a int)"},
	{"create table t2 as select * from t", "CREATE TABLE t2 AS SELECT * FROM t"},
	{"create view v as select 1", "CREATE VIEW v AS SELECT 1"},
	{"create or replace view v (a, b) as select 1, 2", "CREATE OR REPLACE VIEW v (a, b) AS SELECT 1, 2"},
	{"create external table lineitem stored as parquet location '/data/lineitem/'",
		"CREATE EXTERNAL TABLE lineitem STORED AS PARQUET LOCATION '/data/lineitem/'"},
	{"create external table if not exists t (a int, b varchar) stored as csv location 't.csv' options ('has_header' 'true', format.delimiter '|', skip 1)",
		"CREATE EXTERNAL TABLE IF NOT EXISTS t (a int, b varchar) STORED AS CSV LOCATION 't.csv' OPTIONS ('has_header' 'true', 'format.delimiter' '|', 'skip' '1')"},
	{"create external table t location 'x.arrow' stored as arrow", "CREATE EXTERNAL TABLE t STORED AS ARROW LOCATION 'x.arrow'"},
	{"create external table t stored as ipc location 'x.ipc'", "CREATE EXTERNAL TABLE t STORED AS IPC LOCATION 'x.ipc'"},
	{"insert into t values (1, 'a'), (2, 'b')", "INSERT INTO t VALUES (1, 'a'), (2, 'b')"},
	{"insert into t (a, b) select x, y from u", "INSERT INTO t (a, b) SELECT x, y FROM u"},
	{"insert into t (select 1)", "INSERT INTO t SELECT 1"},
	{"drop table t", "DROP TABLE t"},
	{"drop view if exists v", "DROP VIEW IF EXISTS v"},
	{"drop function f", "DROP FUNCTION f"},
	{"drop function if exists f(int, double precision)", "DROP FUNCTION IF EXISTS f(int, double precision)"},
	{"drop function f()", "DROP FUNCTION f()"},
	{"set placement.strategy = 'pack'", "SET placement.strategy = 'pack'"},
	{"SET batch_size TO 1024", "SET batch_size = '1024'"},
	{"set x = -5", "SET x = '-5'"},
	{"set enable_gpu = on", "SET enable_gpu = 'on'"},
	{"show placement.strategy", "SHOW placement.strategy"},
	{"show all", "SHOW all"},
	{"explain select 1", "EXPLAIN SELECT 1"},
	{"explain analyze select a from t", "EXPLAIN ANALYZE SELECT a FROM t"},
	{"explain analyze verbose insert into t values (1)", "EXPLAIN ANALYZE VERBOSE INSERT INTO t VALUES (1)"},
	{"create function score(double, int) returns double as 'ml.Score' language go",
		"CREATE FUNCTION score(double, int) RETURNS double AS 'ml.Score' LANGUAGE go"},
	{"create or replace function f(x double precision, y varchar(3)) returns decimal(10,2) as 'pkg.F'",
		"CREATE OR REPLACE FUNCTION f(x double precision, y varchar(3)) RETURNS decimal(10, 2) AS 'pkg.F'"},
	{"create function noargs() returns int language go as 'pkg.N'",
		"CREATE FUNCTION noargs() RETURNS int AS 'pkg.N' LANGUAGE go"},
	// position(a IN b) is strpos(b, a); the plain call stays as written.
	{"select position('lo' in 'hello'), position(s, 'x'), POSITION(a || b IN c)", "SELECT strpos('hello', 'lo'), position(s, 'x'), strpos(c, a || b)"},
	// Table functions in FROM, and CREATE FUNCTION ... RETURNS TABLE.
	{"select * from generate_series(1, 10) as g(x)", "SELECT * FROM generate_series(1, 10) AS g (x)"},
	{"select * from f() t join u using (a)", "SELECT * FROM f() AS t JOIN u USING (a)"},
	{"select x from series('a' || 'b', -3, null) s, t", "SELECT x FROM series('a' || 'b', -3, NULL) AS s, t"},
	{"create function tf(bigint, s text) returns table(a bigint, b varchar not null) as 'go_tf'",
		"CREATE FUNCTION tf(bigint, s text) RETURNS TABLE (a bigint, b varchar NOT NULL) AS 'go_tf'"},
	// Comments and layout do not matter.
	{"select /* block /* nested */ comment */ a -- trailing\nfrom t", "SELECT a FROM t"},
	{"select\n\ta\r\n\tfrom t;", "SELECT a FROM t"},
}

func TestFormat(t *testing.T) {
	for _, c := range formatCases {
		t.Run(c.in, func(t *testing.T) {
			s, err := Parse(c.in)
			if err != nil {
				t.Fatal(err)
			}
			if got := s.String(); got != c.want {
				t.Errorf("format:\n got: %s\nwant: %s", got, c.want)
			}
			checkRoundTrip(t, c.in, []Stmt{s})
		})
	}
}

func TestParseScript(t *testing.T) {
	stmts, err := ParseScript(";; create table t (a int); insert into t values (1);\n\nselect a from t;;\n")
	if err != nil {
		t.Fatal(err)
	}
	want := "CREATE TABLE t (a int);\nINSERT INTO t VALUES (1);\nSELECT a FROM t;\n"
	if got := FormatScript(stmts); got != want {
		t.Errorf("got %q, want %q", got, want)
	}
	if stmts, err := ParseScript("  -- nothing\n"); err != nil || len(stmts) != 0 {
		t.Errorf("empty script: %v, %v", stmts, err)
	}
	if _, err := Parse("select 1; select 2"); err == nil {
		t.Error("Parse accepted two statements")
	}
}

func TestParseExpr(t *testing.T) {
	e, err := ParseExpr("a + b * 2 > 10 AND NOT c")
	if err != nil {
		t.Fatal(err)
	}
	and := e.(*BinaryExpr)
	gt := and.Left.(*BinaryExpr)
	plus := gt.Left.(*BinaryExpr)
	if and.Op != "AND" || gt.Op != ">" || plus.Op != "+" || plus.Right.(*BinaryExpr).Op != "*" {
		t.Errorf("tree = %s", dumpStmts([]Stmt{&Query{Body: &Select{Items: []*SelectItem{{Expr: e}}}}}))
	}
	if _, err := ParseExpr("a +"); !errors.Is(err, ErrParse) {
		t.Errorf("ParseExpr(a +) = %v, want ErrParse", err)
	}
}

func TestPositions(t *testing.T) {
	src := "SELECT a,\n  sum(b + c) AS s\nFROM t x\nWHERE d IN (1, 2)"
	s, err := Parse(src)
	if err != nil {
		t.Fatal(err)
	}
	sel := s.(*Query).Body.(*Select)
	sum := sel.Items[1].Expr.(*FuncCall)
	plus := sum.Args[0].(*BinaryExpr)
	in := sel.Where.(*InListExpr)
	tn := sel.From[0].(*TableName)
	for _, c := range []struct {
		name string
		got  Pos
		want Pos
	}{
		{"a", sel.Items[0].Expr.Pos(), Pos{7, 1, 8}},
		{"sum", sum.Pos(), Pos{12, 2, 3}},
		{"b + c", plus.Pos(), Pos{16, 2, 7}},
		{"+", plus.OpPos, Pos{18, 2, 9}},
		{"t", tn.Pos(), Pos{33, 3, 6}},
		{"x (alias)", tn.Alias.Pos(), Pos{35, 3, 8}},
		{"d IN", in.Pos(), Pos{43, 4, 7}},
		{"2", in.List[1].Pos(), Pos{52, 4, 16}},
	} {
		if c.got != c.want {
			t.Errorf("%s at %+v, want %+v", c.name, c.got, c.want)
		}
		if src[c.got.Offset:c.got.Offset+1] != c.name[:1] {
			t.Errorf("%s: offset %d points at %q", c.name, c.got.Offset, src[c.got.Offset:])
		}
	}
}

// TestEveryNodeHasPosition walks the TPC-H trees and checks that no node
// was left without a position.
func TestEveryNodeHasPosition(t *testing.T) {
	for name, src := range tpchQueries(t) {
		stmts, err := ParseScript(src)
		if err != nil {
			t.Fatal(err)
		}
		walkNodes(stmts[0], func(n Node) {
			if p := n.Pos(); p.Line < 1 || p.Col < 1 {
				t.Errorf("%s: %T %s has no position", name, n, n)
			}
		})
	}
}

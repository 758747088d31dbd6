package parser

import (
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

func TestTPCHQueriesParseAndRoundTrip(t *testing.T) {
	qs := tpchQueries(t)
	if len(qs) != 22 {
		t.Fatalf("found %d TPC-H queries in tpch/queries, want 22", len(qs))
	}
	for name, src := range qs {
		t.Run(name, func(t *testing.T) {
			stmts, err := ParseScript(src)
			if err != nil {
				t.Fatal(err)
			}
			if len(stmts) != 1 {
				t.Fatalf("got %d statements, want 1", len(stmts))
			}
			q, ok := stmts[0].(*Query)
			if !ok {
				t.Fatalf("got %T, want *Query", stmts[0])
			}
			if q.Pos() != (Pos{Offset: 0, Line: 1, Col: 1}) {
				t.Errorf("query starts at %v, want 1:1", q.Pos())
			}
			checkRoundTrip(t, src, stmts)
		})
	}
}

// TestTPCHShapes checks a few trees in detail, so that "it parses" also
// means "it parses into the right thing".
func TestTPCHShapes(t *testing.T) {
	qs := tpchQueries(t)
	parse := func(name string) *Query {
		t.Helper()
		s, err := Parse(qs[name])
		if err != nil {
			t.Fatal(err)
		}
		return s.(*Query)
	}

	// Q13: LEFT OUTER JOIN inside a derived table with a column alias list.
	q13 := parse("q13.sql")
	dt := q13.Body.(*Select).From[0].(*DerivedTable)
	if dt.Alias.Name != "c_orders" || len(dt.Alias.Columns) != 2 || dt.Alias.Columns[1] != "c_count" {
		t.Errorf("q13 alias = %+v", dt.Alias)
	}
	j := dt.Query.Body.(*Select).From[0].(*JoinExpr)
	if j.Kind != JoinLeft || j.On == nil {
		t.Errorf("q13 join = %v on %v", j.Kind, j.On)
	}
	if like := j.On.(*BinaryExpr).Right.(*LikeExpr); !like.Not {
		t.Errorf("q13 NOT LIKE lost its NOT")
	}

	// Q15: a CTE referenced twice.
	q15 := parse("q15.sql")
	if len(q15.With) != 1 || q15.With[0].Name != "revenue" {
		t.Errorf("q15 WITH = %v", q15.With)
	}

	// Q16: count(DISTINCT x) and NOT IN (subquery).
	q16 := parse("q16.sql").Body.(*Select)
	cnt := q16.Items[3].Expr.(*FuncCall)
	if cnt.Name != "count" || !cnt.Distinct || q16.Items[3].Alias != "supplier_cnt" {
		t.Errorf("q16 count = %v", q16.Items[3])
	}

	// Q19: OR of three parenthesised conjunctions; AND binds tighter.
	q19 := parse("q19.sql").Body.(*Select)
	or := q19.Where.(*BinaryExpr)
	if or.Op != "OR" || or.Left.(*BinaryExpr).Op != "OR" || or.Right.(*BinaryExpr).Op != "AND" {
		t.Errorf("q19 where = %s", q19.Where)
	}

	// Q21: NOT EXISTS is NOT around EXISTS; correlated names keep their table.
	q21 := parse("q21.sql").Body.(*Select)
	if got := q21.Where.String(); !strings.Contains(got, "AND NOT EXISTS (SELECT * FROM lineitem AS l3 WHERE l3.l_orderkey = l1.l_orderkey") {
		t.Errorf("q21 where = %s", got)
	}

	// Q22: substring(x FROM a FOR b) becomes substring(x, a, b).
	q22 := parse("q22.sql")
	inner := q22.Body.(*Select).From[0].(*DerivedTable).Query.Body.(*Select)
	sub := inner.Items[0].Expr.(*FuncCall)
	if sub.Name != "substring" || len(sub.Args) != 3 || sub.Args[2].(*NumberLit).Text != "2" {
		t.Errorf("q22 substring = %s", sub)
	}
	if p := sub.Pos(); p.Line != 7 || p.Col != 9 {
		t.Errorf("q22 substring at %v, want 7:9", p)
	}
}

// TestTPCHSpecificationForms parses queries as the TPC-H specification
// prints them: date/interval arithmetic, extract, substring ... from ...
// for, the Q15 view script and FETCH FIRST.
func TestTPCHSpecificationForms(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("testdata", "tpch_spec", "*.sql"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no spec queries: %v", err)
	}
	sort.Strings(files)
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			b, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			stmts, err := ParseScript(string(b))
			if err != nil {
				t.Fatal(err)
			}
			checkRoundTrip(t, string(b), stmts)
		})
	}

	b, _ := os.ReadFile(filepath.Join("testdata", "tpch_spec", "q01.sql"))
	s, err := Parse(string(b))
	if err != nil {
		t.Fatal(err)
	}
	cmp := s.(*Query).Body.(*Select).Where.(*BinaryExpr)
	minus := cmp.Right.(*BinaryExpr)
	lit := minus.Left.(*TypedLit)
	iv := minus.Right.(*IntervalLit)
	if cmp.Op != "<=" || minus.Op != "-" || lit.Type.Name != "date" || lit.Value != "1998-12-01" ||
		iv.Value != "90" || iv.Unit != "DAY" || iv.Precision != 3 {
		t.Errorf("q1 predicate = %s", cmp)
	}
	if iv.Pos() != (Pos{Offset: iv.Pos().Offset, Line: 16, Col: 36}) {
		t.Errorf("interval at %v, want 16:36", iv.Pos())
	}

	b, _ = os.ReadFile(filepath.Join("testdata", "tpch_spec", "q15.sql"))
	stmts, err := ParseScript(string(b))
	if err != nil {
		t.Fatal(err)
	}
	if len(stmts) != 3 {
		t.Fatalf("q15 script: %d statements, want 3", len(stmts))
	}
	v := stmts[0].(*CreateView)
	if v.Name != "revenue0" || len(v.Columns) != 2 || v.Columns[1] != "total_revenue" {
		t.Errorf("view = %s", v)
	}
	if d := stmts[2].(*Drop); d.Object != "VIEW" || d.Name != "revenue0" {
		t.Errorf("drop = %s", d)
	}
}

// BenchmarkParseTPCH parses all 22 TPC-H queries per iteration.
func BenchmarkParseTPCH(b *testing.B) {
	qs := tpchQueries(b)
	srcs := make([]string, 0, len(qs))
	total := 0
	for _, src := range qs {
		srcs = append(srcs, src)
		total += len(src)
	}
	b.SetBytes(int64(total))
	b.ReportAllocs()
	for b.Loop() {
		for _, src := range srcs {
			if _, err := ParseScript(src); err != nil {
				b.Fatal(err)
			}
		}
	}
}

// BenchmarkFormatTPCH prints all 22 parsed queries per iteration.
func BenchmarkFormatTPCH(b *testing.B) {
	qs := tpchQueries(b)
	var all [][]Stmt
	for _, src := range qs {
		s, err := ParseScript(src)
		if err != nil {
			b.Fatal(err)
		}
		all = append(all, s)
	}
	b.ReportAllocs()
	for b.Loop() {
		for _, s := range all {
			_ = FormatScript(s)
		}
	}
}

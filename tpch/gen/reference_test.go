package gen

import (
	"github.com/apache/arrow/go/v15/arrow"
	"math"
	"slices"
	"sort"
	"strings"
	"testing"
)

// These tests compare SF0.01 output with the reference files (DuckDB's
// dbgen): same schemas, the same row counts, key ranges and value
// domains, and statistics within the spec's tolerances. The values
// themselves differ (the random streams are ours).

func TestSchemaMatchesReference(t *testing.T) {
	gen, _ := generated(t)
	ref := reference(t)
	for _, n := range TableNames() {
		g, r := gen[n].schema, ref[n].schema
		if g.NumFields() != r.NumFields() {
			t.Fatalf("%s: %d columns, reference %d", n, g.NumFields(), r.NumFields())
		}
		for i := range g.Fields() {
			gf, rf := g.Field(i), r.Field(i)
			if gf.Name != rf.Name || !arrow.TypeEqual(gf.Type, rf.Type) {
				t.Errorf("%s column %d: %s %s, reference %s %s", n, i, gf.Name, gf.Type, rf.Name, rf.Type)
			}
		}
	}
}

func TestRowCounts(t *testing.T) {
	gen, res := generated(t)
	ref := reference(t)
	for _, n := range TableNames() {
		g, r := gen[n].rows, ref[n].rows
		want, err := RowCount(n, 0.01)
		if err != nil {
			t.Fatal(err)
		}
		if n == "lineitem" {
			// One to seven lines per order, uniformly: 4 on average with a
			// standard deviation of 2, so 15,000 orders give 60,000 lines
			// with a standard deviation of 2*sqrt(15000) ~ 245 (0.4%).
			// The reference has 60,175; allow 2%.
			if math.Abs(float64(g-r)) > 0.02*float64(r) || math.Abs(float64(int64(g)-want)) > 0.02*float64(want) {
				t.Errorf("lineitem: %d rows, reference %d, expected about %d", g, r, want)
			}
		} else if g != r || int64(g) != want {
			t.Errorf("%s: %d rows, reference %d, RowCount %d", n, g, r, want)
		}
	}
	for _, tr := range res.Tables {
		if tr.Rows != int64(gen[tr.Name].rows) {
			t.Errorf("%s: Result says %d rows, files hold %d", tr.Name, tr.Rows, gen[tr.Name].rows)
		}
	}
}

func TestKeyRanges(t *testing.T) {
	gen, _ := generated(t)
	ref := reference(t)
	keys := map[string][]string{
		"region":   {"r_regionkey"},
		"nation":   {"n_nationkey", "n_regionkey"},
		"supplier": {"s_suppkey", "s_nationkey"},
		"customer": {"c_custkey", "c_nationkey"},
		"part":     {"p_partkey"},
		"partsupp": {"ps_partkey", "ps_suppkey"},
		"orders":   {"o_orderkey", "o_custkey"},
		"lineitem": {"l_orderkey", "l_partkey", "l_suppkey", "l_linenumber"},
	}
	for tbl, cols := range keys {
		for _, c := range cols {
			glo, ghi := minMax(gen[tbl].ints[c])
			rlo, rhi := minMax(ref[tbl].ints[c])
			// o_custkey and the foreign keys of lineitem are random: their
			// extremes may miss the range's ends by a little.
			slack := int64(0)
			switch c {
			case "o_custkey", "l_partkey", "l_suppkey":
				slack = 3
			}
			if abs(glo-rlo) > slack || abs(ghi-rhi) > slack {
				t.Errorf("%s.%s in [%d, %d], reference [%d, %d]", tbl, c, glo, ghi, rlo, rhi)
			}
		}
	}
	// Primary keys are unique; order keys sparse: only the first 8 of
	// each 32.
	for tbl, c := range map[string]string{"region": "r_regionkey", "nation": "n_nationkey",
		"supplier": "s_suppkey", "customer": "c_custkey", "part": "p_partkey", "orders": "o_orderkey"} {
		seen := map[int64]bool{}
		for _, k := range gen[tbl].ints[c] {
			if seen[k] {
				t.Fatalf("%s.%s: duplicate key %d", tbl, c, k)
			}
			seen[k] = true
		}
	}
	for _, k := range gen["orders"].ints["o_orderkey"] {
		if k%32 >= 8 {
			t.Fatalf("o_orderkey %d is not sparse (only the first 8 of each 32 keys are used)", k)
		}
	}
	for _, k := range gen["orders"].ints["o_custkey"] {
		if k%3 == 0 {
			t.Fatalf("o_custkey %d is a multiple of 3: those customers never order", k)
		}
	}
}

func abs(x int64) int64 {
	if x < 0 {
		return -x
	}
	return x
}

// Domains and statistics of value columns, against the specification
// and the reference.
func TestValueDistributions(t *testing.T) {
	gen, _ := generated(t)
	ref := reference(t)
	// Exact bounds from the specification, which the reference also hits.
	bounds := []struct {
		tbl, col string
		lo, hi   int64
	}{
		{"lineitem", "l_quantity", 100, 5000},
		{"lineitem", "l_discount", 0, 10},
		{"lineitem", "l_tax", 0, 8},
		{"lineitem", "l_linenumber", 1, 7},
		{"orders", "o_orderdate", startDate, maxOrderDate},
		{"part", "p_size", 1, 50},
		{"partsupp", "ps_availqty", 1, 9999},
		{"partsupp", "ps_supplycost", 100, 100000},
		{"customer", "c_acctbal", -99999, 999999},
		{"supplier", "s_acctbal", -99999, 999999},
		{"orders", "o_shippriority", 0, 0},
	}
	for _, b := range bounds {
		lo, hi := minMax(gen[b.tbl].ints[b.col])
		rlo, rhi := minMax(ref[b.tbl].ints[b.col])
		if lo < b.lo || hi > b.hi {
			t.Errorf("%s.%s in [%d, %d], outside the spec's [%d, %d]", b.tbl, b.col, lo, hi, b.lo, b.hi)
		}
		// With thousands of rows the extremes are reached (or nearly: the
		// money ranges are wide).
		width := float64(b.hi - b.lo)
		if float64(lo-rlo) > 0.01*width || float64(rhi-hi) > 0.01*width {
			t.Errorf("%s.%s in [%d, %d], reference [%d, %d]", b.tbl, b.col, lo, hi, rlo, rhi)
		}
	}
	// Means of uniform columns within 3% of the reference's.
	for _, c := range []struct{ tbl, col string }{
		{"lineitem", "l_quantity"}, {"lineitem", "l_extendedprice"}, {"lineitem", "l_discount"},
		{"lineitem", "l_tax"}, {"lineitem", "l_shipdate"}, {"orders", "o_totalprice"},
		{"orders", "o_orderdate"}, {"part", "p_retailprice"}, {"part", "p_size"},
		{"partsupp", "ps_supplycost"}, {"partsupp", "ps_availqty"}, {"customer", "c_acctbal"},
	} {
		g, r := mean(gen[c.tbl].ints[c.col]), mean(ref[c.tbl].ints[c.col])
		t.Logf("mean %s.%s = %.2f, reference %.2f", c.tbl, c.col, g, r)
		if math.Abs(g-r) > 0.03*math.Abs(r) {
			t.Errorf("mean %s.%s = %.2f, reference %.2f", c.tbl, c.col, g, r)
		}
	}
	// Value sets of the categorical columns equal the reference's.
	for _, c := range []struct{ tbl, col string }{
		{"lineitem", "l_returnflag"}, {"lineitem", "l_linestatus"}, {"lineitem", "l_shipmode"},
		{"lineitem", "l_shipinstruct"}, {"orders", "o_orderstatus"}, {"orders", "o_orderpriority"},
		{"customer", "c_mktsegment"}, {"part", "p_mfgr"}, {"part", "p_brand"}, {"part", "p_type"},
		{"part", "p_container"}, {"nation", "n_name"}, {"region", "r_name"},
	} {
		g, r := keysOf(distinct(gen[c.tbl].strs[c.col])), keysOf(distinct(ref[c.tbl].strs[c.col]))
		if !slices.Equal(g, r) {
			t.Errorf("%s.%s values %v, reference %v", c.tbl, c.col, g, r)
		}
	}
	// Fixed tables are identical but for their comments.
	for _, c := range []struct{ tbl, col string }{{"nation", "n_regionkey"}, {"nation", "n_nationkey"}} {
		if !slices.Equal(gen[c.tbl].ints[c.col], ref[c.tbl].ints[c.col]) {
			t.Errorf("%s.%s differs from the reference", c.tbl, c.col)
		}
	}
	if !slices.Equal(gen["nation"].strs["n_name"], ref["nation"].strs["n_name"]) {
		t.Error("n_name differs from the reference")
	}
	// p_retailprice is a function of the key: exactly the reference's.
	if !slices.Equal(gen["part"].ints["p_retailprice"], ref["part"].ints["p_retailprice"]) {
		t.Error("p_retailprice differs from the reference")
	}
}

func keysOf(m map[string]int) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// Rules that tie columns together (specification 4.2.3).
func TestDerivedColumns(t *testing.T) {
	gen, _ := generated(t)
	li, o, p := gen["lineitem"], gen["orders"], gen["part"]
	price := map[int64]int64{}
	for i, k := range p.ints["p_partkey"] {
		price[k] = p.ints["p_retailprice"][i]
	}
	type ord struct {
		date, total int64
		status      string
		lines       int
		open, fin   int
		sum         int64
	}
	orders := map[int64]*ord{}
	for i, k := range o.ints["o_orderkey"] {
		orders[k] = &ord{date: o.ints["o_orderdate"][i], total: o.ints["o_totalprice"][i], status: o.strs["o_orderstatus"][i]}
	}
	for i := range li.rows {
		ok := li.ints["l_orderkey"][i]
		od := orders[ok]
		if od == nil {
			t.Fatalf("lineitem %d: order %d not in orders", i, ok)
		}
		od.lines++
		if n := li.ints["l_linenumber"][i]; n != int64(od.lines) {
			t.Fatalf("order %d: line number %d, want %d", ok, n, od.lines)
		}
		qty, ep := li.ints["l_quantity"][i], li.ints["l_extendedprice"][i]
		if want := qty / 100 * price[li.ints["l_partkey"][i]]; ep != want {
			t.Fatalf("lineitem %d: extendedprice %d, want quantity*retailprice = %d", i, ep, want)
		}
		disc, tax := li.ints["l_discount"][i], li.ints["l_tax"][i]
		od.sum += ep * (100 - disc) / 100 * (100 + tax) / 100
		ship, commit, receipt := li.ints["l_shipdate"][i], li.ints["l_commitdate"][i], li.ints["l_receiptdate"][i]
		if d := ship - od.date; d < 1 || d > 121 {
			t.Fatalf("lineitem %d: shipdate %d days after the order", i, d)
		}
		if d := commit - od.date; d < 30 || d > 90 {
			t.Fatalf("lineitem %d: commitdate %d days after the order", i, d)
		}
		if d := receipt - ship; d < 1 || d > 30 {
			t.Fatalf("lineitem %d: receiptdate %d days after shipping", i, d)
		}
		rf, ls := li.strs["l_returnflag"][i], li.strs["l_linestatus"][i]
		if (receipt <= currentDate) != (rf == "R" || rf == "A") || (receipt > currentDate) != (rf == "N") {
			t.Fatalf("lineitem %d: returnflag %s with receiptdate %d", i, rf, receipt)
		}
		if (ship > currentDate) != (ls == "O") {
			t.Fatalf("lineitem %d: linestatus %s with shipdate %d", i, ls, ship)
		}
		if ls == "O" {
			od.open++
		} else {
			od.fin++
		}
	}
	for k, od := range orders {
		if od.lines == 0 {
			t.Fatalf("order %d has no lines", k)
		}
		if od.sum != od.total {
			t.Fatalf("order %d: totalprice %d, its lines sum to %d", k, od.total, od.sum)
		}
		want := "P"
		if od.open == 0 {
			want = "F"
		} else if od.fin == 0 {
			want = "O"
		}
		if od.status != want {
			t.Fatalf("order %d: status %s with %d open and %d finished lines", k, od.status, od.open, od.fin)
		}
	}
	// Phone numbers start with 10+nationkey.
	for _, tc := range []struct{ tbl, phone, nation string }{
		{"customer", "c_phone", "c_nationkey"}, {"supplier", "s_phone", "s_nationkey"},
	} {
		tb := gen[tc.tbl]
		for i, ph := range tb.strs[tc.phone] {
			cc := tb.ints[tc.nation][i] + 10
			if len(ph) != 15 || ph[:2] != string(rune('0'+cc/10))+string(rune('0'+cc%10)) || ph[2] != '-' || ph[6] != '-' || ph[10] != '-' {
				t.Fatalf("%s %d: phone %q for nation %d", tc.tbl, i, ph, cc-10)
			}
		}
	}
	// Brand#MN has the manufacturer's digit M; names are five distinct
	// colours.
	for i, b := range p.strs["p_brand"] {
		if m := p.strs["p_mfgr"][i]; b[6] != m[len(m)-1] {
			t.Fatalf("part %d: %s of %s", i, b, m)
		}
		words := strings.Fields(p.strs["p_name"][i])
		if len(words) != 5 || len(keysOf(distinct(words))) != 5 {
			t.Fatalf("part %d: name %q is not five distinct colours", i, p.strs["p_name"][i])
		}
		for _, w := range words {
			if !slices.Contains(colors, w) {
				t.Fatalf("part %d: %q is not a colour", i, w)
			}
		}
	}
}

func TestReferentialIntegrity(t *testing.T) {
	gen, _ := generated(t)
	set := func(tbl, col string) map[int64]bool {
		m := map[int64]bool{}
		for _, k := range gen[tbl].ints[col] {
			m[k] = true
		}
		return m
	}
	for _, fk := range []struct{ tbl, col, rtbl, rcol string }{
		{"lineitem", "l_orderkey", "orders", "o_orderkey"},
		{"orders", "o_orderkey", "lineitem", "l_orderkey"},
		{"lineitem", "l_partkey", "part", "p_partkey"},
		{"lineitem", "l_suppkey", "supplier", "s_suppkey"},
		{"orders", "o_custkey", "customer", "c_custkey"},
		{"partsupp", "ps_partkey", "part", "p_partkey"},
		{"partsupp", "ps_suppkey", "supplier", "s_suppkey"},
		{"customer", "c_nationkey", "nation", "n_nationkey"},
		{"supplier", "s_nationkey", "nation", "n_nationkey"},
		{"nation", "n_regionkey", "region", "r_regionkey"},
	} {
		keys := set(fk.rtbl, fk.rcol)
		for _, k := range gen[fk.tbl].ints[fk.col] {
			if !keys[k] {
				t.Fatalf("%s.%s = %d is not in %s.%s", fk.tbl, fk.col, k, fk.rtbl, fk.rcol)
			}
		}
	}
	ps := map[[2]int64]bool{}
	suppliers := int64(gen["supplier"].rows)
	perPart := map[int64]int{}
	for i, p := range gen["partsupp"].ints["ps_partkey"] {
		s := gen["partsupp"].ints["ps_suppkey"][i]
		if ps[[2]int64{p, s}] {
			t.Fatalf("partsupp (%d, %d) twice", p, s)
		}
		ps[[2]int64{p, s}] = true
		if want := partSupplier(p, int64(perPart[p]), suppliers); s != want {
			t.Fatalf("partsupp %d: part %d supplier %d, formula gives %d", i, p, s, want)
		}
		perPart[p]++
	}
	for i, p := range gen["lineitem"].ints["l_partkey"] {
		if s := gen["lineitem"].ints["l_suppkey"][i]; !ps[[2]int64{p, s}] {
			t.Fatalf("lineitem %d: (partkey %d, suppkey %d) is not in partsupp", i, p, s)
		}
	}
	// About a third of the customers have no orders (those with keys
	// divisible by 3, and a few unlucky others).
	customers := set("orders", "o_custkey")
	frac := float64(len(customers)) / float64(gen["customer"].rows)
	if frac > 2.0/3 || frac < 0.6 {
		t.Errorf("%.1f%% of customers have orders, want a little under 2/3", 100*frac)
	}
}

// Comments: lengths as in the spec, words from the grammar, and LIKE
// patterns of the queries about as frequent as in the reference.
func TestComments(t *testing.T) {
	gen, _ := generated(t)
	ref := reference(t)
	for _, c := range []struct {
		tbl, col string
		avg      int
	}{
		{"region", "r_comment", 66}, {"nation", "n_comment", 72}, {"supplier", "s_comment", 63},
		{"customer", "c_comment", 73}, {"part", "p_comment", 14}, {"partsupp", "ps_comment", 124},
		{"orders", "o_comment", 49}, {"lineitem", "l_comment", 27},
	} {
		lo, hi := textRange(c.avg)
		var sum int
		for _, s := range gen[c.tbl].strs[c.col] {
			if int64(len(s)) < lo || int64(len(s)) > hi {
				t.Fatalf("%s.%s: %q has length %d, outside [%d, %d]", c.tbl, c.col, s, len(s), lo, hi)
			}
			sum += len(s)
		}
		if avg := float64(sum) / float64(len(gen[c.tbl].strs[c.col])); c.tbl != "region" && c.tbl != "nation" && math.Abs(avg-float64(c.avg)) > 0.05*float64(c.avg) {
			t.Errorf("%s.%s: average length %.1f, want about %d", c.tbl, c.col, avg, c.avg)
		}
	}
	// Q13 counts orders whose comment is not like '%special%requests%';
	// Q9 parts named '%green%'.
	for _, q := range []struct{ tbl, col, a, b string }{
		{"orders", "o_comment", "special", "requests"},
		{"lineitem", "l_comment", "furiously", "packages"},
		{"part", "p_name", "green", ""},
	} {
		g, r := likeFrac(gen[q.tbl].strs[q.col], q.a, q.b), likeFrac(ref[q.tbl].strs[q.col], q.a, q.b)
		t.Logf("%s LIKE '%%%s%%%s%%': %.4f of rows, reference %.4f", q.col, q.a, q.b, g, r)
		if math.Abs(g-r) > 0.25*r {
			t.Errorf("%s LIKE '%%%s%%%s%%': %.4f of rows, reference %.4f", q.col, q.a, q.b, g, r)
		}
	}
}

func likeFrac(v []string, a, b string) float64 {
	n := 0
	for _, s := range v {
		if i := strings.Index(s, a); i >= 0 && strings.Contains(s[i+len(a):], b) {
			n++
		}
	}
	return float64(n) / float64(len(v))
}

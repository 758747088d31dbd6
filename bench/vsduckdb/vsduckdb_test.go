package vsduckdb

import (
	"context"
	"math/big"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/dataflow-go/dataflow/internal/tpchcheck"
	"github.com/dataflow-go/dataflow/tpch"
)

var (
	sf001        = filepath.Join("..", "..", "testdata", "tpch", "sf0.01")
	sf001Answers = filepath.Join("..", "..", "testdata", "tpch", "answers", "sf0.01")
)

// TestDuckDBAnswers runs Q1 and Q6 in DuckDB over the SF0.01 reference
// data, in both storages, and checks them against the reference answers:
// the side-by-side comparison is only as good as its DuckDB side.
func TestDuckDBAnswers(t *testing.T) {
	ctx := context.Background()
	for _, storage := range []Storage{OverParquet, Native} {
		d, err := OpenDuckDB(ctx, sf001, storage, 2)
		if err != nil {
			t.Fatal(err)
		}
		for _, n := range []int{1, 6} {
			q, err := tpch.Lookup(n)
			if err != nil {
				t.Fatal(err)
			}
			rows, err := d.Query(ctx, q.SQL)
			if err != nil {
				t.Fatalf("%s %s: %v", storage, q.Name, err)
			}
			want, err := tpchcheck.ReadAnswer(filepath.Join(sf001Answers, q.Name+".csv"))
			if err != nil {
				t.Fatal(err)
			}
			if len(rows) != len(want.Rows) {
				t.Fatalf("%s %s: %d rows, want %d", storage, q.Name, len(rows), len(want.Rows))
			}
			for i, row := range rows {
				for c, v := range row {
					got := v.String()
					if v.IsFloat {
						// compare doubles at the answer's precision
						got = big.NewFloat(v.Float).Text('f', 17)
					}
					w := want.Rows[i][c]
					if !tpchcheck.Equal(got, w) && !closeEnough(v, w) {
						t.Errorf("%s %s row %d column %s: got %s, want %s", storage, q.Name, i, want.Columns[c], got, w)
					}
				}
			}
		}
		if err := d.Close(); err != nil {
			t.Fatal(err)
		}
	}
}

// closeEnough compares a DuckDB value with an answer's text to
// RelTolerance, for doubles printed with more digits than they hold.
func closeEnough(v Value, want string) bool {
	r, ok := new(big.Rat).SetString(want)
	if !ok {
		return false
	}
	return Equal(v, Value{Exact: r})
}

// TestSideBySide runs Q1 and Q6 in both engines at SF0.01 and checks
// that the comparison finds them equal.
func TestSideBySide(t *testing.T) {
	q1, _ := tpch.Lookup(1)
	q6, _ := tpch.Lookup(6)
	for _, p := range []Pairing{Parquet, Memory} {
		rep, err := Run(context.Background(), Config{Data: sf001, Queries: []tpch.Query{q1, q6}, Runs: 1, Threads: 2}, p)
		if err != nil {
			t.Fatal(err)
		}
		if rep.Failed != 0 {
			t.Fatalf("%s: %+v", p, rep.Queries)
		}
		for _, q := range rep.Queries {
			if !q.Same || q.Ratio <= 0 || q.Dataflow.Median <= 0 || q.DuckDB.Median <= 0 {
				t.Errorf("%s %s: %+v", p, q.Query, q)
			}
		}
		if rep.GeoMeanRatio <= 0 || !strings.HasPrefix(rep.DuckDBVersion, "v1.") {
			t.Errorf("%s: geomean ratio %v, DuckDB version %q", p, rep.GeoMeanRatio, rep.DuckDBVersion)
		}
		var b strings.Builder
		if err := rep.WriteText(&b); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(b.String(), "geomean") {
			t.Errorf("report:\n%s", b.String())
		}
	}
}

// TestSideBySideFailure checks that a query dataflow cannot run is
// reported, with DuckDB's time, and left out of the geometric mean.
func TestSideBySideFailure(t *testing.T) {
	q2, _ := tpch.Lookup(2)
	q6, _ := tpch.Lookup(6)
	rep, err := Run(context.Background(), Config{Data: sf001, Queries: []tpch.Query{q2, q6}, Runs: 1, Threads: 2, Mode: "builder"}, Parquet)
	if err != nil {
		t.Fatal(err)
	}
	q := rep.Queries[0]
	if rep.Failed != 1 || !strings.Contains(q.Error, "no builder form") || q.DuckDB.Median <= 0 || q.Rows == 0 {
		t.Fatalf("failed query: %+v", q)
	}
	if want := rep.Queries[1].Ratio; rep.GeoMeanRatio != want {
		t.Errorf("geomean ratio %v, want q06's alone (%v)", rep.GeoMeanRatio, want)
	}
}

func TestSideBySideTimeout(t *testing.T) {
	q1, _ := tpch.Lookup(1)
	rep, err := Run(context.Background(), Config{Data: sf001, Queries: []tpch.Query{q1}, Runs: 1, Threads: 2, QueryTimeout: time.Nanosecond}, Parquet)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Failed != 1 || !strings.Contains(rep.Queries[0].Error, "timed out after 1ns") {
		t.Errorf("query past its timeout: %+v", rep.Queries[0])
	}
}

func TestCompareRows(t *testing.T) {
	ex := func(s string) Value { r, _ := new(big.Rat).SetString(s); return Value{Exact: r} }
	fl := func(f float64) Value { return Value{IsFloat: true, Float: f} }
	tx := func(s string) Value { return Value{Text: s} }
	for _, c := range []struct {
		name      string
		got, want [][]Value
		ok, clean bool
	}{
		{"equal", [][]Value{{ex("1.50"), tx("A")}}, [][]Value{{ex("1.5"), tx("A")}}, true, true},
		{"decimal differs", [][]Value{{ex("1.51")}}, [][]Value{{ex("1.50")}}, false, false},
		{"float within tolerance", [][]Value{{fl(25.575154611454693)}}, [][]Value{{fl(25.575154611454697)}}, true, true},
		{"exact vs float", [][]Value{{ex("25.5751546114546930")}}, [][]Value{{fl(25.575154611454693)}}, true, true},
		{"float too far", [][]Value{{fl(1.000001)}}, [][]Value{{fl(1)}}, false, false},
		{"text differs", [][]Value{{tx("A")}}, [][]Value{{tx("B")}}, false, false},
		{"null", [][]Value{{{Null: true}}}, [][]Value{{{Null: true}}}, true, true},
		{"null vs value", [][]Value{{{Null: true}}}, [][]Value{{ex("0")}}, false, false},
		{"row count", [][]Value{{ex("1")}}, nil, false, false},
		{"ties reordered", [][]Value{{ex("1"), tx("b")}, {ex("1"), tx("a")}}, [][]Value{{ex("1"), tx("a")}, {ex("1"), tx("b")}}, true, false},
	} {
		diff, ok := CompareRows(c.got, c.want)
		if ok != c.ok || (diff == "") != c.clean {
			t.Errorf("%s: ok %v, diff %q", c.name, ok, diff)
		}
	}
}

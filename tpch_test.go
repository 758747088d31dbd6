package dataflow_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/apache/arrow/go/v15/arrow"
	"github.com/apache/arrow/go/v15/arrow/memory"

	"github.com/dataflow-go/dataflow"
	"github.com/dataflow-go/dataflow/internal/tpchcheck"
	"github.com/dataflow-go/dataflow/tpch"
)

// The builder forms of Q1 and Q6 live in package tpch, shared with the
// benchmark runner and the Substrait tests.
var (
	tpchQ1 = tpch.BuildQ1
	tpchQ6 = tpch.BuildQ6
)

var tpchTables = []string{"customer", "lineitem", "nation", "orders", "part", "partsupp", "region", "supplier"}

// openTPCH opens an engine over the SF0.01 tables in testdata with a
// checked allocator, which the returned cleanup asserts is empty.
func openTPCH(t testing.TB, parallelism int) *dataflow.Engine {
	t.Helper()
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	eng, err := dataflow.Open(dataflow.Options{Parallelism: parallelism, Allocator: mem})
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range tpchTables {
		if err := eng.RegisterFile(name, filepath.Join("testdata", "tpch", "sf0.01", name+".parquet")); err != nil {
			t.Fatal(err)
		}
	}
	t.Cleanup(func() {
		if err := eng.Close(); err != nil {
			t.Error(err)
		}
		mem.AssertSize(t, 0)
	})
	return eng
}

func TestTPCHBuilder(t *testing.T) {
	for _, c := range []struct {
		name   string
		query  func(*dataflow.Engine) *dataflow.Query
		answer string
	}{
		{"q1", tpchQ1, "q01.csv"},
		{"q6", tpchQ6, "q06.csv"},
	} {
		for _, par := range []int{1, 2, 4} {
			t.Run(c.name, func(t *testing.T) {
				eng := openTPCH(t, par)
				res, err := c.query(eng).Collect(context.Background())
				if err != nil {
					t.Fatal(err)
				}
				defer res.Release()
				want, err := tpchcheck.ReadAnswer(filepath.Join("testdata", "tpch", "answers", "sf0.01", c.answer))
				if err != nil {
					t.Fatal(err)
				}
				if got := res.Schema.NumFields(); got != len(want.Columns) {
					t.Fatalf("got %d columns, want %d", got, len(want.Columns))
				}
				for i, f := range res.Schema.Fields() {
					if f.Name != want.Columns[i] {
						t.Errorf("column %d is named %q, want %q", i, f.Name, want.Columns[i])
					}
				}
				if diff := want.Compare(res.Rows()); diff != "" {
					t.Fatalf("parallelism %d: %s", par, diff)
				}
			})
		}
	}
}

// TestTPCHJSONPlans checks that the example JSON plans the README runs give
// the same answers as the builder.
func TestTPCHJSONPlans(t *testing.T) {
	for _, c := range []struct{ plan, answer string }{
		{"q1.json", "q01.csv"},
		{"q6.json", "q06.csv"},
	} {
		t.Run(c.plan, func(t *testing.T) {
			eng := openTPCH(t, 2)
			q, err := eng.LoadJSONPlanFile(filepath.Join("examples", "tpch", c.plan))
			if err != nil {
				t.Fatal(err)
			}
			res, err := q.Collect(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			defer res.Release()
			want, err := tpchcheck.ReadAnswer(filepath.Join("testdata", "tpch", "answers", "sf0.01", c.answer))
			if err != nil {
				t.Fatal(err)
			}
			if diff := want.Compare(res.Rows()); diff != "" {
				t.Fatal(diff)
			}
		})
	}
}

func benchmarkTPCH(b *testing.B, query func(*dataflow.Engine) *dataflow.Query) {
	eng := openTPCH(b, 0)
	ctx := context.Background()
	for b.Loop() {
		res, err := query(eng).Collect(ctx)
		if err != nil {
			b.Fatal(err)
		}
		res.Release()
	}
	// Rows scanned per second: the input table's size is the work done.
	b.ReportMetric(float64(60175*b.N)/b.Elapsed().Seconds(), "rows/s")
}

// BenchmarkTPCHQ1 runs Q1 at SF0.01 straight from Parquet.
func BenchmarkTPCHQ1(b *testing.B) { benchmarkTPCH(b, tpchQ1) }

// BenchmarkTPCHQ6 runs Q6 at SF0.01 straight from Parquet.
func BenchmarkTPCHQ6(b *testing.B) { benchmarkTPCH(b, tpchQ6) }

// openTPCHInMemory registers lineitem as Arrow records held in memory, in
// chunks of 8192 rows, so the benchmark measures the engine rather than
// Parquet decoding.
func openTPCHInMemory(b *testing.B) *dataflow.Engine {
	b.Helper()
	src := openTPCH(b, 1)
	res, err := src.From("lineitem").Collect(context.Background())
	if err != nil {
		b.Fatal(err)
	}
	defer res.Release()
	var chunks []arrow.Record
	for _, rec := range res.Records {
		for off := int64(0); off < rec.NumRows(); off += 8192 {
			chunks = append(chunks, rec.NewSlice(off, min(off+8192, rec.NumRows())))
		}
	}
	eng, err := dataflow.Open(dataflow.Options{})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { eng.Close() })
	if err := eng.RegisterRecords("lineitem", res.Schema, chunks); err != nil {
		b.Fatal(err)
	}
	for _, c := range chunks {
		c.Release()
	}
	return eng
}

func benchmarkTPCHInMemory(b *testing.B, query func(*dataflow.Engine) *dataflow.Query) {
	eng := openTPCHInMemory(b)
	ctx := context.Background()
	for b.Loop() {
		res, err := query(eng).Collect(ctx)
		if err != nil {
			b.Fatal(err)
		}
		res.Release()
	}
	b.ReportMetric(float64(60175*b.N)/b.Elapsed().Seconds(), "rows/s")
}

// BenchmarkTPCHQ1InMemory runs Q1 at SF0.01 over lineitem held in memory.
func BenchmarkTPCHQ1InMemory(b *testing.B) { benchmarkTPCHInMemory(b, tpchQ1) }

// BenchmarkTPCHQ6InMemory runs Q6 at SF0.01 over lineitem held in memory.
func BenchmarkTPCHQ6InMemory(b *testing.B) { benchmarkTPCHInMemory(b, tpchQ6) }

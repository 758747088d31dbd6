package substrait_test

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/dataflow-go/dataflow"
	"github.com/dataflow-go/dataflow/internal/tpchcheck"
	"github.com/dataflow-go/dataflow/plan"
	"github.com/dataflow-go/dataflow/plan/substrait"
	"github.com/dataflow-go/dataflow/tpch"
)

var tpchDir = filepath.Join("..", "..", "testdata", "tpch")

// openTPCH registers the SF0.01 tables with an engine and returns it with
// a resolver over its catalog.
func openTPCH(t testing.TB) (*dataflow.Engine, *substrait.Catalog) {
	t.Helper()
	eng, err := dataflow.Open(dataflow.Options{Parallelism: 2})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { eng.Close() })
	for _, name := range []string{"customer", "lineitem", "nation", "orders", "part", "partsupp", "region", "supplier"} {
		if err := eng.RegisterFile(name, filepath.Join(tpchDir, "sf0.01", name+".parquet")); err != nil {
			t.Fatal(err)
		}
	}
	return eng, &substrait.Catalog{Tables: eng.Catalog()}
}

// The builder forms of Q1 and Q6, shared with the root tests and the
// benchmark runner.
var (
	tpchQ1 = tpch.BuildQ1
	tpchQ6 = tpch.BuildQ6
)

func TestTPCHRoundTrip(t *testing.T) {
	for _, c := range []struct {
		name   string
		query  func(*dataflow.Engine) *dataflow.Query
		answer string
	}{
		{"q1", tpchQ1, "q01.csv"},
		{"q6", tpchQ6, "q06.csv"},
	} {
		t.Run(c.name, func(t *testing.T) {
			eng, cat := openTPCH(t)
			q := c.query(eng)
			for _, form := range []struct {
				name string
				plan func() (plan.Node, error)
			}{{"logical", q.Plan}, {"optimized", q.OptimizedPlan}} {
				n, err := form.plan()
				if err != nil {
					t.Fatal(err)
				}
				rows, _ := CheckRoundTrip(t, n, cat, substrait.ExportOptions{})
				want, err := tpchcheck.ReadAnswer(filepath.Join(tpchDir, "answers", "sf0.01", c.answer))
				if err != nil {
					t.Fatal(err)
				}
				got := make([][]string, len(rows))
				for i, r := range rows {
					got[i] = strings.Split(r, "|")
				}
				if diff := want.Compare(got); diff != "" {
					t.Fatalf("%s plan: %s", form.name, diff)
				}
			}
		})
	}
}

// BenchmarkExportImportQ1 measures converting the optimized TPC-H Q1 plan
// to Substrait bytes and back.
func BenchmarkExportImportQ1(b *testing.B) {
	eng, cat := openTPCH(b)
	n, err := tpchQ1(eng).OptimizedPlan()
	if err != nil {
		b.Fatal(err)
	}
	var size int
	for b.Loop() {
		p, err := substrait.Export(n, nil)
		if err != nil {
			b.Fatal(err)
		}
		data, err := substrait.MarshalProto(p)
		if err != nil {
			b.Fatal(err)
		}
		size = len(data)
		if _, err := substrait.ImportProto(data, cat); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(size), "plan-bytes")
}

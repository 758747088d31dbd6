package dataflow_test

import (
	"context"
	"errors"
	"path/filepath"
	"testing"

	"github.com/dataflow-go/dataflow"
	"github.com/dataflow-go/dataflow/internal/tpchcheck"
	"github.com/dataflow-go/dataflow/store"
)

func TestCacheTable(t *testing.T) {
	for _, par := range []int{1, 3} {
		eng := openTPCH(t, par)
		before, err := eng.Catalog().Lookup("lineitem")
		if err != nil {
			t.Fatal(err)
		}
		wantStats := before.Stats()
		if err := eng.CacheTable("lineitem"); err != nil {
			t.Fatal(err)
		}
		after, err := eng.Catalog().Lookup("LineItem")
		if err != nil {
			t.Fatal(err)
		}
		if after == before {
			t.Fatal("CacheTable kept the file table")
		}
		if got := after.Stats().Rows; got != wantStats.Rows {
			t.Errorf("cached table reports %d rows, the file had %d", got, wantStats.Rows)
		}
		if wantStats.Columns != nil && after.Stats().Columns[0].Max == nil {
			t.Error("cached table dropped the source's column statistics")
		}
		splits, err := after.Splits()
		if err != nil {
			t.Fatal(err)
		}
		// 60175 rows over par pipelines: about four chunks each.
		if len(splits) < 2*par {
			t.Errorf("parallelism %d: %d splits, want at least %d for parallel scans", par, len(splits), 2*par)
		}
		var rows int64
		for _, s := range splits {
			rows += s.EstimatedRows()
		}
		if rows != wantStats.Rows {
			t.Errorf("splits hold %d rows, want %d", rows, wantStats.Rows)
		}
		// Caching again is a no-op.
		if err := eng.CacheTable("lineitem"); err != nil {
			t.Fatal(err)
		}
		if again, _ := eng.Catalog().Lookup("lineitem"); again != after {
			t.Error("caching a cached table replaced it")
		}
		for _, c := range []struct {
			query  func(*dataflow.Engine) *dataflow.Query
			answer string
		}{{tpchQ1, "q01.csv"}, {tpchQ6, "q06.csv"}} {
			res, err := c.query(eng).Collect(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			want, err := tpchcheck.ReadAnswer(filepath.Join("testdata", "tpch", "answers", "sf0.01", c.answer))
			if err != nil {
				t.Fatal(err)
			}
			if diff := want.Compare(res.Rows()); diff != "" {
				t.Errorf("%s over the cached table: %s", c.answer, diff)
			}
			res.Release()
		}
	}
}

func TestCacheTableErrors(t *testing.T) {
	eng := openTPCH(t, 2)
	if err := eng.CacheTable("lineitems"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("unknown table: got %v, want ErrNotFound", err)
	}
	mem, err := dataflow.Open(dataflow.Options{})
	if err != nil {
		t.Fatal(err)
	}
	mem.Close()
	if err := mem.CacheTable("lineitem"); !errors.Is(err, dataflow.ErrClosed) {
		t.Errorf("closed engine: got %v, want ErrClosed", err)
	}
}

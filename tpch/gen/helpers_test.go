package gen

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/apache/arrow/go/v15/arrow"
	"github.com/apache/arrow/go/v15/arrow/array"
	"github.com/apache/arrow/go/v15/arrow/memory"
	"github.com/dataflow-go/dataflow/store"
)

// refDir holds the reference SF0.01 tables written by DuckDB's dbgen.
const refDir = "../../testdata/tpch/sf0.01"

// table is a whole table held as Go slices: integer-like columns (ints,
// dates as days, decimals as their unscaled value) and strings.
type table struct {
	rows   int
	schema *arrow.Schema
	ints   map[string][]int64
	strs   map[string][]string
}

// loadTable reads every split of t.
func loadTable(tb testing.TB, t store.Table) *table {
	tb.Helper()
	mem := memory.NewCheckedAllocator(memory.DefaultAllocator)
	defer mem.AssertSize(tb, 0)
	out := &table{schema: t.Schema(), ints: map[string][]int64{}, strs: map[string][]string{}}
	splits, err := t.Splits()
	if err != nil {
		tb.Fatal(err)
	}
	for _, sp := range splits {
		r, err := sp.Open(context.Background(), mem, store.ScanOptions{BatchSize: 8192})
		if err != nil {
			tb.Fatal(err)
		}
		for {
			rec, err := r.Next()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				tb.Fatal(err)
			}
			appendRecord(tb, out, rec)
			rec.Release()
		}
		r.Close()
	}
	return out
}

func appendRecord(tb testing.TB, out *table, rec arrow.Record) {
	out.rows += int(rec.NumRows())
	for i, col := range rec.Columns() {
		name := rec.Schema().Field(i).Name
		if col.NullN() != 0 {
			tb.Fatalf("column %s has %d nulls", name, col.NullN())
		}
		for row := 0; row < col.Len(); row++ {
			switch a := col.(type) {
			case *array.Int64:
				out.ints[name] = append(out.ints[name], a.Value(row))
			case *array.Int32:
				out.ints[name] = append(out.ints[name], int64(a.Value(row)))
			case *array.Date32:
				out.ints[name] = append(out.ints[name], int64(a.Value(row)))
			case *array.Decimal128:
				out.ints[name] = append(out.ints[name], int64(a.Value(row).LowBits()))
			case *array.String:
				out.strs[name] = append(out.strs[name], a.Value(row))
			default:
				tb.Fatalf("column %s: unexpected type %s", name, col.DataType())
			}
		}
	}
}

func openTable(tb testing.TB, path string) store.Table {
	tb.Helper()
	t, err := store.OpenTable(path, "", nil)
	if err != nil {
		tb.Fatal(err)
	}
	if c, ok := t.(io.Closer); ok {
		tb.Cleanup(func() { c.Close() })
	}
	return t
}

var (
	refOnce   sync.Once
	refTables map[string]*table
)

// reference returns the reference SF0.01 tables.
func reference(tb testing.TB) map[string]*table {
	refOnce.Do(func() {
		refTables = map[string]*table{}
		for _, n := range TableNames() {
			refTables[n] = loadTable(tb, openTable(tb, filepath.Join(refDir, n+".parquet")))
		}
	})
	return refTables
}

var (
	sf001Once sync.Once
	sf001Dir  string
	sf001Res  *Result
	sf001Err  error
	sf001     map[string]*table
)

// generated returns SF0.01 generated once per test binary (Parquet,
// three partitions per table) and read back through its catalog.
func generated(tb testing.TB) (map[string]*table, *Result) {
	sf001Once.Do(func() {
		dir, err := os.MkdirTemp("", "tpchgen-test-")
		if err != nil {
			sf001Err = err
			return
		}
		sf001Dir = dir
		sf001Res, sf001Err = Generate(context.Background(), Options{SF: 0.01, Dir: filepath.Join(dir, "sf0.01"), Partitions: 3})
		if sf001Err != nil {
			return
		}
		cat, err := store.LoadCatalogFile(sf001Res.Catalog)
		if err != nil {
			sf001Err = fmt.Errorf("LoadCatalogFile: %w", err)
			return
		}
		defer cat.Close()
		sf001 = map[string]*table{}
		for _, n := range TableNames() {
			t, err := cat.Lookup(n)
			if err != nil {
				sf001Err = err
				return
			}
			sf001[n] = loadTable(tb, t)
		}
	})
	if sf001Err != nil {
		tb.Fatal(sf001Err)
	}
	return sf001, sf001Res
}

func TestMain(m *testing.M) {
	code := m.Run()
	if sf001Dir != "" {
		os.RemoveAll(sf001Dir)
	}
	os.Exit(code)
}

func minMax(v []int64) (lo, hi int64) {
	lo, hi = v[0], v[0]
	for _, x := range v {
		lo, hi = min(lo, x), max(hi, x)
	}
	return lo, hi
}

func mean(v []int64) float64 {
	var s float64
	for _, x := range v {
		s += float64(x)
	}
	return s / float64(len(v))
}

func distinct(v []string) map[string]int {
	m := map[string]int{}
	for _, s := range v {
		m[s]++
	}
	return m
}

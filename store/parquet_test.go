package store

import (
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/apache/arrow/go/v15/arrow"
	"github.com/apache/arrow/go/v15/arrow/array"
	"github.com/apache/arrow/go/v15/arrow/memory"
)

const tpchDir = "../testdata/tpch/sf0.01"

var tpchRows = map[string]int64{
	"lineitem": 60175, "orders": 15000, "customer": 1500, "part": 2000,
	"partsupp": 8000, "supplier": 100, "nation": 25, "region": 5,
}

// readAll opens every split of t with opts and returns the total row count
// and the schema of the records, checking Next after EOF.
func readAll(t testing.TB, tab Table, mem memory.Allocator, opts ScanOptions) (int64, *arrow.Schema) {
	t.Helper()
	splits, err := tab.Splits()
	if err != nil {
		t.Fatal(err)
	}
	var rows int64
	var schema *arrow.Schema
	for _, s := range splits {
		rr, err := s.Open(context.Background(), mem, opts)
		if err != nil {
			t.Fatalf("%s: %v", s.Describe(), err)
		}
		schema = rr.Schema()
		for {
			rec, err := rr.Next()
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatalf("%s: %v", s.Describe(), err)
			}
			if !rec.Schema().Equal(rr.Schema()) {
				t.Fatalf("record schema %v, reader schema %v", rec.Schema(), rr.Schema())
			}
			rows += rec.NumRows()
			rec.Release()
		}
		if rec, err := rr.Next(); rec != nil || err != io.EOF {
			t.Fatalf("Next after EOF: %v, %v", rec, err)
		}
		if err := rr.Close(); err != nil {
			t.Fatal(err)
		}
		if err := rr.Close(); err != nil {
			t.Fatalf("second Close: %v", err)
		}
	}
	return rows, schema
}

func TestParquetTPCHTables(t *testing.T) {
	for name, want := range tpchRows {
		t.Run(name, func(t *testing.T) {
			mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
			defer mem.AssertSize(t, 0)
			tab, err := OpenParquet(filepath.Join(tpchDir, name+".parquet"), ParquetOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if got := tab.Stats().Rows; got != want {
				t.Errorf("Stats().Rows = %d, want %d", got, want)
			}
			got, _ := readAll(t, tab, mem, ScanOptions{BatchSize: 1000})
			if got != want {
				t.Errorf("read %d rows, want %d", got, want)
			}
		})
	}
}

func TestParquetTypesAndProjection(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	tab, err := OpenParquet(filepath.Join(tpchDir, "lineitem.parquet"), ParquetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	s := tab.Schema()
	idx := func(n string) int {
		is := s.FieldIndices(n)
		if len(is) != 1 {
			t.Fatalf("no column %s in %v", n, s)
		}
		return is[0]
	}
	for col, want := range map[string]string{
		"l_quantity": "decimal(15, 2)", "l_shipdate": "date32", "l_returnflag": "utf8", "l_orderkey": "int64",
	} {
		if got := s.Field(idx(col)).Type.String(); got != want {
			t.Errorf("%s: type %s, want %s", col, got, want)
		}
	}
	// Projection in a non-table order with a duplicate.
	cols := []int{idx("l_shipdate"), idx("l_quantity"), idx("l_shipdate")}
	rows, schema := readAll(t, tab, mem, ScanOptions{Columns: cols, BatchSize: 4096})
	if rows != 60175 {
		t.Errorf("rows = %d", rows)
	}
	if got := names(schema); got != "l_shipdate,l_quantity,l_shipdate" {
		t.Errorf("projected schema %s", got)
	}
	// Values of a projected column: the first row of lineitem.
	splits, _ := tab.Splits()
	rr, err := splits[0].Open(context.Background(), mem, ScanOptions{Columns: []int{idx("l_quantity"), idx("l_shipdate"), idx("l_returnflag")}, BatchSize: 2})
	if err != nil {
		t.Fatal(err)
	}
	rec, err := rr.Next()
	if err != nil {
		t.Fatal(err)
	}
	if rec.NumRows() != 2 || rec.NumCols() != 3 {
		t.Fatalf("first batch %d x %d", rec.NumRows(), rec.NumCols())
	}
	q := rec.Column(0).(*array.Decimal128).Value(0)
	d := rec.Column(1).(*array.Date32).Value(0)
	if q.ToString(2) != "17.00" || d.FormattedString() != "1996-03-13" || rec.Column(2).(*array.String).Value(0) != "N" {
		t.Errorf("first row: %s %s %s", q.ToString(2), d.FormattedString(), rec.Column(2).(*array.String).Value(0))
	}
	rec.Release()
	rr.Close()
	// Empty projection: row counts only.
	rows, schema = readAll(t, tab, mem, ScanOptions{Columns: []int{}})
	if rows != 60175 || schema.NumFields() != 0 {
		t.Errorf("count-only scan: %d rows, %d fields", rows, schema.NumFields())
	}
	// Bad projection.
	if _, err := splits[0].Open(context.Background(), mem, ScanOptions{Columns: []int{99}}); !errors.Is(err, ErrSchema) {
		t.Errorf("projection of column 99: %v, want ErrSchema", err)
	}
}

func names(s *arrow.Schema) string {
	var out []string
	for _, f := range s.Fields() {
		out = append(out, f.Name)
	}
	return strings.Join(out, ",")
}

func TestParquetStats(t *testing.T) {
	tab, err := OpenParquet(filepath.Join(tpchDir, "nation.parquet"), ParquetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	st := tab.Stats()
	if st.Rows != 25 || st.Bytes <= 0 || len(st.Columns) != 4 {
		t.Fatalf("stats %+v", st)
	}
	if st.Columns[0].Min.String() != "0" || st.Columns[0].Max.String() != "24" || st.Columns[0].NullCount != 0 {
		t.Errorf("n_nationkey stats %v %v %d", st.Columns[0].Min, st.Columns[0].Max, st.Columns[0].NullCount)
	}
	if st.Columns[1].Min.String() != "ALGERIA" || st.Columns[1].Max.String() != "VIETNAM" {
		t.Errorf("n_name stats %v %v", st.Columns[1].Min, st.Columns[1].Max)
	}
}

func TestParquetMissingAndCorrupt(t *testing.T) {
	_, err := OpenParquet(filepath.Join(t.TempDir(), "nope.parquet"), ParquetOptions{})
	if !errors.Is(err, ErrNotFound) || !strings.Contains(err.Error(), "nope.parquet") {
		t.Errorf("missing file: %v", err)
	}
	src, err := os.ReadFile(filepath.Join(tpchDir, "orders.parquet"))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	cases := map[string][]byte{
		"empty.parquet":      nil,
		"truncated.parquet":  src[:len(src)/2],
		"notparquet.parquet": []byte("this is not a parquet file at all, just text\n"),
		"footer.parquet":     garble(src, len(src)-200, len(src)-8),
	}
	for name, data := range cases {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
		_, err := OpenParquet(p, ParquetOptions{})
		if !errors.Is(err, ErrCorrupt) || !strings.Contains(err.Error(), name) {
			t.Errorf("%s: got %v, want ErrCorrupt naming the file", name, err)
		}
	}
	// Garbled column data with an intact footer: open succeeds, the read
	// fails with ErrCorrupt naming the file, and nothing panics.
	p := filepath.Join(dir, "pages.parquet")
	if err := os.WriteFile(p, garble(src, 4, len(src)/2), 0o644); err != nil {
		t.Fatal(err)
	}
	tab, err := OpenParquet(p, ParquetOptions{})
	if err != nil {
		if !errors.Is(err, ErrCorrupt) {
			t.Fatalf("garbled pages: open error %v is not ErrCorrupt", err)
		}
		return
	}
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	err = scanErr(tab, mem)
	if !errors.Is(err, ErrCorrupt) || !strings.Contains(err.Error(), "pages.parquet") {
		t.Errorf("garbled pages: read error %v, want ErrCorrupt naming the file", err)
	}
}

// garble returns a copy of b with bytes [from, to) overwritten by a
// deterministic pattern.
func garble(b []byte, from, to int) []byte {
	out := append([]byte(nil), b...)
	x := uint32(2463534242)
	for i := from; i < to && i < len(out); i++ {
		x ^= x << 13
		x ^= x >> 17
		x ^= x << 5
		out[i] = byte(x)
	}
	return out
}

// scanErr reads every split of tab and returns the first error.
func scanErr(tab Table, mem memory.Allocator) error {
	splits, err := tab.Splits()
	if err != nil {
		return err
	}
	for _, s := range splits {
		rr, err := s.Open(context.Background(), mem, ScanOptions{})
		if err != nil {
			return err
		}
		for {
			rec, err := rr.Next()
			if err == io.EOF {
				break
			}
			if err != nil {
				rr.Close()
				return err
			}
			rec.Release()
		}
		rr.Close()
	}
	return nil
}

func errorsIs(err, target error) bool { return errors.Is(err, target) }
func contains(s, sub string) bool     { return strings.Contains(s, sub) }

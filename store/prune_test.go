package store

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/apache/arrow/go/v15/arrow"
	"github.com/apache/arrow/go/v15/arrow/array"
	"github.com/apache/arrow/go/v15/arrow/decimal128"
	"github.com/apache/arrow/go/v15/arrow/memory"
	"github.com/apache/arrow/go/v15/arrow/scalar"
	"github.com/apache/arrow/go/v15/parquet"
	"github.com/apache/arrow/go/v15/parquet/pqarrow"
)

var pruneSchema = arrow.NewSchema([]arrow.Field{
	{Name: "id", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
	{Name: "price", Type: &arrow.Decimal128Type{Precision: 15, Scale: 2}, Nullable: true},
	{Name: "day", Type: arrow.FixedWidthTypes.Date32, Nullable: true},
	{Name: "name", Type: arrow.BinaryTypes.String, Nullable: true},
	{Name: "x", Type: arrow.PrimitiveTypes.Int32, Nullable: true},
}, nil)

// writePruneFile writes groups row groups of 100 rows each: row group g
// holds ids [100g, 100g+100), prices id/100 (so g.00 .. g.99), days
// 10000+id, names "g<g>-..." and x all null in the last group.
func writePruneFile(t testing.TB, path string, groups int) {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	props := parquet.NewWriterProperties(parquet.WithMaxRowGroupLength(100), parquet.WithStats(true))
	w, err := pqarrow.NewFileWriter(pruneSchema, f, props, pqarrow.DefaultWriterProps())
	if err != nil {
		t.Fatal(err)
	}
	b := array.NewRecordBuilder(memory.DefaultAllocator, pruneSchema)
	defer b.Release()
	for g := 0; g < groups; g++ {
		for i := 0; i < 100; i++ {
			id := int64(g*100 + i)
			b.Field(0).(*array.Int64Builder).Append(id)
			b.Field(1).(*array.Decimal128Builder).Append(decimal128.FromI64(id))
			b.Field(2).(*array.Date32Builder).Append(arrow.Date32(10000 + id))
			b.Field(3).(*array.StringBuilder).Append(fmt.Sprintf("g%d-%03d", g, i))
			if g == groups-1 {
				b.Field(4).AppendNull()
			} else {
				b.Field(4).(*array.Int32Builder).Append(int32(i))
			}
		}
		rec := b.NewRecord()
		if err := w.WriteBuffered(rec); err != nil {
			t.Fatal(err)
		}
		rec.Release()
		if g < groups-1 {
			w.NewBufferedRowGroup()
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
}

func TestParquetPruning(t *testing.T) {
	path := filepath.Join(t.TempDir(), "groups.parquet")
	writePruneFile(t, path, 5)
	dec := func(s string) scalar.Scalar {
		n, err := decimal128.FromString(s, 15, 2)
		if err != nil {
			t.Fatal(err)
		}
		return scalar.NewDecimal128Scalar(n, &arrow.Decimal128Type{Precision: 15, Scale: 2})
	}
	cases := []struct {
		name    string
		filters []Predicate
		groups  int64 // row groups read
	}{
		{"none", nil, 5},
		{"id=250", []Predicate{{Column: 0, Op: Eq, Value: scalar.NewInt64Scalar(250)}}, 1},
		{"id<100", []Predicate{{Column: 0, Op: Lt, Value: scalar.NewInt64Scalar(100)}}, 1},
		{"id<=100", []Predicate{{Column: 0, Op: LtEq, Value: scalar.NewInt64Scalar(100)}}, 2},
		{"id>=400 (int32 literal)", []Predicate{{Column: 0, Op: GtEq, Value: scalar.NewInt32Scalar(400)}}, 1},
		{"id>1000", []Predicate{{Column: 0, Op: Gt, Value: scalar.NewInt64Scalar(1000)}}, 0},
		{"id<>7", []Predicate{{Column: 0, Op: NotEq, Value: scalar.NewInt64Scalar(7)}}, 5},
		{"price>=3.50", []Predicate{{Column: 1, Op: GtEq, Value: dec("3.50")}}, 2},
		{"price<1 (int literal)", []Predicate{{Column: 1, Op: Lt, Value: scalar.NewInt64Scalar(1)}}, 1},
		{"price>2.5 (float literal)", []Predicate{{Column: 1, Op: Gt, Value: scalar.NewFloat64Scalar(2.995)}}, 2},
		{"day<10100", []Predicate{{Column: 2, Op: Lt, Value: scalar.NewDate32Scalar(10100)}}, 1},
		{"name=g3-050", []Predicate{{Column: 3, Op: Eq, Value: scalar.NewStringScalar("g3-050")}}, 1},
		{"name>g2", []Predicate{{Column: 3, Op: Gt, Value: scalar.NewStringScalar("g2-999")}}, 2},
		{"conjunction", []Predicate{
			{Column: 0, Op: GtEq, Value: scalar.NewInt64Scalar(100)},
			{Column: 2, Op: Lt, Value: scalar.NewDate32Scalar(10300)},
		}, 2},
		{"x is null", []Predicate{{Column: 4, Op: IsNull}}, 1},
		{"x is not null", []Predicate{{Column: 4, Op: IsNotNull}}, 4},
		{"x=5", []Predicate{{Column: 4, Op: Eq, Value: scalar.NewInt32Scalar(5)}}, 4},
		{"incomparable", []Predicate{{Column: 0, Op: Eq, Value: scalar.NewStringScalar("1")}}, 5},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
			defer mem.AssertSize(t, 0)
			tab, err := OpenParquet(path, ParquetOptions{})
			if err != nil {
				t.Fatal(err)
			}
			splits, _ := tab.Splits()
			if len(splits) != 5 {
				t.Fatalf("%d splits, want 5", len(splits))
			}
			rows, _ := readAll(t, tab, mem, ScanOptions{Filters: c.filters})
			read, pruned := tab.RowGroupCounters()
			if read != c.groups || pruned != 5-c.groups || rows != 100*c.groups {
				t.Errorf("read %d row groups (%d rows), pruned %d; want %d read", read, rows, pruned, c.groups)
			}
			if got := len(Prune(splits, c.filters)); int64(got) != c.groups {
				t.Errorf("Prune kept %d splits, want %d", got, c.groups)
			}
		})
	}
}

func TestParquetDirectory(t *testing.T) {
	dir := t.TempDir()
	writePruneFile(t, filepath.Join(dir, "a.parquet"), 2)
	writePruneFile(t, filepath.Join(dir, "b.parquet"), 3)
	if err := os.WriteFile(filepath.Join(dir, "_SUCCESS"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	tab, err := OpenParquet(dir, ParquetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if st := tab.Stats(); st.Rows != 500 || st.Columns[0].Max == nil || st.Columns[0].Max.String() != "299" {
		t.Errorf("stats rows %d max %v", st.Rows, st.Columns[0].Max)
	}
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	if rows, _ := readAll(t, tab, mem, ScanOptions{}); rows != 500 {
		t.Errorf("read %d rows, want 500", rows)
	}
	// A partition with another schema is refused, naming both files.
	other := filepath.Join(dir, "c.parquet")
	copyFile(t, filepath.Join(tpchDir, "region.parquet"), other)
	_, err = OpenParquet(dir, ParquetOptions{})
	if err == nil || !errorsIs(err, ErrSchema) || !contains(err.Error(), "a.parquet") || !contains(err.Error(), "c.parquet") {
		t.Errorf("mismatched partition: %v", err)
	}
}

func copyFile(t testing.TB, from, to string) {
	t.Helper()
	b, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(to, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

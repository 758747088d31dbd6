package store

import (
	"fmt"
	"path/filepath"
	"testing"

	"github.com/apache/arrow/go/v15/arrow"
	"github.com/apache/arrow/go/v15/arrow/array"
	"github.com/apache/arrow/go/v15/arrow/memory"
)

// TestEstimateDistinctMemTable checks the sample estimate on columns of
// known cardinality: repeating values come out exact, unique ones near
// the table's size, NULLs are not values, and other types say nothing.
func TestEstimateDistinctMemTable(t *testing.T) {
	mem := memory.NewGoAllocator()
	schema := arrow.NewSchema([]arrow.Field{
		{Name: "flag", Type: arrow.BinaryTypes.String, Nullable: true},
		{Name: "name", Type: arrow.BinaryTypes.String},
		{Name: "n", Type: arrow.PrimitiveTypes.Int64},
		{Name: "none", Type: arrow.BinaryTypes.String, Nullable: true},
	}, nil)
	const rows, chunk = 400_000, 10_000
	var recs []arrow.Record
	for lo := 0; lo < rows; lo += chunk {
		b := array.NewRecordBuilder(mem, schema)
		for i := lo; i < lo+chunk; i++ {
			if i%7 == 0 {
				b.Field(0).(*array.StringBuilder).AppendNull()
			} else {
				b.Field(0).(*array.StringBuilder).Append(fmt.Sprintf("type %d", i*7919%150))
			}
			b.Field(1).(*array.StringBuilder).Append(fmt.Sprintf("Customer#%09d", i))
			b.Field(2).(*array.Int64Builder).Append(int64(i))
			b.Field(3).(*array.StringBuilder).AppendNull()
		}
		recs = append(recs, b.NewRecord())
		b.Release()
	}
	mt, err := NewMemTable(schema, recs)
	for _, r := range recs {
		r.Release()
	}
	if err != nil {
		t.Fatal(err)
	}
	defer mt.Close()
	if d, ok := mt.EstimateDistinct(0); !ok || d != 150 {
		t.Errorf("150 repeating values: estimate %d (%v)", d, ok)
	}
	if d, ok := mt.EstimateDistinct(1); !ok || d < rows/2 || d > rows {
		t.Errorf("%d unique values: estimate %d (%v), want within 2x", rows, d, ok)
	}
	if d, ok := mt.EstimateDistinct(2); ok {
		t.Errorf("int64 column: estimate %d, want none (ranges bound integers)", d)
	}
	if d, ok := mt.EstimateDistinct(3); !ok || d != 0 {
		t.Errorf("all-NULL column: estimate %d (%v), want 0", d, ok)
	}
	if _, ok := mt.EstimateDistinct(9); ok {
		t.Error("a column out of range has an estimate")
	}
	// Answers come from the cache the second time.
	if d, ok := mt.EstimateDistinct(0); !ok || d != 150 {
		t.Errorf("cached: %d (%v)", d, ok)
	}
}

// TestEstimateDistinctParquet reads the estimate of TPC-H text columns
// from the SF0.01 reference files, small enough to be read whole.
func TestEstimateDistinctParquet(t *testing.T) {
	for _, tc := range []struct {
		table, column string
		want          int64
	}{
		{"part", "p_type", 150},
		{"part", "p_container", 40},
		{"customer", "c_mktsegment", 5},
		{"orders", "o_orderpriority", 5},
		{"customer", "c_name", 1500},
	} {
		pt, err := OpenParquet(filepath.Join("..", "testdata", "tpch", "sf0.01", tc.table+".parquet"), ParquetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		col := pt.Schema().FieldIndices(tc.column)
		if len(col) != 1 {
			t.Fatalf("%s has no column %s", tc.table, tc.column)
		}
		d, ok := pt.EstimateDistinct(col[0])
		if !ok || d != tc.want {
			t.Errorf("%s.%s: estimate %d (%v), want %d", tc.table, tc.column, d, ok, tc.want)
		}
		pt.Close()
	}
}

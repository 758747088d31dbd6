package store

import (
	"errors"
	"sync"
	"testing"

	"github.com/apache/arrow/go/v15/arrow"
	"github.com/apache/arrow/go/v15/arrow/array"
	"github.com/apache/arrow/go/v15/arrow/memory"
)

func int64Record(mem memory.Allocator, schema *arrow.Schema, from, n int) arrow.Record {
	b := array.NewRecordBuilder(mem, schema)
	defer b.Release()
	for i := 0; i < n; i++ {
		b.Field(0).(*array.Int64Builder).Append(int64(from + i))
	}
	return b.NewRecord()
}

func TestMemTable(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	schema := arrow.NewSchema([]arrow.Field{{Name: "a", Type: arrow.PrimitiveTypes.Int64}}, nil)
	r1, r2 := int64Record(mem, schema, 0, 10), int64Record(mem, schema, 10, 5)
	tab, err := NewMemTable(schema, []arrow.Record{r1, r2})
	if err != nil {
		t.Fatal(err)
	}
	r1.Release()
	r2.Release()
	tab.SetSplitRows(8)
	if st := tab.Stats(); st.Rows != 15 || st.Bytes <= 0 || st.Columns[0].NullCount != 0 {
		t.Errorf("stats %+v", st)
	}
	splits, _ := tab.Splits()
	if len(splits) != 2 {
		t.Errorf("%d splits", len(splits))
	}
	// Snapshot: records appended after Splits are not seen by it.
	r3 := int64Record(mem, schema, 15, 3)
	if err := tab.Append(r3); err != nil {
		t.Fatal(err)
	}
	r3.Release()
	if got := scanText(t, &fixedSplits{tab, splits}, mem, ScanOptions{BatchSize: 4}); len(got) != 15 || got[14] != "14" {
		t.Errorf("snapshot read %d rows", len(got))
	}
	if got := scanText(t, tab, mem, ScanOptions{BatchSize: 4}); len(got) != 18 {
		t.Errorf("after append: %d rows", len(got))
	}
	// Wrong schema.
	other := arrow.NewSchema([]arrow.Field{{Name: "b", Type: arrow.PrimitiveTypes.Int64}}, nil)
	bad := int64Record(mem, other, 0, 1)
	if err := tab.Append(bad); !errors.Is(err, ErrSchema) {
		t.Errorf("append of another schema: %v", err)
	}
	bad.Release()
	// Concurrent appends and scans.
	var wg sync.WaitGroup
	for w := 0; w < 4; w++ {
		wg.Add(2)
		go func() {
			defer wg.Done()
			r := int64Record(mem, schema, 100, 2)
			_ = tab.Append(r)
			r.Release()
		}()
		go func() {
			defer wg.Done()
			_ = scanErr(tab, mem)
		}()
	}
	wg.Wait()
	if tab.NumRows() != 26 {
		t.Errorf("%d rows after concurrent appends", tab.NumRows())
	}
	// A reader opened before Close keeps its records.
	splits, _ = tab.Splits()
	rr, err := splits[0].Open(t.Context(), mem, ScanOptions{})
	if err != nil {
		t.Fatal(err)
	}
	tab.Close()
	tab.Close()
	rec, err := rr.Next()
	if err != nil || rec.Column(0).(*array.Int64).Value(0) != 0 {
		t.Fatalf("after Close: %v", err)
	}
	rec.Release()
	rr.Close()
	if _, err := tab.Splits(); !errors.Is(err, ErrClosed) {
		t.Errorf("Splits after Close: %v", err)
	}
	if _, err := splits[0].Open(t.Context(), mem, ScanOptions{}); !errors.Is(err, ErrClosed) {
		t.Errorf("Open after Close: %v", err)
	}
}

// fixedSplits is a table whose Splits returns a fixed list.
type fixedSplits struct {
	Table
	splits []Split
}

func (f *fixedSplits) Splits() ([]Split, error) { return f.splits, nil }

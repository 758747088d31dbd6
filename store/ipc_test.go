package store

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unsafe"

	"github.com/apache/arrow/go/v15/arrow"
	"github.com/apache/arrow/go/v15/arrow/array"
	"github.com/apache/arrow/go/v15/arrow/decimal128"
	"github.com/apache/arrow/go/v15/arrow/ipc"
	"github.com/apache/arrow/go/v15/arrow/memory"
)

var ipcSchema = arrow.NewSchema([]arrow.Field{
	{Name: "id", Type: arrow.PrimitiveTypes.Int64},
	{Name: "price", Type: &arrow.Decimal128Type{Precision: 15, Scale: 2}, Nullable: true},
	{Name: "day", Type: arrow.FixedWidthTypes.Date32, Nullable: true},
	{Name: "name", Type: arrow.BinaryTypes.String, Nullable: true},
	{Name: "ok", Type: arrow.FixedWidthTypes.Boolean, Nullable: true},
	{Name: "tags", Type: arrow.ListOf(arrow.BinaryTypes.String), Nullable: true},
	{Name: "pt", Type: arrow.StructOf(arrow.Field{Name: "x", Type: arrow.PrimitiveTypes.Float64, Nullable: true}), Nullable: true},
}, nil)

// ipcRecord builds batch b of n rows; row i of batch b has id 1000b+i and
// a null price, day, name and ok every 7th row.
func ipcRecord(mem memory.Allocator, b, n int) arrow.Record {
	rb := array.NewRecordBuilder(mem, ipcSchema)
	defer rb.Release()
	for i := 0; i < n; i++ {
		id := int64(1000*b + i)
		rb.Field(0).(*array.Int64Builder).Append(id)
		if i%7 == 3 {
			for f := 1; f <= 6; f++ {
				rb.Field(f).AppendNull()
			}
			continue
		}
		rb.Field(1).(*array.Decimal128Builder).Append(decimal128.FromI64(id * 3))
		rb.Field(2).(*array.Date32Builder).Append(arrow.Date32(9000 + id))
		rb.Field(3).(*array.StringBuilder).Append(fmt.Sprintf("name-%d", id))
		rb.Field(4).(*array.BooleanBuilder).Append(id%2 == 0)
		lb := rb.Field(5).(*array.ListBuilder)
		lb.Append(true)
		for k := 0; k < int(id%3); k++ {
			lb.ValueBuilder().(*array.StringBuilder).Append(fmt.Sprintf("t%d", k))
		}
		sb := rb.Field(6).(*array.StructBuilder)
		sb.Append(true)
		sb.FieldBuilder(0).(*array.Float64Builder).Append(float64(id) / 2)
	}
	return rb.NewRecord()
}

// writeIPC writes batches of the given sizes and returns the expected rows
// as text.
func writeIPC(t testing.TB, path string, sizes []int, opts ...ipc.Option) []string {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	w, err := ipc.NewFileWriter(f, append([]ipc.Option{ipc.WithSchema(ipcSchema)}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	var want []string
	for b, n := range sizes {
		rec := ipcRecord(memory.DefaultAllocator, b, n)
		want = append(want, recordText(rec)...)
		if err := w.Write(rec); err != nil {
			t.Fatal(err)
		}
		rec.Release()
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return want
}

func recordText(rec arrow.Record) []string {
	out := make([]string, rec.NumRows())
	for i := range out {
		var parts []string
		for c := 0; c < int(rec.NumCols()); c++ {
			parts = append(parts, rec.Column(c).ValueStr(i))
		}
		out[i] = strings.Join(parts, "|")
	}
	return out
}

// scanText reads all splits and returns rows as text.
func scanText(t testing.TB, tab Table, mem memory.Allocator, opts ScanOptions) []string {
	t.Helper()
	splits, err := tab.Splits()
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, s := range splits {
		rr, err := s.Open(context.Background(), mem, opts)
		if err != nil {
			t.Fatal(err)
		}
		for {
			rec, err := rr.Next()
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatal(err)
			}
			if opts.BatchSize > 0 && rec.NumRows() > int64(opts.BatchSize) {
				t.Errorf("batch of %d rows, batch size %d", rec.NumRows(), opts.BatchSize)
			}
			out = append(out, recordText(rec)...)
			rec.Release()
		}
		if rec, err := rr.Next(); rec != nil || err != io.EOF {
			t.Fatalf("Next after EOF: %v %v", rec, err)
		}
		rr.Close()
		rr.Close()
	}
	return out
}

func TestIPCRoundTripZeroCopy(t *testing.T) {
	path := filepath.Join(t.TempDir(), "t.arrow")
	want := writeIPC(t, path, []int{100, 0, 37, 250, 1})
	tab, err := OpenIPC(path, IPCOptions{RowsPerSplit: 120})
	if err != nil {
		t.Fatal(err)
	}
	if zc, why := tab.ZeroCopy(); !zc {
		t.Fatalf("not zero-copy: %s", why)
	}
	if st := tab.Stats(); st.Rows != 388 || st.Columns[1].NullCount != int64(len(want)-countNonNull(want)) {
		t.Errorf("stats: %d rows, %d nulls in price", st.Rows, st.Columns[1].NullCount)
	}
	splits, _ := tab.Splits()
	if len(splits) != 3 { // [100,0,37] [250] [1]
		t.Errorf("%d splits, want 3", len(splits))
	}
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	for _, bs := range []int{0, 7, 1000} {
		got := scanText(t, tab, mem, ScanOptions{BatchSize: bs})
		if strings.Join(got, "\n") != strings.Join(want, "\n") {
			t.Fatalf("batch %d: rows differ:\n%s\nwant\n%s", bs, head(got), head(want))
		}
	}
	// Projection, reordered.
	got := scanText(t, tab, mem, ScanOptions{Columns: []int{3, 0}})
	if len(got) != len(want) || got[1] != "name-1|1" {
		t.Errorf("projection: %d rows, row 1 %q", len(got), got[1])
	}

	// Zero copy: while records are held, the caller's allocator has
	// handed out nothing and every buffer lies inside the mapping.
	rr, err := splits[2].Open(context.Background(), mem, ScanOptions{})
	if err != nil {
		t.Fatal(err)
	}
	rr.Close()
	rr, err = splits[1].Open(context.Background(), mem, ScanOptions{})
	if err != nil {
		t.Fatal(err)
	}
	rec, err := rr.Next()
	if err != nil {
		t.Fatal(err)
	}
	if mem.CurrentAlloc() != 0 {
		t.Errorf("reading allocated %d bytes from the caller's allocator", mem.CurrentAlloc())
	}
	for c, col := range rec.Columns() {
		for b, buf := range allBuffers(col.Data()) {
			if !tab.m.owns(buf.Bytes()) {
				t.Errorf("column %d buffer %d is not in the mapping", c, b)
			}
		}
	}
	// Lifetime: the record outlives the reader and the table.
	rr.Close()
	tab.Close()
	tab.Close()
	if tab.m.unmapped.Load() {
		t.Fatal("unmapped while a record still points into the mapping")
	}
	if s := rec.Column(3).(*array.String).Value(0); s != "name-3000" {
		t.Errorf("after Close: %q", s)
	}
	rec.Release()
	if !tab.m.unmapped.Load() || tab.m.refs.Load() != 0 {
		t.Errorf("not unmapped after the last release (refs %d)", tab.m.refs.Load())
	}
	if _, err := splits[0].Open(context.Background(), mem, ScanOptions{}); !errors.Is(err, ErrClosed) {
		t.Errorf("Open after Close: %v", err)
	}
}

func countNonNull(rows []string) int {
	n := 0
	for _, r := range rows {
		if strings.Split(r, "|")[1] != "(null)" {
			n++
		}
	}
	return n
}

func head(rows []string) string {
	if len(rows) > 5 {
		rows = rows[:5]
	}
	return strings.Join(rows, "\n")
}

func allBuffers(d arrow.ArrayData) []*memory.Buffer {
	var out []*memory.Buffer
	for _, b := range d.Buffers() {
		if b != nil && b.Len() > 0 {
			out = append(out, b)
		}
	}
	for _, c := range d.Children() {
		out = append(out, allBuffers(c)...)
	}
	return out
}

var _ = unsafe.Pointer(nil)

func TestIPCCopyingFallback(t *testing.T) {
	path := filepath.Join(t.TempDir(), "lz4.arrow")
	want := writeIPC(t, path, []int{50, 20}, ipc.WithLZ4())
	tab, err := OpenIPC(path, IPCOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer tab.Close()
	if zc, why := tab.ZeroCopy(); zc || !strings.Contains(why, "compressed") {
		t.Errorf("ZeroCopy() = %v, %q", zc, why)
	}
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	got := scanText(t, tab, mem, ScanOptions{BatchSize: 16})
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("rows differ:\n%s\nwant\n%s", head(got), head(want))
	}
}

func TestIPCMissingAndCorrupt(t *testing.T) {
	dir := t.TempDir()
	if _, err := OpenIPC(filepath.Join(dir, "none.arrow"), IPCOptions{}); !errors.Is(err, ErrNotFound) {
		t.Errorf("missing: %v", err)
	}
	good := filepath.Join(dir, "good.arrow")
	writeIPC(t, good, []int{100, 100})
	src, _ := os.ReadFile(good)
	cases := map[string][]byte{
		"empty.arrow":     nil,
		"text.arrow":      []byte("hello, this is not arrow at all............"),
		"truncated.arrow": src[:len(src)*2/3],
		"footer.arrow":    garble(src, len(src)-120, len(src)-10),
	}
	for name, data := range cases {
		p := filepath.Join(dir, name)
		os.WriteFile(p, data, 0o644)
		tab, err := OpenIPC(p, IPCOptions{})
		if err == nil {
			tab.Close()
		}
		if !errors.Is(err, ErrCorrupt) || !strings.Contains(err.Error(), name) {
			t.Errorf("%s: %v, want ErrCorrupt naming the file", name, err)
		}
	}
	// Garbled metadata and bodies: never a panic, never a leak; either an
	// ErrCorrupt or (for bytes inside column values) different data.
	for from := 8; from < len(src)-16; from += 24 {
		p := filepath.Join(dir, "g.arrow")
		os.WriteFile(p, garble(src, from, from+16), 0o644)
		tab, err := OpenIPC(p, IPCOptions{})
		if err != nil {
			if !errors.Is(err, ErrCorrupt) {
				t.Fatalf("garbled at %d: %v", from, err)
			}
			continue
		}
		mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
		if err := scanErr(tab, mem); err != nil && !errors.Is(err, ErrCorrupt) {
			t.Fatalf("garbled at %d: read error %v", from, err)
		}
		tab.Close()
		mem.AssertSize(t, 0)
		if !tab.m.unmapped.Load() {
			t.Fatalf("garbled at %d: mapping leaked (refs %d)", from, tab.m.refs.Load())
		}
	}
}

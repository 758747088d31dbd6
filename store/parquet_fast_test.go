package store

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/apache/arrow/go/v15/arrow"
	"github.com/apache/arrow/go/v15/arrow/array"
	"github.com/apache/arrow/go/v15/arrow/decimal128"
	"github.com/apache/arrow/go/v15/arrow/memory"
	"github.com/apache/arrow/go/v15/arrow/scalar"
	"github.com/apache/arrow/go/v15/parquet"
	"github.com/apache/arrow/go/v15/parquet/compress"
	"github.com/apache/arrow/go/v15/parquet/pqarrow"
)

// readSplitColumns reads one split with opts and returns each output
// column concatenated over all batches.
func readSplitColumns(t testing.TB, s Split, mem memory.Allocator, opts ScanOptions) []arrow.Array {
	t.Helper()
	rr, err := s.Open(context.Background(), mem, opts)
	if err != nil {
		t.Fatalf("%s: %v", s.Describe(), err)
	}
	defer rr.Close()
	parts := make([][]arrow.Array, rr.Schema().NumFields())
	var recs []arrow.Record
	defer func() {
		for _, r := range recs {
			r.Release()
		}
	}()
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
		if opts.BatchSize > 0 && rec.NumRows() > int64(opts.BatchSize) {
			t.Fatalf("batch of %d rows, asked for %d", rec.NumRows(), opts.BatchSize)
		}
		recs = append(recs, rec)
		for i, c := range rec.Columns() {
			parts[i] = append(parts[i], c)
		}
	}
	out := make([]arrow.Array, len(parts))
	for i, p := range parts {
		if len(p) == 0 {
			out[i] = array.MakeArrayOfNull(mem, rr.Schema().Field(i).Type, 0)
			continue
		}
		a, err := array.Concatenate(p, mem)
		if err != nil {
			t.Fatal(err)
		}
		out[i] = a
	}
	return out
}

// compareFastWithPQArrow reads every split of the Parquet table at path
// through the fast path and through pqarrow alone and requires identical
// columns. It returns how many columns the fast path decoded.
func compareFastWithPQArrow(t *testing.T, path string, cols []int, batchSizes ...int) int {
	t.Helper()
	return compareWithPQArrow(t, path, ParquetOptions{}, cols, false, batchSizes...)
}

// compareFastWithPQArrowLeaky is compareFastWithPQArrow that, when
// pqarrowLeaks, skips the leak check: pqarrow v15's DELTA_BINARY_PACKED
// decoder allocates block buffers from the reader's allocator and never
// frees them.
func compareFastWithPQArrowLeaky(t *testing.T, path string, cols []int, pqarrowLeaks bool, batchSizes ...int) int {
	t.Helper()
	return compareWithPQArrow(t, path, ParquetOptions{}, cols, pqarrowLeaks, batchSizes...)
}

// compareWithPQArrow reads path with fastOpts and with pqarrow alone.
func compareWithPQArrow(t *testing.T, path string, fastOpts ParquetOptions, cols []int, pqarrowLeaks bool, batchSizes ...int) int {
	t.Helper()
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	if !pqarrowLeaks {
		defer mem.AssertSize(t, 0)
	}
	fast, err := OpenParquet(path, fastOpts)
	if err != nil {
		t.Fatal(err)
	}
	slow, err := OpenParquet(path, ParquetOptions{DisableFastDecode: true})
	if err != nil {
		t.Fatal(err)
	}
	fs, _ := fast.Splits()
	ss, _ := slow.Splits()
	nfast := 0
	for i := range fs {
		plan := fs[i].(*parquetSplit).planFast(cols)
		nfast = max(nfast, len(plan.fastCols))
		for _, bs := range batchSizes {
			opts := ScanOptions{Columns: cols, BatchSize: bs}
			a := readSplitColumns(t, fs[i], mem, opts)
			b := readSplitColumns(t, ss[i], mem, opts)
			for c := range a {
				name := fast.Schema().Field(c).Name
				if cols != nil {
					name = fast.Schema().Field(cols[c]).Name
				}
				if !arrow.TypeEqual(a[c].DataType(), b[c].DataType()) || a[c].Len() != b[c].Len() || a[c].NullN() != b[c].NullN() || !array.Equal(a[c], b[c]) {
					t.Errorf("%s batch %d column %s: fast path and pqarrow differ at row %d:\nfast    %s\npqarrow %s",
						fs[i].Describe(), bs, name, firstDiff(a[c], b[c]), clip(a[c]), clip(b[c]))
				}
			}
			for c := range a {
				a[c].Release()
				b[c].Release()
			}
		}
	}
	return nfast
}

func firstDiff(a, b arrow.Array) int {
	n := min(a.Len(), b.Len())
	for i := 0; i < n; i++ {
		if !array.SliceEqual(a, int64(i), int64(i+1), b, int64(i), int64(i+1)) {
			return i
		}
	}
	return n
}

func clip(a arrow.Array) string {
	s := a.String()
	if len(s) > 300 {
		s = s[:300] + "..."
	}
	return s
}

func TestParquetFastScanMatchesPQArrowTPCH(t *testing.T) {
	for name := range tpchRows {
		t.Run(name, func(t *testing.T) {
			path := filepath.Join(tpchDir, name+".parquet")
			n := compareFastWithPQArrow(t, path, nil, 1000, 4096)
			compareWithPQArrow(t, path, ParquetOptions{ParallelColumns: true}, nil, false, 777)
			tab, err := OpenParquet(path, ParquetOptions{})
			if err != nil {
				t.Fatal(err)
			}
			// Every TPC-H column is flat and of a supported type.
			if n != tab.Schema().NumFields() {
				t.Errorf("fast path decodes %d of %d columns", n, tab.Schema().NumFields())
			}
		})
	}
}

// syntheticSchema covers every type the fast path reads, nullable and
// required, next to types it leaves to pqarrow.
var syntheticSchema = arrow.NewSchema([]arrow.Field{
	{Name: "i32", Type: arrow.PrimitiveTypes.Int32, Nullable: true},
	{Name: "i64", Type: arrow.PrimitiveTypes.Int64},
	{Name: "date", Type: arrow.FixedWidthTypes.Date32, Nullable: true},
	{Name: "f32", Type: arrow.PrimitiveTypes.Float32, Nullable: true},
	{Name: "f64", Type: arrow.PrimitiveTypes.Float64},
	{Name: "dec", Type: &arrow.Decimal128Type{Precision: 15, Scale: 2}, Nullable: true},
	{Name: "dec9", Type: &arrow.Decimal128Type{Precision: 9, Scale: 2}, Nullable: true},
	{Name: "dec38", Type: &arrow.Decimal128Type{Precision: 38, Scale: 10}, Nullable: true},
	{Name: "word", Type: arrow.BinaryTypes.String, Nullable: true},
	{Name: "text", Type: arrow.BinaryTypes.String, Nullable: true},
	{Name: "flag", Type: arrow.BinaryTypes.String},
	{Name: "bin", Type: arrow.BinaryTypes.Binary, Nullable: true},
	{Name: "nulls", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
	{Name: "bool", Type: arrow.FixedWidthTypes.Boolean, Nullable: true},
	{Name: "list", Type: arrow.ListOf(arrow.PrimitiveTypes.Int32), Nullable: true},
}, nil)

// syntheticFastColumns is how many of syntheticSchema's columns the fast
// path reads when every chunk uses plain or dictionary encoding.
const syntheticFastColumns = 13

func syntheticRecord(mem memory.Allocator, rows int, seed uint64) arrow.Record {
	r := rand.New(rand.NewPCG(seed, 7))
	b := array.NewRecordBuilder(mem, syntheticSchema)
	defer b.Release()
	words := []string{"", "AIR", "MAIL", "TRUCK", "REG AIR", "né"}
	null := func(p float64) bool { return r.Float64() < p }
	for i := 0; i < rows; i++ {
		if null(0.1) {
			b.Field(0).AppendNull()
		} else {
			b.Field(0).(*array.Int32Builder).Append(int32(r.Uint32()))
		}
		b.Field(1).(*array.Int64Builder).Append(r.Int64N(1000) - 500)
		if null(0.3) {
			b.Field(2).AppendNull()
		} else {
			b.Field(2).(*array.Date32Builder).Append(arrow.Date32(8000 + r.IntN(2500)))
		}
		if null(0.05) {
			b.Field(3).AppendNull()
		} else {
			b.Field(3).(*array.Float32Builder).Append(r.Float32()*100 - 50)
		}
		b.Field(4).(*array.Float64Builder).Append(float64(r.IntN(20)) / 4)
		if null(0.1) {
			b.Field(5).AppendNull()
		} else {
			b.Field(5).(*array.Decimal128Builder).Append(decimal128.FromI64(r.Int64N(2e14) - 1e14))
		}
		if null(0.5) {
			b.Field(6).AppendNull()
		} else {
			b.Field(6).(*array.Decimal128Builder).Append(decimal128.FromI64(int64(r.IntN(11)) - 5))
		}
		if null(0.1) {
			b.Field(7).AppendNull()
		} else {
			v := decimal128.New(r.Int64N(1<<40)-1<<39, r.Uint64())
			b.Field(7).(*array.Decimal128Builder).Append(v)
		}
		if null(0.2) {
			b.Field(8).AppendNull()
		} else {
			b.Field(8).(*array.StringBuilder).Append(words[r.IntN(len(words))])
		}
		if null(0.1) {
			b.Field(9).AppendNull()
		} else {
			n := r.IntN(40)
			s := make([]byte, n)
			for j := range s {
				s[j] = byte('a' + r.IntN(26))
			}
			b.Field(9).(*array.StringBuilder).Append(string(s))
		}
		b.Field(10).(*array.StringBuilder).Append(string(rune('A' + r.IntN(3))))
		if null(0.1) {
			b.Field(11).AppendNull()
		} else {
			b.Field(11).(*array.BinaryBuilder).Append([]byte{byte(r.IntN(4)), 0, byte(r.IntN(256))})
		}
		b.Field(12).AppendNull()
		if null(0.1) {
			b.Field(13).AppendNull()
		} else {
			b.Field(13).(*array.BooleanBuilder).Append(r.IntN(2) == 0)
		}
		lb := b.Field(14).(*array.ListBuilder)
		if null(0.1) {
			lb.AppendNull()
		} else {
			lb.Append(true)
			for j := r.IntN(3); j > 0; j-- {
				lb.ValueBuilder().(*array.Int32Builder).Append(int32(j))
			}
		}
	}
	return b.NewRecord()
}

// writeSynthetic writes rows of syntheticRecord to a Parquet file with
// row groups of rowGroup rows.
func writeSynthetic(t testing.TB, path string, rows, rowGroup int, props ...parquet.WriterProperty) {
	t.Helper()
	rec := syntheticRecord(memory.DefaultAllocator, rows, 42)
	defer rec.Release()
	tbl := array.NewTableFromRecords(syntheticSchema, []arrow.Record{rec})
	defer tbl.Release()
	var buf bytes.Buffer
	if err := pqarrow.WriteTable(tbl, &buf, int64(rowGroup), parquet.NewWriterProperties(props...), pqarrow.DefaultWriterProps()); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

var syntheticVariants = []struct {
	name  string
	fast  int  // columns on the fast path
	leaky bool // pqarrow leaks reading this file (see compareFastWithPQArrowLeaky)
	props []parquet.WriterProperty
}{
	{"dict-snappy", syntheticFastColumns, false, []parquet.WriterProperty{parquet.WithCompression(compress.Codecs.Snappy)}},
	{"plain-zstd-small-pages", syntheticFastColumns, false, []parquet.WriterProperty{
		parquet.WithDictionaryDefault(false), parquet.WithCompression(compress.Codecs.Zstd), parquet.WithDataPageSize(256), parquet.WithBatchSize(64)}},
	{"dict-overflow-uncompressed-v2", syntheticFastColumns, false, []parquet.WriterProperty{
		parquet.WithDictionaryPageSizeLimit(300), parquet.WithDataPageSize(512), parquet.WithBatchSize(100),
		parquet.WithDataPageVersion(parquet.DataPageV2), parquet.WithCompression(compress.Codecs.Uncompressed)}},
	{"decimals-as-integers-v2-snappy", syntheticFastColumns, false, []parquet.WriterProperty{
		parquet.WithStoreDecimalAsInteger(true), parquet.WithDataPageVersion(parquet.DataPageV2),
		parquet.WithCompression(compress.Codecs.Snappy), parquet.WithDataPageSize(1024), parquet.WithBatchSize(128)}},
	{"delta-falls-back", syntheticFastColumns - 1, true, []parquet.WriterProperty{
		parquet.WithDictionaryFor("i32", false), parquet.WithEncodingFor("i32", parquet.Encodings.DeltaBinaryPacked)}},
}

func TestParquetFastScanMatchesPQArrowSynthetic(t *testing.T) {
	for _, v := range syntheticVariants {
		t.Run(v.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "synthetic.parquet")
			writeSynthetic(t, path, 5000, 1500, v.props...)
			if n := compareFastWithPQArrowLeaky(t, path, nil, v.leaky, 7, 1000, 4096); n != v.fast {
				t.Errorf("fast path decodes %d columns, want %d", n, v.fast)
			}
			// A projection mixing fast and pqarrow columns, out of
			// order, with duplicates.
			compareFastWithPQArrowLeaky(t, path, []int{9, 13, 0, 9, 14, 5, 10}, v.leaky, 333)
		})
	}
}

// TestParquetFastPathUsed guards the equivalence tests against passing
// because everything silently went through pqarrow.
func TestParquetFastScanPathUsed(t *testing.T) {
	tab, err := OpenParquet(filepath.Join(tpchDir, "lineitem.parquet"), ParquetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	splits, _ := tab.Splits()
	rr, err := splits[0].Open(context.Background(), memory.DefaultAllocator, ScanOptions{Columns: q1Projection(t, tab.Schema())})
	if err != nil {
		t.Fatal(err)
	}
	defer rr.Close()
	h, ok := rr.(*hybridReader)
	if !ok || len(h.fast) != len(q1Columns) || h.slow != nil {
		t.Fatalf("Q1 columns not all on the fast path: %T", rr)
	}
	off, _ := OpenParquet(filepath.Join(tpchDir, "lineitem.parquet"), ParquetOptions{DisableFastDecode: true})
	splits, _ = off.Splits()
	rr2, err := splits[0].Open(context.Background(), memory.DefaultAllocator, ScanOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer rr2.Close()
	if _, ok := rr2.(*parquetReader); !ok {
		t.Fatalf("DisableFastDecode still opened %T", rr2)
	}
}

// TestParquetFastGarbled garbles the data pages of uncompressed files (no
// codec to catch the damage) in many places: every read must either
// return all the rows or fail with ErrCorrupt naming the file, never
// panic or lose rows silently.
func TestParquetFastScanGarbled(t *testing.T) {
	dir := t.TempDir()
	src := filepath.Join(dir, "src.parquet")
	writeSynthetic(t, src, 3000, 1000, parquet.WithCompression(compress.Codecs.Uncompressed),
		parquet.WithDataPageSize(2048), parquet.WithDictionaryPageSizeLimit(2000))
	data, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	// The columns' bytes lie between the magic and the footer.
	cols := make([]int, 0, syntheticFastColumns)
	for i := 0; i < syntheticFastColumns; i++ {
		cols = append(cols, i)
	}
	footer := len(data) - 8 - int(binary.LittleEndian.Uint32(data[len(data)-8:]))
	r := rand.New(rand.NewPCG(1, 2))
	failures := 0
	for trial := 0; trial < 200; trial++ {
		from := 4 + r.IntN(footer-4)
		to := min(footer, from+1+r.IntN(16))
		bad := garbleSeeded(data, from, to, uint32(trial+1))
		p := filepath.Join(dir, fmt.Sprintf("g%03d.parquet", trial))
		if err := os.WriteFile(p, bad, 0o644); err != nil {
			t.Fatal(err)
		}
		gt, err := OpenParquet(p, ParquetOptions{})
		if err != nil {
			if !errors.Is(err, ErrCorrupt) {
				t.Fatalf("trial %d: open error %v is not ErrCorrupt", trial, err)
			}
			continue
		}
		mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
		rows, err := scanRows(gt, mem, ScanOptions{Columns: cols, BatchSize: 700})
		mem.AssertSize(t, 0)
		if err != nil {
			failures++
			if !errors.Is(err, ErrCorrupt) || !strings.Contains(err.Error(), filepath.Base(p)) {
				t.Errorf("trial %d: %v, want ErrCorrupt naming the file", trial, err)
			}
			continue
		}
		if rows != 3000 {
			t.Errorf("trial %d: read %d rows without an error, want 3000", trial, rows)
		}
		os.Remove(p)
	}
	if failures == 0 {
		t.Errorf("no garbled file failed to read: the test garbles nothing that matters")
	}
}

func garbleSeeded(b []byte, from, to int, x uint32) []byte {
	out := append([]byte(nil), b...)
	for i := from; i < to; i++ {
		x ^= x << 13
		x ^= x >> 17
		x ^= x << 5
		out[i] = byte(x)
	}
	return out
}

// scanRows reads every split of tab and returns the row count or the first
// error, releasing everything.
func scanRows(tab Table, mem memory.Allocator, opts ScanOptions) (int64, error) {
	splits, err := tab.Splits()
	if err != nil {
		return 0, err
	}
	var rows int64
	for _, s := range splits {
		rr, err := s.Open(context.Background(), mem, opts)
		if err != nil {
			return rows, err
		}
		for {
			rec, err := rr.Next()
			if err == io.EOF {
				break
			}
			if err != nil {
				rr.Close()
				return rows, err
			}
			rows += rec.NumRows()
			rec.Release()
		}
		rr.Close()
	}
	return rows, nil
}

// TestParquetFastPruning checks that row-group pruning still happens
// before the fast path opens anything.
func TestParquetFastScanPruning(t *testing.T) {
	path := filepath.Join(t.TempDir(), "pruned.parquet")
	writeSynthetic(t, path, 4000, 1000)
	tab, err := OpenParquet(path, ParquetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	// f64 is in [0, 4.75]: no row is above 100.
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	pred := Predicate{Column: 4, Op: Gt, Value: scalar.NewFloat64Scalar(100)}
	rows, err := scanRows(tab, mem, ScanOptions{Filters: []Predicate{pred}})
	if err != nil {
		t.Fatal(err)
	}
	read, pruned := tab.RowGroupCounters()
	if rows != 0 || read != 0 || pruned != 4 {
		t.Errorf("rows %d, row groups read %d pruned %d; want 0, 0, 4", rows, read, pruned)
	}
}

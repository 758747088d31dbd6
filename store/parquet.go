package store

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math/big"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync/atomic"

	"github.com/apache/arrow/go/v15/arrow"
	"github.com/apache/arrow/go/v15/arrow/array"
	"github.com/apache/arrow/go/v15/arrow/decimal128"
	"github.com/apache/arrow/go/v15/arrow/memory"
	"github.com/apache/arrow/go/v15/arrow/scalar"
	"github.com/apache/arrow/go/v15/parquet/file"
	"github.com/apache/arrow/go/v15/parquet/metadata"
	"github.com/apache/arrow/go/v15/parquet/pqarrow"
	pqschema "github.com/apache/arrow/go/v15/parquet/schema"
)

// ParquetOptions tune how Parquet files are read.
type ParquetOptions struct {
	// ParallelColumns decodes a batch's columns in parallel goroutines.
	// It helps when few splits run at once on idle cores (one large row
	// group); it costs a goroutine hand-off per column per batch and
	// competes with the engine's own pipelines, which already read
	// splits in parallel, so it is off by default.
	ParallelColumns bool
	// DisableFastDecode reads every column through pqarrow instead of
	// the fast column decoder (see parquet_fast.go): for comparisons and
	// as an escape hatch.
	DisableFastDecode bool
}

// ParquetTable is a Parquet file, or a directory of Parquet files with one
// schema, read as one table. Each row group is a split. Row groups whose
// column statistics prove that no row satisfies the scan's filters are
// skipped, both by [Prune] and when a split is opened.
//
// Records are decoded (Parquet has no zero-copy path) into buffers from the
// allocator given to Open. Flat columns of the common types (int32, int64,
// date32, float32/64, decimal128 from INT32, INT64 or FIXED_LEN_BYTE_ARRAY,
// utf8 and binary) in plain or dictionary encoding are decoded page by page
// by the store's own decoder; other columns go through pqarrow. Decimal columns keep their precision and scale
// (an INT64 DECIMAL(15,2) column reads as decimal128(15,2)), DATE columns
// read as date32, strings as utf8.
//
// A ParquetTable holds only metadata: each opened split opens its own file
// handle, so Close has nothing to free and is there for symmetry.
type ParquetTable struct {
	path   string
	schema *arrow.Schema
	files  []*parquetFile
	stats  TableStats
	opts   ParquetOptions

	rowGroupsRead   atomic.Int64
	rowGroupsPruned atomic.Int64
	distinct        distinctCache
}

var _ Table = (*ParquetTable)(nil)
var _ DistinctEstimator = (*ParquetTable)(nil)

type parquetFile struct {
	path   string
	meta   *metadata.FileMetaData
	leaves [][]int // per arrow field, the Parquet leaf column indices
	size   int64
}

// OpenParquet opens a Parquet file, or a directory whose *.parquet files
// (in name order; names starting with '.' or '_' are skipped) are the
// table's partitions. A missing path is ErrNotFound, an undecodable file
// ErrCorrupt and files with different schemas ErrSchema, each naming the
// file(s).
func OpenParquet(path string, opts ParquetOptions) (*ParquetTable, error) {
	paths, err := listFiles(path, ".parquet")
	if err != nil {
		return nil, err
	}
	t := &ParquetTable{path: path, opts: opts}
	for _, p := range paths {
		f, schema, err := openParquetFile(p)
		if err != nil {
			return nil, err
		}
		if t.schema == nil {
			t.schema = schema
		} else if err := sameSchema(t.schema, schema, t.files[0].path, p); err != nil {
			return nil, err
		}
		t.files = append(t.files, f)
	}
	t.stats = t.computeStats()
	return t, nil
}

// listFiles returns path itself when it is a file, or the files of the
// directory path with the extension ext.
func listFiles(path, ext string) ([]string, error) {
	info, err := os.Stat(path)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("%w: %s", ErrNotFound, path)
		}
		return nil, fmt.Errorf("%w: %v", ErrNotFound, err)
	}
	if !info.IsDir() {
		return []string{path}, nil
	}
	ents, err := os.ReadDir(path)
	if err != nil {
		return nil, fmt.Errorf("%w: reading directory %s: %v", ErrNotFound, path, err)
	}
	var out []string
	for _, e := range ents {
		n := e.Name()
		if e.IsDir() || strings.HasPrefix(n, ".") || strings.HasPrefix(n, "_") || !strings.EqualFold(filepath.Ext(n), ext) {
			continue
		}
		out = append(out, filepath.Join(path, n))
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%w: directory %s holds no %s files", ErrNotFound, path, ext)
	}
	sort.Strings(out)
	return out, nil
}

// sameSchema checks that two partitions of a table agree on names, types
// and order (nullability and metadata may differ).
func sameSchema(a, b *arrow.Schema, fileA, fileB string) error {
	describe := func(s *arrow.Schema) string {
		parts := make([]string, s.NumFields())
		for i, f := range s.Fields() {
			parts[i] = f.Name + " " + f.Type.String()
		}
		return strings.Join(parts, ", ")
	}
	if a.NumFields() != b.NumFields() {
		return fmt.Errorf("%w: %s has %d columns (%s) but %s has %d (%s)", ErrSchema, fileA, a.NumFields(), describe(a), fileB, b.NumFields(), describe(b))
	}
	for i := range a.Fields() {
		fa, fb := a.Field(i), b.Field(i)
		if fa.Name != fb.Name || !arrow.TypeEqual(fa.Type, fb.Type) {
			return fmt.Errorf("%w: column %d is %s %s in %s but %s %s in %s", ErrSchema, i, fa.Name, fa.Type, fileA, fb.Name, fb.Type, fileB)
		}
	}
	return nil
}

func openParquetFile(path string) (pf *parquetFile, schema *arrow.Schema, err error) {
	defer recoverCorrupt(path, &err)
	info, err := os.Stat(path)
	if err != nil {
		return nil, nil, fmt.Errorf("%w: %s", ErrNotFound, path)
	}
	rdr, err := file.OpenParquetFile(path, false)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, nil, fmt.Errorf("%w: %s", ErrNotFound, path)
		}
		return nil, nil, fmt.Errorf("%w: %s: %v", ErrCorrupt, path, err)
	}
	defer rdr.Close()
	fr, err := pqarrow.NewFileReader(rdr, pqarrow.ArrowReadProperties{}, memory.DefaultAllocator)
	if err != nil {
		return nil, nil, fmt.Errorf("%w: %s: %v", ErrCorrupt, path, err)
	}
	schema, err = fr.Schema()
	if err != nil {
		return nil, nil, fmt.Errorf("%w: %s: mapping the Parquet schema to Arrow: %v", ErrCorrupt, path, err)
	}
	pf = &parquetFile{path: path, meta: rdr.MetaData(), size: info.Size()}
	// Each top-level field's leaf columns, from the Parquet schema (the
	// manifest's leaf indices of nested fields are not reliable in v15:
	// a list's element leaf reports column 0).
	root := pf.meta.Schema.Root()
	if root.NumFields() != len(fr.Manifest.Fields) || root.NumFields() != schema.NumFields() {
		return nil, nil, fmt.Errorf("%w: %s: %d top-level Parquet fields for %d Arrow fields", ErrCorrupt, path, root.NumFields(), schema.NumFields())
	}
	top := make(map[pqschema.Node]int, root.NumFields())
	for i := 0; i < root.NumFields(); i++ {
		top[root.Field(i)] = i
	}
	pf.leaves = make([][]int, root.NumFields())
	for c := 0; c < pf.meta.Schema.NumColumns(); c++ {
		f, ok := top[pf.meta.Schema.ColumnRoot(c)]
		if !ok {
			return nil, nil, fmt.Errorf("%w: %s: leaf column %d has no top-level field", ErrCorrupt, path, c)
		}
		pf.leaves[f] = append(pf.leaves[f], c)
	}
	// Touch every row group's metadata now, so a garbled footer fails at
	// open time rather than in the middle of a query.
	for rg := 0; rg < rdr.NumRowGroups(); rg++ {
		rgm := pf.meta.RowGroup(rg)
		for c := 0; c < rgm.NumColumns(); c++ {
			if _, err := rgm.ColumnChunk(c); err != nil {
				return nil, nil, fmt.Errorf("%w: %s: row group %d column %d: %v", ErrCorrupt, path, rg, c, err)
			}
		}
	}
	return pf, schema, nil
}

// Schema implements Table.
func (t *ParquetTable) Schema() *arrow.Schema { return t.schema }

// Stats implements Table: exact row counts, on-disk bytes, and per column
// the min, max and null count merged over all row groups where every row
// group has them.
func (t *ParquetTable) Stats() TableStats { return t.stats }

// Close implements io.Closer; a ParquetTable holds no open resources.
func (t *ParquetTable) Close() error { return nil }

// Files lists the table's files, in split order.
func (t *ParquetTable) Files() []string {
	out := make([]string, len(t.files))
	for i, f := range t.files {
		out[i] = f.path
	}
	return out
}

// RowGroupCounters reports how many row groups opened splits have read and
// how many they skipped because of their statistics, since the table was
// opened: what EXPLAIN ANALYZE shows and tests check pruning with.
func (t *ParquetTable) RowGroupCounters() (read, pruned int64) {
	return t.rowGroupsRead.Load(), t.rowGroupsPruned.Load()
}

// Splits implements Table: one split per row group.
func (t *ParquetTable) Splits() ([]Split, error) {
	var out []Split
	for _, f := range t.files {
		for rg := 0; rg < len(f.meta.RowGroups); rg++ {
			out = append(out, &parquetSplit{t: t, f: f, rg: rg})
		}
	}
	return out, nil
}

func (t *ParquetTable) computeStats() TableStats {
	st := TableStats{Columns: unknownColumnStats(t.schema.NumFields())}
	for c := range st.Columns {
		st.Columns[c].NullCount = 0
	}
	known := make([]bool, len(st.Columns)) // min/max known so far
	for c := range known {
		known[c] = true
	}
	first := true
	for _, f := range t.files {
		st.Rows += f.meta.NumRows
		st.Bytes += f.size
		for rg := 0; rg < len(f.meta.RowGroups); rg++ {
			cs := f.rowGroupStats(rg, t.schema)
			for c := range st.Columns {
				cur := &st.Columns[c]
				if cs[c].NullCount < 0 || cur.NullCount < 0 {
					cur.NullCount = -1
				} else {
					cur.NullCount += cs[c].NullCount
				}
				if !known[c] {
					continue
				}
				if cs[c].Min == nil || cs[c].Max == nil {
					known[c], cur.Min, cur.Max = false, nil, nil
					continue
				}
				if first {
					cur.Min, cur.Max = cs[c].Min, cs[c].Max
					continue
				}
				if cmp, ok := compareScalars(cs[c].Min, cur.Min); ok && cmp < 0 {
					cur.Min = cs[c].Min
				} else if !ok {
					known[c], cur.Min, cur.Max = false, nil, nil
					continue
				}
				if cmp, ok := compareScalars(cs[c].Max, cur.Max); ok && cmp > 0 {
					cur.Max = cs[c].Max
				}
			}
			first = false
		}
	}
	if first { // no row groups at all
		for c := range st.Columns {
			st.Columns[c].Min, st.Columns[c].Max = nil, nil
		}
	}
	return st
}

// rowGroupStats returns the statistics of row group rg for each field of
// schema; nested fields (several leaves) get unknown stats.
func (f *parquetFile) rowGroupStats(rg int, schema *arrow.Schema) []ColumnStats {
	out := unknownColumnStats(schema.NumFields())
	rgm := f.meta.RowGroup(rg)
	for c := range out {
		if len(f.leaves[c]) != 1 {
			continue
		}
		cc, err := rgm.ColumnChunk(f.leaves[c][0])
		if err != nil {
			continue
		}
		if ok, err := cc.StatsSet(); !ok || err != nil {
			continue
		}
		ts, err := cc.Statistics()
		if err != nil || ts == nil {
			continue
		}
		if ts.HasNullCount() {
			out[c].NullCount = ts.NullCount()
		}
		if ts.HasDistinctCount() {
			out[c].DistinctCount = ts.DistinctCount()
		}
		if ts.HasMinMax() {
			out[c].Min, out[c].Max = statsScalars(ts, schema.Field(c).Type)
		}
	}
	return out
}

// statsScalars converts Parquet min/max statistics to Arrow scalars of the
// column's Arrow type, or nils when the pair has no safe conversion.
func statsScalars(ts metadata.TypedStatistics, dt arrow.DataType) (lo, hi scalar.Scalar) {
	conv := func(v int64) scalar.Scalar {
		switch dt := dt.(type) {
		case *arrow.Int8Type:
			return scalar.NewInt8Scalar(int8(v))
		case *arrow.Int16Type:
			return scalar.NewInt16Scalar(int16(v))
		case *arrow.Int32Type:
			return scalar.NewInt32Scalar(int32(v))
		case *arrow.Int64Type:
			return scalar.NewInt64Scalar(v)
		case *arrow.Date32Type:
			return scalar.NewDate32Scalar(arrow.Date32(v))
		case *arrow.Decimal128Type:
			return scalar.NewDecimal128Scalar(decimal128.FromI64(v), dt)
		case *arrow.TimestampType:
			return scalar.NewTimestampScalar(arrow.Timestamp(v), dt)
		}
		return nil
	}
	fromBytes := func(b []byte) scalar.Scalar {
		switch dt := dt.(type) {
		case *arrow.StringType:
			return scalar.NewStringScalar(string(b))
		case *arrow.LargeStringType:
			return scalar.NewLargeStringScalar(string(b))
		case *arrow.BinaryType:
			return scalar.NewBinaryScalar(memory.NewBufferBytes(append([]byte(nil), b...)), dt)
		case *arrow.Decimal128Type:
			if len(b) == 0 || len(b) > 16 {
				return nil
			}
			n := new(big.Int).SetBytes(b)
			if b[0]&0x80 != 0 { // two's complement, big-endian
				n.Sub(n, new(big.Int).Lsh(big.NewInt(1), uint(8*len(b))))
			}
			return scalar.NewDecimal128Scalar(decimal128.FromBigInt(n), dt)
		}
		return nil
	}
	pair := func(a, b scalar.Scalar) (scalar.Scalar, scalar.Scalar) {
		if a == nil || b == nil {
			return nil, nil
		}
		return a, b
	}
	switch s := ts.(type) {
	case *metadata.Int32Statistics:
		if _, unsigned := dt.(*arrow.Uint32Type); unsigned {
			return nil, nil
		}
		return pair(conv(int64(s.Min())), conv(int64(s.Max())))
	case *metadata.Int64Statistics:
		return pair(conv(s.Min()), conv(s.Max()))
	case *metadata.Float32Statistics:
		return pair(scalar.NewFloat32Scalar(s.Min()), scalar.NewFloat32Scalar(s.Max()))
	case *metadata.Float64Statistics:
		return pair(scalar.NewFloat64Scalar(s.Min()), scalar.NewFloat64Scalar(s.Max()))
	case *metadata.BooleanStatistics:
		return pair(scalar.NewBooleanScalar(s.Min()), scalar.NewBooleanScalar(s.Max()))
	case *metadata.ByteArrayStatistics:
		return pair(fromBytes(s.Min()), fromBytes(s.Max()))
	case *metadata.FixedLenByteArrayStatistics:
		if _, ok := dt.(*arrow.Decimal128Type); ok {
			return pair(fromBytes(s.Min()), fromBytes(s.Max()))
		}
	}
	return nil, nil
}

// Prune drops the splits that can prove, from their statistics, that no
// row satisfies filters (Parquet row groups); other splits are kept. It is
// what a planner calls before dividing splits among workers; opening a
// split prunes again, so calling Prune is optional.
func Prune(splits []Split, filters []Predicate) []Split {
	if len(filters) == 0 {
		return splits
	}
	out := splits[:0:0]
	for _, s := range splits {
		if pr, ok := s.(interface{ mayMatch([]Predicate) bool }); ok && !pr.mayMatch(filters) {
			continue
		}
		out = append(out, s)
	}
	return out
}

type parquetSplit struct {
	t  *ParquetTable
	f  *parquetFile
	rg int
}

func (s *parquetSplit) Describe() string {
	return fmt.Sprintf("%s row group %d", s.f.path, s.rg)
}
func (s *parquetSplit) EstimatedRows() int64 { return s.f.meta.RowGroup(s.rg).NumRows() }
func (s *parquetSplit) EstimatedBytes() int64 {
	return s.f.meta.RowGroup(s.rg).TotalCompressedSize()
}

func (s *parquetSplit) mayMatch(filters []Predicate) bool {
	if len(filters) == 0 {
		return true
	}
	stats := s.f.rowGroupStats(s.rg, s.t.schema)
	rows := s.EstimatedRows()
	for _, p := range filters {
		if p.Column < 0 || p.Column >= len(stats) {
			continue
		}
		if !p.MayMatch(stats[p.Column], rows) {
			return false
		}
	}
	return true
}

// Open implements Split.
func (s *parquetSplit) Open(ctx context.Context, mem memory.Allocator, opts ScanOptions) (rr RecordReader, err error) {
	defer recoverCorrupt(s.f.path, &err)
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if mem == nil {
		mem = memory.DefaultAllocator
	}
	schema, err := projectSchema(s.t.schema, opts.Columns)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", s.f.path, err)
	}
	if !s.mayMatch(opts.Filters) {
		s.t.rowGroupsPruned.Add(1)
		return eofReader{schema: schema}, nil
	}
	s.t.rowGroupsRead.Add(1)
	if opts.Columns != nil && len(opts.Columns) == 0 {
		return newCountReader(s.EstimatedRows(), opts.batchSize()), nil
	}
	if plan := s.planFast(opts.Columns); len(plan.fastCols) > 0 {
		return s.openHybrid(ctx, mem, opts, schema, plan)
	}
	var leaves []int
	dups := false
	if opts.Columns == nil {
		for _, l := range s.f.leaves {
			leaves = append(leaves, l...)
		}
	} else {
		seen := map[int]bool{}
		for _, c := range opts.Columns {
			if seen[c] {
				dups = true
				// pqarrow reads a column once; duplicated projections
				// are rebuilt below.
				continue
			}
			seen[c] = true
			leaves = append(leaves, s.f.leaves[c]...)
		}
	}
	osf, err := openSplitFile(s.f.path)
	if err != nil {
		return nil, err
	}
	ok := false
	defer func() {
		if !ok {
			osf.Close()
		}
	}()
	pr, err := file.NewParquetReader(osf, file.WithMetadata(s.f.meta))
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %v", ErrCorrupt, s.f.path, err)
	}
	props := pqarrow.ArrowReadProperties{Parallel: s.t.opts.ParallelColumns, BatchSize: int64(opts.batchSize())}
	fr, err := pqarrow.NewFileReader(pr, props, mem)
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %v", ErrCorrupt, s.f.path, err)
	}
	inner, err := fr.GetRecordReader(ctx, leaves, []int{s.rg})
	if err != nil {
		return nil, fmt.Errorf("%w: %s row group %d: %v", ErrCorrupt, s.f.path, s.rg, err)
	}
	ok = true
	return &parquetReader{readState: readState{split: s}, schema: schema, cols: opts.Columns, dups: dups, inner: inner, file: osf, ctx: ctx}, nil
}

// openSplitFile opens a table's file for one split's reader.
func openSplitFile(path string) (*os.File, error) {
	osf, err := os.Open(path)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("%w: %s", ErrNotFound, path)
		}
		return nil, fmt.Errorf("%w: %s: %v", ErrNotFound, path, err)
	}
	return osf, nil
}

// parquetReader adapts pqarrow's record reader: it retains each record for
// the caller, reorders the columns into the projection's order, converts
// panics and errors to ErrCorrupt and closes the file.
type parquetReader struct {
	readState
	schema *arrow.Schema
	cols   []int
	dups   bool // the projection names a column twice
	inner  pqarrow.RecordReader
	file   *os.File
	ctx    context.Context
	rows   int64 // rows returned so far
}

// readState is what both Parquet readers keep to honour the RecordReader
// contract: once Next has ended or failed, it repeats that outcome.
type readState struct {
	split *parquetSplit
	err   error
	done  bool
}

// ended reports the outcome a finished or failed reader repeats, or nil.
func (s *readState) ended() error {
	if s.err != nil {
		return s.err
	}
	if s.done {
		return io.EOF
	}
	return nil
}

// guard is deferred by Next (as the deferred call itself, so recover
// works): it turns a panic inside the Parquet decoders into ErrCorrupt
// naming the split, and remembers any error for later calls.
func (s *readState) guard(rec *arrow.Record, err *error) {
	if p := recover(); p != nil {
		*rec, *err = nil, fmt.Errorf("%w: %s: %v", ErrCorrupt, s.split.Describe(), p)
	}
	if *err != nil && *err != io.EOF {
		s.err = *err
	}
}

func (r *parquetReader) Schema() *arrow.Schema { return r.schema }

func (r *parquetReader) Next() (rec arrow.Record, err error) {
	if err := r.ended(); err != nil {
		return nil, err
	}
	defer r.guard(&rec, &err)
	got, err := r.inner.Read()
	if err == io.EOF || (err == nil && got == nil) {
		// pqarrow reports a page it cannot decode as an early end of the
		// column; the row group's row count tells the two apart.
		if want := r.split.EstimatedRows(); r.rows != want {
			return nil, fmt.Errorf("%w: %s: data ended after %d of the %d rows the footer promises", ErrCorrupt, r.split.Describe(), r.rows, want)
		}
		r.done = true
		return nil, io.EOF
	}
	if err != nil {
		if cerr := r.ctx.Err(); cerr != nil {
			return nil, cerr
		}
		return nil, fmt.Errorf("%w: %s: %v", ErrCorrupt, r.split.Describe(), err)
	}
	r.rows += got.NumRows()
	return r.project(got), nil
}

// project returns a new reference to the record in projection order. The
// inner reader returned the projected fields in the order of their first
// appearance in the projection, each once.
func (r *parquetReader) project(got arrow.Record) arrow.Record {
	if r.cols == nil || !r.dups {
		// same columns, under the table's schema (a partition's file may
		// carry different metadata)
		return array.NewRecord(r.schema, got.Columns(), got.NumRows())
	}
	pos := make(map[int]int, len(r.cols))
	for _, c := range r.cols {
		if _, dup := pos[c]; !dup {
			pos[c] = len(pos)
		}
	}
	cols := make([]arrow.Array, len(r.cols))
	for i, c := range r.cols {
		cols[i] = got.Column(pos[c])
	}
	return array.NewRecord(r.schema, cols, got.NumRows())
}

func (r *parquetReader) Close() error {
	if r.inner != nil {
		r.inner.Release()
		r.inner = nil
	}
	if r.file != nil {
		err := r.file.Close()
		r.file = nil
		return err
	}
	return nil
}

// EstimateDistinct implements DistinctEstimator from a sample of the
// table's row groups.
func (t *ParquetTable) EstimateDistinct(col int) (int64, bool) {
	return t.distinct.get(col, func() (int64, bool) { return sampleDistinct(t, col, t.stats.Rows) })
}

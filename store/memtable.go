package store

import (
	"context"
	"fmt"
	"io"
	"sync"

	"github.com/apache/arrow/go/v15/arrow"
	"github.com/apache/arrow/go/v15/arrow/array"
	"github.com/apache/arrow/go/v15/arrow/memory"
)

// memSplitRows is the number of rows an in-memory split aims for: records
// are grouped into splits of about this many rows.
const memSplitRows = 64 * 1024

// MemTable is a table held in memory as a list of Arrow records, for tables
// registered from Go and for CREATE TABLE / INSERT.
//
// A MemTable retains the records it is given and releases them on Close.
// It is safe for concurrent use: Append may run while readers scan, and a
// scan sees the records present when Splits was called (snapshot
// semantics). Readers never copy data; they hand out the stored records (or
// zero-copy slices of them), retained for the caller.
type MemTable struct {
	schema *arrow.Schema

	mu        sync.RWMutex
	splitRows int64
	recs      []arrow.Record // append-only; a snapshot is a prefix
	rows      int64
	bytes     int64
	closed    bool
	distinct  distinctCache
}

var _ Table = (*MemTable)(nil)
var _ DistinctEstimator = (*MemTable)(nil)
var _ io.Closer = (*MemTable)(nil)

// NewMemTable returns a table over records, which must all have schema. It
// retains the records; the caller keeps its own references.
func NewMemTable(schema *arrow.Schema, records []arrow.Record) (*MemTable, error) {
	if schema == nil {
		return nil, fmt.Errorf("%w: NewMemTable needs a schema", ErrSchema)
	}
	t := &MemTable{schema: schema, splitRows: memSplitRows}
	if err := t.Append(records...); err != nil {
		return nil, err
	}
	return t, nil
}

// Append adds records to the table, retaining them. Either all are added
// or, when one's schema differs from the table's, none (ErrSchema).
// Readers opened on earlier snapshots do not see them.
func (t *MemTable) Append(records ...arrow.Record) error {
	for i, r := range records {
		if !r.Schema().Equal(t.schema) {
			return fmt.Errorf("%w: record %d has schema %v, the table has %v", ErrSchema, i, r.Schema(), t.schema)
		}
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.closed {
		return fmt.Errorf("%w: append to a closed in-memory table", ErrClosed)
	}
	for _, r := range records {
		r.Retain()
		t.recs = append(t.recs, r)
		t.rows += r.NumRows()
		t.bytes += recordBytes(r)
	}
	return nil
}

// SetSplitRows sets how many rows Splits aims to put in one split (64Ki by
// default): smaller splits spread a small table over more workers.
func (t *MemTable) SetSplitRows(n int64) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.splitRows = max(n, 1)
}

// Schema implements Table.
func (t *MemTable) Schema() *arrow.Schema { return t.schema }

// Splits implements Table: contiguous runs of records of about
// memSplitRows rows each, over the records present now.
func (t *MemTable) Splits() ([]Split, error) {
	t.mu.RLock()
	defer t.mu.RUnlock()
	if t.closed {
		return nil, fmt.Errorf("%w: in-memory table", ErrClosed)
	}
	var out []Split
	start, rows, bytes := 0, int64(0), int64(0)
	for i, r := range t.recs {
		rows += r.NumRows()
		bytes += recordBytes(r)
		if rows >= t.splitRows || i == len(t.recs)-1 {
			out = append(out, &memSplit{t: t, lo: start, hi: i + 1, rows: rows, bytes: bytes, index: len(out)})
			start, rows, bytes = i+1, 0, 0
		}
	}
	return out, nil
}

// Stats implements Table. Rows, bytes and null counts are exact; min and
// max are not computed.
func (t *MemTable) Stats() TableStats {
	t.mu.RLock()
	defer t.mu.RUnlock()
	cols := unknownColumnStats(t.schema.NumFields())
	for c := range cols {
		var nulls int64
		for _, r := range t.recs {
			nulls += int64(r.Column(c).NullN())
		}
		cols[c].NullCount = nulls
	}
	return TableStats{Rows: t.rows, Bytes: t.bytes, Columns: cols}
}

// NumRows reports the table's current row count.
func (t *MemTable) NumRows() int64 {
	t.mu.RLock()
	defer t.mu.RUnlock()
	return t.rows
}

// Close releases the table's records. Readers already open keep the
// records they retained; Splits and Open fail with ErrClosed afterwards.
func (t *MemTable) Close() error {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.closed {
		return nil
	}
	t.closed = true
	for _, r := range t.recs {
		r.Release()
	}
	t.recs = nil
	return nil
}

// Release is Close for callers used to Arrow's naming.
func (t *MemTable) Release() { _ = t.Close() }

func recordBytes(r arrow.Record) int64 {
	var n int64
	for _, c := range r.Columns() {
		n += dataBytes(c.Data())
	}
	return n
}

func dataBytes(d arrow.ArrayData) int64 {
	var n int64
	for _, b := range d.Buffers() {
		if b != nil {
			n += int64(b.Len())
		}
	}
	for _, c := range d.Children() {
		n += dataBytes(c)
	}
	return n
}

type memSplit struct {
	t           *MemTable
	lo, hi      int // records [lo, hi) of t.recs
	rows, bytes int64
	index       int
}

func (s *memSplit) Describe() string {
	return fmt.Sprintf("memory chunk %d (records %d-%d)", s.index, s.lo, s.hi-1)
}
func (s *memSplit) EstimatedRows() int64  { return s.rows }
func (s *memSplit) EstimatedBytes() int64 { return s.bytes }

// Open implements Split. mem is unused: the records are handed out
// without copying.
func (s *memSplit) Open(ctx context.Context, _ memory.Allocator, opts ScanOptions) (RecordReader, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	schema, err := projectSchema(s.t.schema, opts.Columns)
	if err != nil {
		return nil, err
	}
	s.t.mu.RLock()
	defer s.t.mu.RUnlock()
	if s.t.closed {
		return nil, fmt.Errorf("%w: in-memory table", ErrClosed)
	}
	recs := make([]arrow.Record, s.hi-s.lo)
	copy(recs, s.t.recs[s.lo:s.hi])
	for _, r := range recs {
		r.Retain()
	}
	return &memReader{schema: schema, cols: opts.Columns, recs: recs, batch: int64(opts.batchSize())}, nil
}

// memReader hands out the retained records of a split, projected and cut
// to the batch size by zero-copy slicing.
type memReader struct {
	schema *arrow.Schema
	cols   []int
	recs   []arrow.Record // owned references; nil once handed out
	pos    int
	off    int64 // rows of recs[pos] already returned
	batch  int64
}

func (r *memReader) Schema() *arrow.Schema { return r.schema }

func (r *memReader) Next() (arrow.Record, error) {
	for r.pos < len(r.recs) {
		rec := r.recs[r.pos]
		n := rec.NumRows()
		if n == 0 || r.off >= n {
			if r.off == 0 && n == 0 {
				// pass empty records on: the contract allows them and
				// tests rely on operators surviving them
				r.pos++
				out := r.project(rec)
				rec.Release()
				r.recs[r.pos-1] = nil
				return out, nil
			}
			rec.Release()
			r.recs[r.pos] = nil
			r.pos, r.off = r.pos+1, 0
			continue
		}
		end := min(n, r.off+r.batch)
		var out arrow.Record
		if r.off == 0 && end == n {
			out = r.project(rec)
		} else {
			out = r.sliceProjected(rec, r.off, end)
		}
		r.off = end
		if end == n {
			rec.Release()
			r.recs[r.pos] = nil
			r.pos, r.off = r.pos+1, 0
		}
		return out, nil
	}
	return nil, io.EOF
}

// project returns a new reference to rec restricted to the projection.
func (r *memReader) project(rec arrow.Record) arrow.Record {
	if r.cols == nil {
		rec.Retain()
		return rec
	}
	cols := make([]arrow.Array, len(r.cols))
	for i, c := range r.cols {
		cols[i] = rec.Column(c)
	}
	return array.NewRecord(r.schema, cols, rec.NumRows())
}

// sliceProjected returns rows [lo, hi) of rec's projected columns,
// slicing only the columns the reader returns (a wide table's chunk
// sliced whole cost a slice per column per batch).
func (r *memReader) sliceProjected(rec arrow.Record, lo, hi int64) arrow.Record {
	if r.cols == nil {
		return rec.NewSlice(lo, hi)
	}
	cols := make([]arrow.Array, len(r.cols))
	for i, c := range r.cols {
		cols[i] = array.NewSlice(rec.Column(c), lo, hi)
	}
	out := array.NewRecord(r.schema, cols, hi-lo)
	for _, a := range cols {
		a.Release()
	}
	return out
}

func (r *memReader) Close() error {
	for i, rec := range r.recs {
		if rec != nil {
			rec.Release()
			r.recs[i] = nil
		}
	}
	r.pos = len(r.recs)
	return nil
}

// EstimateDistinct implements DistinctEstimator from a sample of the
// table's chunks. The estimate describes the table when first asked.
func (t *MemTable) EstimateDistinct(col int) (int64, bool) {
	return t.distinct.get(col, func() (int64, bool) { return sampleDistinct(t, col, t.NumRows()) })
}

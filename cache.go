package dataflow

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sync"

	"github.com/apache/arrow/go/v15/arrow"
	"github.com/apache/arrow/go/v15/arrow/array"

	"github.com/dataflow-go/dataflow/exec"
	"github.com/dataflow-go/dataflow/store"
)

// cacheBatchRows is the largest chunk CacheTable makes: large chunks keep
// the per-chunk overhead of a cached table small, and scans cut them to
// their batch size without copying.
const cacheBatchRows = 64 * 1024

// cacheMinChunkRows is the smallest chunk CacheTable cuts a table into,
// so that small tables do not become thousands of tiny splits.
const cacheMinChunkRows = 1024

// chunkRows picks the chunk size of a cached table of rows rows (-1:
// unknown): about four chunks per pipeline, so that parallel scans can
// balance, within [cacheMinChunkRows, cacheBatchRows].
func chunkRows(rows int64, parallelism int) int64 {
	if rows < 0 {
		return cacheBatchRows
	}
	return min(max(rows/int64(4*max(parallelism, 1)), cacheMinChunkRows), cacheBatchRows)
}

// CacheTable reads the registered table name into memory and replaces it
// with an in-memory table holding the same rows in the same order, split
// into chunks that parallel scans share out. Later queries read memory
// instead of decoding files. The optimizer keeps the source's statistics
// (row counts, column minima and maxima), which describe the same data.
//
// The source table is closed once the copy replaces it, so cache a table
// before querying it: a query over it that is running meanwhile may fail
// with a closed-table error when it opens its next split.
//
// The records are allocated by the engine's allocator and freed when the
// table is dropped or the engine closed. Caching a table that is already
// in memory does nothing.
func (e *Engine) CacheTable(name string) error {
	if err := e.check(); err != nil {
		return err
	}
	src, err := e.catalog.Lookup(name)
	if err != nil {
		return err
	}
	if _, ok := src.(*cachedTable); ok {
		return nil
	}
	if _, ok := src.(*store.MemTable); ok {
		return nil
	}
	stats := src.Stats()
	chunk := chunkRows(stats.Rows, e.opts.Parallelism)
	recs, err := e.readAll(context.Background(), src, chunk)
	if err != nil {
		return fmt.Errorf("cache %s: %w", name, err)
	}
	mt, err := store.NewMemTable(src.Schema(), recs)
	for _, r := range recs {
		r.Release()
	}
	if err != nil {
		return fmt.Errorf("cache %s: %w", name, err)
	}
	mt.SetSplitRows(chunk)
	stats.Bytes = mt.Stats().Bytes
	if err := e.catalog.Register(name, &cachedTable{MemTable: mt, stats: stats}, true); err != nil {
		mt.Close()
		return err
	}
	closeTable(src)
	return nil
}

// cachedTable is an in-memory copy of a table that reports the source's
// statistics.
type cachedTable struct {
	*store.MemTable
	stats store.TableStats
}

// Stats implements store.Table.
func (t *cachedTable) Stats() store.TableStats { return t.stats }

// readAll reads every split of t with the engine's parallelism and returns
// the records in table order, none longer than chunk rows.
func (e *Engine) readAll(ctx context.Context, t store.Table, chunk int64) ([]arrow.Record, error) {
	splits, err := t.Splits()
	if err != nil {
		return nil, err
	}
	perSplit := make([][]arrow.Record, len(splits))
	errs := make([]error, len(splits))
	work := make(chan int)
	var wg sync.WaitGroup
	for range min(e.opts.Parallelism, max(len(splits), 1)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range work {
				perSplit[i], errs[i] = e.readSplit(ctx, t.Schema(), splits[i], chunk)
			}
		}()
	}
	for i := range splits {
		work <- i
	}
	close(work)
	wg.Wait()
	var out []arrow.Record
	for _, recs := range perSplit {
		out = append(out, recs...)
	}
	if err := errors.Join(errs...); err != nil {
		for _, r := range out {
			r.Release()
		}
		return nil, err
	}
	return out, nil
}

func (e *Engine) readSplit(ctx context.Context, schema *arrow.Schema, s store.Split, chunk int64) (recs []arrow.Record, err error) {
	rd, err := s.Open(ctx, e.opts.Allocator, store.ScanOptions{BatchSize: int(chunk)})
	if err != nil {
		return nil, fmt.Errorf("%s: %w", s.Describe(), err)
	}
	defer func() {
		if cerr := rd.Close(); cerr != nil && err == nil {
			err = cerr
		}
		if err != nil {
			for _, r := range recs {
				r.Release()
			}
			recs = nil
		}
	}()
	for {
		rec, err := rd.Next()
		if errors.Is(err, io.EOF) {
			return recs, nil
		}
		if err != nil {
			return recs, fmt.Errorf("%s: %w", s.Describe(), err)
		}
		if rec.NumRows() == 0 {
			rec.Release()
			continue
		}
		if !rec.Schema().Equal(schema) {
			// A source may label its records differently (field
			// metadata); the cached table carries the table's schema,
			// so the column types must agree.
			if int(rec.NumCols()) != schema.NumFields() {
				rec.Release()
				return recs, fmt.Errorf("%w: %s returned %d columns, the table has %d", exec.ErrInternal, s.Describe(), rec.NumCols(), schema.NumFields())
			}
			for i, f := range schema.Fields() {
				if !arrow.TypeEqual(f.Type, rec.Column(i).DataType()) {
					rec.Release()
					return recs, fmt.Errorf("%w: %s returned column %s as %s, the table has %s", exec.ErrInternal, s.Describe(), f.Name, rec.Column(i).DataType(), f.Type)
				}
			}
			out := array.NewRecord(schema, rec.Columns(), rec.NumRows())
			rec.Release()
			rec = out
		}
		// Sources may return more rows than asked for; cut them so
		// that chunks, and so splits, stay small enough to balance.
		for lo := int64(0); lo < rec.NumRows(); lo += chunk {
			if lo == 0 && rec.NumRows() <= chunk {
				rec.Retain()
				recs = append(recs, rec)
				break
			}
			recs = append(recs, rec.NewSlice(lo, min(lo+chunk, rec.NumRows())))
		}
		rec.Release()
	}
}

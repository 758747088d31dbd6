package store

import (
	"context"
	"fmt"
	"io"
	"os"
	"sync"

	"github.com/apache/arrow/go/v15/arrow"
	"github.com/apache/arrow/go/v15/arrow/array"
	"github.com/apache/arrow/go/v15/arrow/memory"
	"github.com/apache/arrow/go/v15/parquet"
	"github.com/apache/arrow/go/v15/parquet/file"
	"github.com/apache/arrow/go/v15/parquet/pqarrow"
)

// columnSource says where a projected column comes from: the fast
// decoder fast[i], or column i of the pqarrow record.
type columnSource struct {
	fast bool
	i    int
}

// fastPlan lists, for the unique columns of a projection, which the fast
// path reads (with their kinds) and which pqarrow reads.
type fastPlan struct {
	out       []columnSource
	fastCols  []int // table columns read by the fast path
	fastKinds []fastKind
	slowCols  []int // table columns read by pqarrow, in first-appearance order
}

// planFast decides, per column of the projection cols (nil: all), whether
// the fast path can read it in this split's row group.
func (s *parquetSplit) planFast(cols []int) fastPlan {
	if cols == nil {
		cols = make([]int, s.t.schema.NumFields())
		for i := range cols {
			cols[i] = i
		}
	}
	var p fastPlan
	seen := map[int]columnSource{}
	rgm := s.f.meta.RowGroup(s.rg)
	for _, c := range cols {
		if src, ok := seen[c]; ok {
			p.out = append(p.out, src)
			continue
		}
		var kind fastKind
		if leaves := s.f.leaves[c]; len(leaves) == 1 && !s.t.opts.DisableFastDecode {
			cc, err := rgm.ColumnChunk(leaves[0])
			if err == nil {
				kind = fastKindOf(s.t.schema.Field(c).Type, s.f.meta.Schema.Column(leaves[0]), cc)
			}
		}
		var src columnSource
		if kind != 0 {
			src = columnSource{fast: true, i: len(p.fastCols)}
			p.fastCols = append(p.fastCols, c)
			p.fastKinds = append(p.fastKinds, kind)
		} else {
			src = columnSource{i: len(p.slowCols)}
			p.slowCols = append(p.slowCols, c)
		}
		seen[c] = src
		p.out = append(p.out, src)
	}
	return p
}

// openHybrid opens a reader whose fast columns are decoded by fastColumn
// and whose other columns come from a pqarrow record reader over the same
// row group, batch by batch in step.
func (s *parquetSplit) openHybrid(ctx context.Context, mem memory.Allocator, opts ScanOptions, schema *arrow.Schema, plan fastPlan) (rr RecordReader, err error) {
	osf, err := openSplitFile(s.f.path)
	if err != nil {
		return nil, err
	}
	r := &hybridReader{
		readState: readState{split: s}, schema: schema, mem: mem, ctx: ctx, file: osf,
		batch: opts.batchSize(), left: s.EstimatedRows(), out: plan.out,
		parallel: s.t.opts.ParallelColumns,
	}
	defer func() {
		if err != nil {
			r.Close()
		}
	}()
	for i, c := range plan.fastCols {
		// A chunk of up to maxWholeChunk bytes is read whole, with one
		// ReadAt, into the column's pooled scratch memory and paged by
		// its pooled page reader, whose decompression buffer has
		// already grown. A larger chunk gets a file reader of its own
		// whose page reader streams it through a small buffer. Either
		// takes page buffers from the column's pagePool.
		sc := getFastScratch()
		leaf := s.f.leaves[c][0]
		cc, err := s.f.meta.RowGroup(s.rg).ColumnChunk(leaf)
		if err != nil {
			return nil, fmt.Errorf("%w: %s column %s: %v", ErrCorrupt, s.Describe(), s.t.schema.Field(c).Name, err)
		}
		pages, whole, err := wholeChunkPages(osf, s.f.size, s.f.meta, cc, sc)
		if err != nil {
			return nil, fmt.Errorf("%w: %s column %s: %v", ErrCorrupt, s.Describe(), s.t.schema.Field(c).Name, err)
		}
		if !whole {
			props := parquet.NewReaderProperties(&sc.bufs)
			props.BufferedStreamEnabled = true
			props.BufferSize = 256 << 10
			if cc.TotalCompressedSize() > 0 {
				props.BufferSize = min(props.BufferSize, cc.TotalCompressedSize())
			}
			pr, err := file.NewParquetReader(osf, file.WithMetadata(s.f.meta), file.WithReadProps(props))
			if err != nil {
				return nil, fmt.Errorf("%w: %s: %v", ErrCorrupt, s.f.path, err)
			}
			pages, err = pr.RowGroup(s.rg).GetColumnPageReader(leaf)
			if err != nil {
				return nil, fmt.Errorf("%w: %s column %s: %v", ErrCorrupt, s.Describe(), s.t.schema.Field(c).Name, err)
			}
		}
		f := s.t.schema.Field(c)
		r.fast = append(r.fast, newFastColumn(f.Name, f.Type, plan.fastKinds[i], s.f.meta.Schema.Column(leaf), pages, sc))
	}
	if len(plan.slowCols) > 0 {
		var leaves []int
		for _, c := range plan.slowCols {
			leaves = append(leaves, s.f.leaves[c]...)
		}
		spr, err := file.NewParquetReader(osf, file.WithMetadata(s.f.meta))
		if err != nil {
			return nil, fmt.Errorf("%w: %s: %v", ErrCorrupt, s.f.path, err)
		}
		aprops := pqarrow.ArrowReadProperties{Parallel: s.t.opts.ParallelColumns, BatchSize: int64(opts.batchSize())}
		fr, err := pqarrow.NewFileReader(spr, aprops, mem)
		if err != nil {
			return nil, fmt.Errorf("%w: %s: %v", ErrCorrupt, s.f.path, err)
		}
		r.slow, err = fr.GetRecordReader(ctx, leaves, []int{s.rg})
		if err != nil {
			return nil, fmt.Errorf("%w: %s: %v", ErrCorrupt, s.Describe(), err)
		}
	}
	return r, nil
}

// hybridReader is the RecordReader of a split with at least one column on
// the fast path.
type hybridReader struct {
	readState
	schema   *arrow.Schema
	mem      memory.Allocator
	ctx      context.Context
	file     *os.File
	batch    int
	left     int64 // rows of the row group not yet returned
	rows     int64 // rows returned
	out      []columnSource
	fast     []*fastColumn
	slow     pqarrow.RecordReader // nil when every column is fast
	parallel bool
}

func (r *hybridReader) Schema() *arrow.Schema { return r.schema }

func (r *hybridReader) Next() (rec arrow.Record, err error) {
	if err := r.ended(); err != nil {
		return nil, err
	}
	defer r.guard(&rec, &err)
	if err := r.ctx.Err(); err != nil {
		return nil, err
	}
	var slowRec arrow.Record
	n := 0
	if r.slow != nil {
		got, err := r.slow.Read()
		if err == io.EOF || (err == nil && got == nil) {
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
		slowRec, n = got, int(got.NumRows())
		if int64(n) > r.left {
			return nil, fmt.Errorf("%w: %s: more rows than the footer's %d", ErrCorrupt, r.split.Describe(), r.split.EstimatedRows())
		}
	} else {
		if r.left == 0 {
			r.done = true
			return nil, io.EOF
		}
		n = int(min(int64(r.batch), r.left))
	}
	arrays, err := r.readFast(n)
	if err != nil {
		return nil, err
	}
	cols := make([]arrow.Array, len(r.out))
	for j, src := range r.out {
		if src.fast {
			cols[j] = arrays[src.i]
		} else {
			cols[j] = slowRec.Column(src.i)
		}
	}
	rec = array.NewRecord(r.schema, cols, int64(n))
	for _, a := range arrays {
		a.Release()
	}
	r.left -= int64(n)
	r.rows += int64(n)
	return rec, nil
}

// readFast decodes the next n rows of every fast column.
func (r *hybridReader) readFast(n int) ([]arrow.Array, error) {
	arrays := make([]arrow.Array, len(r.fast))
	errs := make([]error, len(r.fast))
	if r.parallel && len(r.fast) > 1 {
		var wg sync.WaitGroup
		for i, c := range r.fast {
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer func() {
					if p := recover(); p != nil {
						errs[i] = fmt.Errorf("%v", p)
					}
				}()
				arrays[i], errs[i] = c.read(r.mem, n)
			}()
		}
		wg.Wait()
	} else {
		for i, c := range r.fast {
			if arrays[i], errs[i] = c.read(r.mem, n); errs[i] != nil {
				break
			}
		}
	}
	for i, err := range errs {
		if err == nil {
			continue
		}
		for _, a := range arrays {
			if a != nil {
				a.Release()
			}
		}
		if err == errPagesEnded {
			return nil, fmt.Errorf("%w: %s: column %s: data ended after %d of the %d rows the footer promises", ErrCorrupt, r.split.Describe(), r.fast[i].name, r.rows, r.split.EstimatedRows())
		}
		return nil, fmt.Errorf("%w: %s: column %s: %v", ErrCorrupt, r.split.Describe(), r.fast[i].name, err)
	}
	return arrays, nil
}

func (r *hybridReader) Close() error {
	for _, c := range r.fast {
		c.release()
	}
	r.fast = nil
	if r.slow != nil {
		r.slow.Release()
		r.slow = nil
	}
	if r.file != nil {
		err := r.file.Close()
		r.file = nil
		return err
	}
	return nil
}

// pagePool is the allocator of one fast column's page reader. The column
// reads one page at a time, and its page reader frees a page's buffer
// before (V2) or right after (V1, dictionary pages) allocating the next
// one, which it does only when the column is done with the page; so freed
// buffers can be handed out again as they are: no zeroing, no garbage.
// (Right after: a V1 page's buffer is freed while the page is in use, so
// a pool must never be shared between columns at once.) It keeps at most
// max free buffers, the largest it has been given.
type pagePool struct {
	mu   sync.Mutex
	max  int
	free [][]byte
}

var _ memory.Allocator = (*pagePool)(nil)

func (p *pagePool) Allocate(n int) []byte {
	p.mu.Lock()
	best := -1
	for i, b := range p.free {
		if cap(b) >= n && (best < 0 || cap(b) < cap(p.free[best])) {
			best = i
		}
	}
	if best >= 0 {
		b := p.free[best]
		last := len(p.free) - 1
		p.free[best], p.free[last] = p.free[last], nil
		p.free = p.free[:last]
		p.mu.Unlock()
		return b[:n]
	}
	p.mu.Unlock()
	return make([]byte, n)
}

func (p *pagePool) Reallocate(n int, b []byte) []byte {
	if cap(b) >= n {
		return b[:n]
	}
	nb := p.Allocate(n)
	copy(nb, b)
	p.Free(b)
	return nb
}

func (p *pagePool) Free(b []byte) {
	if cap(b) == 0 {
		return
	}
	p.mu.Lock()
	if len(p.free) < p.max {
		p.free = append(p.free, b[:cap(b)])
	} else {
		// Keep the larger buffers: a pool passes from column to
		// column (fastScratch), and small pages fit big buffers.
		small := -1
		for i, f := range p.free {
			if cap(f) < cap(b) && (small < 0 || cap(f) < cap(p.free[small])) {
				small = i
			}
		}
		if small >= 0 {
			p.free[small] = b[:cap(b)]
		}
	}
	p.mu.Unlock()
}

package exec

import (
	"fmt"
	"io"
	"sync"

	"github.com/apache/arrow/go/v15/arrow"

	"github.com/dataflow-go/dataflow/store"
)

// SplitQueue hands out the splits of a table, each exactly once, to the
// scan operators that share it: morsel-driven parallelism, where N
// pipelines over one table each take the next unopened split when their
// current one ends, so a slow split does not hold the others back. A
// SplitQueue is safe for concurrent use.
type SplitQueue struct {
	mu     sync.Mutex
	splits []store.Split
	next   int
}

// NewSplitQueue returns a queue over splits, handed out in order.
func NewSplitQueue(splits []store.Split) *SplitQueue {
	return &SplitQueue{splits: append([]store.Split(nil), splits...)}
}

// Take returns the next split, or false when none is left.
func (q *SplitQueue) Take() (store.Split, bool) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.next >= len(q.splits) {
		return nil, false
	}
	s := q.splits[q.next]
	q.next++
	return s, true
}

// Remaining reports how many splits have not been taken yet.
func (q *SplitQueue) Remaining() int {
	q.mu.Lock()
	defer q.mu.Unlock()
	return len(q.splits) - q.next
}

// NewScan returns an operator reading the given splits of table, in
// order, with opts (projection, pruning filters, batch size; a zero
// BatchSize takes the query's). Its schema is the projected table schema.
// Records come from the splits' readers, allocated from the query's
// allocator (or pointing into table memory for zero-copy sources).
func NewScan(table store.Table, splits []store.Split, opts store.ScanOptions) Operator {
	s := newScan(table, opts)
	list := append([]store.Split(nil), splits...)
	s.take = func() (store.Split, bool) {
		if len(list) == 0 {
			return nil, false
		}
		sp := list[0]
		list = list[1:]
		return sp, true
	}
	return s
}

// NewQueueScan returns a scan that takes its splits from q, shared with
// other scans of the same table running in other goroutines; together
// they read every split of the queue once.
func NewQueueScan(table store.Table, q *SplitQueue, opts store.ScanOptions) Operator {
	s := newScan(table, opts)
	s.take = q.Take
	return s
}

type scanOp struct {
	table  store.Table
	opts   store.ScanOptions
	schema *arrow.Schema
	err    error // a bad projection, reported at Open
	take   func() (store.Split, bool)

	ctx    *Context
	split  store.Split
	reader store.RecordReader
	done   error // io.EOF, or the error that ended the stream
}

var _ Operator = (*scanOp)(nil)

func newScan(table store.Table, opts store.ScanOptions) *scanOp {
	s := &scanOp{table: table, opts: opts}
	s.schema, s.err = store.ProjectSchema(table.Schema(), opts.Columns)
	if s.err != nil {
		s.schema = table.Schema()
		s.err = fmt.Errorf("%w: scan: %v", ErrType, s.err)
	}
	return s
}

// Schema implements Operator.
func (s *scanOp) Schema() *arrow.Schema { return s.schema }

// Open implements Operator.
func (s *scanOp) Open(ctx *Context) error {
	if s.err != nil {
		return s.err
	}
	if ctx == nil {
		ctx = NewContext(nil, nil)
	}
	s.ctx = ctx
	if s.opts.BatchSize <= 0 {
		s.opts.BatchSize = ctx.batchSize()
	}
	return nil
}

// Next implements Operator. Between batches it checks the query's
// context, so a canceled query stops within one batch.
func (s *scanOp) Next() (arrow.Record, error) {
	if s.done != nil {
		return nil, s.done
	}
	if s.ctx == nil {
		return nil, fmt.Errorf("%w: scan: Next before Open", ErrInternal)
	}
	for {
		if err := s.ctx.Err(); err != nil {
			return nil, s.finish(err)
		}
		if s.reader == nil {
			sp, ok := s.take()
			if !ok {
				return nil, s.finish(io.EOF)
			}
			r, err := sp.Open(s.ctx.Ctx, s.ctx.Alloc, s.opts)
			if err != nil {
				return nil, s.finish(s.wrap(sp, err))
			}
			s.split, s.reader = sp, r
		}
		rec, err := s.reader.Next()
		if err == io.EOF {
			err = s.reader.Close()
			s.reader, s.split = nil, nil
			if err != nil {
				return nil, s.finish(fmt.Errorf("%w: scan: closing a split: %v", ErrExec, err))
			}
			continue
		}
		if err != nil {
			return nil, s.finish(s.wrap(s.split, err))
		}
		return rec, nil
	}
}

func (s *scanOp) wrap(sp store.Split, err error) error {
	if cerr := s.ctx.Err(); cerr != nil {
		return cerr
	}
	return fmt.Errorf("%w: scan of %s: %w", ErrExec, sp.Describe(), err)
}

// finish ends the stream with err (sticky) and closes the current reader.
func (s *scanOp) finish(err error) error {
	s.done = err
	s.closeReader()
	return err
}

func (s *scanOp) closeReader() error {
	if s.reader == nil {
		return nil
	}
	err := s.reader.Close()
	s.reader, s.split = nil, nil
	return err
}

// Close implements Operator. It closes the split being read; splits not
// yet taken stay in the queue (or list) untouched.
func (s *scanOp) Close() error {
	if s.done == nil {
		s.done = io.EOF
	}
	return s.closeReader()
}

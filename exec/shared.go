package exec

import (
	"fmt"
	"io"
	"sync"

	"github.com/apache/arrow/go/v15/arrow"
)

// Shared runs one input once for several consumers: the first consumer to
// open it drains the input into memory (reserved against the query's
// budget as "shared result"), and every consumer then reads those batches
// in order. The physical planner uses it for a subplan that a query
// computes twice, such as a view referenced twice (TPC-H Q15's revenue
// view, once joined with supplier and once under max()).
//
// Create the consumers with Reader before the query opens any of them.
// Consumers may run in different goroutines. The batches are released when
// the last consumer closes.
type Shared struct {
	child Operator

	once     sync.Once
	err      error
	recs     []arrow.Record
	ctx      *Context
	reserved int64

	mu      sync.Mutex
	readers int
}

// NewShared returns a Shared over child, which it owns.
func NewShared(child Operator) *Shared { return &Shared{child: child} }

// Reader returns a new consumer of the shared input.
func (s *Shared) Reader() Operator {
	s.mu.Lock()
	s.readers++
	s.mu.Unlock()
	return &sharedReader{s: s}
}

func (s *Shared) fill(ctx *Context) error {
	s.once.Do(func() {
		s.ctx = ctx
		s.err = s.drain(ctx)
		if cerr := s.child.Close(); cerr != nil && s.err == nil {
			s.err = cerr
		}
	})
	return s.err
}

func (s *Shared) drain(ctx *Context) error {
	if err := s.child.Open(ctx); err != nil {
		return err
	}
	for {
		rec, err := nextNonEmpty(ctx, s.child)
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		n := recordBytes(rec)
		if err := ctx.Budget.Reserve("shared result", n); err != nil {
			rec.Release()
			return err
		}
		s.reserved += n
		s.recs = append(s.recs, rec)
	}
}

// done drops a consumer, freeing the batches after the last.
func (s *Shared) done() {
	s.mu.Lock()
	s.readers--
	last := s.readers == 0
	s.mu.Unlock()
	if !last {
		return
	}
	// Keep the input from running after the last consumer left.
	s.once.Do(func() {
		s.err = fmt.Errorf("%w: shared result closed before it was read", ErrInternal)
		s.child.Close()
	})
	for _, r := range s.recs {
		r.Release()
	}
	s.recs = nil
	if s.ctx != nil {
		s.ctx.Budget.Free(s.reserved)
	}
	s.reserved = 0
}

type sharedReader struct {
	s      *Shared
	pos    int
	opened bool
	closed bool
}

var _ Operator = (*sharedReader)(nil)

func (r *sharedReader) Schema() *arrow.Schema { return r.s.child.Schema() }

func (r *sharedReader) Open(ctx *Context) error {
	if r.opened {
		return fmt.Errorf("%w: shared result opened twice", ErrInternal)
	}
	r.opened = true
	return r.s.fill(ctx)
}

func (r *sharedReader) Next() (arrow.Record, error) {
	if !r.opened || r.closed {
		return nil, fmt.Errorf("%w: shared result read without Open or after Close", ErrInternal)
	}
	if r.s.err != nil {
		return nil, r.s.err
	}
	if r.pos >= len(r.s.recs) {
		return nil, io.EOF
	}
	rec := r.s.recs[r.pos]
	r.pos++
	rec.Retain()
	return rec, nil
}

func (r *sharedReader) Close() error {
	if r.closed {
		return nil
	}
	r.closed = true
	r.s.done()
	return nil
}

package dataflow

import (
	"errors"
	"fmt"
	"io"
	"runtime/debug"
	"time"

	"github.com/apache/arrow/go/v15/arrow"
	"github.com/apache/arrow/go/v15/arrow/array"

	"github.com/dataflow-go/dataflow/exec"
	"github.com/dataflow-go/dataflow/plan"
)

// Stream is a running query's result, read batch by batch. It is not safe
// for concurrent use. Close it when done, even after an error.
type Stream struct {
	ctx    *exec.Context
	op     exec.Operator
	schema *arrow.Schema
	start  time.Time
	rows   int64
	err    error
	closed bool
}

// Stats describe a finished (or running) query.
type Stats struct {
	Rows       int64
	Elapsed    time.Duration
	PeakMemory int64
}

func startStream(ctx *exec.Context, op exec.Operator, schema plan.Schema) (s *Stream, err error) {
	s = &Stream{ctx: ctx, op: op, schema: schema.Arrow(), start: time.Now()}
	if err := s.guard(func() error { return op.Open(ctx) }); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

// guard runs fn, turning a panic into an internal error so that a bug in
// one query never takes the embedding process down.
func (s *Stream) guard(fn func() error) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("%w: panic: %v\n%s", exec.ErrInternal, p, debug.Stack())
		}
	}()
	return fn()
}

// Schema describes every batch Next returns.
func (s *Stream) Schema() *arrow.Schema { return s.schema }

// Next returns the next batch, which the caller owns and must Release, or
// (nil, io.EOF) at the end.
func (s *Stream) Next() (arrow.Record, error) {
	if s.closed {
		return nil, fmt.Errorf("%w: Next on a closed stream", ErrUsage)
	}
	if s.err != nil {
		return nil, s.err
	}
	var rec arrow.Record
	err := s.guard(func() error {
		var err error
		rec, err = s.op.Next()
		return err
	})
	if err != nil {
		s.err = err
		return nil, err
	}
	s.rows += rec.NumRows()
	if rec.Schema().Equal(s.schema) {
		return rec, nil
	}
	// Operators name columns for themselves; the result carries the
	// plan's names.
	if int(rec.NumCols()) != len(s.schema.Fields()) {
		rec.Release()
		s.err = fmt.Errorf("%w: operator produced %d columns, plan expects %d", exec.ErrInternal, rec.NumCols(), len(s.schema.Fields()))
		return nil, s.err
	}
	for i, f := range s.schema.Fields() {
		if !arrow.TypeEqual(f.Type, rec.Column(i).DataType()) {
			rec.Release()
			s.err = fmt.Errorf("%w: column %s is %s, plan expects %s", exec.ErrInternal, f.Name, rec.Column(i).DataType(), f.Type)
			return nil, s.err
		}
	}
	out := array.NewRecord(s.schema, rec.Columns(), rec.NumRows())
	rec.Release()
	return out, nil
}

// Close stops the query and frees what it holds. It is idempotent.
func (s *Stream) Close() error {
	if s.closed {
		return nil
	}
	s.closed = true
	return s.guard(s.op.Close)
}

// Stats reports rows produced so far, elapsed time and peak memory held by
// buffering operators.
func (s *Stream) Stats() Stats {
	return Stats{Rows: s.rows, Elapsed: time.Since(s.start), PeakMemory: s.ctx.Budget.Peak()}
}

// Collect reads the rest of the stream into a Result.
func (s *Stream) Collect() (*Result, error) {
	res := &Result{Schema: s.schema}
	for {
		rec, err := s.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			res.Release()
			return nil, err
		}
		if rec.NumRows() == 0 {
			rec.Release()
			continue
		}
		res.Records = append(res.Records, rec)
	}
	res.Stats = s.Stats()
	return res, nil
}

// Result is a query's whole output held in memory. Release it when done.
type Result struct {
	Schema  *arrow.Schema
	Records []arrow.Record
	Stats   Stats
}

// NumRows counts the result's rows.
func (r *Result) NumRows() int64 {
	var n int64
	for _, rec := range r.Records {
		n += rec.NumRows()
	}
	return n
}

// Rows renders the result as text rows (NULL for nulls, decimals with
// their scale, dates as YYYY-MM-DD).
func (r *Result) Rows() [][]string {
	var out [][]string
	for _, rec := range r.Records {
		for i := 0; i < int(rec.NumRows()); i++ {
			row := make([]string, rec.NumCols())
			for c := range row {
				row[c] = exec.FormatValue(rec.Column(c), i)
			}
			out = append(out, row)
		}
	}
	return out
}

// Release frees the result's batches. It is idempotent.
func (r *Result) Release() {
	for _, rec := range r.Records {
		rec.Release()
	}
	r.Records = nil
}

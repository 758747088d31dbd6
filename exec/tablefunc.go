package exec

import (
	"fmt"
	"io"
	"math"
	"runtime/debug"

	"github.com/apache/arrow/go/v15/arrow"
	"github.com/apache/arrow/go/v15/arrow/array"
	"github.com/apache/arrow/go/v15/arrow/scalar"
)

// TableFunc is the Go signature of a table-valued function: called once
// per query with the call's constant arguments, it returns a reader of
// the rows it produces.
//
// The contract:
//   - args hold one scalar per argument, already of the declared types; a
//     SQL NULL is a scalar whose IsValid is false. They must not be
//     modified.
//   - ctx carries the query's allocator (ctx.Alloc, which should build
//     the records) and its cancellation (ctx.Ctx, which long-running
//     functions should watch).
//   - The engine owns the returned reader and calls Release on it exactly
//     once, when the query is done with it: at the end of the stream, on
//     an error, or early (a LIMIT reached, the query canceled).
//   - Ownership of records follows array.RecordReader: a record returned
//     by Record is owned by the reader and stays valid until the next call
//     to Next or Release; the engine Retains what it keeps. After Next
//     returns false the engine calls Err, and a non-nil error fails the
//     query.
//   - Every record must have the declared schema's column count and types
//     (names may differ; the declared ones are used).
//   - The reader is used by one goroutine at a time, but a TableFunc may be
//     called from several queries at once.
//
// An error returned by the function or the reader, or a panic in either,
// fails the query with an error wrapping ErrExec that names the function;
// the engine stays usable.
type TableFunc func(ctx *Context, args []scalar.Scalar) (array.RecordReader, error)

type tableFuncOp struct {
	name   string
	fn     TableFunc
	args   []scalar.Scalar
	schema *arrow.Schema

	ctx    *Context
	reader array.RecordReader
	err    error // sticky: io.EOF at the end, or the failure
}

var _ Operator = (*tableFuncOp)(nil)

// NewTableFunc returns an operator producing the rows of the table
// function fn called with args. schema is the declared output: each batch
// the function returns is checked against it (column count, types and
// NOT NULL columns) and relabelled with it, zero-copy. name appears in
// error messages.
func NewTableFunc(name string, fn TableFunc, args []scalar.Scalar, schema *arrow.Schema) (Operator, error) {
	if fn == nil || schema == nil {
		return nil, fmt.Errorf("%w: table function %s without a function or a schema", ErrInternal, name)
	}
	for i, a := range args {
		if a == nil {
			return nil, fmt.Errorf("%w: table function %s: argument %d is missing", ErrInternal, name, i+1)
		}
	}
	return &tableFuncOp{name: name, fn: fn, args: args, schema: schema}, nil
}

func (t *tableFuncOp) Schema() *arrow.Schema { return t.schema }

func (t *tableFuncOp) Open(ctx *Context) error {
	t.ctx, t.err = ctx, nil
	if err := ctx.Err(); err != nil {
		t.err = err
		return err
	}
	err := t.guard("", func() error {
		r, err := t.fn(ctx, t.args)
		if err != nil {
			return err
		}
		if r == nil {
			return fmt.Errorf("returned no reader and no error")
		}
		t.reader = r
		return nil
	})
	if err != nil {
		t.err = err
	}
	return err
}

// guard runs f, turning a panic or an error into one wrapping ErrExec and
// naming the function (and what was being done, when doing is set).
func (t *tableFuncOp) guard(doing string, f func() error) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("%w: table function %s panicked%s: %v\n%s", ErrExec, t.name, doing, p, debug.Stack())
		}
	}()
	if err := f(); err != nil {
		return fmt.Errorf("%w: table function %s%s: %w", ErrExec, t.name, doing, err)
	}
	return nil
}

func (t *tableFuncOp) Next() (arrow.Record, error) {
	if t.err != nil {
		return nil, t.err
	}
	if t.reader == nil {
		return nil, fmt.Errorf("%w: table function %s: Next without Open", ErrInternal, t.name)
	}
	if err := t.ctx.Err(); err != nil {
		return nil, t.fail(err)
	}
	var rec arrow.Record
	err := t.guard("", func() error {
		if !t.reader.Next() {
			return t.reader.Err()
		}
		rec = t.reader.Record()
		if rec == nil {
			return fmt.Errorf("reader's Next returned true but Record returned nil")
		}
		return nil
	})
	if err != nil {
		return nil, t.fail(err)
	}
	if rec == nil {
		t.release()
		t.err = io.EOF
		return nil, io.EOF
	}
	if err := t.check(rec); err != nil {
		return nil, t.fail(err)
	}
	return array.NewRecord(t.schema, rec.Columns(), rec.NumRows()), nil
}

// check compares a batch from the function with the declared schema.
func (t *tableFuncOp) check(rec arrow.Record) error {
	got := rec.Schema()
	want := t.schema.Fields()
	mismatch := len(got.Fields()) != len(want)
	for i := 0; !mismatch && i < len(want); i++ {
		mismatch = !arrow.TypeEqual(got.Field(i).Type, want[i].Type)
	}
	if mismatch {
		return fmt.Errorf("%w: table function %s returned a batch of schema %s, but it was declared to return %s",
			ErrExec, t.name, schemaText(got), schemaText(t.schema))
	}
	for i, f := range want {
		if !f.Nullable && rec.Column(i).NullN() > 0 {
			return fmt.Errorf("%w: table function %s returned NULL in column %s, declared NOT NULL", ErrExec, t.name, f.Name)
		}
	}
	return nil
}

func schemaText(s *arrow.Schema) string {
	out := "("
	for i, f := range s.Fields() {
		if i > 0 {
			out += ", "
		}
		out += f.Name + " " + f.Type.String()
	}
	return out + ")"
}

func (t *tableFuncOp) fail(err error) error {
	t.release()
	t.err = err
	return err
}

// release hands the reader back to the function, guarding against a
// panicking Release.
func (t *tableFuncOp) release() error {
	if t.reader == nil {
		return nil
	}
	r := t.reader
	t.reader = nil
	return t.guard(" releasing its reader", func() error {
		r.Release()
		return nil
	})
}

func (t *tableFuncOp) Close() error {
	err := t.release()
	if t.err == nil {
		t.err = io.EOF
	}
	return err
}

// GenerateSeries is the built-in table function generate_series(start,
// stop[, step]) over int64: start, start+step, ... while not past stop
// (in step's direction). step defaults to 1 and must not be zero; a NULL
// argument gives no rows, as in PostgreSQL. The output has one int64
// column and is produced lazily, ctx.BatchSize rows per batch.
func GenerateSeries(ctx *Context, args []scalar.Scalar) (array.RecordReader, error) {
	if len(args) < 2 || len(args) > 3 {
		return nil, fmt.Errorf("takes 2 or 3 arguments, got %d", len(args))
	}
	vals := [3]int64{0, 0, 1}
	for i, a := range args {
		if !a.IsValid() {
			return newSeriesReader(ctx, 0, 0, 0), nil
		}
		v, ok := a.(*scalar.Int64)
		if !ok {
			return nil, fmt.Errorf("argument %d is %s, want int64", i+1, a.DataType())
		}
		vals[i] = v.Value
	}
	start, stop, step := vals[0], vals[1], vals[2]
	if step == 0 {
		return nil, fmt.Errorf("step size cannot equal zero")
	}
	return newSeriesReader(ctx, start, step, seriesLength(start, stop, step)), nil
}

// seriesLength counts start, start+step, ... up to stop without
// overflowing: the distance is taken in uint64, where it is exact.
func seriesLength(start, stop, step int64) uint64 {
	var dist, stride uint64
	switch {
	case step > 0 && stop >= start:
		dist, stride = uint64(stop)-uint64(start), uint64(step)
	case step < 0 && stop <= start:
		dist, stride = uint64(start)-uint64(stop), uint64(-(step+1))+1
	default:
		return 0
	}
	n := dist / stride
	if n == math.MaxUint64 {
		return n
	}
	return n + 1
}

// GenerateSeriesSchema is generate_series's output: one int64 column.
var GenerateSeriesSchema = arrow.NewSchema([]arrow.Field{{Name: "generate_series", Type: arrow.PrimitiveTypes.Int64}}, nil)

type seriesReader struct {
	refs  int64
	ctx   *Context
	next  int64
	step  int64
	left  uint64
	rec   arrow.Record
	batch int
}

func newSeriesReader(ctx *Context, start, step int64, n uint64) *seriesReader {
	return &seriesReader{refs: 1, ctx: ctx, next: start, step: step, left: n, batch: ctx.batchSize()}
}

func (s *seriesReader) Retain()               { s.refs++ }
func (s *seriesReader) Schema() *arrow.Schema { return GenerateSeriesSchema }
func (s *seriesReader) Record() arrow.Record  { return s.rec }
func (s *seriesReader) Err() error            { return nil }

func (s *seriesReader) Release() {
	if s.refs--; s.refs == 0 && s.rec != nil {
		s.rec.Release()
		s.rec = nil
	}
}

func (s *seriesReader) Next() bool {
	if s.rec != nil {
		s.rec.Release()
		s.rec = nil
	}
	if s.left == 0 {
		return false
	}
	n := s.batch
	if uint64(n) > s.left {
		n = int(s.left)
	}
	b := array.NewInt64Builder(s.ctx.Alloc)
	defer b.Release()
	b.Reserve(n)
	v := s.next
	for i := 0; i < n; i++ {
		b.UnsafeAppend(v)
		v += s.step // wraps only after the last value, which is never used
	}
	s.next = v
	s.left -= uint64(n)
	arr := b.NewArray()
	defer arr.Release()
	s.rec = array.NewRecord(GenerateSeriesSchema, []arrow.Array{arr}, int64(n))
	return true
}

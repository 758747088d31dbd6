package store

import (
	"context"
	"fmt"
	"io"

	"github.com/apache/arrow/go/v15/arrow"
	"github.com/apache/arrow/go/v15/arrow/array"
	"github.com/apache/arrow/go/v15/arrow/memory"
	"github.com/apache/arrow/go/v15/arrow/scalar"
)

// Table is a source of rows with a fixed schema, divided into independent
// splits.
//
// A Table is safe for concurrent use. Splits may be called many times; each
// call returns the splits of the table's current contents (a snapshot for
// tables that grow, see [MemTable.Append]). Tables that hold resources (open
// files, mappings, retained records) also implement io.Closer; Close is
// idempotent, and readers opened before Close stay valid until they are
// closed themselves.
type Table interface {
	// Schema is the schema of every record the table's readers return
	// when no projection is given.
	Schema() *arrow.Schema
	// Splits lists the table's units of parallel work, in table order.
	Splits() ([]Split, error)
	// Stats describes the table for the optimizer; it never does I/O
	// beyond what opening the table did.
	Stats() TableStats
}

// Split is one unit of parallel work of a table: a Parquet row group, a
// range of an IPC file's record batches, a CSV file, a chunk of an
// in-memory table.
//
// Splits are immutable and safe for concurrent use: Open may be called
// concurrently from different goroutines, any number of times, and each
// call returns an independent reader.
type Split interface {
	// Open starts reading the split. mem allocates the records' buffers
	// (sources that hand out memory they do not allocate, such as the
	// zero-copy IPC reader, say so). ctx bounds the open and the reads.
	Open(ctx context.Context, mem memory.Allocator, opts ScanOptions) (RecordReader, error)
	// Describe names the split for EXPLAIN and error messages, e.g.
	// "lineitem.parquet row group 3".
	Describe() string
	// EstimatedRows is the split's row count, or an estimate, or -1.
	EstimatedRows() int64
	// EstimatedBytes is the split's size in bytes as stored, or -1.
	EstimatedBytes() int64
}

// RecordReader streams the records of one opened split. It is used by one
// goroutine at a time.
//
// Next returns the next record, which the caller owns and must Release
// exactly once; it stays valid after further Next calls and after Close.
// At the end Next returns (nil, io.EOF), and keeps doing so. Records may
// have zero rows. Close releases the reader's resources; it is idempotent
// and may be called before the end of the stream.
type RecordReader interface {
	Schema() *arrow.Schema
	Next() (arrow.Record, error)
	Close() error
}

// ScanOptions tell a split what to read.
type ScanOptions struct {
	// Columns is the projection: indices into the table schema, in the
	// order the output should have them. Nil means all columns; an empty
	// non-nil slice means none (records then carry only a row count,
	// which is what count(*) needs).
	Columns []int
	// Filters are conjunctive predicates a source may use to skip data
	// (Parquet row groups whose statistics prove no row matches). They
	// are hints: a reader may return rows that do not match.
	Filters []Predicate
	// BatchSize is the target number of rows per record; <= 0 means the
	// source's default.
	BatchSize int
}

// DefaultBatchSize is the batch size sources use when ScanOptions.BatchSize
// is not set.
const DefaultBatchSize = 4096

func (o ScanOptions) batchSize() int {
	if o.BatchSize <= 0 {
		return DefaultBatchSize
	}
	return o.BatchSize
}

// CompareOp is the comparison of a [Predicate].
type CompareOp int

// The comparisons a predicate may use. IsNull and IsNotNull ignore Value.
const (
	Eq CompareOp = iota
	NotEq
	Lt
	LtEq
	Gt
	GtEq
	IsNull
	IsNotNull
)

var compareOpNames = [...]string{"=", "<>", "<", "<=", ">", ">=", "IS NULL", "IS NOT NULL"}

func (op CompareOp) String() string {
	if op < 0 || int(op) >= len(compareOpNames) {
		return fmt.Sprintf("CompareOp(%d)", int(op))
	}
	return compareOpNames[op]
}

// Predicate is "column op value" over a column of the table schema (an
// index into Table.Schema, not into the projection). Value's type need not
// equal the column's: integers, decimals and floats compare by value, dates
// with dates, strings with strings; a pair that cannot be compared never
// prunes anything.
type Predicate struct {
	Column int
	Op     CompareOp
	Value  scalar.Scalar
}

func (p Predicate) String() string {
	if p.Op == IsNull || p.Op == IsNotNull {
		return fmt.Sprintf("#%d %s", p.Column, p.Op)
	}
	return fmt.Sprintf("#%d %s %v", p.Column, p.Op, p.Value)
}

// TableStats describe a table for the optimizer.
type TableStats struct {
	// Rows is the number of rows, or -1 when unknown.
	Rows int64
	// Bytes is the size of the data as stored (file bytes for files,
	// buffer bytes for in-memory tables), or -1 when unknown.
	Bytes int64
	// Columns holds one entry per schema field, or is nil when nothing is
	// known about the columns.
	Columns []ColumnStats
}

// ColumnStats describe one column. Unknown values are nil (Min, Max) or -1
// (counts).
type ColumnStats struct {
	Min, Max      scalar.Scalar
	NullCount     int64
	DistinctCount int64
}

// unknownColumnStats returns n entries that know nothing.
func unknownColumnStats(n int) []ColumnStats {
	out := make([]ColumnStats, n)
	for i := range out {
		out[i] = ColumnStats{NullCount: -1, DistinctCount: -1}
	}
	return out
}

// projectSchema returns the schema of records read with columns, checking
// the indices.
func projectSchema(schema *arrow.Schema, columns []int) (*arrow.Schema, error) {
	if columns == nil {
		return schema, nil
	}
	fields := make([]arrow.Field, len(columns))
	for i, c := range columns {
		if c < 0 || c >= schema.NumFields() {
			return nil, fmt.Errorf("%w: projection names column %d but the table has %d columns", ErrSchema, c, schema.NumFields())
		}
		fields[i] = schema.Field(c)
	}
	md := schema.Metadata()
	return arrow.NewSchema(fields, &md), nil
}

// ProjectSchema returns the schema of the records a split returns when read
// with the projection columns (nil: all) of schema.
func ProjectSchema(schema *arrow.Schema, columns []int) (*arrow.Schema, error) {
	return projectSchema(schema, columns)
}

// eofReader is the reader of a split with nothing to read (every row group
// pruned, for instance).
type eofReader struct{ schema *arrow.Schema }

func (r eofReader) Schema() *arrow.Schema       { return r.schema }
func (r eofReader) Next() (arrow.Record, error) { return nil, io.EOF }
func (r eofReader) Close() error                { return nil }

// countReader returns records with no columns whose lengths add up to rows,
// in batches of at most batch: the reader of an empty projection.
type countReader struct {
	schema *arrow.Schema
	left   int64
	batch  int64
}

func newCountReader(rows int64, batch int) *countReader {
	return &countReader{schema: arrow.NewSchema(nil, nil), left: rows, batch: int64(batch)}
}

func (r *countReader) Schema() *arrow.Schema { return r.schema }
func (r *countReader) Next() (arrow.Record, error) {
	if r.left <= 0 {
		return nil, io.EOF
	}
	n := min(r.left, r.batch)
	r.left -= n
	return array.NewRecord(r.schema, nil, n), nil
}
func (r *countReader) Close() error { r.left = 0; return nil }

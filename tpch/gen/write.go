package gen

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/apache/arrow/go/v15/arrow"
	"github.com/apache/arrow/go/v15/arrow/array"
	"github.com/apache/arrow/go/v15/arrow/ipc"
	"github.com/apache/arrow/go/v15/parquet"
	"github.com/apache/arrow/go/v15/parquet/compress"
	"github.com/apache/arrow/go/v15/parquet/pqarrow"
)

// Format is an output file format.
type Format string

const (
	// Parquet files, Snappy-compressed, one row group per generated
	// chunk (RowGroupRows rows), decimals stored as INT64 (as DuckDB and
	// Spark write decimal(15,2)), plain-encoded, with min/max statistics
	// on every column but the text ones.
	Parquet Format = "parquet"
	// IPC is the Arrow IPC file format ("Feather v2"), uncompressed so the
	// engine can memory-map it, one record batch per chunk.
	IPC Format = "ipc"
	// CSV is comma-separated text with a header line; dates as
	// YYYY-MM-DD, money with two decimals, text quoted when it holds a
	// comma or a quote.
	CSV Format = "csv"
)

// ParseFormat accepts "parquet", "ipc" (or "arrow") and "csv".
func ParseFormat(s string) (Format, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "", "parquet":
		return Parquet, nil
	case "ipc", "arrow", "feather":
		return IPC, nil
	case "csv":
		return CSV, nil
	}
	return "", fmt.Errorf("%w: unknown format %q (want parquet, ipc or csv)", ErrInvalid, s)
}

// ext is the file extension the store recognises for the format.
func (f Format) ext() string {
	switch f {
	case IPC:
		return ".arrow"
	case CSV:
		return ".csv"
	}
	return ".parquet"
}

// catalogFormat is the format name in catalog.json.
func (f Format) catalogFormat() string {
	if f == IPC {
		return "arrow"
	}
	return string(f)
}

// recordWriter writes one output file.
type recordWriter interface {
	write(rec arrow.Record) error
	// close finishes the file; it must be called even after a failed
	// write, and returns the first error.
	close() error
}

// fileSink is a buffered output file that remembers the first error and
// how many bytes were written (for Arrow IPC's Seek at the start).
type fileSink struct {
	// name is the file's final name, for errors (it is written under a
	// temporary one).
	name string
	f    *os.File
	w    *bufio.Writer
	n    int64
	err  error
}

func createSink(path, name string) (*fileSink, error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %v", ErrWrite, name, unwrapPath(err))
	}
	return &fileSink{name: name, f: f, w: bufio.NewWriterSize(f, 1<<20)}, nil
}

func (s *fileSink) Write(p []byte) (int, error) {
	if s.err != nil {
		return 0, s.err
	}
	n, err := s.w.Write(p)
	s.n += int64(n)
	if err != nil {
		s.err = fmt.Errorf("%w: %s: %v", ErrWrite, s.name, unwrapPath(err))
	}
	return n, s.err
}

func (s *fileSink) Seek(offset int64, whence int) (int64, error) {
	if offset == 0 && whence == io.SeekCurrent {
		return s.n, nil
	}
	return 0, errors.New("output file is not seekable")
}

func (s *fileSink) close() error {
	if err := s.w.Flush(); err != nil && s.err == nil {
		s.err = fmt.Errorf("%w: %s: %v", ErrWrite, s.name, unwrapPath(err))
	}
	if err := s.f.Close(); err != nil && s.err == nil {
		s.err = fmt.Errorf("%w: %s: %v", ErrWrite, s.name, unwrapPath(err))
	}
	return s.err
}

// unwrapPath drops the *os.PathError wrapper, whose path we print anyway.
func unwrapPath(err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// newRecordWriter creates path to write a file that will be called name.
func newRecordWriter(format Format, path, name string, schema *arrow.Schema) (recordWriter, error) {
	sink, err := createSink(path, name)
	if err != nil {
		return nil, err
	}
	var w recordWriter
	switch format {
	case IPC:
		w, err = newIPCWriter(sink, schema)
	case CSV:
		w = newCSVWriter(sink, schema)
	default:
		w, err = newParquetWriter(sink, schema)
	}
	if err != nil {
		sink.close()
		return nil, err
	}
	return w, nil
}

// parquetProps are the Parquet writer properties for every table.
//
// No column is dictionary-encoded: Arrow Go v15's dictionary encoder
// hashes and boxes every string value (2.3 s of CPU for SF1's
// low-cardinality strings, a fifth of the whole run), while plain pages
// of repeated short strings compress well with Snappy anyway.
var parquetProps = func() *parquet.WriterProperties {
	opts := []parquet.WriterProperty{
		parquet.WithCompression(compress.Codecs.Snappy),
		parquet.WithDictionaryDefault(false),
		parquet.WithStoreDecimalAsInteger(true),
		// A lineitem chunk can exceed RowGroupRows by a little; keep it
		// one row group.
		parquet.WithMaxRowGroupLength(2 * RowGroupRows),
		parquet.WithCreatedBy("dataflow tpch/gen"),
	}
	// Min/max statistics let a reader skip row groups; for TPC-H's text
	// columns they never do (every row group holds every flag, mode and
	// segment, and comments, names and phones are random), and computing
	// them compares every string. So: statistics on every other column.
	for _, t := range tableDefs {
		for _, f := range t.schema.Fields() {
			if f.Type.ID() == arrow.STRING {
				opts = append(opts, parquet.WithStatsFor(f.Name, false))
			}
		}
	}
	return parquet.NewWriterProperties(opts...)
}()

type parquetWriter struct {
	sink *fileSink
	fw   *pqarrow.FileWriter
}

func newParquetWriter(sink *fileSink, schema *arrow.Schema) (*parquetWriter, error) {
	fw, err := pqarrow.NewFileWriter(schema, sink, parquetProps, pqarrow.DefaultWriterProps())
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %v", ErrWrite, sink.name, err)
	}
	return &parquetWriter{sink: sink, fw: fw}, nil
}

func (w *parquetWriter) write(rec arrow.Record) error {
	if err := w.fw.Write(rec); err != nil {
		return w.fail(err)
	}
	return nil
}

func (w *parquetWriter) fail(err error) error {
	if w.sink.err != nil {
		return w.sink.err
	}
	return fmt.Errorf("%w: %s: %v", ErrWrite, w.sink.name, err)
}

func (w *parquetWriter) close() error {
	err := w.fw.Close()
	if cerr := w.sink.close(); cerr != nil {
		return cerr
	}
	if err != nil {
		return w.fail(err)
	}
	return nil
}

type ipcWriter struct {
	sink *fileSink
	fw   *ipc.FileWriter
}

func newIPCWriter(sink *fileSink, schema *arrow.Schema) (*ipcWriter, error) {
	fw, err := ipc.NewFileWriter(sink, ipc.WithSchema(schema))
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %v", ErrWrite, sink.name, err)
	}
	return &ipcWriter{sink: sink, fw: fw}, nil
}

func (w *ipcWriter) write(rec arrow.Record) error {
	if err := w.fw.Write(rec); err != nil {
		if w.sink.err != nil {
			return w.sink.err
		}
		return fmt.Errorf("%w: %s: %v", ErrWrite, w.sink.name, err)
	}
	return nil
}

func (w *ipcWriter) close() error {
	err := w.fw.Close()
	if cerr := w.sink.close(); cerr != nil {
		return cerr
	}
	if err != nil {
		return fmt.Errorf("%w: %s: %v", ErrWrite, w.sink.name, err)
	}
	return nil
}

// csvWriter formats the few types TPC-H uses directly; it is several
// times faster than going through strconv and a generic CSV encoder.
type csvWriter struct {
	sink *fileSink
	buf  []byte
}

func newCSVWriter(sink *fileSink, schema *arrow.Schema) *csvWriter {
	w := &csvWriter{sink: sink}
	for i, f := range schema.Fields() {
		if i > 0 {
			w.buf = append(w.buf, ',')
		}
		w.buf = append(w.buf, f.Name...)
	}
	w.buf = append(w.buf, '\n')
	return w
}

func (w *csvWriter) write(rec arrow.Record) error {
	cols := rec.Columns()
	for row := 0; row < int(rec.NumRows()); row++ {
		for c, col := range cols {
			if c > 0 {
				w.buf = append(w.buf, ',')
			}
			w.buf = appendCSVValue(w.buf, col, row)
		}
		w.buf = append(w.buf, '\n')
		if len(w.buf) >= 1<<20 {
			if _, err := w.sink.Write(w.buf); err != nil {
				return err
			}
			w.buf = w.buf[:0]
		}
	}
	return nil
}

func appendCSVValue(b []byte, col arrow.Array, row int) []byte {
	switch a := col.(type) {
	case *array.Int64:
		return appendInt(b, a.Value(row))
	case *array.Int32:
		return appendInt(b, int64(a.Value(row)))
	case *array.Date32:
		return appendDate(b, int32(a.Value(row)))
	case *array.Decimal128:
		return appendCents(b, a.Value(row).LowBits())
	case *array.String:
		return appendCSVString(b, a.Value(row))
	}
	// Unreachable: the schemas above use only these types.
	return append(b, col.ValueStr(row)...)
}

func appendInt(b []byte, v int64) []byte {
	if v < 0 {
		b = append(b, '-')
		v = -v
	}
	return appendDigits(b, v, 1)
}

// appendCents writes a decimal(15,2) held as its unscaled low 64 bits.
func appendCents(b []byte, low uint64) []byte {
	v := int64(low)
	if v < 0 {
		b = append(b, '-')
		v = -v
	}
	b = appendDigits(b, v/100, 1)
	b = append(b, '.')
	return appendDigits(b, v%100, 2)
}

// appendDate writes days since 1970-01-01 as YYYY-MM-DD (civil-from-days,
// H. Hinnant's algorithm).
func appendDate(b []byte, days int32) []byte {
	z := int64(days) + 719468
	era := z / 146097
	doe := z - era*146097
	yoe := (doe - doe/1460 + doe/36524 - doe/146096) / 365
	y := yoe + era*400
	doy := doe - (365*yoe + yoe/4 - yoe/100)
	mp := (5*doy + 2) / 153
	d := doy - (153*mp+2)/5 + 1
	m := mp + 3
	if m > 12 {
		m -= 12
		y++
	}
	b = appendDigits(b, y, 4)
	b = append(b, '-')
	b = appendDigits(b, m, 2)
	b = append(b, '-')
	return appendDigits(b, d, 2)
}

func appendCSVString(b []byte, s string) []byte {
	if !strings.ContainsAny(s, ",\"\n\r") {
		return append(b, s...)
	}
	b = append(b, '"')
	for i := 0; i < len(s); i++ {
		if s[i] == '"' {
			b = append(b, '"')
		}
		b = append(b, s[i])
	}
	return append(b, '"')
}

func (w *csvWriter) close() error {
	if len(w.buf) > 0 {
		w.sink.Write(w.buf) // the error is kept in the sink
		w.buf = w.buf[:0]
	}
	return w.sink.close()
}

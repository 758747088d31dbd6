package store

import (
	"bufio"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/apache/arrow/go/v15/arrow"
	"github.com/apache/arrow/go/v15/arrow/array"
	"github.com/apache/arrow/go/v15/arrow/decimal128"
	"github.com/apache/arrow/go/v15/arrow/memory"
)

// CSVOptions describe a delimited text file.
//
// TPC-H .tbl files (dbgen output) are '|'-delimited, have no header, no
// nulls and end every line with the delimiter: read them with
// Delimiter '|', NoHeader and TrailingDelimiter (OpenTable sets these for
// the .tbl extension), and give Schema to get the TPC-H types (decimals,
// dates): inference would read prices as float64.
type CSVOptions struct {
	// Delimiter separates fields; 0 means ','.
	Delimiter rune
	// NoHeader says the first line is data. Column names then come from
	// Schema, or are c1, c2, ...
	NoHeader bool
	// Null is the text of a null value in any column. The empty string
	// (the default) makes empty fields null.
	Null string
	// TrailingDelimiter says every line ends with a delimiter, which is
	// dropped (the last field must be empty).
	TrailingDelimiter bool
	// Schema gives the columns' names and types; with a header, its
	// column count must match. Nil means inference from the first
	// InferRows data lines: int64, then decimal (with InferDecimal), then
	// float64, date32 ('YYYY-MM-DD'), bool (true/false), else utf8. A
	// column with only nulls is utf8.
	Schema *arrow.Schema
	// InferRows is how many lines inference reads; <= 0 means 1000.
	InferRows int
	// InferDecimal infers decimal128(18, s) for columns of plain decimal
	// numbers (s the largest number of fraction digits seen, at most 18
	// digits in all) instead of float64.
	InferDecimal bool
}

// CSVTable is one delimited text file, or a directory of them (*.csv and
// *.tbl), each file a split. Values are parsed into builders from the
// allocator given to Open; bad values are ErrFormat naming the file, the
// line and the column.
type CSVTable struct {
	files  []string
	sizes  []int64
	schema *arrow.Schema
	opts   CSVOptions
}

var _ Table = (*CSVTable)(nil)

// OpenCSV opens a CSV file or a directory of CSV/.tbl files sharing one
// layout. The schema is given or inferred from the first file.
func OpenCSV(path string, opts CSVOptions) (*CSVTable, error) {
	var files []string
	if info, err := os.Stat(path); err == nil && info.IsDir() {
		csvs, err1 := listFiles(path, ".csv")
		tbls, err2 := listFiles(path, ".tbl")
		if err1 != nil && err2 != nil {
			return nil, fmt.Errorf("%w: directory %s holds no .csv or .tbl files", ErrNotFound, path)
		}
		files = append(csvs, tbls...)
	} else {
		fs, err := listFiles(path, ".csv")
		if err != nil {
			return nil, err
		}
		files = fs
	}
	if opts.Delimiter == 0 {
		opts.Delimiter = ','
	}
	if opts.Delimiter == '"' || opts.Delimiter == '\n' || opts.Delimiter == '\r' {
		return nil, fmt.Errorf("%w: CSV delimiter %q", ErrFormat, opts.Delimiter)
	}
	t := &CSVTable{files: files, opts: opts}
	for _, f := range files {
		info, err := os.Stat(f)
		if err != nil {
			return nil, fmt.Errorf("%w: %s", ErrNotFound, f)
		}
		t.sizes = append(t.sizes, info.Size())
	}
	schema, err := t.readSchema(files[0])
	if err != nil {
		return nil, err
	}
	t.schema = schema
	return t, nil
}

func (t *CSVTable) newReader(f io.Reader) *csv.Reader {
	r := csv.NewReader(bufio.NewReaderSize(f, 1<<16))
	r.Comma = t.opts.Delimiter
	r.FieldsPerRecord = -1
	r.ReuseRecord = true
	return r
}

// readSchema reads the header and, without a given schema, infers the
// types from the first lines of path.
func (t *CSVTable) readSchema(path string) (*arrow.Schema, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("%w: %s", ErrNotFound, path)
	}
	defer f.Close()
	r := t.newReader(f)
	var names []string
	if !t.opts.NoHeader {
		rec, err := r.Read()
		if err == io.EOF {
			return nil, fmt.Errorf("%w: %s: empty file, expected a header line", ErrFormat, path)
		}
		if err != nil {
			return nil, csvError(path, err)
		}
		rec = t.trim(rec)
		names = append(names, rec...)
	}
	if s := t.opts.Schema; s != nil {
		if names != nil && len(names) != s.NumFields() {
			return nil, fmt.Errorf("%w: %s: header has %d columns, the given schema %d", ErrSchema, path, len(names), s.NumFields())
		}
		return s, nil
	}
	limit := t.opts.InferRows
	if limit <= 0 {
		limit = 1000
	}
	var inf []columnInference
	for n := 0; n < limit; n++ {
		rec, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, csvError(path, err)
		}
		rec = t.trim(rec)
		if inf == nil {
			inf = make([]columnInference, len(rec))
			for i := range inf {
				inf[i] = newColumnInference()
			}
			if names != nil && len(names) != len(rec) {
				line, _ := r.FieldPos(0)
				return nil, fmt.Errorf("%w: %s line %d: %d fields, the header has %d", ErrFormat, path, line, len(rec), len(names))
			}
		}
		if len(rec) != len(inf) {
			line, _ := r.FieldPos(0)
			return nil, fmt.Errorf("%w: %s line %d: %d fields, expected %d", ErrFormat, path, line, len(rec), len(inf))
		}
		for i, v := range rec {
			if v != t.opts.Null {
				inf[i].observe(v)
			}
		}
	}
	if names == nil {
		for i := range inf {
			names = append(names, fmt.Sprintf("c%d", i+1))
		}
	}
	fields := make([]arrow.Field, len(names))
	for i, n := range names {
		dt := arrow.DataType(arrow.BinaryTypes.String)
		if i < len(inf) {
			dt = inf[i].result(t.opts.InferDecimal)
		}
		fields[i] = arrow.Field{Name: n, Type: dt, Nullable: true}
	}
	return arrow.NewSchema(fields, nil), nil
}

func (t *CSVTable) trim(rec []string) []string {
	if t.opts.TrailingDelimiter && len(rec) > 0 && rec[len(rec)-1] == "" {
		return rec[:len(rec)-1]
	}
	return rec
}

func csvError(path string, err error) error {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return fmt.Errorf("%w: %s line %d column %d: %v", ErrFormat, path, pe.Line, pe.Column, pe.Err)
	}
	return fmt.Errorf("%w: %s: %v", ErrFormat, path, err)
}

type columnInference struct {
	seen                                  bool
	isInt, isNum, isDate, isBool, isPlain bool
	scale, intDigits                      int
}

func newColumnInference() columnInference {
	return columnInference{isInt: true, isNum: true, isDate: true, isBool: true, isPlain: true}
}

func (c *columnInference) observe(v string) {
	c.seen = true
	if c.isInt {
		if _, err := strconv.ParseInt(v, 10, 64); err != nil {
			c.isInt = false
		}
	}
	if c.isNum {
		if _, err := strconv.ParseFloat(v, 64); err != nil {
			c.isNum = false
		}
	}
	if c.isPlain {
		ip, fp, ok := plainDecimal(v)
		if !ok {
			c.isPlain = false
		} else {
			c.intDigits, c.scale = max(c.intDigits, ip), max(c.scale, fp)
		}
	}
	if c.isDate {
		if _, ok := parseDate(v); !ok {
			c.isDate = false
		}
	}
	if c.isBool {
		if v != "true" && v != "false" {
			c.isBool = false
		}
	}
}

func (c *columnInference) result(inferDecimal bool) arrow.DataType {
	switch {
	case !c.seen:
		return arrow.BinaryTypes.String
	case c.isInt:
		return arrow.PrimitiveTypes.Int64
	case inferDecimal && c.isPlain && c.intDigits+c.scale <= 18:
		return &arrow.Decimal128Type{Precision: 18, Scale: int32(c.scale)}
	case c.isNum:
		return arrow.PrimitiveTypes.Float64
	case c.isDate:
		return arrow.FixedWidthTypes.Date32
	case c.isBool:
		return arrow.FixedWidthTypes.Boolean
	}
	return arrow.BinaryTypes.String
}

// plainDecimal reports whether v is [-+]digits[.digits] and how many
// digits it has before and after the point.
func plainDecimal(v string) (intDigits, fracDigits int, ok bool) {
	if v != "" && (v[0] == '-' || v[0] == '+') {
		v = v[1:]
	}
	ip, fp, _ := strings.Cut(v, ".")
	if ip == "" && fp == "" {
		return 0, 0, false
	}
	for _, s := range []string{ip, fp} {
		for i := 0; i < len(s); i++ {
			if s[i] < '0' || s[i] > '9' {
				return 0, 0, false
			}
		}
	}
	return len(strings.TrimLeft(ip, "0")), len(fp), true
}

// parseDate parses YYYY-MM-DD into days since the Unix epoch.
func parseDate(v string) (arrow.Date32, bool) {
	if len(v) != 10 || v[4] != '-' || v[7] != '-' {
		return 0, false
	}
	num := func(s string) (int, bool) {
		n := 0
		for i := 0; i < len(s); i++ {
			if s[i] < '0' || s[i] > '9' {
				return 0, false
			}
			n = n*10 + int(s[i]-'0')
		}
		return n, true
	}
	y, ok1 := num(v[:4])
	m, ok2 := num(v[5:7])
	d, ok3 := num(v[8:])
	if !ok1 || !ok2 || !ok3 || m < 1 || m > 12 || d < 1 || d > daysIn(y, m) {
		return 0, false
	}
	// days_from_civil (Howard Hinnant)
	if m <= 2 {
		y--
	}
	era := y / 400
	yoe := y - era*400
	mp := (m + 9) % 12
	doy := (153*mp+2)/5 + d - 1
	doe := yoe*365 + yoe/4 - yoe/100 + doy
	return arrow.Date32(era*146097 + doe - 719468), true
}

func daysIn(y, m int) int {
	switch m {
	case 2:
		if y%4 == 0 && (y%100 != 0 || y%400 == 0) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}

// Schema implements Table.
func (t *CSVTable) Schema() *arrow.Schema { return t.schema }

// Stats implements Table: the byte size of the files; rows are unknown
// without reading them.
func (t *CSVTable) Stats() TableStats {
	var b int64
	for _, s := range t.sizes {
		b += s
	}
	return TableStats{Rows: -1, Bytes: b}
}

// Close implements io.Closer; a CSVTable holds no resources.
func (t *CSVTable) Close() error { return nil }

// Splits implements Table: one split per file.
func (t *CSVTable) Splits() ([]Split, error) {
	out := make([]Split, len(t.files))
	for i, f := range t.files {
		out[i] = &csvSplit{t: t, path: f, size: t.sizes[i]}
	}
	return out, nil
}

type csvSplit struct {
	t    *CSVTable
	path string
	size int64
}

func (s *csvSplit) Describe() string      { return s.path }
func (s *csvSplit) EstimatedRows() int64  { return -1 }
func (s *csvSplit) EstimatedBytes() int64 { return s.size }

// Open implements Split.
func (s *csvSplit) Open(ctx context.Context, mem memory.Allocator, opts ScanOptions) (RecordReader, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	schema, err := projectSchema(s.t.schema, opts.Columns)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", s.path, err)
	}
	f, err := os.Open(s.path)
	if err != nil {
		return nil, fmt.Errorf("%w: %s", ErrNotFound, s.path)
	}
	if mem == nil {
		mem = memory.DefaultAllocator
	}
	cols := opts.Columns
	if cols == nil {
		cols = make([]int, s.t.schema.NumFields())
		for i := range cols {
			cols[i] = i
		}
	}
	r := &csvReader{split: s, schema: schema, cols: cols, file: f, r: s.t.newReader(f), batch: opts.batchSize(), mem: mem}
	if !s.t.opts.NoHeader {
		if _, err := r.r.Read(); err != nil && err != io.EOF {
			f.Close()
			return nil, csvError(s.path, err)
		}
	}
	return r, nil
}

type csvReader struct {
	split  *csvSplit
	schema *arrow.Schema
	cols   []int
	file   *os.File
	r      *csv.Reader
	batch  int
	mem    memory.Allocator
	err    error
	done   bool
}

func (r *csvReader) Schema() *arrow.Schema { return r.schema }

func (r *csvReader) Next() (arrow.Record, error) {
	if r.err != nil {
		return nil, r.err
	}
	if r.done || r.file == nil {
		return nil, io.EOF
	}
	b := array.NewRecordBuilder(r.mem, r.schema)
	defer b.Release()
	opts := &r.split.t.opts
	want := r.split.t.schema.NumFields()
	n := 0
	for n < r.batch {
		rec, err := r.r.Read()
		if err == io.EOF {
			r.done = true
			break
		}
		if err != nil {
			r.err = csvError(r.split.path, err)
			return nil, r.err
		}
		line, _ := r.r.FieldPos(0)
		if opts.TrailingDelimiter {
			if len(rec) == 0 || rec[len(rec)-1] != "" {
				r.err = fmt.Errorf("%w: %s line %d: the line does not end with the delimiter %q", ErrFormat, r.split.path, line, opts.Delimiter)
				return nil, r.err
			}
			rec = rec[:len(rec)-1]
		}
		if len(rec) != want {
			r.err = fmt.Errorf("%w: %s line %d: %d fields, expected %d", ErrFormat, r.split.path, line, len(rec), want)
			return nil, r.err
		}
		for j, c := range r.cols {
			if err := appendCSV(b.Field(j), rec[c], opts.Null); err != nil {
				line, col := r.r.FieldPos(c)
				r.err = fmt.Errorf("%w: %s line %d column %d (%s): %v", ErrFormat, r.split.path, line, col, r.split.t.schema.Field(c).Name, err)
				return nil, r.err
			}
		}
		n++
	}
	if n == 0 {
		return nil, io.EOF
	}
	rec := b.NewRecord()
	if len(r.cols) == 0 {
		rec.Release()
		return array.NewRecord(r.schema, nil, int64(n)), nil
	}
	return rec, nil
}

// appendCSV parses v into b.
func appendCSV(b array.Builder, v, null string) error {
	if v == null {
		b.AppendNull()
		return nil
	}
	bad := func(typ string) error { return fmt.Errorf("cannot parse %q as %s", v, typ) }
	switch b := b.(type) {
	case *array.StringBuilder:
		b.Append(v)
	case *array.LargeStringBuilder:
		b.Append(v)
	case *array.Int64Builder:
		x, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return bad("int64")
		}
		b.Append(x)
	case *array.Int32Builder:
		x, err := strconv.ParseInt(v, 10, 32)
		if err != nil {
			return bad("int32")
		}
		b.Append(int32(x))
	case *array.Float64Builder:
		x, err := strconv.ParseFloat(v, 64)
		if err != nil {
			return bad("float64")
		}
		b.Append(x)
	case *array.Date32Builder:
		d, ok := parseDate(v)
		if !ok {
			return bad("date (YYYY-MM-DD)")
		}
		b.Append(d)
	case *array.BooleanBuilder:
		x, err := strconv.ParseBool(v)
		if err != nil {
			return bad("bool")
		}
		b.Append(x)
	case *array.Decimal128Builder:
		dt := b.Type().(*arrow.Decimal128Type)
		if _, _, ok := plainDecimal(v); !ok {
			return bad(dt.String())
		}
		n, err := decimal128.FromString(v, dt.Precision, dt.Scale)
		if err != nil {
			return bad(dt.String())
		}
		b.Append(n)
	default:
		return fmt.Errorf("CSV columns of type %s are not supported", b.Type())
	}
	return nil
}

func (r *csvReader) Close() error {
	if r.file == nil {
		return nil
	}
	err := r.file.Close()
	r.file = nil
	return err
}

// isTBL reports whether path names a TPC-H .tbl file.
func isTBL(path string) bool { return strings.EqualFold(filepath.Ext(path), ".tbl") }

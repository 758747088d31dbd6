// Package exectest is the harness every exec operator is tested under.
//
// Tests describe input and expected output as rows of text (NULL for a
// null, decimals as "12.34", dates as "1998-09-02"), and Run executes the
// operator under every variation the executor must survive: batch sizes of
// 1, 7 and 1024 rows, empty batches injected between real ones, Next called
// again after io.EOF, Close called twice, and, where the test supplies a
// naive reference implementation, inputs with randomly injected nulls
// checked against that reference. Every run uses a checked allocator and
// fails the test if a single byte leaks.
//
// exectest imports exec; it is only for tests and benchmarks.
package exectest

import (
	"errors"
	"fmt"
	"io"
	"math/rand"
	"runtime/debug"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow/go/v15/arrow"
	"github.com/apache/arrow/go/v15/arrow/array"
	"github.com/apache/arrow/go/v15/arrow/decimal128"
	"github.com/apache/arrow/go/v15/arrow/memory"

	"github.com/dataflow-go/dataflow/exec"
)

// Rows is a table as text: one []string per row, "NULL" for a null.
type Rows [][]string

// R builds Rows from lines of '|'-separated values: R("1|a", "2|NULL").
func R(lines ...string) Rows {
	rows := make(Rows, 0, len(lines))
	for _, l := range lines {
		rows = append(rows, strings.Split(l, "|"))
	}
	return rows
}

// Schema builds a schema of nullable fields from "name:type" specs. Types:
// bool, int8, int16, int32, int64, float32, float64, utf8 (or string),
// date32 (or date), timestamp (microseconds, UTC) and decimal(p,s).
func Schema(specs ...string) *arrow.Schema {
	fields := make([]arrow.Field, len(specs))
	for i, s := range specs {
		name, typ, ok := strings.Cut(s, ":")
		if !ok {
			panic(fmt.Sprintf("exectest.Schema: spec %q is not name:type", s))
		}
		dt, err := ParseType(typ)
		if err != nil {
			panic(err)
		}
		fields[i] = arrow.Field{Name: name, Type: dt, Nullable: true}
	}
	return arrow.NewSchema(fields, nil)
}

// ParseType parses the type names Schema accepts.
func ParseType(s string) (arrow.DataType, error) {
	s = strings.ToLower(strings.TrimSpace(s))
	switch s {
	case "bool", "boolean":
		return arrow.FixedWidthTypes.Boolean, nil
	case "int8":
		return arrow.PrimitiveTypes.Int8, nil
	case "int16":
		return arrow.PrimitiveTypes.Int16, nil
	case "int32", "int":
		return arrow.PrimitiveTypes.Int32, nil
	case "int64", "bigint":
		return arrow.PrimitiveTypes.Int64, nil
	case "float32":
		return arrow.PrimitiveTypes.Float32, nil
	case "float64", "double":
		return arrow.PrimitiveTypes.Float64, nil
	case "utf8", "string":
		return arrow.BinaryTypes.String, nil
	case "date32", "date":
		return arrow.FixedWidthTypes.Date32, nil
	case "timestamp":
		return &arrow.TimestampType{Unit: arrow.Microsecond, TimeZone: "UTC"}, nil
	}
	if strings.HasPrefix(s, "decimal(") && strings.HasSuffix(s, ")") {
		ps := strings.Split(s[len("decimal("):len(s)-1], ",")
		if len(ps) == 2 {
			p, err1 := strconv.Atoi(strings.TrimSpace(ps[0]))
			sc, err2 := strconv.Atoi(strings.TrimSpace(ps[1]))
			if err1 == nil && err2 == nil {
				return &arrow.Decimal128Type{Precision: int32(p), Scale: int32(sc)}, nil
			}
		}
	}
	return nil, fmt.Errorf("exectest: unknown type %q", s)
}

// MakeRecords turns rows into records of at most batchSize rows each. When
// withEmpty is set, an empty record is placed before, between and after the
// real ones. The caller owns the records.
func MakeRecords(mem memory.Allocator, schema *arrow.Schema, rows Rows, batchSize int, withEmpty bool) ([]arrow.Record, error) {
	if batchSize <= 0 {
		batchSize = len(rows) + 1
	}
	var out []arrow.Record
	empty := func() error {
		r, err := BuildRecord(mem, schema, nil)
		if err != nil {
			return err
		}
		out = append(out, r)
		return nil
	}
	if withEmpty {
		if err := empty(); err != nil {
			return nil, err
		}
	}
	for start := 0; start < len(rows); start += batchSize {
		end := min(start+batchSize, len(rows))
		r, err := BuildRecord(mem, schema, rows[start:end])
		if err != nil {
			for _, o := range out {
				o.Release()
			}
			return nil, err
		}
		out = append(out, r)
		if withEmpty {
			if err := empty(); err != nil {
				return nil, err
			}
		}
	}
	return out, nil
}

// BuildRecord builds one record from rows of text values.
func BuildRecord(mem memory.Allocator, schema *arrow.Schema, rows Rows) (arrow.Record, error) {
	b := array.NewRecordBuilder(mem, schema)
	defer b.Release()
	for ri, row := range rows {
		if len(row) != len(schema.Fields()) {
			return nil, fmt.Errorf("exectest: row %d has %d values, schema has %d fields", ri, len(row), len(schema.Fields()))
		}
		for ci, v := range row {
			if err := AppendText(b.Field(ci), v); err != nil {
				return nil, fmt.Errorf("exectest: row %d column %s: %w", ri, schema.Field(ci).Name, err)
			}
		}
	}
	return b.NewRecord(), nil
}

// AppendText appends a value given as text ("NULL" for a null) to b.
func AppendText(b array.Builder, v string) error {
	if v == "NULL" {
		b.AppendNull()
		return nil
	}
	switch b := b.(type) {
	case *array.BooleanBuilder:
		x, err := strconv.ParseBool(v)
		if err != nil {
			return err
		}
		b.Append(x)
	case *array.Int8Builder:
		x, err := strconv.ParseInt(v, 10, 8)
		if err != nil {
			return err
		}
		b.Append(int8(x))
	case *array.Int16Builder:
		x, err := strconv.ParseInt(v, 10, 16)
		if err != nil {
			return err
		}
		b.Append(int16(x))
	case *array.Int32Builder:
		x, err := strconv.ParseInt(v, 10, 32)
		if err != nil {
			return err
		}
		b.Append(int32(x))
	case *array.Int64Builder:
		x, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return err
		}
		b.Append(x)
	case *array.Float32Builder:
		x, err := strconv.ParseFloat(v, 32)
		if err != nil {
			return err
		}
		b.Append(float32(x))
	case *array.Float64Builder:
		x, err := strconv.ParseFloat(v, 64)
		if err != nil {
			return err
		}
		b.Append(x)
	case *array.StringBuilder:
		b.Append(v)
	case *array.Date32Builder:
		t, err := time.Parse("2006-01-02", v)
		if err != nil {
			return err
		}
		b.Append(arrow.Date32FromTime(t))
	case *array.TimestampBuilder:
		t, err := time.Parse("2006-01-02 15:04:05", v)
		if err != nil {
			return err
		}
		b.Append(arrow.Timestamp(t.UnixMicro()))
	case *array.Decimal128Builder:
		dt := b.Type().(*arrow.Decimal128Type)
		n, err := decimal128.FromString(v, dt.Precision, dt.Scale)
		if err != nil {
			return err
		}
		b.Append(n)
	default:
		return fmt.Errorf("unsupported builder %T", b)
	}
	return nil
}

// RecordRows renders a record as text rows with exec.FormatValue.
func RecordRows(r arrow.Record) Rows {
	rows := make(Rows, r.NumRows())
	for i := range rows {
		row := make([]string, r.NumCols())
		for c := range row {
			row[c] = exec.FormatValue(r.Column(c), i)
		}
		rows[i] = row
	}
	return rows
}

// Source is an operator replaying a fixed list of records. It takes
// ownership of the records and releases those it has not handed out on
// Close.
type Source struct {
	schema  *arrow.Schema
	recs    []arrow.Record
	pos     int
	opened  bool
	closed  bool
	NextErr error // when set, returned instead of the batch at position ErrAt
	ErrAt   int
}

var _ exec.Operator = (*Source)(nil)

// NewSource returns a Source over recs.
func NewSource(schema *arrow.Schema, recs []arrow.Record) *Source {
	return &Source{schema: schema, recs: recs, ErrAt: -1}
}

// Schema implements exec.Operator.
func (s *Source) Schema() *arrow.Schema { return s.schema }

// Open implements exec.Operator.
func (s *Source) Open(*exec.Context) error {
	if s.opened {
		return fmt.Errorf("%w: exectest.Source opened twice", exec.ErrInternal)
	}
	s.opened = true
	return nil
}

// Next implements exec.Operator.
func (s *Source) Next() (arrow.Record, error) {
	if !s.opened || s.closed {
		return nil, fmt.Errorf("%w: exectest.Source.Next without Open or after Close", exec.ErrInternal)
	}
	if s.NextErr != nil && s.pos == s.ErrAt {
		return nil, s.NextErr
	}
	if s.pos >= len(s.recs) {
		return nil, io.EOF
	}
	r := s.recs[s.pos]
	s.recs[s.pos] = nil
	s.pos++
	return r, nil
}

// Close implements exec.Operator.
func (s *Source) Close() error {
	s.closed = true
	for i, r := range s.recs {
		if r != nil {
			r.Release()
			s.recs[i] = nil
		}
	}
	return nil
}

// Drain opens op, reads it to the end, checks that Next keeps returning
// io.EOF afterwards, closes it twice and returns the rows it produced.
func Drain(ctx *exec.Context, op exec.Operator) (rows Rows, err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("panic: %v\n%s", p, debug.Stack())
		}
	}()
	defer func() {
		if cerr := op.Close(); cerr != nil && err == nil {
			err = cerr
		}
		if cerr := op.Close(); cerr != nil && err == nil {
			err = fmt.Errorf("second Close: %w", cerr)
		}
	}()
	if err := op.Open(ctx); err != nil {
		return nil, err
	}
	for {
		r, err := op.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return rows, err
		}
		if r == nil {
			return rows, errors.New("Next returned a nil record without an error")
		}
		if !r.Schema().Equal(op.Schema()) {
			got := r.Schema()
			r.Release()
			return rows, fmt.Errorf("batch schema %v differs from operator schema %v", got, op.Schema())
		}
		rows = append(rows, RecordRows(r)...)
		r.Release()
	}
	for i := 0; i < 2; i++ {
		r, err := op.Next()
		if err != io.EOF || r != nil {
			if r != nil {
				r.Release()
			}
			return rows, fmt.Errorf("Next after EOF returned (%v, %v), want (nil, io.EOF)", r, err)
		}
	}
	return rows, nil
}

// Input is one child's input: a schema and rows.
type Input struct {
	Schema *arrow.Schema
	Rows   Rows
}

// Case is one operator test.
type Case struct {
	Name   string
	Inputs []Input
	// Build constructs the operator under test over the given children
	// (one per Input, in order).
	Build func(children []exec.Operator) (exec.Operator, error)
	// Expected is the output. Compared in order when Ordered is set,
	// otherwise as a multiset.
	Expected Rows
	Ordered  bool
	// ExpectErr, when set, is a substring the run's error must contain;
	// Expected is then ignored.
	ExpectErr string
	// Reference, when set, is a naive implementation of the operator over
	// text rows. The harness then also runs the operator on inputs with
	// randomly injected nulls and compares against Reference.
	Reference func(inputs []Rows) (Rows, error)
	// MemoryLimit, when positive, gives the query a budget of that size.
	MemoryLimit int64
	// BatchSizes overrides the default {1, 7, 1024}.
	BatchSizes []int
}

// Run executes c under every harness variation as subtests.
func Run(t *testing.T, c Case) {
	t.Helper()
	sizes := c.BatchSizes
	if len(sizes) == 0 {
		sizes = []int{1, 7, 1024}
	}
	for _, bs := range sizes {
		for _, withEmpty := range []bool{false, true} {
			name := fmt.Sprintf("%s/batch=%d/empty=%v", c.Name, bs, withEmpty)
			t.Run(name, func(t *testing.T) {
				got, err := runOnce(t, c, inputRows(c), bs, withEmpty)
				check(t, c, c.Expected, got, err)
			})
		}
	}
	if c.Reference != nil && c.ExpectErr == "" {
		for seed := int64(1); seed <= 3; seed++ {
			t.Run(fmt.Sprintf("%s/nulls=%d", c.Name, seed), func(t *testing.T) {
				in := injectNulls(inputRows(c), rand.New(rand.NewSource(seed)))
				want, err := c.Reference(in)
				if err != nil {
					t.Fatalf("reference: %v", err)
				}
				got, err := runOnce(t, c, in, 7, true)
				check(t, c, want, got, err)
			})
		}
	}
}

func inputRows(c Case) []Rows {
	out := make([]Rows, len(c.Inputs))
	for i, in := range c.Inputs {
		out[i] = in.Rows
	}
	return out
}

func runOnce(t *testing.T, c Case, inputs []Rows, batchSize int, withEmpty bool) (Rows, error) {
	t.Helper()
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	children := make([]exec.Operator, len(c.Inputs))
	for i, in := range c.Inputs {
		recs, err := MakeRecords(mem, in.Schema, inputs[i], batchSize, withEmpty)
		if err != nil {
			t.Fatalf("input %d: %v", i, err)
		}
		children[i] = NewSource(in.Schema, recs)
	}
	op, err := build(c, children)
	if err != nil {
		for _, ch := range children {
			ch.Close()
		}
		return nil, err
	}
	ctx := exec.NewContext(nil, mem)
	ctx.BatchSize = max(batchSize, 2)
	if c.MemoryLimit > 0 {
		ctx.Budget = exec.NewBudget(c.MemoryLimit)
	}
	rows, err := Drain(ctx, op)
	if ctx.Budget != nil && ctx.Budget.Used() != 0 {
		t.Errorf("memory budget still holds %d bytes after Close", ctx.Budget.Used())
	}
	return rows, err
}

func build(c Case, children []exec.Operator) (op exec.Operator, err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("panic in Build: %v\n%s", p, debug.Stack())
		}
	}()
	return c.Build(children)
}

func check(t *testing.T, c Case, want, got Rows, err error) {
	t.Helper()
	if c.ExpectErr != "" {
		if err == nil || !strings.Contains(err.Error(), c.ExpectErr) {
			t.Fatalf("want error containing %q, got %v", c.ExpectErr, err)
		}
		return
	}
	if err != nil {
		t.Fatalf("unexpected error: %v", err)
	}
	if diff := Diff(want, got, c.Ordered); diff != "" {
		t.Fatal(diff)
	}
}

// Diff compares two tables and describes the first difference, or returns
// "" when they are equal (in order, or as multisets when !ordered).
func Diff(want, got Rows, ordered bool) string {
	w, g := joinRows(want), joinRows(got)
	if !ordered {
		sort.Strings(w)
		sort.Strings(g)
	}
	for i := 0; i < len(w) || i < len(g); i++ {
		switch {
		case i >= len(w):
			return fmt.Sprintf("got %d rows, want %d; first extra row %d: %s", len(g), len(w), i, g[i])
		case i >= len(g):
			return fmt.Sprintf("got %d rows, want %d; first missing row %d: %s", len(g), len(w), i, w[i])
		case w[i] != g[i]:
			return fmt.Sprintf("row %d: got %s, want %s (got %d rows, want %d)", i, g[i], w[i], len(g), len(w))
		}
	}
	return ""
}

func joinRows(rows Rows) []string {
	out := make([]string, len(rows))
	for i, r := range rows {
		out[i] = strings.Join(r, "|")
	}
	return out
}

// injectNulls returns a copy of the inputs with about one value in five
// replaced by NULL.
func injectNulls(inputs []Rows, rng *rand.Rand) []Rows {
	out := make([]Rows, len(inputs))
	for i, rows := range inputs {
		cp := make(Rows, len(rows))
		for r, row := range rows {
			nr := append([]string(nil), row...)
			for c := range nr {
				if rng.Intn(5) == 0 {
					nr[c] = "NULL"
				}
			}
			cp[r] = nr
		}
		out[i] = cp
	}
	return out
}

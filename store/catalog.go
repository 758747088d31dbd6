package store

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/apache/arrow/go/v15/arrow"

	"github.com/dataflow-go/dataflow/internal/suggest"
)

// Catalog maps table names to tables. Names are case-insensitive (stored
// and listed in lower case). A Catalog is safe for concurrent use.
type Catalog struct {
	mu     sync.RWMutex
	tables map[string]Table
}

// NewCatalog returns an empty catalog.
func NewCatalog() *Catalog { return &Catalog{tables: map[string]Table{}} }

func normName(name string) string { return strings.ToLower(strings.TrimSpace(name)) }

// Register adds a table. Registering a name that exists fails with
// ErrSchema unless replace is set; the replaced table is not closed (the
// caller may still be scanning it).
func (c *Catalog) Register(name string, t Table, replace bool) error {
	n := normName(name)
	if n == "" {
		return fmt.Errorf("%w: empty table name", ErrFormat)
	}
	if t == nil {
		return fmt.Errorf("%w: table %q is nil", ErrFormat, name)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.tables[n]; ok && !replace {
		return fmt.Errorf("%w: table %q already exists", ErrSchema, n)
	}
	c.tables[n] = t
	return nil
}

// Lookup returns the named table, or ErrNotFound with a suggestion when a
// registered name is close ("did you mean lineitem?").
func (c *Catalog) Lookup(name string) (Table, error) {
	n := normName(name)
	c.mu.RLock()
	defer c.mu.RUnlock()
	if t, ok := c.tables[n]; ok {
		return t, nil
	}
	if s := closestName(n, c.namesLocked()); s != "" {
		return nil, fmt.Errorf("%w: table %q (did you mean %s?)", ErrNotFound, name, s)
	}
	return nil, fmt.Errorf("%w: table %q", ErrNotFound, name)
}

// Drop removes a table and returns it (the caller decides whether to
// close it), or ErrNotFound.
func (c *Catalog) Drop(name string) (Table, error) {
	n := normName(name)
	c.mu.Lock()
	defer c.mu.Unlock()
	t, ok := c.tables[n]
	if !ok {
		return nil, fmt.Errorf("%w: table %q", ErrNotFound, name)
	}
	delete(c.tables, n)
	return t, nil
}

// Names lists the registered names, sorted.
func (c *Catalog) Names() []string {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.namesLocked()
}

func (c *Catalog) namesLocked() []string {
	out := make([]string, 0, len(c.tables))
	for n := range c.tables {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// Close closes every table that implements io.Closer and empties the
// catalog, returning the first error.
func (c *Catalog) Close() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	var first error
	for _, n := range c.namesLocked() {
		if cl, ok := c.tables[n].(io.Closer); ok {
			if err := cl.Close(); err != nil && first == nil {
				first = err
			}
		}
	}
	c.tables = map[string]Table{}
	return first
}

// closestName returns the candidate closest to name by edit distance, when it
// is close enough to be a plausible typo.
func closestName(name string, candidates []string) string {
	best, bestD := "", -1
	for _, c := range candidates {
		d := suggest.Distance(name, c)
		if bestD < 0 || d < bestD {
			best, bestD = c, d
		}
	}
	if bestD < 0 || bestD > max(2, len(name)/3) {
		return ""
	}
	return best
}

// OpenTable opens the table at path. format is "parquet", "arrow" (also
// "ipc", "feather"), "csv" or "tbl"; empty means by extension (.parquet;
// .arrow, .ipc, .feather; .csv; .tbl), and for a directory by the
// extension of the files in it (a directory of Parquet files is one
// table).
//
// opts are format options, all optional:
//   - csv/tbl: "header" (true/false), "delimiter" (one character, or
//     "tab"), "null" (the null text), "schema" (comma-separated
//     "name type" or "name:type" pairs, types int32, int64, float64,
//     decimal(p,s), date, utf8, bool), "infer_rows", "infer_decimal".
//   - parquet: "parallel_columns" (true/false).
//   - arrow: "rows_per_split".
//
// Unknown options are ErrFormat, so a typo does not go unnoticed.
func OpenTable(path string, format string, opts map[string]string) (Table, error) {
	format = strings.ToLower(strings.TrimSpace(format))
	if format == "" {
		f, err := detectFormat(path)
		if err != nil {
			return nil, err
		}
		format = f
	}
	used := map[string]bool{}
	get := func(k string) (string, bool) {
		v, ok := opts[k]
		used[k] = true
		return v, ok
	}
	var t Table
	var err error
	switch format {
	case "parquet":
		var po ParquetOptions
		if v, ok := get("parallel_columns"); ok {
			if po.ParallelColumns, err = strconv.ParseBool(v); err != nil {
				return nil, fmt.Errorf("%w: option parallel_columns=%q is not a boolean", ErrFormat, v)
			}
		}
		if err = checkOptions(opts, used); err != nil {
			return nil, err
		}
		t, err = OpenParquet(path, po)
	case "arrow", "ipc", "feather":
		var io IPCOptions
		if v, ok := get("rows_per_split"); ok {
			if io.RowsPerSplit, err = strconv.ParseInt(v, 10, 64); err != nil {
				return nil, fmt.Errorf("%w: option rows_per_split=%q is not an integer", ErrFormat, v)
			}
		}
		if err = checkOptions(opts, used); err != nil {
			return nil, err
		}
		t, err = OpenIPC(path, io)
	case "csv", "tbl":
		co := CSVOptions{}
		if format == "tbl" {
			co = CSVOptions{Delimiter: '|', NoHeader: true, TrailingDelimiter: true}
		}
		if co, err = csvOptions(co, get); err != nil {
			return nil, err
		}
		if err = checkOptions(opts, used); err != nil {
			return nil, err
		}
		t, err = OpenCSV(path, co)
	default:
		return nil, fmt.Errorf("%w: unknown table format %q (want parquet, arrow, csv or tbl)", ErrFormat, format)
	}
	if err != nil {
		return nil, err
	}
	return t, nil
}

func checkOptions(opts map[string]string, used map[string]bool) error {
	var unknown []string
	for k := range opts {
		if !used[k] {
			unknown = append(unknown, k)
		}
	}
	if len(unknown) > 0 {
		sort.Strings(unknown)
		return fmt.Errorf("%w: unknown option(s) %s", ErrFormat, strings.Join(unknown, ", "))
	}
	return nil
}

func csvOptions(co CSVOptions, get func(string) (string, bool)) (CSVOptions, error) {
	var err error
	if v, ok := get("header"); ok {
		h, err := strconv.ParseBool(v)
		if err != nil {
			return co, fmt.Errorf("%w: option header=%q is not a boolean", ErrFormat, v)
		}
		co.NoHeader = !h
	}
	if v, ok := get("delimiter"); ok {
		if v == "tab" || v == `\t` {
			v = "\t"
		}
		r := []rune(v)
		if len(r) != 1 {
			return co, fmt.Errorf("%w: option delimiter=%q is not one character", ErrFormat, v)
		}
		co.Delimiter = r[0]
	}
	if v, ok := get("null"); ok {
		co.Null = v
	}
	if v, ok := get("infer_rows"); ok {
		if co.InferRows, err = strconv.Atoi(v); err != nil {
			return co, fmt.Errorf("%w: option infer_rows=%q is not an integer", ErrFormat, v)
		}
	}
	if v, ok := get("infer_decimal"); ok {
		if co.InferDecimal, err = strconv.ParseBool(v); err != nil {
			return co, fmt.Errorf("%w: option infer_decimal=%q is not a boolean", ErrFormat, v)
		}
	}
	if v, ok := get("trailing_delimiter"); ok {
		if co.TrailingDelimiter, err = strconv.ParseBool(v); err != nil {
			return co, fmt.Errorf("%w: option trailing_delimiter=%q is not a boolean", ErrFormat, v)
		}
	}
	if v, ok := get("schema"); ok {
		s, err := ParseSchema(v)
		if err != nil {
			return co, err
		}
		co.Schema = s
	}
	return co, nil
}

// ParseSchema parses "name type, name type, ..." (or name:type) into a
// schema of nullable fields. Types: bool, int32 (int, integer), int64
// (bigint), float64 (double), decimal(p,s), date (date32), utf8 (string,
// varchar, text).
func ParseSchema(s string) (*arrow.Schema, error) {
	var fields []arrow.Field
	for _, part := range splitTopLevel(s) {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		name, typ, ok := strings.Cut(part, ":")
		if !ok {
			name, typ, ok = strings.Cut(part, " ")
		}
		if !ok {
			return nil, fmt.Errorf("%w: schema entry %q is not \"name type\"", ErrFormat, part)
		}
		dt, err := parseType(strings.TrimSpace(typ))
		if err != nil {
			return nil, fmt.Errorf("%w: schema entry %q: %v", ErrFormat, part, err)
		}
		fields = append(fields, arrow.Field{Name: strings.TrimSpace(name), Type: dt, Nullable: true})
	}
	if len(fields) == 0 {
		return nil, fmt.Errorf("%w: empty schema", ErrFormat)
	}
	return arrow.NewSchema(fields, nil), nil
}

// splitTopLevel splits on commas outside parentheses (decimal(15,2)).
func splitTopLevel(s string) []string {
	var out []string
	depth, start := 0, 0
	for i, r := range s {
		switch r {
		case '(':
			depth++
		case ')':
			depth--
		case ',':
			if depth == 0 {
				out = append(out, s[start:i])
				start = i + 1
			}
		}
	}
	return append(out, s[start:])
}

func parseType(s string) (arrow.DataType, error) {
	l := strings.ToLower(strings.ReplaceAll(s, " ", ""))
	switch l {
	case "bool", "boolean":
		return arrow.FixedWidthTypes.Boolean, nil
	case "int32", "int", "integer":
		return arrow.PrimitiveTypes.Int32, nil
	case "int64", "bigint":
		return arrow.PrimitiveTypes.Int64, nil
	case "float64", "double":
		return arrow.PrimitiveTypes.Float64, nil
	case "date", "date32":
		return arrow.FixedWidthTypes.Date32, nil
	case "utf8", "string", "varchar", "text":
		return arrow.BinaryTypes.String, nil
	}
	if strings.HasPrefix(l, "decimal(") && strings.HasSuffix(l, ")") {
		p, sc, ok := strings.Cut(l[len("decimal("):len(l)-1], ",")
		pi, err1 := strconv.Atoi(p)
		si, err2 := strconv.Atoi(sc)
		if ok && err1 == nil && err2 == nil && pi >= 1 && pi <= 38 && si >= 0 && si <= pi {
			return &arrow.Decimal128Type{Precision: int32(pi), Scale: int32(si)}, nil
		}
	}
	return nil, fmt.Errorf("unknown type %q", s)
}

func detectFormat(path string) (string, error) {
	info, err := os.Stat(path)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return "", fmt.Errorf("%w: %s", ErrNotFound, path)
		}
		return "", fmt.Errorf("%w: %v", ErrNotFound, err)
	}
	if !info.IsDir() {
		if f := formatOfExt(path); f != "" {
			return f, nil
		}
		return "", fmt.Errorf("%w: cannot tell the format of %s from its extension; give a format (parquet, arrow, csv, tbl)", ErrFormat, path)
	}
	ents, err := os.ReadDir(path)
	if err != nil {
		return "", fmt.Errorf("%w: %s: %v", ErrNotFound, path, err)
	}
	for _, e := range ents {
		if !e.IsDir() && !strings.HasPrefix(e.Name(), ".") {
			if f := formatOfExt(e.Name()); f != "" {
				return f, nil
			}
		}
	}
	return "", fmt.Errorf("%w: directory %s holds no .parquet, .arrow, .csv or .tbl files", ErrNotFound, path)
}

func formatOfExt(path string) string {
	switch strings.ToLower(filepath.Ext(path)) {
	case ".parquet":
		return "parquet"
	case ".arrow", ".ipc", ".feather":
		return "arrow"
	case ".csv":
		return "csv"
	case ".tbl":
		return "tbl"
	}
	return ""
}

// catalogFile is the JSON layout LoadCatalogFile reads:
//
//	{"tables": {"lineitem": {"path": "lineitem/", "format": "parquet",
//	                         "options": {"parallel_columns": "true"}}}}
type catalogFile struct {
	Tables map[string]struct {
		Path    string            `json:"path"`
		Format  string            `json:"format"`
		Options map[string]string `json:"options"`
	} `json:"tables"`
}

// LoadCatalogFile reads a JSON catalog file and opens its tables; relative
// paths are relative to the file's directory. Errors name the table and
// the path; on error, tables already opened are closed.
func LoadCatalogFile(path string) (*Catalog, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("%w: catalog file %s", ErrNotFound, path)
		}
		return nil, fmt.Errorf("%w: catalog file %s: %v", ErrNotFound, path, err)
	}
	var cf catalogFile
	dec := json.NewDecoder(strings.NewReader(string(b)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&cf); err != nil {
		return nil, fmt.Errorf("%w: catalog file %s: %v", ErrFormat, path, err)
	}
	c := NewCatalog()
	names := make([]string, 0, len(cf.Tables))
	for n := range cf.Tables {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		e := cf.Tables[n]
		if e.Path == "" {
			c.Close()
			return nil, fmt.Errorf("%w: catalog file %s: table %q has no path", ErrFormat, path, n)
		}
		p := e.Path
		if !filepath.IsAbs(p) {
			p = filepath.Join(filepath.Dir(path), p)
		}
		t, err := OpenTable(p, e.Format, e.Options)
		if err != nil {
			c.Close()
			return nil, fmt.Errorf("catalog file %s: table %q (%s): %w", path, n, p, err)
		}
		if err := c.Register(n, t, false); err != nil {
			if cl, ok := t.(io.Closer); ok {
				cl.Close()
			}
			c.Close()
			return nil, fmt.Errorf("catalog file %s: table %q: %w", path, n, err)
		}
	}
	return c, nil
}

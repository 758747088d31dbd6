package gen

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/apache/arrow/go/v15/arrow"
	"github.com/apache/arrow/go/v15/arrow/array"
	"github.com/dataflow-go/dataflow/store"
)

// readDirFiles returns every file under dir, by path relative to dir.
func readDirFiles(t *testing.T, dir string) map[string][]byte {
	t.Helper()
	out := map[string][]byte{}
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		rel, _ := filepath.Rel(dir, p)
		out[rel] = b
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestDeterministicAcrossParallelism(t *testing.T) {
	a, b := t.TempDir(), t.TempDir()
	opts := Options{SF: 0.01, Partitions: 2, Tables: []string{"nation", "supplier", "partsupp", "orders", "lineitem"}}
	opts.Dir, opts.Workers = a, 1
	if _, err := Generate(context.Background(), opts); err != nil {
		t.Fatal(err)
	}
	opts.Dir, opts.Workers = b, 2*runtime.GOMAXPROCS(0)+1
	if _, err := Generate(context.Background(), opts); err != nil {
		t.Fatal(err)
	}
	fa, fb := readDirFiles(t, a), readDirFiles(t, b)
	if len(fa) != len(fb) || len(fa) != 1+1+2*4 {
		t.Fatalf("%d and %d files, want 10", len(fa), len(fb))
	}
	for name, x := range fa {
		if !bytes.Equal(x, fb[name]) {
			t.Errorf("%s differs between 1 and %d workers", name, opts.Workers)
		}
	}
}

// Partitions cut a table into ranges of rows: three partitions hold the
// rows of one, in order.
func TestPartitionsHoldTheSameRows(t *testing.T) {
	gen, res := generated(t) // three partitions per table
	for _, tr := range res.Tables {
		want := 3
		if tr.Name == "nation" || tr.Name == "region" {
			want = 1
		}
		if len(tr.Files) != want {
			t.Errorf("%s: %d files %v, want %d", tr.Name, len(tr.Files), tr.Files, want)
		}
	}
	for _, name := range []string{"supplier", "partsupp", "orders", "lineitem"} {
		one := &table{ints: map[string][]int64{}, strs: map[string][]string{}}
		err := Records(context.Background(), name, 0.01, 0, 1, func(rec arrow.Record) error {
			appendRecord(t, one, rec)
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		three := gen[name]
		if one.rows != three.rows {
			t.Fatalf("%s: %d rows in one partition, %d in three", name, one.rows, three.rows)
		}
		for c, v := range one.ints {
			if !slices.Equal(v, three.ints[c]) {
				t.Errorf("%s.%s differs between one and three partitions", name, c)
			}
		}
		for c, v := range one.strs {
			if !slices.Equal(v, three.strs[c]) {
				t.Errorf("%s.%s differs between one and three partitions", name, c)
			}
		}
	}
}

// Parquet row groups are the engine's unit of scan work: one per chunk.
func TestParquetRowGroups(t *testing.T) {
	dir := t.TempDir()
	if _, err := Generate(context.Background(), Options{SF: 0.1, Dir: dir, Tables: []string{"orders"}}); err != nil {
		t.Fatal(err)
	}
	tbl := openTable(t, filepath.Join(dir, "orders"))
	splits, err := tbl.Splits()
	if err != nil {
		t.Fatal(err)
	}
	// 150,000 orders in chunks of RowGroupRows.
	if want := (150_000 + RowGroupRows - 1) / RowGroupRows; len(splits) != want {
		t.Fatalf("%d splits, want %d row groups", len(splits), want)
	}
	if n := splits[0].EstimatedRows(); n != RowGroupRows {
		t.Errorf("first row group has %d rows, want %d", n, RowGroupRows)
	}
}

func TestFormatsReadBack(t *testing.T) {
	want, _ := generated(t)
	for _, f := range []Format{IPC, CSV} {
		t.Run(string(f), func(t *testing.T) {
			dir := t.TempDir()
			tables := []string{"nation", "supplier", "orders", "lineitem"}
			parts := 3
			if f == IPC {
				parts = 1 // the store opens one IPC file per table
			}
			res, err := Generate(context.Background(), Options{SF: 0.01, Dir: dir, Format: f, Partitions: parts, Tables: tables})
			if err != nil {
				t.Fatal(err)
			}
			cat, err := store.LoadCatalogFile(res.Catalog)
			if err != nil {
				t.Fatal(err)
			}
			defer cat.Close()
			if got := cat.Names(); !slices.Equal(got, []string{"lineitem", "nation", "orders", "supplier"}) {
				t.Fatalf("catalog tables %v", got)
			}
			for _, n := range tables {
				tbl, err := cat.Lookup(n)
				if err != nil {
					t.Fatal(err)
				}
				got := loadTable(t, tbl)
				w := want[n]
				for i, fld := range got.schema.Fields() {
					if wf := w.schema.Field(i); fld.Name != wf.Name || !arrow.TypeEqual(fld.Type, wf.Type) {
						t.Fatalf("%s column %d: %s %s, want %s %s", n, i, fld.Name, fld.Type, wf.Name, wf.Type)
					}
				}
				if got.rows != w.rows {
					t.Fatalf("%s: %d rows, want %d", n, got.rows, w.rows)
				}
				for c, v := range w.ints {
					if !slices.Equal(v, got.ints[c]) {
						t.Errorf("%s.%s differs from the Parquet output", n, c)
					}
				}
				for c, v := range w.strs {
					if !slices.Equal(v, got.strs[c]) {
						t.Errorf("%s.%s differs from the Parquet output", n, c)
					}
				}
			}
		})
	}
}

func TestCatalogFile(t *testing.T) {
	_, res := generated(t)
	b, err := os.ReadFile(res.Catalog)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), `"lineitem": {`) || !strings.Contains(string(b), `"path": "lineitem"`) || !strings.Contains(string(b), `"format": "parquet"`) {
		t.Errorf("catalog.json:\n%s", b)
	}
	// No temporary files are left behind.
	for name := range readDirFiles(t, filepath.Dir(res.Catalog)) {
		if strings.HasPrefix(filepath.Base(name), ".") {
			t.Errorf("leftover %s", name)
		}
	}
}

func TestOptionErrors(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "file")
	if err := os.WriteFile(file, []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	full := t.TempDir()
	if err := os.WriteFile(filepath.Join(full, "keep.txt"), []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	nan := 0.0
	nan = nan / nan
	for _, tc := range []struct {
		name string
		opts Options
		is   error
		msg  string
	}{
		{"zero sf", Options{SF: 0, Dir: filepath.Join(dir, "a")}, ErrInvalid, "scale factor 0 must be a positive number"},
		{"negative sf", Options{SF: -1, Dir: filepath.Join(dir, "a")}, ErrInvalid, "must be a positive number"},
		{"NaN sf", Options{SF: nan, Dir: filepath.Join(dir, "a")}, ErrInvalid, "must be a positive number"},
		{"tiny sf", Options{SF: 0.0001, Dir: filepath.Join(dir, "a")}, ErrInvalid, "below the smallest supported"},
		{"format", Options{SF: 0.01, Dir: filepath.Join(dir, "a"), Format: "orc"}, ErrInvalid, `unknown format "orc"`},
		{"table", Options{SF: 0.01, Dir: filepath.Join(dir, "a"), Tables: []string{"lineitems"}}, ErrInvalid, `unknown table "lineitems"`},
		{"no dir", Options{SF: 0.01}, ErrInvalid, "no output directory"},
		{"ipc partitions", Options{SF: 0.01, Dir: filepath.Join(dir, "a"), Format: IPC, Partitions: 2}, ErrInvalid, "one file per table"},
		{"not empty", Options{SF: 0.01, Dir: full}, ErrExists, full},
		{"dir is a file", Options{SF: 0.01, Dir: file}, ErrWrite, "not a directory"},
		{"parent is a file", Options{SF: 0.01, Dir: filepath.Join(file, "sub")}, ErrWrite, "not a directory"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Generate(context.Background(), tc.opts)
			if !errors.Is(err, tc.is) || !strings.Contains(err.Error(), tc.msg) {
				t.Fatalf("got %v, want %v containing %q", err, tc.is, tc.msg)
			}
		})
	}
	if _, err := os.Stat(filepath.Join(dir, "a")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a rejected run left %s behind", filepath.Join(dir, "a"))
	}
}

func TestUnwritableDirectory(t *testing.T) {
	if os.Geteuid() == 0 {
		t.Skip("root ignores directory permissions")
	}
	dir := filepath.Join(t.TempDir(), "ro")
	if err := os.Mkdir(dir, 0o555); err != nil {
		t.Fatal(err)
	}
	_, err := Generate(context.Background(), Options{SF: 0.01, Dir: dir, Tables: []string{"nation"}})
	if !errors.Is(err, ErrWrite) || !strings.Contains(err.Error(), "permission denied") {
		t.Fatalf("got %v, want ErrWrite with permission denied", err)
	}
}

// A cancelled run removes what it wrote, including the directory it
// created, and leaves no catalog.
func TestCancelledRunCleansUp(t *testing.T) {
	parent := t.TempDir()
	dir := filepath.Join(parent, "out", "sf")
	ctx, cancel := context.WithCancel(context.Background())
	var calls int
	_, err := Generate(ctx, Options{SF: 0.01, Dir: dir, Workers: 1, Progress: func(string, int64) {
		calls++
		if calls == 2 {
			cancel()
		}
	}})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("got %v, want context.Canceled", err)
	}
	if _, err := os.Stat(filepath.Join(parent, "out")); !errors.Is(err, os.ErrNotExist) {
		ents, _ := os.ReadDir(dir)
		t.Fatalf("a cancelled run left output behind: %v", ents)
	}
}

// Force replaces the generated tables' files, dropping stale partitions,
// and leaves other files alone.
func TestForceReplaces(t *testing.T) {
	dir := t.TempDir()
	opts := Options{SF: 0.01, Dir: dir, Partitions: 3, Tables: []string{"supplier", "nation"}}
	if _, err := Generate(context.Background(), opts); err != nil {
		t.Fatal(err)
	}
	if _, err := Generate(context.Background(), opts); !errors.Is(err, ErrExists) {
		t.Fatalf("second run without Force: %v, want ErrExists", err)
	}
	other := filepath.Join(dir, "supplier", "notes.txt")
	if err := os.WriteFile(other, []byte("mine"), 0o644); err != nil {
		t.Fatal(err)
	}
	opts.Force, opts.Partitions, opts.Format = true, 1, CSV
	res, err := Generate(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for name := range readDirFiles(t, dir) {
		names = append(names, name)
	}
	sort.Strings(names)
	want := []string{"catalog.json", "nation/part-00000.csv", "supplier/notes.txt", "supplier/part-00000.csv"}
	if !slices.Equal(names, want) {
		t.Fatalf("files %v, want %v", names, want)
	}
	if res.Tables[1].Rows != 100 {
		t.Errorf("supplier rows %d", res.Tables[1].Rows)
	}

	// Regenerating one table keeps the others in the catalog.
	opts.Tables = []string{"nation"}
	if _, err := Generate(context.Background(), opts); err != nil {
		t.Fatal(err)
	}
	cat, err := store.LoadCatalogFile(res.Catalog)
	if err != nil {
		t.Fatal(err)
	}
	defer cat.Close()
	if got := cat.Names(); !slices.Equal(got, []string{"nation", "supplier"}) {
		t.Errorf("catalog lists %v after regenerating nation", got)
	}
}

func TestRecordsErrors(t *testing.T) {
	noop := func(arrow.Record) error { return nil }
	if err := Records(context.Background(), "nope", 1, 0, 1, noop); !errors.Is(err, ErrInvalid) {
		t.Errorf("unknown table: %v", err)
	}
	if err := Records(context.Background(), "nation", 1, 1, 1, noop); !errors.Is(err, ErrInvalid) {
		t.Errorf("partition 1 of 1: %v", err)
	}
	stop := errors.New("stop")
	if err := Records(context.Background(), "orders", 0.01, 0, 1, func(arrow.Record) error { return stop }); err != stop {
		t.Errorf("fn's error: %v", err)
	}
}

func TestRecordsMatchesRowCount(t *testing.T) {
	for _, name := range TableNames() {
		if name == "lineitem" {
			continue
		}
		var rows int64
		err := Records(context.Background(), name, 0.001, 0, 1, func(rec arrow.Record) error {
			rows += rec.NumRows()
			for i, c := range rec.Columns() {
				if c.Len() != int(rec.NumRows()) {
					t.Errorf("%s column %d: %d values in a record of %d rows", name, i, c.Len(), rec.NumRows())
				}
				if s, ok := c.(*array.String); ok {
					offs := s.ValueOffsets()
					if !slices.IsSorted(offs) || int(offs[len(offs)-1]) != len(s.ValueBytes()) {
						t.Errorf("%s column %d: bad string offsets", name, i)
					}
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if want, _ := RowCount(name, 0.001); rows != want {
			t.Errorf("%s: %d rows, RowCount %d", name, rows, want)
		}
	}
}

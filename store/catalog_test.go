package store

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/apache/arrow/go/v15/arrow"
)

func TestCatalog(t *testing.T) {
	c := NewCatalog()
	schema := arrow.NewSchema([]arrow.Field{{Name: "a", Type: arrow.PrimitiveTypes.Int64}}, nil)
	mt, err := NewMemTable(schema, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Register("LineItem", mt, false); err != nil {
		t.Fatal(err)
	}
	if err := c.Register("lineitem", mt, false); !errors.Is(err, ErrSchema) {
		t.Errorf("duplicate register: %v", err)
	}
	if err := c.Register("lineitem", mt, true); err != nil {
		t.Errorf("replace: %v", err)
	}
	if got, err := c.Lookup("LINEITEM"); err != nil || got != mt {
		t.Errorf("case-insensitive lookup: %v", err)
	}
	_, err = c.Lookup("lineitme")
	if !errors.Is(err, ErrNotFound) || !strings.Contains(err.Error(), "did you mean lineitem?") {
		t.Errorf("typo: %v", err)
	}
	if _, err := c.Lookup("zzz"); err == nil || strings.Contains(err.Error(), "did you mean") {
		t.Errorf("far name: %v", err)
	}
	// Concurrent use.
	var wg sync.WaitGroup
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			name := string(rune('a' + i))
			_ = c.Register(name, mt, false)
			_, _ = c.Lookup(name)
			_ = c.Names()
			_, _ = c.Drop(name)
		}(i)
	}
	wg.Wait()
	if got := strings.Join(c.Names(), ","); got != "lineitem" {
		t.Errorf("names %s", got)
	}
	if _, err := c.Drop("lineitem"); err != nil {
		t.Error(err)
	}
	if _, err := c.Drop("lineitem"); !errors.Is(err, ErrNotFound) {
		t.Errorf("second drop: %v", err)
	}
}

func TestLoadCatalogFile(t *testing.T) {
	dir := t.TempDir()
	copyFile(t, filepath.Join(tpchDir, "nation.parquet"), filepath.Join(dir, "nation.parquet"))
	os.MkdirAll(filepath.Join(dir, "region"), 0o755)
	copyFile(t, filepath.Join(tpchDir, "region.parquet"), filepath.Join(dir, "region", "part-0.parquet"))
	copyFile(t, "testdata/small.tbl", filepath.Join(dir, "cust.tbl"))
	copyFile(t, "testdata/small.csv", filepath.Join(dir, "small.csv"))
	write := func(text string) string {
		p := filepath.Join(dir, "catalog.json")
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	p := write(`{"tables": {
		"nation": {"path": "nation.parquet"},
		"region": {"path": "region/", "format": "parquet"},
		"customer": {"path": "cust.tbl", "options": {"schema": "c_custkey int64, c_name varchar, c_acctbal decimal(15,2), c_date date"}},
		"small": {"path": "small.csv", "format": "csv", "options": {"null": "NA"}}
	}}`)
	c, err := LoadCatalogFile(p)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if got := strings.Join(c.Names(), ","); got != "customer,nation,region,small" {
		t.Errorf("names %s", got)
	}
	for name, rows := range map[string]int64{"nation": 25, "region": 5} {
		tab, err := c.Lookup(name)
		if err != nil {
			t.Fatal(err)
		}
		if tab.Stats().Rows != rows {
			t.Errorf("%s: %d rows", name, tab.Stats().Rows)
		}
	}
	cust, _ := c.Lookup("customer")
	if got := fieldSpec(cust.Schema()); got != "c_custkey:int64,c_name:utf8,c_acctbal:decimal(15, 2),c_date:date32" {
		t.Errorf("customer schema %s", got)
	}

	bad := []struct{ text, want string }{
		{`{"tables": {"x": {"path": "nope.parquet"}}}`, `table "x"`},
		{`{"tables": {"x": {"path": "nation.parquet", "format": "orc"}}}`, `unknown table format "orc"`},
		{`{"tables": {"x": {"path": "small.csv", "options": {"delimeter": ";"}}}}`, "unknown option(s) delimeter"},
		{`{"tables": {"x": {}}}`, `table "x" has no path`},
		{`{"tabels": {}}`, "unknown field"},
	}
	for _, b := range bad {
		_, err := LoadCatalogFile(write(b.text))
		if err == nil || !strings.Contains(err.Error(), b.want) || !strings.Contains(err.Error(), "catalog.json") {
			t.Errorf("%s: error %v, want one naming the file and containing %q", b.text, err, b.want)
		}
	}
	if _, err := LoadCatalogFile(filepath.Join(dir, "none.json")); !errors.Is(err, ErrNotFound) {
		t.Errorf("missing catalog: %v", err)
	}
}

func TestOpenTableByExtension(t *testing.T) {
	dir := t.TempDir()
	ipcPath := filepath.Join(dir, "t.feather")
	writeIPC(t, ipcPath, []int{10})
	for path, want := range map[string]string{
		filepath.Join(tpchDir, "region.parquet"): "*store.ParquetTable",
		ipcPath:                                  "*store.IPCTable",
		"testdata/small.csv":                     "*store.CSVTable",
		"testdata/small.tbl":                     "*store.CSVTable",
	} {
		tab, err := OpenTable(path, "", nil)
		if err != nil {
			t.Errorf("%s: %v", path, err)
			continue
		}
		if got := typeName(tab); got != want {
			t.Errorf("%s: %s, want %s", path, got, want)
		}
		if cl, ok := tab.(interface{ Close() error }); ok {
			cl.Close()
		}
	}
	// The TPC-H directory holds eight tables, not one: refused, naming two.
	if _, err := OpenTable(tpchDir, "", nil); !errors.Is(err, ErrSchema) || !strings.Contains(err.Error(), "customer.parquet") {
		t.Errorf("directory of different tables: %v", err)
	}
	tbl, err := OpenTable("testdata/small.tbl", "", nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := fieldSpec(tbl.Schema()); got != "c1:int64,c2:utf8,c3:float64,c4:date32" {
		t.Errorf(".tbl inferred schema %s", got)
	}
	if _, err := OpenTable(filepath.Join(dir, "x.txt"), "", nil); !errors.Is(err, ErrNotFound) {
		t.Errorf("missing: %v", err)
	}
	os.WriteFile(filepath.Join(dir, "x.txt"), []byte("a"), 0o644)
	if _, err := OpenTable(filepath.Join(dir, "x.txt"), "", nil); !errors.Is(err, ErrFormat) {
		t.Errorf("unknown extension: %v", err)
	}
}

func typeName(v any) string {
	switch v.(type) {
	case *ParquetTable:
		return "*store.ParquetTable"
	case *IPCTable:
		return "*store.IPCTable"
	case *CSVTable:
		return "*store.CSVTable"
	case *MemTable:
		return "*store.MemTable"
	}
	return "?"
}

package store

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/apache/arrow/go/v15/arrow"
	"github.com/apache/arrow/go/v15/arrow/memory"
)

func TestCSV(t *testing.T) {
	dir := t.TempDir()
	write := func(name, text string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	decSchema := arrow.NewSchema([]arrow.Field{
		{Name: "k", Type: arrow.PrimitiveTypes.Int32, Nullable: true},
		{Name: "name", Type: arrow.BinaryTypes.String, Nullable: true},
		{Name: "bal", Type: &arrow.Decimal128Type{Precision: 15, Scale: 2}, Nullable: true},
		{Name: "d", Type: arrow.FixedWidthTypes.Date32, Nullable: true},
	}, nil)
	cases := []struct {
		name, file, text string
		opts             CSVOptions
		scan             ScanOptions
		schema           string // field types, comma-separated name:type
		want             []string
		err              string // substring of the error
	}{
		{name: "header+inference", file: "a.csv", text: "id,name,price,day,flag\n1,apple,1.50,1998-09-02,true\n2,,2.25,1998-12-01,false\n3,cherry,NA,2000-02-29,true\n",
			opts:   CSVOptions{Null: "NA"},
			schema: "id:int64,name:utf8,price:float64,day:date32,flag:bool",
			want:   []string{"1|apple|1.5|1998-09-02|true", "2||2.25|1998-12-01|false", "3|cherry|(null)|2000-02-29|true"}},
		{name: "empty fields are null by default", file: "b.csv", text: "a,b\n1,\n,x\n",
			schema: "a:int64,b:utf8", want: []string{"1|(null)", "(null)|x"}},
		{name: "infer decimal", file: "c.csv", text: "p\n1.5\n-22.25\n3\n",
			opts: CSVOptions{InferDecimal: true}, schema: "p:decimal(18, 2)", want: []string{"1.5", "-22.25", "3"}},
		{name: "no header, semicolon", file: "d.csv", text: "1;x\n2;y\n",
			opts: CSVOptions{NoHeader: true, Delimiter: ';'}, schema: "c1:int64,c2:utf8", want: []string{"1|x", "2|y"}},
		{name: "projection", file: "e.csv", text: "a,b,c\n1,2,3\n4,5,6\n",
			scan: ScanOptions{Columns: []int{2, 0}}, schema: "c:int64,a:int64", want: []string{"3|1", "6|4"}},
		{name: "tbl with schema", file: "f.tbl", text: "1|Customer#1|711.56|1996-01-02|\n2|Customer#2|-121.65|1997-03-04|\n",
			opts:   CSVOptions{Delimiter: '|', NoHeader: true, TrailingDelimiter: true, Schema: decSchema},
			schema: "k:int32,name:utf8,bal:decimal(15, 2),d:date32", want: []string{"1|Customer#1|711.56|1996-01-02", "2|Customer#2|-121.65|1997-03-04"}},
		{name: "bad value names line and column", file: "g.csv", text: "a,b\n1,2\n3,x\n",
			opts: CSVOptions{Schema: arrow.NewSchema([]arrow.Field{{Name: "a", Type: arrow.PrimitiveTypes.Int64}, {Name: "b", Type: arrow.PrimitiveTypes.Int64}}, nil)},
			err:  `g.csv line 3 column 3 (b): cannot parse "x" as int64`},
		{name: "bad date", file: "h.csv", text: "d\n2020-02-30\n",
			opts: CSVOptions{Schema: arrow.NewSchema([]arrow.Field{{Name: "d", Type: arrow.FixedWidthTypes.Date32}}, nil)},
			err:  `h.csv line 2 column 1 (d): cannot parse "2020-02-30" as date`},
		{name: "ragged line", file: "i.csv", text: "a,b\n1,2\n3\n", schema: "a:int64,b:int64", err: "i.csv line 3: 1 fields, expected 2"},
		{name: "tbl without trailing delimiter", file: "j.tbl", text: "1|2|\n3|4\n",
			opts: CSVOptions{Delimiter: '|', NoHeader: true, TrailingDelimiter: true}, schema: "c1:int64,c2:int64", err: "j.tbl line 2: the line does not end"},
		{name: "bad quote", file: "k.csv", text: "a\n\"x\"y\n", schema: "a:utf8", err: "k.csv line 2"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := write(c.file, c.text)
			tab, err := OpenCSV(p, c.opts)
			if err != nil {
				if c.err != "" && strings.Contains(err.Error(), c.err) && errors.Is(err, ErrFormat) {
					return
				}
				t.Fatal(err)
			}
			got := fieldSpec(tab.Schema())
			if c.schema != "" && c.scan.Columns == nil && got != c.schema {
				t.Errorf("schema %s, want %s", got, c.schema)
			}
			mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
			defer mem.AssertSize(t, 0)
			if c.err != "" {
				err := scanErr(tab, mem)
				if err == nil || !strings.Contains(err.Error(), c.err) || !errors.Is(err, ErrFormat) {
					t.Fatalf("error %v, want ErrFormat containing %q", err, c.err)
				}
				return
			}
			for _, bs := range []int{1, 2, 100} {
				scan := c.scan
				scan.BatchSize = bs
				rows := scanText(t, tab, mem, scan)
				if strings.Join(rows, "\n") != strings.Join(c.want, "\n") {
					t.Fatalf("batch %d: got\n%s\nwant\n%s", bs, strings.Join(rows, "\n"), strings.Join(c.want, "\n"))
				}
			}
		})
	}
	if _, err := OpenCSV(filepath.Join(dir, "missing.csv"), CSVOptions{}); !errors.Is(err, ErrNotFound) {
		t.Errorf("missing: %v", err)
	}
}

func fieldSpec(s *arrow.Schema) string {
	var parts []string
	for _, f := range s.Fields() {
		parts = append(parts, f.Name+":"+f.Type.String())
	}
	return strings.Join(parts, ",")
}

func TestParseDate(t *testing.T) {
	for _, c := range []struct {
		s  string
		ok bool
	}{{"1970-01-01", true}, {"1998-09-02", true}, {"2000-02-29", true}, {"1900-02-29", false}, {"1992-13-01", false}, {"92-01-01", false}, {"1969-12-31", true}} {
		d, ok := parseDate(c.s)
		if ok != c.ok {
			t.Errorf("%s: ok %v", c.s, ok)
			continue
		}
		if ok && d.FormattedString() != c.s {
			t.Errorf("%s -> %d -> %s", c.s, d, d.FormattedString())
		}
	}
}

// FuzzCSV feeds arbitrary bytes to the CSV reader with inference: any
// outcome but a panic (or a leak) is acceptable.
func FuzzCSV(f *testing.F) {
	for _, name := range []string{"testdata/small.csv", "testdata/small.tbl"} {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b, false)
		f.Add(b, true)
	}
	f.Add([]byte("a,b\n\"1\n"), false)
	f.Fuzz(func(t *testing.T, data []byte, tbl bool) {
		p := filepath.Join(t.TempDir(), "f.csv")
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
		opts := CSVOptions{InferDecimal: true}
		if tbl {
			opts = CSVOptions{Delimiter: '|', NoHeader: true, TrailingDelimiter: true}
		}
		tab, err := OpenCSV(p, opts)
		if err != nil {
			if !errors.Is(err, ErrFormat) && !errors.Is(err, ErrSchema) {
				t.Fatalf("open error without a category: %v", err)
			}
			return
		}
		mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
		defer mem.AssertSize(t, 0)
		if err := scanErr(tab, mem); err != nil && !errors.Is(err, ErrFormat) {
			t.Fatalf("read error without a category: %v", err)
		}
	})
}

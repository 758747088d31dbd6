package store_test

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"
	"syscall"
	"testing"

	"github.com/apache/arrow/go/v15/arrow"
	"github.com/apache/arrow/go/v15/arrow/array"
	"github.com/apache/arrow/go/v15/arrow/memory"
	"github.com/apache/arrow/go/v15/parquet"
	"github.com/apache/arrow/go/v15/parquet/compress"
	"github.com/apache/arrow/go/v15/parquet/pqarrow"

	"github.com/dataflow-go/dataflow/store"
	"github.com/dataflow-go/dataflow/tpch/gen"
)

// The seven lineitem columns TPC-H Q1 reads.
var benchQ1Columns = []string{"l_quantity", "l_extendedprice", "l_discount", "l_tax", "l_returnflag", "l_linestatus", "l_shipdate"}

var benchModes = []struct {
	name string
	opts store.ParquetOptions
}{
	{"fast", store.ParquetOptions{}},
	{"fast-parallel-columns", store.ParquetOptions{ParallelColumns: true}},
	{"pqarrow", store.ParquetOptions{DisableFastDecode: true}},
	{"pqarrow-parallel-columns", store.ParquetOptions{DisableFastDecode: true, ParallelColumns: true}},
}

// scanQ1 reads every split of tab with the Q1 projection, the splits
// dealt round-robin to pipelines goroutines, and returns the rows read.
func scanQ1(b *testing.B, tab store.Table, pipelines int) int64 {
	splits, err := tab.Splits()
	if err != nil {
		b.Fatal(err)
	}
	var cols []int
	for _, n := range benchQ1Columns {
		idx := tab.Schema().FieldIndices(n)
		if len(idx) != 1 {
			b.Fatalf("no column %s", n)
		}
		cols = append(cols, idx[0])
	}
	opts := store.ScanOptions{Columns: cols, BatchSize: store.DefaultBatchSize}
	var wg sync.WaitGroup
	rows := make([]int64, pipelines)
	errs := make([]error, pipelines)
	for p := 0; p < pipelines; p++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := p; i < len(splits); i += pipelines {
				rr, err := splits[i].Open(context.Background(), memory.DefaultAllocator, opts)
				if err != nil {
					errs[p] = err
					return
				}
				for {
					rec, err := rr.Next()
					if err == io.EOF {
						break
					}
					if err != nil {
						errs[p] = err
						rr.Close()
						return
					}
					rows[p] += rec.NumRows()
					rec.Release()
				}
				rr.Close()
			}
		}()
	}
	wg.Wait()
	var total int64
	for p := range rows {
		if errs[p] != nil {
			b.Fatal(errs[p])
		}
		total += rows[p]
	}
	return total
}

func benchQ1(b *testing.B, path string, pipelines int) {
	for _, m := range benchModes {
		b.Run(fmt.Sprintf("%s/pipelines=%d", m.name, pipelines), func(b *testing.B) {
			tab, err := store.OpenParquet(path, m.opts)
			if err != nil {
				b.Fatal(err)
			}
			var rows int64
			b.ResetTimer()
			cpu0 := cpuTime()
			for i := 0; i < b.N; i++ {
				rows += scanQ1(b, tab, pipelines)
			}
			// CPU time (all threads, GC included) is steadier than wall
			// time on a shared machine.
			b.ReportMetric(float64(cpuTime()-cpu0)/1e6/float64(b.N), "cpu-ms/op")
			b.ReportMetric(float64(rows)/b.Elapsed().Seconds(), "rows/s")
		})
	}
}

// BenchmarkParquetQ1SF001 reads the Q1 columns of the SF0.01 reference
// lineitem (DuckDB's file: dictionary pages, Snappy) with the fast path
// and with pqarrow alone.
func BenchmarkParquetQ1SF001(b *testing.B) {
	benchQ1(b, filepath.Join("..", "testdata", "tpch", "sf0.01", "lineitem.parquet"), 1)
}

// BenchmarkParquetQ1SF1 reads the Q1 columns of SF1 lineitem (6M rows)
// as tpch/gen writes it (plain pages, Snappy, 128Ki-row groups) and as a
// dictionary-encoded file like DuckDB's (written here with pqarrow,
// 122880-row groups), with one and with two pipelines. The files are
// generated once into $TMPDIR/dataflow-store-bench and reused.
func BenchmarkParquetQ1SF1(b *testing.B) {
	plain, dict := sf1Files(b)
	for _, f := range []struct{ name, path string }{{"gen-plain", plain}, {"dict", dict}} {
		b.Run(f.name, func(b *testing.B) {
			benchQ1(b, f.path, 1)
			benchQ1(b, f.path, 2)
		})
	}
}

// cpuTime returns the process's user and system CPU time in nanoseconds.
func cpuTime() int64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return ru.Utime.Nano() + ru.Stime.Nano()
}

var sf1Once struct {
	sync.Once
	plain, dict string
	err         error
}

// sf1Files returns the SF1 lineitem files for the benchmarks, making them
// the first time.
func sf1Files(b *testing.B) (plain, dict string) {
	sf1Once.Do(func() {
		dir := filepath.Join(os.TempDir(), "dataflow-store-bench")
		sf1Once.plain = filepath.Join(dir, "gen-sf1", "lineitem")
		sf1Once.dict = filepath.Join(dir, "lineitem-q1-dict-sf1.parquet")
		if _, err := os.Stat(sf1Once.plain); err != nil {
			b.Logf("generating SF1 lineitem into %s", sf1Once.plain)
			_, err := gen.Generate(context.Background(), gen.Options{SF: 1, Dir: filepath.Join(dir, "gen-sf1"), Tables: []string{"lineitem"}, Force: true})
			if err != nil {
				sf1Once.err = err
				return
			}
		}
		if _, err := os.Stat(sf1Once.dict); err != nil {
			b.Logf("writing %s", sf1Once.dict)
			sf1Once.err = writeDictQ1(sf1Once.dict)
		}
	})
	if sf1Once.err != nil {
		b.Fatal(sf1Once.err)
	}
	return sf1Once.plain, sf1Once.dict
}

// writeDictQ1 writes the Q1 columns of SF1 lineitem with dictionary
// encoding and DuckDB's row group size.
func writeDictQ1(path string) error {
	schema, err := gen.Schema("lineitem")
	if err != nil {
		return err
	}
	var idx []int
	var fields []arrow.Field
	for _, n := range benchQ1Columns {
		i := schema.FieldIndices(n)[0]
		idx = append(idx, i)
		fields = append(fields, schema.Field(i))
	}
	q1 := arrow.NewSchema(fields, nil)
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	tmp := path + ".tmp"
	f, err := os.Create(tmp)
	if err != nil {
		return err
	}
	defer f.Close()
	props := parquet.NewWriterProperties(parquet.WithCompression(compress.Codecs.Snappy),
		parquet.WithStoreDecimalAsInteger(true), parquet.WithMaxRowGroupLength(122880))
	fw, err := pqarrow.NewFileWriter(q1, f, props, pqarrow.DefaultWriterProps())
	if err != nil {
		return err
	}
	err = gen.Records(context.Background(), "lineitem", 1, 0, 1, func(rec arrow.Record) error {
		cols := make([]arrow.Array, len(idx))
		for j, i := range idx {
			cols[j] = rec.Column(i)
		}
		r := array.NewRecord(q1, cols, rec.NumRows())
		defer r.Release()
		return fw.WriteBuffered(r)
	})
	if err != nil {
		return err
	}
	if err := fw.Close(); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

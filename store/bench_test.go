package store

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/apache/arrow/go/v15/arrow"
	"github.com/apache/arrow/go/v15/arrow/ipc"
	"github.com/apache/arrow/go/v15/arrow/memory"
)

var q1Columns = []string{"l_quantity", "l_extendedprice", "l_discount", "l_tax", "l_returnflag", "l_linestatus", "l_shipdate"}

func q1Projection(tb testing.TB, s *arrow.Schema) []int {
	out := make([]int, len(q1Columns))
	for i, n := range q1Columns {
		idx := s.FieldIndices(n)
		if len(idx) != 1 {
			tb.Fatalf("no column %s", n)
		}
		out[i] = idx[0]
	}
	return out
}

// benchScan reads all splits of tab with the Q1 projection per iteration
// and reports rows/s.
func benchScan(b *testing.B, tab Table) {
	splits, err := tab.Splits()
	if err != nil {
		b.Fatal(err)
	}
	opts := ScanOptions{Columns: q1Projection(b, tab.Schema()), BatchSize: 4096}
	var rows int64
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		for _, s := range splits {
			rr, err := s.Open(context.Background(), memory.DefaultAllocator, opts)
			if err != nil {
				b.Fatal(err)
			}
			for {
				rec, err := rr.Next()
				if err == io.EOF {
					break
				}
				if err != nil {
					b.Fatal(err)
				}
				rows += rec.NumRows()
				rec.Release()
			}
			rr.Close()
		}
	}
	b.ReportMetric(float64(rows)/b.Elapsed().Seconds(), "rows/s")
}

// BenchmarkQ1Columns reads the seven columns TPC-H Q1 needs from
// sf0.01 lineitem (60175 rows) stored as Parquet and as Arrow IPC.
func BenchmarkQ1Columns(b *testing.B) {
	path := filepath.Join(tpchDir, "lineitem.parquet")
	b.Run("parquet", func(b *testing.B) {
		tab, err := OpenParquet(path, ParquetOptions{})
		if err != nil {
			b.Fatal(err)
		}
		benchScan(b, tab)
	})
	b.Run("parquet-parallel-columns", func(b *testing.B) {
		tab, err := OpenParquet(path, ParquetOptions{ParallelColumns: true})
		if err != nil {
			b.Fatal(err)
		}
		benchScan(b, tab)
	})
	ipcPath := filepath.Join(b.TempDir(), "lineitem.arrow")
	writeTableAsIPC(b, path, ipcPath)
	b.Run("ipc", func(b *testing.B) {
		tab, err := OpenIPC(ipcPath, IPCOptions{})
		if err != nil {
			b.Fatal(err)
		}
		defer tab.Close()
		benchScan(b, tab)
	})
}

// writeTableAsIPC converts a Parquet table into an IPC file of 4096-row
// record batches.
func writeTableAsIPC(tb testing.TB, from, to string) {
	tab, err := OpenParquet(from, ParquetOptions{})
	if err != nil {
		tb.Fatal(err)
	}
	f, err := os.Create(to)
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	w, err := ipc.NewFileWriter(f, ipc.WithSchema(tab.Schema()))
	if err != nil {
		tb.Fatal(err)
	}
	splits, _ := tab.Splits()
	for _, s := range splits {
		rr, err := s.Open(context.Background(), memory.DefaultAllocator, ScanOptions{BatchSize: 4096})
		if err != nil {
			tb.Fatal(err)
		}
		for {
			rec, err := rr.Next()
			if err == io.EOF {
				break
			}
			if err != nil {
				tb.Fatal(err)
			}
			if err := w.Write(rec); err != nil {
				tb.Fatal(err)
			}
			rec.Release()
		}
		rr.Close()
	}
	if err := w.Close(); err != nil {
		tb.Fatal(err)
	}
}

// TestLineitemIPCRoundTrip converts lineitem to IPC and checks that the
// zero-copy reader returns the same rows as the Parquet reader.
func TestLineitemIPCRoundTrip(t *testing.T) {
	path := filepath.Join(tpchDir, "lineitem.parquet")
	ipcPath := filepath.Join(t.TempDir(), "lineitem.arrow")
	writeTableAsIPC(t, path, ipcPath)
	pq, err := OpenParquet(path, ParquetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	it, err := OpenIPC(ipcPath, IPCOptions{RowsPerSplit: 20000})
	if err != nil {
		t.Fatal(err)
	}
	defer it.Close()
	if zc, why := it.ZeroCopy(); !zc {
		t.Fatalf("lineitem IPC not zero-copy: %s", why)
	}
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	opts := ScanOptions{Columns: q1Projection(t, pq.Schema()), BatchSize: 3000}
	a, b := scanText(t, pq, mem, opts), scanText(t, it, mem, opts)
	if len(a) != 60175 || len(b) != len(a) {
		t.Fatalf("rows: parquet %d, ipc %d", len(a), len(b))
	}
	for i := range a {
		if a[i] != b[i] {
			t.Fatalf("row %d: parquet %s, ipc %s", i, a[i], b[i])
		}
	}
}

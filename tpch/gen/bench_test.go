package gen

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/apache/arrow/go/v15/arrow"
)

// BenchmarkGenerate writes all eight tables at SF0.1 and reports rows/s
// and output MB/s (file bytes), per format.
//
//	go test ./tpch/gen -run '^$' -bench Generate -benchtime 3x
func BenchmarkGenerate(b *testing.B) {
	for _, f := range []Format{Parquet, IPC, CSV} {
		b.Run(string(f), func(b *testing.B) {
			var rows, bytes int64
			for i := range b.N {
				dir := filepath.Join(b.TempDir(), "out")
				res, err := Generate(context.Background(), Options{SF: 0.1, Dir: dir, Format: f})
				if err != nil {
					b.Fatal(err)
				}
				if i == 0 {
					for _, t := range res.Tables {
						rows += t.Rows
						bytes += t.Bytes
					}
				}
				b.StopTimer()
				os.RemoveAll(dir)
				b.StartTimer()
			}
			s := b.Elapsed().Seconds() / float64(b.N)
			b.ReportMetric(float64(rows)/s, "rows/s")
			b.ReportMetric(float64(bytes)/s/1e6, "MB/s")
			b.ReportMetric(0, "ns/op")
		})
	}
}

// BenchmarkRecords generates SF0.1 lineitem in memory on one goroutine:
// the cost of generation alone, without encoding or I/O.
func BenchmarkRecords(b *testing.B) {
	var rows int64
	for range b.N {
		rows = 0
		err := Records(context.Background(), "lineitem", 0.1, 0, 1, func(rec arrow.Record) error {
			rows += rec.NumRows()
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(rows)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
}

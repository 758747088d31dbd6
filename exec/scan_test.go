package exec_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"

	"github.com/apache/arrow/go/v15/arrow/memory"

	"github.com/dataflow-go/dataflow/exec"
	"github.com/dataflow-go/dataflow/exec/exectest"
	"github.com/dataflow-go/dataflow/store"
)

// tableScan closes the table it scans when the scan is closed.
type tableScan struct {
	exec.Operator
	table *store.MemTable
}

func (s tableScan) Close() error {
	err := s.Operator.Close()
	s.table.Close()
	return err
}

var scanSchema = exectest.Schema("id:int64", "name:utf8", "price:decimal(15,2)", "day:date32")

var scanRows = exectest.R(
	"1|a|1.50|1998-09-02",
	"2|NULL|2.25|1998-12-01",
	"3|c|NULL|2000-02-29",
	"4|d|4.00|NULL",
	"5|e|5.05|1992-01-01",
)

// memTable builds a MemTable over rows cut into records of chunk rows.
func memTable(t testing.TB, mem memory.Allocator, rows exectest.Rows, chunk int) *store.MemTable {
	t.Helper()
	recs, err := exectest.MakeRecords(mem, scanSchema, rows, chunk, true)
	if err != nil {
		t.Fatal(err)
	}
	tab, err := store.NewMemTable(scanSchema, recs)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range recs {
		r.Release()
	}
	return tab
}

func TestScan(t *testing.T) {
	cases := []struct {
		name   string
		opts   store.ScanOptions
		queue  bool
		want   exectest.Rows
		errStr string
	}{
		{name: "all", want: scanRows},
		{name: "projection", opts: store.ScanOptions{Columns: []int{3, 0}},
			want: exectest.R("1998-09-02|1", "1998-12-01|2", "2000-02-29|3", "NULL|4", "1992-01-01|5")},
		{name: "count only", opts: store.ScanOptions{Columns: []int{}}, want: exectest.Rows{{}, {}, {}, {}, {}}},
		{name: "queue", queue: true, want: scanRows},
		{name: "bad projection", opts: store.ScanOptions{Columns: []int{7}}, errStr: "projection names column 7"},
	}
	for _, c := range cases {
		exectest.Run(t, exectest.Case{
			Name:    c.name,
			Ordered: true,
			Build: func([]exec.Operator) (exec.Operator, error) {
				tab := memTable(t, memory.DefaultAllocator, scanRows, 2)
				splits, err := tab.Splits()
				if err != nil {
					return nil, err
				}
				if c.queue {
					return tableScan{exec.NewQueueScan(tab, exec.NewSplitQueue(splits), c.opts), tab}, nil
				}
				return tableScan{exec.NewScan(tab, splits, c.opts), tab}, nil
			},
			Expected:  c.want,
			ExpectErr: c.errStr,
		})
	}
}

const lineitem = "../testdata/tpch/sf0.01/lineitem.parquet"

// TestScanParquet reads lineitem through the scan with a checked allocator:
// the Parquet decoder allocates from the query's allocator, so leaks show.
func TestScanParquet(t *testing.T) {
	tab, err := store.OpenParquet(lineitem, store.ParquetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	splits, _ := tab.Splits()
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	ctx := exec.NewContext(context.Background(), mem)
	ctx.BatchSize = 1000
	op := exec.NewScan(tab, splits, store.ScanOptions{Columns: []int{8, 9}})
	rows, err := exectest.Drain(ctx, op)
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 60175 || rows[0][0] != "N" || rows[0][1] != "O" {
		t.Errorf("%d rows, first %v", len(rows), rows[0])
	}
}

// TestQueueScanParallel runs three scans over one queue in goroutines:
// together they read every row once.
func TestQueueScanParallel(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	var rows exectest.Rows
	for i := 0; i < 100; i++ {
		rows = append(rows, scanRows[i%len(scanRows)])
	}
	tab := memTable(t, mem, rows, 3)
	defer tab.Close()
	tab.SetSplitRows(9)
	splits, _ := tab.Splits()
	if len(splits) < 10 {
		t.Fatalf("%d splits", len(splits))
	}
	q := exec.NewSplitQueue(splits)
	var wg sync.WaitGroup
	counts := make([]int, 3)
	errs := make([]error, 3)
	for w := range counts {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			ctx := exec.NewContext(context.Background(), mem)
			ctx.BatchSize = 4
			got, err := exectest.Drain(ctx, exec.NewQueueScan(tab, q, store.ScanOptions{}))
			counts[w], errs[w] = len(got), err
		}(w)
	}
	wg.Wait()
	total := 0
	for w := range counts {
		if errs[w] != nil {
			t.Fatal(errs[w])
		}
		total += counts[w]
	}
	if total != 100 || q.Remaining() != 0 {
		t.Errorf("read %d rows, %d splits left", total, q.Remaining())
	}

	// Parquet: one queue over lineitem's splits shared by two scans.
	pq, err := store.OpenParquet(lineitem, store.ParquetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	psplits, _ := pq.Splits()
	q = exec.NewSplitQueue(psplits)
	var n [2]int
	for w := range n {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			got, err := exectest.Drain(exec.NewContext(context.Background(), mem), exec.NewQueueScan(pq, q, store.ScanOptions{Columns: []int{0}}))
			n[w], errs[w] = len(got), err
		}(w)
	}
	wg.Wait()
	if errs[0] != nil || errs[1] != nil || n[0]+n[1] != 60175 {
		t.Errorf("parquet queue: %v %v, %d+%d rows", errs[0], errs[1], n[0], n[1])
	}
}

func TestScanCancel(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	tab := memTable(t, mem, scanRows, 1)
	defer tab.Close()
	splits, _ := tab.Splits()
	cctx, cancel := context.WithCancel(context.Background())
	ctx := exec.NewContext(cctx, mem)
	ctx.BatchSize = 1
	op := exec.NewScan(tab, splits, store.ScanOptions{})
	if err := op.Open(ctx); err != nil {
		t.Fatal(err)
	}
	rec, err := op.Next()
	if err != nil {
		t.Fatal(err)
	}
	rec.Release()
	cancel()
	for i := 0; i < 2; i++ {
		if rec, err := op.Next(); rec != nil || !errors.Is(err, exec.ErrCanceled) {
			t.Fatalf("after cancel: %v, %v", rec, err)
		}
	}
	if err := op.Close(); err != nil {
		t.Fatal(err)
	}
	if err := op.Close(); err != nil {
		t.Fatal(err)
	}
	if rec, err := op.Next(); rec != nil || err == nil {
		t.Fatalf("after Close: %v, %v", rec, err)
	}
}

// corruptSplit fails on Open: the scan names the split and keeps the
// store's category.
type corruptSplit struct{}

func (corruptSplit) Open(context.Context, memory.Allocator, store.ScanOptions) (store.RecordReader, error) {
	return nil, store.ErrCorrupt
}
func (corruptSplit) Describe() string      { return "bad.parquet row group 0" }
func (corruptSplit) EstimatedRows() int64  { return 1 }
func (corruptSplit) EstimatedBytes() int64 { return 1 }

func TestScanSplitError(t *testing.T) {
	tab, _ := store.NewMemTable(scanSchema, nil)
	op := exec.NewScan(tab, []store.Split{corruptSplit{}}, store.ScanOptions{})
	_, err := exectest.Drain(exec.NewContext(nil, nil), op)
	if !errors.Is(err, store.ErrCorrupt) || !errors.Is(err, exec.ErrExec) || !strings.Contains(err.Error(), "bad.parquet row group 0") {
		t.Errorf("error %v", err)
	}
}

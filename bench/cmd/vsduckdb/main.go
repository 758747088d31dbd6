// Command vsduckdb runs TPC-H queries in dataflow and in DuckDB over the
// same Parquet files, checks both return the same rows, and prints both
// engines' times, the ratio per query and the geometric mean.
//
//	go run ./cmd/vsduckdb --data DIR [--queries 1,6] [--threads 2] [--runs 5] [--warmup 1] [--compare parquet,memory] [--json out.json]
//
// Exit codes: 0 all queries ran in both engines with the same results, 1
// otherwise or on a usage error.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"

	"github.com/dataflow-go/dataflow/bench/vsduckdb"
	"github.com/dataflow-go/dataflow/tpch"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout, os.Stderr); err != nil {
		if err != flag.ErrHelp {
			fmt.Fprintln(os.Stderr, "vsduckdb:", err)
		}
		stop()
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("vsduckdb", flag.ContinueOnError)
	fs.SetOutput(stderr)
	data := fs.String("data", "", "`directory` of the eight TPC-H Parquet tables (e.g. from dataflow gen tpch)")
	queries := fs.String("queries", "all", "queries to run, e.g. 1,3,5,6 or 1-22")
	threads := fs.Int("threads", 2, "threads for both engines (DuckDB: SET threads)")
	runs := fs.Int("runs", 5, "measured runs per query and engine")
	warmup := fs.Int("warmup", 1, "unmeasured warm-up runs per query and engine")
	compare := fs.String("compare", "parquet,memory", "comparisons: parquet (both over the Parquet files), memory (dataflow in memory vs DuckDB native tables)")
	mode := fs.String("mode", "sql", "how dataflow writes queries: sql, or builder (Q1 and Q6 only)")
	timeout := fs.Duration("timeout", 0, "give up on a query run after this `duration` in either engine (0: never)")
	jsonOut := fs.String("json", "", "write the reports as a JSON array to `file`")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *data == "" || fs.NArg() != 0 {
		fs.Usage()
		return fmt.Errorf("give --data DIR and no other arguments")
	}
	qs, err := tpch.ParseList(*queries)
	if err != nil {
		return err
	}
	var pairings []vsduckdb.Pairing
	for _, c := range strings.Split(*compare, ",") {
		p, err := vsduckdb.ParsePairing(strings.TrimSpace(c))
		if err != nil {
			return err
		}
		pairings = append(pairings, p)
	}
	cfg := vsduckdb.Config{
		Data: *data, Queries: qs, Runs: *runs, Warmup: *warmup, Threads: *threads, Mode: *mode, QueryTimeout: *timeout,
		Progress: func(q vsduckdb.QueryTimes) {
			fmt.Fprintf(stderr, "%s: dataflow %.1f ms, duckdb %.1f ms\n", q.Query, q.Dataflow.Median, q.DuckDB.Median)
		},
	}
	var reports []*vsduckdb.Report
	failed := 0
	for _, p := range pairings {
		fmt.Fprintf(stderr, "loading for the %s comparison ...\n", p)
		rep, err := vsduckdb.Run(ctx, cfg, p)
		if err != nil {
			return err
		}
		if err := rep.WriteText(stdout); err != nil {
			return err
		}
		fmt.Fprintln(stdout)
		reports = append(reports, rep)
		failed += rep.Failed
	}
	if *jsonOut != "" {
		f, err := os.Create(*jsonOut)
		if err != nil {
			return err
		}
		enc := jsonEncoder(f)
		if err := enc.Encode(reports); err != nil {
			f.Close()
			return err
		}
		if err := f.Close(); err != nil {
			return err
		}
	}
	if failed > 0 {
		return fmt.Errorf("%d queries failed or returned different results", failed)
	}
	return nil
}

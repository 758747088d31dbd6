package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"strconv"
	"strings"
	"time"

	"github.com/dataflow-go/dataflow"
	"github.com/dataflow-go/dataflow/tpch"
	"github.com/dataflow-go/dataflow/tpch/gen"
)

const benchUsage = `Usage: dataflow bench tpch (--sf N | --data DIR) [flags]

Run the TPC-H queries, with warm-ups, and report each query's median,
minimum and maximum time, result rows and peak memory; optionally write
the report as JSON and as an SVG bar chart.

Data: --data DIR reads the tables from DIR (DIR/lineitem.parquet or
DIR/lineitem/*.parquet, .arrow for --format ipc). Without --data, --sf N
generates scale factor N once into a cache directory (see --cache) and
reuses it. At --sf 0.01 the reference data in testdata/tpch/sf0.01 is
used when the current directory has it, and results are checked against
testdata/tpch/answers/sf0.01.

Formats: parquet decodes the Parquet files on every query; ipc
memory-maps Arrow IPC files; memory loads the tables into memory first
(not timed).

Flags:
`

// benchConfig is the parsed command line of "dataflow bench tpch".
type benchConfig struct {
	sf         float64
	data       string
	cache      string
	queries    []tpch.Query
	runs       int
	warmup     int
	threads    int
	format     tpch.Format
	mode       string
	answers    string
	timeout    time.Duration
	jsonOut    string
	svgOut     string
	cpuProfile string
}

func parseBenchFlags(args []string, stderr io.Writer) (*benchConfig, error) {
	if len(args) == 0 || strings.HasPrefix(args[0], "-") && args[0] != "-h" && args[0] != "--help" {
		fmt.Fprint(stderr, benchUsage)
		return nil, userErr("bench needs a benchmark name: dataflow bench tpch ...")
	}
	if args[0] == "-h" || args[0] == "--help" {
		fmt.Fprint(stderr, benchUsage)
		return nil, flag.ErrHelp
	}
	if args[0] != "tpch" {
		return nil, userErr("unknown benchmark %q (the one there is: tpch)", args[0])
	}
	fs := flag.NewFlagSet("bench tpch", flag.ContinueOnError)
	fs.SetOutput(stderr)
	sf := fs.String("sf", "", "TPC-H scale `factor` (e.g. 0.01, 1, 10); generates the data when --data is not given")
	data := fs.String("data", "", "`directory` holding the eight tables")
	cache := fs.String("cache", "", "`directory` for generated data (default: the user cache directory's dataflow/tpch)")
	queries := fs.String("queries", "all", "queries to run, e.g. 1,6 or 1-5,22")
	runs := fs.Int("runs", 3, "measured runs per query")
	warmup := fs.Int("warmup", 1, "unmeasured warm-up runs per query")
	threads := fs.Int("threads", runtime.GOMAXPROCS(0), "pipelines a query may run at once")
	format := fs.String("format", "parquet", "how tables are read: parquet, ipc or memory")
	mode := fs.String("mode", "sql", "how queries are written: sql, or builder (the Go builder; Q1 and Q6 only)")
	answers := fs.String("answers", "", "check results against the reference answers in `directory` (q01.csv, ...)")
	timeout := fs.Duration("timeout", 0, "give up on a query run after this `duration` (e.g. 2m) and go on; 0 means never")
	jsonOut := fs.String("json", "", "write the report as JSON to `file`")
	svgOut := fs.String("svg", "", "write an SVG bar chart of the times to `file`")
	cpuProfile := fs.String("cpuprofile", "", "write a Go CPU profile of the query runs (not the loading) to `file`, for go tool pprof")
	fs.Usage = func() {
		fmt.Fprint(stderr, benchUsage)
		fs.PrintDefaults()
	}
	if err := fs.Parse(args[1:]); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil, err
		}
		return nil, &exitError{code: 1, err: err}
	}
	if fs.NArg() != 0 {
		return nil, userErr("unexpected arguments %q (flags only: see dataflow bench tpch --help)", fs.Args())
	}
	cfg := &benchConfig{data: *data, cache: *cache, runs: *runs, warmup: *warmup, threads: *threads,
		mode: *mode, answers: *answers, timeout: *timeout, jsonOut: *jsonOut, svgOut: *svgOut,
		cpuProfile: *cpuProfile}
	if *sf != "" {
		v, err := strconv.ParseFloat(*sf, 64)
		if err != nil || v <= 0 || v != v {
			return nil, userErr("--sf: %q is not a positive scale factor (examples: 0.01, 1, 10)", *sf)
		}
		cfg.sf = v
	}
	if cfg.data == "" && cfg.sf == 0 {
		return nil, userErr("give --data DIR (existing tables) or --sf N (generate scale factor N)")
	}
	var err error
	if cfg.queries, err = tpch.ParseList(*queries); err != nil {
		return nil, userErr("--queries: %v", err)
	}
	if cfg.runs < 1 {
		return nil, userErr("--runs must be at least 1, got %d", cfg.runs)
	}
	if cfg.warmup < 0 {
		return nil, userErr("--warmup must not be negative, got %d", cfg.warmup)
	}
	if cfg.threads < 1 {
		return nil, userErr("--threads must be at least 1, got %d", cfg.threads)
	}
	if cfg.timeout < 0 {
		return nil, userErr("--timeout must not be negative, got %v", cfg.timeout)
	}
	if cfg.format, err = tpch.ParseFormat(*format); err != nil {
		return nil, userErr("--format: %v", err)
	}
	switch cfg.mode {
	case "sql", "builder":
	default:
		return nil, userErr("--mode: unknown mode %q (want sql or builder)", cfg.mode)
	}
	return cfg, nil
}

// referenceSF001 is where the repository keeps dbgen's SF0.01 data and
// its answers, relative to the repository root.
var (
	referenceSF001        = filepath.Join("testdata", "tpch", "sf0.01")
	referenceSF001Answers = filepath.Join("testdata", "tpch", "answers", "sf0.01")
)

// resolveData finds or generates the data directory, and the answers to
// check against when the data is the reference SF0.01.
func resolveData(ctx context.Context, cfg *benchConfig, stderr io.Writer) (dir, answers string, err error) {
	answers = cfg.answers
	if cfg.data != "" {
		if answers == "" && sameDir(cfg.data, referenceSF001) && dirExists(referenceSF001Answers) {
			answers = referenceSF001Answers
		}
		return cfg.data, answers, nil
	}
	if cfg.sf == 0.01 && dirExists(referenceSF001) && cfg.format != tpch.IPC {
		if answers == "" && dirExists(referenceSF001Answers) {
			answers = referenceSF001Answers
		}
		fmt.Fprintf(stderr, "using the reference SF0.01 data in %s\n", referenceSF001)
		return referenceSF001, answers, nil
	}
	root := cfg.cache
	if root == "" {
		base, err := os.UserCacheDir()
		if err != nil {
			return "", "", userErr("no cache directory to generate into (%v): give --cache DIR or --data DIR", err)
		}
		root = filepath.Join(base, "dataflow", "tpch")
	}
	genFormat := gen.Parquet
	if cfg.format == tpch.IPC {
		genFormat = gen.IPC
	}
	dir = filepath.Join(root, fmt.Sprintf("sf%s-%s", strconv.FormatFloat(cfg.sf, 'f', -1, 64), genFormat))
	if _, err := os.Stat(filepath.Join(dir, gen.CatalogFile)); err == nil {
		fmt.Fprintf(stderr, "using SF%g data generated earlier in %s\n", cfg.sf, dir)
		return dir, answers, nil
	}
	fmt.Fprintf(stderr, "generating SF%g as %s into %s ...\n", cfg.sf, genFormat, dir)
	res, err := gen.Generate(ctx, gen.Options{SF: cfg.sf, Dir: dir, Format: genFormat, Partitions: 1, Force: true})
	if err != nil {
		return "", "", fmt.Errorf("generate SF%g: %w", cfg.sf, err)
	}
	fmt.Fprintf(stderr, "generated in %v\n", res.Elapsed.Round(time.Millisecond))
	return dir, answers, nil
}

func dirExists(p string) bool {
	info, err := os.Stat(p)
	return err == nil && info.IsDir()
}

func sameDir(a, b string) bool {
	ia, err1 := os.Stat(a)
	ib, err2 := os.Stat(b)
	return err1 == nil && err2 == nil && os.SameFile(ia, ib)
}

// cmdBench runs "dataflow bench ...". It exits 1 when a query fails or
// returns a wrong answer, after writing the reports.
func cmdBench(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	cfg, err := parseBenchFlags(args, stderr)
	if err != nil {
		return err
	}
	dir, answers, err := resolveData(ctx, cfg, stderr)
	if err != nil {
		return err
	}
	eng, err := dataflow.Open(dataflow.Options{Parallelism: cfg.threads})
	if err != nil {
		return err
	}
	defer eng.Close()
	loadStart := time.Now()
	if err := tpch.Load(eng, dir, cfg.format); err != nil {
		if errors.Is(err, tpch.ErrData) {
			return userErr("%v", err)
		}
		return err
	}
	load := time.Since(loadStart)
	if cfg.cpuProfile != "" {
		f, err := os.Create(cfg.cpuProfile)
		if err != nil {
			return userErr("--cpuprofile: %v", err)
		}
		if err := pprof.StartCPUProfile(f); err != nil {
			f.Close()
			return userErr("--cpuprofile: %v", err)
		}
		defer func() {
			pprof.StopCPUProfile()
			f.Close()
		}()
	}
	rep, err := tpch.Run(ctx, tpch.Config{
		Engine: eng, Queries: cfg.queries, Runs: cfg.runs, Warmup: cfg.warmup,
		Answers: answers, Mode: cfg.mode, QueryTimeout: cfg.timeout,
		Data: dir, Format: cfg.format, ScaleFactor: cfg.sf, Threads: cfg.threads,
		Progress: func(q tpch.QueryReport) {
			if q.Error != "" {
				fmt.Fprintf(stderr, "%s: failed\n", q.Query)
				return
			}
			fmt.Fprintf(stderr, "%s: %.1f ms\n", q.Query, q.MedianMillis)
		},
	})
	if err != nil {
		return err
	}
	rep.LoadMillis = float64(load.Microseconds()) / 1000
	if err := rep.WriteText(stdout); err != nil {
		return err
	}
	if cfg.jsonOut != "" {
		if err := writeFile(cfg.jsonOut, rep.WriteJSON); err != nil {
			return err
		}
	}
	if cfg.svgOut != "" {
		if err := writeFile(cfg.svgOut, rep.WriteSVG); err != nil {
			return err
		}
	}
	if rep.Failed > 0 {
		return userErr("%d of %d queries failed or returned a wrong answer", rep.Failed, len(rep.Queries))
	}
	return nil
}

func writeFile(path string, write func(io.Writer) error) error {
	f, err := os.Create(path)
	if err != nil {
		return userErr("%v", err)
	}
	if err := write(f); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return userErr("%v", err)
	}
	return nil
}

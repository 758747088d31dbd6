package vsduckdb

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"runtime"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/dataflow-go/dataflow"
	"github.com/dataflow-go/dataflow/tpch"
)

// Pairing names which storage of each engine is compared.
type Pairing string

const (
	// Parquet compares both engines reading the same Parquet files on
	// every query.
	Parquet Pairing = "parquet"
	// Memory compares dataflow's in-memory tables with DuckDB's native
	// storage.
	Memory Pairing = "memory"
)

// ParsePairing accepts "parquet" and "memory".
func ParsePairing(s string) (Pairing, error) {
	switch Pairing(s) {
	case Parquet, Memory:
		return Pairing(s), nil
	}
	return "", fmt.Errorf("unknown comparison %q (want parquet or memory)", s)
}

// Config describes a side-by-side run.
type Config struct {
	// Data is the directory of the eight Parquet tables.
	Data string
	// Queries to run, in order.
	Queries []tpch.Query
	// Runs is the measured runs per query and engine; Warmup the
	// unmeasured runs before them.
	Runs, Warmup int
	// Threads bounds both engines' parallelism.
	Threads int
	// Mode is how dataflow writes the queries (see tpch.Query.Prepare).
	Mode string
	// QueryTimeout bounds each run in either engine (0: no bound); a
	// query that runs longer is reported as failed.
	QueryTimeout time.Duration
	// Progress, when set, is called after each query.
	Progress func(QueryTimes)
}

// Timing is one engine's times for one query, in milliseconds.
type Timing struct {
	Median float64   `json:"median_ms"`
	Min    float64   `json:"min_ms"`
	Max    float64   `json:"max_ms"`
	Runs   []float64 `json:"runs_ms"`
}

// QueryTimes is one query's side-by-side result.
type QueryTimes struct {
	Query    string `json:"query"`
	Rows     int    `json:"rows"`
	Dataflow Timing `json:"dataflow"`
	DuckDB   Timing `json:"duckdb"`
	// Ratio is dataflow's median over DuckDB's: below 1, dataflow is
	// faster.
	Ratio float64 `json:"ratio"`
	// Same says whether both engines returned the same rows; Diff
	// describes the first difference, or notes ties in another order.
	Same bool   `json:"same"`
	Diff string `json:"diff,omitempty"`
	// Error is the error of either engine; the query then has no times.
	Error string `json:"error,omitempty"`
}

// Report is a side-by-side run's result.
type Report struct {
	Pairing       Pairing      `json:"pairing"`
	Threads       int          `json:"threads"`
	Runs          int          `json:"runs"`
	Warmup        int          `json:"warmup"`
	DuckDBVersion string       `json:"duckdb_version"`
	NumCPU        int          `json:"num_cpu"`
	LoadDataflow  float64      `json:"load_dataflow_ms"`
	LoadDuckDB    float64      `json:"load_duckdb_ms"`
	Queries       []QueryTimes `json:"queries"`
	// Geometric means of the medians, and of the ratios, over the
	// queries both engines ran.
	GeoMeanDataflow float64 `json:"geomean_dataflow_ms"`
	GeoMeanDuckDB   float64 `json:"geomean_duckdb_ms"`
	GeoMeanRatio    float64 `json:"geomean_ratio"`
	// Failed counts queries that failed in either engine or whose
	// results differ.
	Failed int `json:"failed"`
}

// Run loads the tables into both engines and runs each query in both,
// alternating engines query by query so that both see the machine in the
// same state.
func Run(ctx context.Context, cfg Config, pairing Pairing) (*Report, error) {
	if cfg.Runs < 1 || cfg.Warmup < 0 || cfg.Threads < 1 {
		return nil, fmt.Errorf("runs and threads must be at least 1 and warm-ups not negative")
	}
	rep := &Report{Pairing: pairing, Threads: cfg.Threads, Runs: cfg.Runs, Warmup: cfg.Warmup, NumCPU: runtime.NumCPU()}
	format, storage := tpch.Parquet, OverParquet
	if pairing == Memory {
		format, storage = tpch.Memory, Native
	}
	start := time.Now()
	eng, err := dataflow.Open(dataflow.Options{Parallelism: cfg.Threads})
	if err != nil {
		return nil, err
	}
	defer eng.Close()
	if err := tpch.Load(eng, cfg.Data, format); err != nil {
		return nil, err
	}
	rep.LoadDataflow = ms(time.Since(start))
	start = time.Now()
	duck, err := OpenDuckDB(ctx, cfg.Data, storage, cfg.Threads)
	if err != nil {
		return nil, err
	}
	defer duck.Close()
	rep.LoadDuckDB = ms(time.Since(start))
	rep.DuckDBVersion = duck.Version(ctx)

	for _, q := range cfg.Queries {
		if err := ctx.Err(); err != nil {
			return rep, err
		}
		qt := runPair(ctx, cfg, eng, duck, q)
		if qt.Error != "" || !qt.Same {
			rep.Failed++
		}
		rep.Queries = append(rep.Queries, qt)
		if cfg.Progress != nil {
			cfg.Progress(qt)
		}
	}
	rep.GeoMeanDataflow, rep.GeoMeanDuckDB, rep.GeoMeanRatio = geoMeans(rep.Queries)
	return rep, nil
}

func runPair(ctx context.Context, cfg Config, eng *dataflow.Engine, duck *DuckDB, q tpch.Query) QueryTimes {
	qt := QueryTimes{Query: q.Name}
	// Collect the Go heap's garbage first, untimed: loading DuckDB through
	// its Go bindings and converting its results leave hundreds of MiB of
	// Go garbage, and a collection of a multi-GiB heap running under the
	// next query slowed dataflow's first queries up to twice (GC workers
	// take a share of the two cores). DuckDB's own memory is outside the
	// Go heap, so this only keeps one engine's garbage from being charged
	// to the other.
	runtime.GC()
	var ours, theirs [][]Value
	var err error
	qt.Dataflow, ours, err = timeRuns(ctx, cfg, func(ctx context.Context) ([][]Value, error) {
		dq, _, err := q.Prepare(eng, cfg.Mode)
		if err != nil {
			return nil, err
		}
		res, err := dq.Collect(ctx)
		if err != nil {
			return nil, err
		}
		defer res.Release()
		return FromResult(res)
	})
	if err != nil {
		qt.Error = "dataflow: " + err.Error()
		// DuckDB's time is still worth knowing.
		qt.DuckDB, theirs, err = timeRuns(ctx, cfg, func(ctx context.Context) ([][]Value, error) { return duck.Query(ctx, q.SQL) })
		if err == nil {
			qt.Rows = len(theirs)
		}
		return qt
	}
	qt.DuckDB, theirs, err = timeRuns(ctx, cfg, func(ctx context.Context) ([][]Value, error) { return duck.Query(ctx, q.SQL) })
	if err != nil {
		qt.Error = err.Error()
		return qt
	}
	qt.Rows = len(theirs)
	qt.Diff, qt.Same = CompareRows(ours, theirs)
	if qt.DuckDB.Median > 0 {
		qt.Ratio = round3(qt.Dataflow.Median / qt.DuckDB.Median)
	}
	return qt
}

// timeRuns runs fn Warmup+Runs times, each within cfg.QueryTimeout, and
// returns the measured times and the first run's rows.
func timeRuns(ctx context.Context, cfg Config, fn func(context.Context) ([][]Value, error)) (Timing, [][]Value, error) {
	var t Timing
	var first [][]Value
	for i := range cfg.Warmup + cfg.Runs {
		start := time.Now()
		rows, err := runWithin(ctx, cfg.QueryTimeout, fn)
		elapsed := time.Since(start)
		if err != nil {
			return t, nil, err
		}
		if i == 0 {
			first = rows
		}
		if i >= cfg.Warmup {
			t.Runs = append(t.Runs, ms(elapsed))
		}
	}
	s := slices.Clone(t.Runs)
	slices.Sort(s)
	t.Min, t.Max = s[0], s[len(s)-1]
	if n := len(s); n%2 == 1 {
		t.Median = s[n/2]
	} else {
		t.Median = round3((s[n/2-1] + s[n/2]) / 2)
	}
	return t, first, nil
}

// runWithin runs fn, within timeout when it is positive.
func runWithin(ctx context.Context, timeout time.Duration, fn func(context.Context) ([][]Value, error)) ([][]Value, error) {
	if timeout <= 0 {
		return fn(ctx)
	}
	tctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	rows, err := fn(tctx)
	if err != nil && ctx.Err() == nil && tctx.Err() != nil {
		return nil, fmt.Errorf("timed out after %v", timeout)
	}
	return rows, err
}

func geoMeans(qs []QueryTimes) (ours, theirs, ratio float64) {
	var so, st float64
	n := 0
	for _, q := range qs {
		if q.Error != "" || q.Dataflow.Median <= 0 || q.DuckDB.Median <= 0 {
			continue
		}
		so += math.Log(q.Dataflow.Median)
		st += math.Log(q.DuckDB.Median)
		n++
	}
	if n == 0 {
		return 0, 0, 0
	}
	ours, theirs = math.Exp(so/float64(n)), math.Exp(st/float64(n))
	return round3(ours), round3(theirs), round3(ours / theirs)
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

func round3(v float64) float64 { return math.Round(v*1000) / 1000 }

// WriteText prints the report as a table with the geometric means.
func (r *Report) WriteText(w io.Writer) error {
	ourName, theirName := "dataflow parquet", "duckdb parquet"
	if r.Pairing == Memory {
		ourName, theirName = "dataflow memory", "duckdb native"
	}
	fmt.Fprintf(w, "%s vs %s (%s), %d threads, median of %d runs after %d warm-ups\n",
		ourName, theirName, r.DuckDBVersion, r.Threads, r.Runs, r.Warmup)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintf(tw, "query\trows\t%s ms\t%s ms\tratio\tsame\t\n", ourName, theirName)
	for _, q := range r.Queries {
		if q.Error != "" {
			duck := "-"
			if q.DuckDB.Median > 0 {
				duck = fmt.Sprintf("%.1f", q.DuckDB.Median)
			}
			fmt.Fprintf(tw, "%s\t-\t-\t%s\t-\terror\t\n", q.Query, duck)
			continue
		}
		same := "yes"
		if !q.Same {
			same = "NO"
		} else if q.Diff != "" {
			same = "yes*"
		}
		fmt.Fprintf(tw, "%s\t%d\t%.1f\t%.1f\t%.2f\t%s\t\n", q.Query, q.Rows, q.Dataflow.Median, q.DuckDB.Median, q.Ratio, same)
	}
	fmt.Fprintf(tw, "geomean\t\t%.1f\t%.1f\t%.2f\t\t\n", r.GeoMeanDataflow, r.GeoMeanDuckDB, r.GeoMeanRatio)
	if err := tw.Flush(); err != nil {
		return err
	}
	for _, q := range r.Queries {
		switch {
		case q.Error != "":
			fmt.Fprintf(w, "%s: %s\n", q.Query, firstLine(q.Error))
		case !q.Same:
			fmt.Fprintf(w, "%s: results differ: %s\n", q.Query, q.Diff)
		case q.Diff != "":
			fmt.Fprintf(w, "%s: %s\n", q.Query, q.Diff)
		}
	}
	_, err := fmt.Fprintf(w, "load: dataflow %.0f ms, duckdb %.0f ms; %d failed or differ\n", r.LoadDataflow, r.LoadDuckDB, r.Failed)
	return err
}

// WriteJSON writes the report as indented JSON.
func (r *Report) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}

// firstLine cuts a long error (a SQL error with its caret) to its first
// line for the table's notes.
func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i] + " ..."
	}
	return s
}

package tpch

import (
	"context"
	"errors"
	"fmt"
	"math"
	"path/filepath"
	"runtime"
	"runtime/metrics"
	"slices"
	"sync"
	"time"

	"github.com/dataflow-go/dataflow"
	"github.com/dataflow-go/dataflow/internal/tpchcheck"
)

// Config describes one benchmark run.
type Config struct {
	// Engine runs the queries; the eight tables must be registered (see
	// Load).
	Engine *dataflow.Engine
	// Queries to run, in order.
	Queries []Query
	// Runs is the number of measured runs per query (at least 1).
	Runs int
	// Warmup is the number of unmeasured runs before them.
	Warmup int
	// Answers is a directory of reference answers (q01.csv, ...) to
	// check results against; "" checks nothing. Answers belong to one
	// data set: TPC-H's reference answers match only dbgen's data.
	Answers string
	// QueryTimeout bounds each run of a query (0: no bound); a query
	// that runs longer is reported as failed and the rest go on.
	QueryTimeout time.Duration
	// Mode picks how queries are written: "sql" (or "" or "auto"), or
	// "builder" (Q1 and Q6 only; see Query.Build).
	Mode string
	// Report fields that describe the data; the runner copies them.
	Data        string
	Format      Format
	ScaleFactor float64
	Threads     int
	// Progress, when set, is called after each query.
	Progress func(QueryReport)
}

// Report is what a benchmark run measured.
type Report struct {
	Engine      string        `json:"engine"`
	Data        string        `json:"data,omitempty"`
	Format      Format        `json:"format,omitempty"`
	ScaleFactor float64       `json:"scale_factor,omitempty"`
	Threads     int           `json:"threads"`
	Runs        int           `json:"runs"`
	Warmup      int           `json:"warmup"`
	GoVersion   string        `json:"go_version"`
	GOOS        string        `json:"goos"`
	GOARCH      string        `json:"goarch"`
	NumCPU      int           `json:"num_cpu"`
	Started     time.Time     `json:"started"`
	LoadMillis  float64       `json:"load_ms,omitempty"`
	Queries     []QueryReport `json:"queries"`
	// GeoMeanMillis is the geometric mean of the medians of the queries
	// that ran without error.
	GeoMeanMillis float64 `json:"geomean_ms"`
	// Failed counts queries that failed or returned a wrong answer.
	Failed int `json:"failed"`
}

// QueryReport is what one query measured.
type QueryReport struct {
	Query string `json:"query"`
	// Mode is "sql" or "builder": how the query was written.
	Mode string `json:"mode,omitempty"`
	// Rows is the number of result rows.
	Rows int64 `json:"rows"`
	// RunsMillis holds each measured run's time: planning, optimizing,
	// running and collecting the result.
	RunsMillis   []float64 `json:"runs_ms"`
	MedianMillis float64   `json:"median_ms"`
	MinMillis    float64   `json:"min_ms"`
	MaxMillis    float64   `json:"max_ms"`
	// PeakMemory is the most memory the engine's buffering operators
	// held in any run (Stats.PeakMemory), in bytes.
	PeakMemory int64 `json:"peak_memory_bytes"`
	// HeapPeak is the Go heap's high-water mark (live and not yet
	// collected objects) sampled while the query ran, in bytes.
	HeapPeak int64 `json:"go_heap_peak_bytes"`
	// Check is "ok", "mismatch: ..." or "" (not checked).
	Check string `json:"check,omitempty"`
	// Error is the query's error; it then has no times.
	Error string `json:"error,omitempty"`
}

// OK reports whether the query ran and, if checked, matched.
func (q QueryReport) OK() bool {
	return q.Error == "" && (q.Check == "" || q.Check == "ok")
}

// ErrTimeout reports a query that ran longer than Config.QueryTimeout.
var ErrTimeout = errors.New("query timeout")

// Prepare writes q for engine e in the given mode: "", "auto" or "sql"
// binds its SQL text; "builder" uses its Go-builder form, which only some
// queries have (see BuilderQueries). It says which it used. A SQL error
// surfaces when the query runs.
func (q Query) Prepare(e *dataflow.Engine, mode string) (*dataflow.Query, string, error) {
	switch mode {
	case "", "auto", "sql":
		return e.Query(q.SQL), "sql", nil
	case "builder":
		if q.Build == nil {
			return nil, "", fmt.Errorf("%w: %s has no builder form (only %v do)", ErrQuery, q.Name, BuilderQueries())
		}
		return q.Build(e), "builder", nil
	}
	return nil, "", fmt.Errorf("%w: unknown mode %q (want sql or builder)", ErrQuery, mode)
}

// Run runs the configured queries and reports what they measured. A
// query that fails or returns a wrong answer is reported (Error, Check)
// and counted in Failed; Run itself fails only on a bad configuration or
// when ctx is done.
func Run(ctx context.Context, cfg Config) (*Report, error) {
	if cfg.Engine == nil {
		return nil, fmt.Errorf("%w: no engine", ErrQuery)
	}
	if cfg.Runs < 1 || cfg.Warmup < 0 {
		return nil, fmt.Errorf("%w: runs must be at least 1 and warm-ups not negative (got %d and %d)", ErrQuery, cfg.Runs, cfg.Warmup)
	}
	if len(cfg.Queries) == 0 {
		return nil, fmt.Errorf("%w: no queries to run", ErrQuery)
	}
	switch cfg.Mode {
	case "", "auto", "sql", "builder":
	default:
		return nil, fmt.Errorf("%w: unknown mode %q (want sql or builder)", ErrQuery, cfg.Mode)
	}
	rep := &Report{
		Engine: "dataflow", Data: cfg.Data, Format: cfg.Format, ScaleFactor: cfg.ScaleFactor,
		Threads: cfg.Threads, Runs: cfg.Runs, Warmup: cfg.Warmup,
		GoVersion: runtime.Version(), GOOS: runtime.GOOS, GOARCH: runtime.GOARCH, NumCPU: runtime.NumCPU(),
		Started: time.Now().UTC().Truncate(time.Second),
	}
	for _, q := range cfg.Queries {
		if err := ctx.Err(); err != nil {
			return rep, err
		}
		qr := runQuery(ctx, cfg, q)
		if ctx.Err() != nil {
			return rep, ctx.Err()
		}
		if !qr.OK() {
			rep.Failed++
		}
		rep.Queries = append(rep.Queries, qr)
		if cfg.Progress != nil {
			cfg.Progress(qr)
		}
	}
	rep.GeoMeanMillis = geoMean(rep.Queries)
	return rep, nil
}

func runQuery(ctx context.Context, cfg Config, q Query) (qr QueryReport) {
	qr.Query = q.Name
	// Start each query from a collected heap so that its heap peak is its
	// own, not the garbage of the one before.
	runtime.GC()
	sampler := startHeapSampler()
	defer func() { qr.HeapPeak = sampler.stop() }()
	for i := range cfg.Warmup + cfg.Runs {
		start := time.Now()
		dq, mode, err := q.Prepare(cfg.Engine, cfg.Mode)
		if err != nil {
			qr.Error = err.Error()
			return qr
		}
		qr.Mode = mode
		res, err := collect(ctx, dq, cfg.QueryTimeout)
		elapsed := time.Since(start)
		if err != nil {
			qr.Error = err.Error()
			qr.RunsMillis = nil
			return qr
		}
		qr.Rows = res.NumRows()
		qr.PeakMemory = max(qr.PeakMemory, res.Stats.PeakMemory)
		if i == 0 && cfg.Answers != "" {
			qr.Check = check(cfg.Answers, q, res)
		}
		res.Release()
		if i >= cfg.Warmup {
			qr.RunsMillis = append(qr.RunsMillis, millis(elapsed))
		}
	}
	sorted := slices.Clone(qr.RunsMillis)
	slices.Sort(sorted)
	qr.MinMillis, qr.MaxMillis = sorted[0], sorted[len(sorted)-1]
	if n := len(sorted); n%2 == 1 {
		qr.MedianMillis = sorted[n/2]
	} else {
		qr.MedianMillis = (sorted[n/2-1] + sorted[n/2]) / 2
	}
	return qr
}

// collect runs a query, within timeout when it is positive.
func collect(ctx context.Context, q *dataflow.Query, timeout time.Duration) (*dataflow.Result, error) {
	if timeout <= 0 {
		return q.Collect(ctx)
	}
	tctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	res, err := q.Collect(tctx)
	if err != nil && ctx.Err() == nil && errors.Is(tctx.Err(), context.DeadlineExceeded) {
		return nil, fmt.Errorf("%w: timed out after %v", ErrTimeout, timeout)
	}
	return res, err
}

// check compares a result with the query's reference answer.
func check(dir string, q Query, res *dataflow.Result) string {
	want, err := tpchcheck.ReadAnswer(filepath.Join(dir, q.Name+".csv"))
	if err != nil {
		return fmt.Sprintf("mismatch: no reference answer: %v", err)
	}
	if got := res.Schema.NumFields(); got != len(want.Columns) {
		return fmt.Sprintf("mismatch: got %d columns, want %d", got, len(want.Columns))
	}
	if diff := want.Compare(res.Rows()); diff != "" {
		return "mismatch: " + diff
	}
	return "ok"
}

func millis(d time.Duration) float64 {
	return math.Round(float64(d.Microseconds())) / 1000
}

// geoMean is the geometric mean of the medians of the queries that ran.
func geoMean(qs []QueryReport) float64 {
	sum, n := 0.0, 0
	for _, q := range qs {
		if q.Error == "" && q.MedianMillis > 0 {
			sum += math.Log(q.MedianMillis)
			n++
		}
	}
	if n == 0 {
		return 0
	}
	return math.Round(math.Exp(sum/float64(n))*1000) / 1000
}

// heapSampler records the Go heap's high-water mark while a query runs,
// reading runtime/metrics (no stop-the-world) every few milliseconds.
type heapSampler struct {
	done chan struct{}
	wg   sync.WaitGroup
	peak uint64
}

const heapMetric = "/memory/classes/heap/objects:bytes"

func startHeapSampler() *heapSampler {
	s := &heapSampler{done: make(chan struct{})}
	sample := []metrics.Sample{{Name: heapMetric}}
	read := func() {
		metrics.Read(sample)
		if sample[0].Value.Kind() == metrics.KindUint64 {
			s.peak = max(s.peak, sample[0].Value.Uint64())
		}
	}
	read()
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		t := time.NewTicker(2 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-s.done:
				read()
				return
			case <-t.C:
				read()
			}
		}
	}()
	return s
}

func (s *heapSampler) stop() int64 {
	close(s.done)
	s.wg.Wait()
	return int64(s.peak)
}

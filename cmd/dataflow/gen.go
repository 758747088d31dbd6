package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/dataflow-go/dataflow/exec"
	"github.com/dataflow-go/dataflow/tpch/gen"
)

const genUsage = `Usage: dataflow gen tpch [flags]

Generate the eight TPC-H tables (region, nation, supplier, customer, part,
partsupp, orders, lineitem) at a scale factor, in parallel, into DIR:
DIR/<table>/part-00000.parquet ... and DIR/catalog.json, which
'dataflow query --catalog DIR/catalog.json' opens directly. SF1 is about
8.7 million rows (6 million lineitems), ~430 MB as Parquet.

The data follows the TPC-H specification's rules (cardinalities, key
ranges, value distributions, comment grammar) and is deterministic: the
same --sf, --format and --partitions always give the same files.

Files are generated in parallel, each written by one goroutine: for large
scale factors give at least as many --partitions as there are cores. Each
Parquet row group (128Ki rows) is a unit of parallel scan work.

Example:
  dataflow gen tpch --sf 1 --out /tmp/tpch-sf1
  dataflow gen tpch --sf 10 --out /data/sf10 --partitions 16 --tables lineitem,orders

Flags:
`

func cmdGen(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("gen", flag.ContinueOnError)
	fs.SetOutput(stderr)
	sf := fs.Float64("sf", 1, "scale `factor`: 1 is ~1 GB of raw data; at least 0.001")
	out := fs.String("out", "", "output `directory` (required); must be empty or missing unless --force")
	format := fs.String("format", "parquet", "file `format`: parquet, ipc (Arrow IPC file) or csv")
	partitions := fs.Int("partitions", 1, "`files` per table (nation and region are always one; ipc allows one)")
	tables := fs.String("tables", "", "comma-separated `tables` to generate (default: all eight)")
	workers := fs.Int("workers", 0, "generating goroutines (default: the number of CPUs); does not change the output")
	force := fs.Bool("force", false, "write into a non-empty directory, replacing the generated tables' files")
	quiet := fs.Bool("quiet", false, "print nothing but errors")
	fs.Usage = func() {
		fmt.Fprint(stderr, genUsage)
		fs.PrintDefaults()
	}
	parse := func(a []string) error {
		if err := fs.Parse(a); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return err
			}
			return &exitError{code: 1, err: err}
		}
		return nil
	}
	// The benchmark name may come before or after the flags.
	if err := parse(args); err != nil {
		return err
	}
	if fs.NArg() == 0 {
		fs.Usage()
		return userErr("missing the benchmark to generate: dataflow gen tpch --sf N --out DIR")
	}
	if bench := fs.Arg(0); !strings.EqualFold(bench, "tpch") {
		return userErr("unknown benchmark %q: only tpch is supported", bench)
	}
	if err := parse(fs.Args()[1:]); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return userErr("unexpected arguments %q", fs.Args())
	}
	if *out == "" {
		return userErr("--out is required: the directory to write the tables to")
	}
	opts := gen.Options{
		SF:         *sf,
		Dir:        *out,
		Format:     gen.Format(*format),
		Partitions: *partitions,
		Workers:    *workers,
		Force:      *force,
	}
	if *partitions < 1 {
		return userErr("--partitions %d: must be at least 1", *partitions)
	}
	if *tables != "" {
		for _, t := range strings.Split(*tables, ",") {
			if t = strings.TrimSpace(t); t != "" {
				opts.Tables = append(opts.Tables, t)
			}
		}
	}

	var prog *genProgress
	if !*quiet {
		prog = newGenProgress(stderr, *sf, opts.Tables)
		opts.Progress = prog.add
		prog.start()
	}
	res, err := gen.Generate(ctx, opts)
	if prog != nil {
		prog.stop()
	}
	if err != nil {
		return genError(ctx, err)
	}
	if !*quiet {
		printGenSummary(stdout, res)
	}
	return nil
}

// genError turns a generator error into an exit error with a hint.
func genError(ctx context.Context, err error) error {
	switch {
	case ctx.Err() != nil && errors.Is(err, ctx.Err()):
		return userErr("interrupted; partial output removed")
	case errors.Is(err, gen.ErrExists):
		return userErr("%v (use --force to write into it anyway)", err)
	case errors.Is(err, gen.ErrInvalid), errors.Is(err, gen.ErrWrite):
		return userErr("%v", err)
	}
	return err
}

func printGenSummary(w io.Writer, res *gen.Result) {
	var rows, bytes int64
	for _, t := range res.Tables {
		files := "files"
		if len(t.Files) == 1 {
			files = "file"
		}
		fmt.Fprintf(w, "%-9s %12s rows %4d %-5s %10s\n", t.Name, groupDigits(t.Rows), len(t.Files), files, exec.FormatBytes(t.Bytes))
		rows += t.Rows
		bytes += t.Bytes
	}
	secs := res.Elapsed.Seconds()
	fmt.Fprintf(w, "%-9s %12s rows %10s %10s in %.1fs (%s rows/s, %.0f MB/s)\n", "total", groupDigits(rows), "", exec.FormatBytes(bytes),
		secs, shortCount(float64(rows)/secs), float64(bytes)/secs/1e6)
	fmt.Fprintf(w, "catalog: %s\n", res.Catalog)
}

// genProgress shows one updating line on a terminal; elsewhere (CI logs,
// files) it prints nothing while running, and the summary follows.
type genProgress struct {
	w        io.Writer
	tty      bool
	total    int64 // expected rows (lineitem's count is an estimate)
	done     atomic.Int64
	began    time.Time
	quit     chan struct{}
	finished sync.WaitGroup
}

func newGenProgress(w io.Writer, sf float64, tables []string) *genProgress {
	p := &genProgress{w: w, tty: isTerminal(w), began: time.Now(), quit: make(chan struct{})}
	if len(tables) == 0 {
		tables = gen.TableNames()
	}
	for _, t := range tables {
		if n, err := gen.RowCount(t, sf); err == nil {
			p.total += n
		}
	}
	return p
}

func (p *genProgress) add(_ string, rows int64) { p.done.Add(rows) }

func (p *genProgress) start() {
	if !p.tty {
		return
	}
	p.finished.Add(1)
	go func() {
		defer p.finished.Done()
		t := time.NewTicker(250 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-p.quit:
				fmt.Fprint(p.w, "\r\x1b[K")
				return
			case <-t.C:
				fmt.Fprintf(p.w, "\r\x1b[K%s", p.line(time.Since(p.began)))
			}
		}
	}()
}

func (p *genProgress) stop() {
	close(p.quit)
	p.finished.Wait()
}

// line renders "generating: 2.1M/8.7M rows (24%), 1.9M rows/s, ETA 4s".
func (p *genProgress) line(elapsed time.Duration) string {
	done := p.done.Load()
	total := max(p.total, done)
	pct := 0.0
	if total > 0 {
		pct = 100 * float64(done) / float64(total)
	}
	rate := float64(done) / max(elapsed.Seconds(), 1e-9)
	eta := "?"
	if rate > 0 {
		eta = (time.Duration(float64(total-done) / rate * float64(time.Second))).Round(time.Second).String()
	}
	return fmt.Sprintf("generating: %s/%s rows (%.0f%%), %s rows/s, ETA %s",
		shortCount(float64(done)), shortCount(float64(total)), pct, shortCount(rate), eta)
}

// isTerminal reports whether w is a character device (a terminal), so
// progress redraws are not written into logs and files.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	info, err := f.Stat()
	return err == nil && info.Mode()&os.ModeCharDevice != 0
}

// shortCount writes 1234567 as 1.2M.
func shortCount(v float64) string {
	switch {
	case v >= 1e9:
		return fmt.Sprintf("%.1fG", v/1e9)
	case v >= 1e6:
		return fmt.Sprintf("%.1fM", v/1e6)
	case v >= 1e4:
		return fmt.Sprintf("%.0fk", v/1e3)
	}
	return fmt.Sprintf("%.0f", v)
}

// groupDigits writes 6001215 as 6,001,215.
func groupDigits(n int64) string {
	s := fmt.Sprint(n)
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 && s[i-1] != '-' {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return b.String()
}

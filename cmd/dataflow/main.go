// Command dataflow runs dataflow jobs from the command line.
//
//	dataflow query [flags] (PLAN.json | SCRIPT.sql | -e SQL)    run queries, print results
//	dataflow explain [flags] (PLAN.json | QUERY.sql | -e SQL)  show the plans
//	dataflow gen tpch --sf N --out DIR  generate TPC-H data
//	dataflow bench tpch --sf N          run the TPC-H benchmark
//	dataflow version                    print the version
//
// Exit codes: 0 success, 1 a user error (bad flags, a malformed plan, a
// missing file, a query error) with a message saying what to fix, 2 an
// internal error (a bug: please report it with the message).
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"time"

	"github.com/dataflow-go/dataflow"
	"github.com/dataflow-go/dataflow/exec"
)

const version = "0.1.0-dev"

const usage = `dataflow: a declarative dataflow engine over Apache Arrow.

Usage:
  dataflow <command> [flags] [arguments]

Commands:
  query     run a query plan and print its result
  explain   show a query's logical and optimized plans
  gen       generate benchmark data (dataflow gen tpch --sf 1 --out DIR)
  bench     run benchmarks (dataflow bench tpch --sf 1 --queries 1,6)
  version   print the version

Run 'dataflow <command> --help' for a command's flags.

Example (TPC-H Q1 over the bundled SF0.01 data):
  dataflow query examples/tpch/q1.json
`

// exitError carries an exit code with an error.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string { return e.err.Error() }
func (e *exitError) Unwrap() error { return e.err }

func userErr(format string, args ...any) error {
	return &exitError{code: 1, err: fmt.Errorf(format, args...)}
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Stdout, os.Stderr))
}

// run executes one CLI invocation and returns its exit code.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) (code int) {
	defer func() {
		if p := recover(); p != nil {
			fmt.Fprintf(stderr, "dataflow: internal error: %v\n", p)
			code = 2
		}
	}()
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 1
	}
	var err error
	switch args[0] {
	case "-h", "--help", "help":
		fmt.Fprint(stdout, usage)
		return 0
	case "version", "--version":
		fmt.Fprintln(stdout, "dataflow", version)
		return 0
	case "query":
		err = cmdQuery(ctx, args[1:], stdout, stderr, false)
	case "explain":
		err = cmdQuery(ctx, args[1:], stdout, stderr, true)
	case "gen":
		err = cmdGen(ctx, args[1:], stdout, stderr)
	case "bench":
		err = cmdBench(ctx, args[1:], stdout, stderr)
	default:
		err = userErr("unknown command %q\n\n%s", args[0], usage)
	}
	if err == nil {
		return 0
	}
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	code = exitCode(err)
	prefix := "error"
	if code == 2 {
		prefix = "internal error (please report this)"
	}
	fmt.Fprintf(stderr, "dataflow: %s: %v\n", prefix, err)
	return code
}

func exitCode(err error) int {
	var ee *exitError
	if errors.As(err, &ee) {
		return ee.code
	}
	if errors.Is(err, exec.ErrInternal) {
		return 2
	}
	return 1
}

// tableFlags collects repeated --table name=path flags.
type tableFlags []string

func (t *tableFlags) String() string { return strings.Join(*t, ",") }
func (t *tableFlags) Set(v string) error {
	if !strings.Contains(v, "=") {
		return fmt.Errorf("want name=path, got %q", v)
	}
	*t = append(*t, v)
	return nil
}

func cmdQuery(ctx context.Context, args []string, stdout, stderr io.Writer, explainOnly bool) error {
	name := "query"
	if explainOnly {
		name = "explain"
	}
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	var tables tableFlags
	fs.Var(&tables, "table", "register a table as `name=path` (Parquet, Arrow IPC or CSV file, or a directory); repeatable")
	catalog := fs.String("catalog", "", "register the tables listed in a catalog `file` (JSON)")
	format := fs.String("format", "table", "output `format`: table, csv, json or arrow (Arrow IPC stream)")
	output := fs.String("o", "", "write the result to `file` instead of standard output")
	parallel := fs.Int("parallel", 0, "pipelines to run at once (default: the number of CPUs)")
	memLimit := fs.String("memory-limit", "", "per-query memory `limit` for sorts, joins and aggregations, e.g. 512MiB or 2GiB (default: none)")
	timing := fs.Bool("timing", false, "print rows, elapsed time and peak memory to standard error")
	sqlText := fs.String("e", "", "run the SQL `statements` given here (instead of a file)")
	var clusterFile, dotFile *string
	if explainOnly {
		clusterFile = fs.String("cluster", "", "also place the query's stages on the cluster described in `file` (YAML or JSON: nodes, resources, labels, table partitions) and explain the choice")
		dotFile = fs.String("dot", "", "with --cluster, write the placed plan as a Graphviz drawing to `file` (render with dot -Tsvg)")
	}
	fs.Usage = func() {
		if explainOnly {
			fmt.Fprintf(stderr, "Usage: dataflow explain [flags] (PLAN.json | QUERY.sql | -e SQL)\n\nShow a query's logical plan, the plan the optimizer makes of it and (for\nSQL) the physical plan.\n\nFlags:\n")
		} else {
			fmt.Fprintf(stderr, "Usage: dataflow query [flags] (PLAN.json | SCRIPT.sql | -e SQL)\n\nRun SQL statements (from -e, a .sql file, standard input, or an\ninteractive prompt when standard input is a terminal) or a JSON plan\nand print the results. PLAN.json describes a query as a list of steps\n(from, where, select, group_by, agg, join, order_by, limit) and may list\nthe tables it reads; see examples/tpch/*.json.\n\nFlags:\n")
		}
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return &exitError{code: 1, err: err}
	}
	// Where the query comes from: -e, a .json plan, a .sql file, a pipe on
	// standard input or, on a terminal, an interactive prompt.
	var script string
	interactivePrompt := false
	switch {
	case *sqlText != "" && fs.NArg() == 0:
		script = *sqlText
	case *sqlText == "" && fs.NArg() == 1 && !strings.HasSuffix(strings.ToLower(fs.Arg(0)), ".json"):
		data, err := os.ReadFile(fs.Arg(0))
		if err != nil {
			return userErr("%v", err)
		}
		script = string(data)
	case *sqlText == "" && fs.NArg() == 1:
	case fs.NArg() == 0 && stdout == io.Writer(os.Stdout) && isTTY(os.Stdin) && !explainOnly:
		interactivePrompt = true
	case fs.NArg() == 0 && stdout == io.Writer(os.Stdout) && !isTTY(os.Stdin) && stdinHasData():
		data, err := io.ReadAll(os.Stdin)
		if err != nil {
			return userErr("reading standard input: %v", err)
		}
		script = string(data)
	default:
		fs.Usage()
		return userErr("expected one plan file (.json), SQL file (.sql) or -e SQL, got %d arguments", fs.NArg())
	}
	f, err := dataflow.ParseFormat(*format)
	if err != nil {
		return userErr("%v", err)
	}
	limit, err := dataflow.ParseBytes(*memLimit)
	if err != nil {
		return userErr("--memory-limit: %v", err)
	}
	eng, err := dataflow.Open(dataflow.Options{Parallelism: *parallel, MemoryLimit: limit})
	if err != nil {
		return err
	}
	defer eng.Close()
	for _, t := range tables {
		n, p, _ := strings.Cut(t, "=")
		if err := eng.RegisterFile(n, p); err != nil {
			return err
		}
	}
	if *catalog != "" {
		if err := eng.RegisterCatalogFile(*catalog); err != nil {
			return err
		}
	}
	if explainOnly && *clusterFile != "" {
		return explainPlacement(ctx, eng, script, fs.Arg(0), *clusterFile, *dotFile, stdout)
	}
	if explainOnly && *dotFile != "" {
		return userErr("--dot needs --cluster")
	}
	if script != "" || interactivePrompt {
		sess := eng.NewSession()
		w := stdout
		if *output != "" {
			file, err := os.Create(*output)
			if err != nil {
				return userErr("%v", err)
			}
			defer file.Close()
			w = file
		}
		start := time.Now()
		switch {
		case interactivePrompt:
			return interactive(ctx, sess, w, stderr, f)
		case explainOnly:
			err = explainSQL(ctx, sess, script, w)
		default:
			err = runSQLScript(ctx, sess, script, w, f)
		}
		if err == nil && *timing {
			fmt.Fprintf(stderr, "ran in %v\n", time.Since(start).Round(time.Microsecond))
		}
		return err
	}
	q, err := eng.LoadJSONPlanFile(fs.Arg(0))
	if err != nil {
		return err
	}
	if explainOnly {
		text, err := q.Explain()
		if err != nil {
			return err
		}
		_, err = io.WriteString(stdout, text)
		return err
	}
	start := time.Now()
	res, err := q.Collect(ctx)
	if err != nil {
		return err
	}
	defer res.Release()
	w := stdout
	if *output != "" {
		file, err := os.Create(*output)
		if err != nil {
			return userErr("%v", err)
		}
		defer file.Close()
		w = file
	}
	if err := res.Write(w, f); err != nil {
		return err
	}
	if *timing {
		fmt.Fprintf(stderr, "%d rows in %v, peak memory %s\n", res.NumRows(), time.Since(start).Round(time.Microsecond), exec.FormatBytes(res.Stats.PeakMemory))
	}
	return nil
}

package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// runBench runs cmdBench from the repository root, as a user would.
func runBench(t *testing.T, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Chdir(filepath.Join("..", "..")); err != nil {
		t.Fatal(err)
	}
	defer os.Chdir(wd)
	var out, errOut bytes.Buffer
	err = cmdBench(context.Background(), args, &out, &errOut)
	return out.String(), errOut.String(), err
}

func TestBenchTPCH(t *testing.T) {
	dir := t.TempDir()
	for _, format := range []string{"parquet", "memory"} {
		jsonPath := filepath.Join(dir, format+".json")
		svgPath := filepath.Join(dir, format+".svg")
		out, errOut, err := runBench(t, "tpch", "--sf", "0.01", "--queries", "1,6", "--runs", "1", "--warmup", "0",
			"--threads", "2", "--format", format, "--json", jsonPath, "--svg", svgPath)
		if err != nil {
			t.Fatalf("%s: %v\n%s", format, err, errOut)
		}
		for _, want := range []string{"q01", "q06", "geometric mean", "ok"} {
			if !strings.Contains(out, want) {
				t.Errorf("%s: output lacks %q:\n%s", format, want, out)
			}
		}
		if !strings.Contains(errOut, "reference SF0.01") {
			t.Errorf("%s: stderr does not say which data it used:\n%s", format, errOut)
		}
		var rep struct {
			Format      string  `json:"format"`
			ScaleFactor float64 `json:"scale_factor"`
			Threads     int     `json:"threads"`
			Failed      int     `json:"failed"`
			Queries     []struct {
				Query  string  `json:"query"`
				Rows   int64   `json:"rows"`
				Median float64 `json:"median_ms"`
				Check  string  `json:"check"`
			} `json:"queries"`
		}
		b, err := os.ReadFile(jsonPath)
		if err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(b, &rep); err != nil {
			t.Fatal(err)
		}
		if rep.Format != format || rep.ScaleFactor != 0.01 || rep.Threads != 2 || rep.Failed != 0 || len(rep.Queries) != 2 {
			t.Fatalf("%s: JSON report %+v", format, rep)
		}
		for i, want := range []struct {
			name string
			rows int64
		}{{"q01", 4}, {"q06", 1}} {
			q := rep.Queries[i]
			if q.Query != want.name || q.Rows != want.rows || q.Check != "ok" || q.Median <= 0 {
				t.Errorf("%s: query %d in JSON: %+v", format, i, q)
			}
		}
		svg, err := os.ReadFile(svgPath)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.HasPrefix(svg, []byte("<svg")) || bytes.Count(svg, []byte(`class="bar"`)) != 2 {
			t.Errorf("%s: SVG:\n%s", format, svg)
		}
	}
}

func TestBenchWrongAnswerFails(t *testing.T) {
	answers := t.TempDir()
	os.WriteFile(filepath.Join(answers, "q06.csv"), []byte("revenue\n1\n"), 0o644)
	jsonPath := filepath.Join(t.TempDir(), "r.json")
	out, _, err := runBench(t, "tpch", "--data", "testdata/tpch/sf0.01", "--answers", answers,
		"--queries", "6", "--runs", "1", "--warmup", "0", "--json", jsonPath)
	if err == nil || exitCode(err) != 1 || !strings.Contains(err.Error(), "1 of 1 queries failed") {
		t.Fatalf("got %v, want exit 1 naming the failed query", err)
	}
	if !strings.Contains(out, "MISMATCH") {
		t.Errorf("output does not flag the mismatch:\n%s", out)
	}
	if _, err := os.Stat(jsonPath); err != nil {
		t.Errorf("the report was not written despite the failure: %v", err)
	}
}

func TestBenchFlagErrors(t *testing.T) {
	empty := t.TempDir()
	for _, c := range []struct {
		args []string
		want string
	}{
		{nil, "needs a benchmark name"},
		{[]string{"--sf", "1"}, "needs a benchmark name"},
		{[]string{"tpcds"}, `unknown benchmark "tpcds"`},
		{[]string{"tpch"}, "give --data DIR"},
		{[]string{"tpch", "--sf", "zero"}, `--sf: "zero" is not a positive scale factor`},
		{[]string{"tpch", "--sf", "-1"}, "not a positive scale factor"},
		{[]string{"tpch", "--sf", "1", "--queries", "1,23"}, "no query 23"},
		{[]string{"tpch", "--sf", "1", "--queries", "q1-x"}, `"x" is not a query number`},
		{[]string{"tpch", "--sf", "1", "--runs", "0"}, "--runs must be at least 1"},
		{[]string{"tpch", "--sf", "1", "--warmup", "-1"}, "--warmup must not be negative"},
		{[]string{"tpch", "--sf", "1", "--threads", "0"}, "--threads must be at least 1"},
		{[]string{"tpch", "--sf", "1", "--timeout", "-1s"}, "--timeout must not be negative"},
		{[]string{"tpch", "--sf", "1", "--timeout", "soon"}, "invalid value"},
		{[]string{"tpch", "--sf", "1", "--format", "orc"}, `unknown format "orc"`},
		{[]string{"tpch", "--sf", "1", "--mode", "fast"}, `unknown mode "fast"`},
		{[]string{"tpch", "--sf", "1", "extra"}, "unexpected arguments"},
		{[]string{"tpch", "--bogus"}, "flag provided but not defined: -bogus"},
		{[]string{"tpch", "--data", filepath.Join(empty, "nope")}, "does not exist"},
		{[]string{"tpch", "--data", empty}, "no parquet data for table customer"},
		{[]string{"tpch", "--data", "testdata/tpch/sf0.01", "--format", "ipc"}, "no ipc data"},
	} {
		_, _, err := runBench(t, c.args...)
		if err == nil || exitCode(err) != 1 || !strings.Contains(err.Error(), c.want) {
			t.Errorf("bench %q: got %v (exit %d), want exit 1 saying %q", c.args, err, exitCode(err), c.want)
		}
	}
	for _, help := range [][]string{{"--help"}, {"tpch", "--help"}} {
		_, errOut, err := runBench(t, help...)
		if !errors.Is(err, flag.ErrHelp) || !strings.Contains(errOut, "Usage: dataflow bench tpch") {
			t.Errorf("bench %q: got %v, usage %q", help, err, errOut)
		}
	}
}

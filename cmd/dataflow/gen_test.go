package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// runGen runs 'dataflow gen ARGS' as run would: the error printed to
// stderr and turned into an exit code.
func runGen(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errOut bytes.Buffer
	if err := cmdGen(context.Background(), args, &out, &errOut); err != nil && !errors.Is(err, flag.ErrHelp) {
		code = exitCode(err)
		fmt.Fprintf(&errOut, "dataflow: error: %v\n", err)
	}
	return code, out.String(), errOut.String()
}

func TestGenTPCH(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "sf")
	code, out, errOut := runGen(t, "tpch", "--sf", "0.01", "--out", dir, "--partitions", "2")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	if errOut != "" {
		t.Errorf("progress written to a non-terminal: %q", errOut)
	}
	for _, want := range []string{"lineitem", "15,000 rows", "total", "catalog: " + filepath.Join(dir, "catalog.json")} {
		if !strings.Contains(out, want) {
			t.Errorf("summary lacks %q:\n%s", want, out)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "lineitem", "part-00001.parquet")); err != nil {
		t.Fatal(err)
	}

	// The catalog opens in the engine: TPC-H Q6 over the generated data
	// gives about the reference's answer (1193053.2253 at SF0.01).
	plan := filepath.Join(t.TempDir(), "q6.json")
	b, err := os.ReadFile(filepath.Join("..", "..", "examples", "tpch", "q6.json"))
	if err != nil {
		t.Fatal(err)
	}
	_, query, ok := strings.Cut(string(b), `"query"`)
	if !ok {
		t.Fatal("q6.json has no query")
	}
	if err := os.WriteFile(plan, []byte(`{"query"`+query), 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, errOut = runCLI(t, "query", "--format", "csv", "--catalog", filepath.Join(dir, "catalog.json"), plan)
	if code != 0 {
		t.Fatalf("query: exit %d: %s", code, errOut)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	rev, err := strconv.ParseFloat(lines[len(lines)-1], 64)
	if err != nil || rev < 0.85*1193053 || rev > 1.15*1193053 {
		t.Errorf("Q6 revenue %q, want about 1193053", out)
	}

	// Quiet prints nothing; the directory is now non-empty.
	code, out, errOut = runGen(t, "tpch", "--sf", "0.01", "--out", dir, "--quiet", "--tables", "nation")
	if code != 1 || out != "" || !strings.Contains(errOut, "not empty") || !strings.Contains(errOut, "--force") {
		t.Fatalf("non-empty dir: exit %d, out %q, err %q", code, out, errOut)
	}
	code, out, errOut = runGen(t, "--quiet", "--force", "tpch", "--sf", "0.01", "--out", dir, "--tables", "nation,region")
	if code != 0 || out != "" || errOut != "" {
		t.Fatalf("--force --quiet: exit %d, out %q, err %q", code, out, errOut)
	}
}

func TestGenErrors(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "file")
	if err := os.WriteFile(file, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "out")
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{}, "missing the benchmark"},
		{[]string{"tpcds", "--out", out}, `unknown benchmark "tpcds"`},
		{[]string{"tpch", "--sf", "1"}, "--out is required"},
		{[]string{"tpch", "--sf", "0", "--out", out}, "scale factor 0 must be a positive number"},
		{[]string{"tpch", "--sf", "-2", "--out", out}, "must be a positive number"},
		{[]string{"tpch", "--sf", "x", "--out", out}, "invalid value"},
		{[]string{"tpch", "--out", out, "--format", "orc"}, `unknown format "orc"`},
		{[]string{"tpch", "--out", out, "--tables", "lineitem,nations"}, `unknown table "nations"`},
		{[]string{"tpch", "--out", out, "--partitions", "0"}, "--partitions 0"},
		{[]string{"tpch", "--sf", "0.01", "--out", filepath.Join(file, "sub")}, "not a directory"},
		{[]string{"tpch", "--out", out, "extra"}, "unexpected arguments"},
	} {
		code, stdout, errOut := runGen(t, tc.args...)
		if code != 1 || stdout != "" || !strings.Contains(errOut, tc.want) {
			t.Errorf("%v: exit %d, stdout %q, stderr %q; want exit 1 and %q", tc.args, code, stdout, errOut, tc.want)
		}
	}
	if _, err := os.Stat(out); !os.IsNotExist(err) {
		t.Errorf("failed runs left %s behind", out)
	}
	code, _, errOut := runGen(t, "--help")
	if code != 0 || !strings.Contains(errOut, "Usage: dataflow gen tpch") {
		t.Errorf("--help: exit %d, %q", code, errOut)
	}
}

func TestGenProgressLine(t *testing.T) {
	p := newGenProgress(nil, 1, []string{"orders"})
	p.add("orders", 500_000)
	got := p.line(2 * time.Second)
	want := "generating: 500k/1.5M rows (33%), 250k rows/s, ETA 4s"
	if got != want {
		t.Errorf("got %q, want %q", got, want)
	}
	if groupDigits(6001215) != "6,001,215" || groupDigits(15) != "15" {
		t.Errorf("groupDigits: %s %s", groupDigits(6001215), groupDigits(15))
	}
}

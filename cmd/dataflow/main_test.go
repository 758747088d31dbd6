package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// runCLI runs the CLI from the repository root, as a user would.
func runCLI(t *testing.T, args ...string) (code int, stdout, stderr string) {
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
	code = run(context.Background(), args, &out, &errOut)
	return code, out.String(), errOut.String()
}

func TestQueryQ1(t *testing.T) {
	code, out, errOut := runCLI(t, "query", "examples/tpch/q1.json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	for _, want := range []string{"l_returnflag", "sum_charge", "526165934.000839", "(4 rows)"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
}

func TestQueryFormats(t *testing.T) {
	code, out, errOut := runCLI(t, "query", "--format", "csv", "examples/tpch/q6.json")
	if code != 0 || out != "revenue\n1193053.2253\n" {
		t.Fatalf("csv: exit %d, out %q, err %s", code, out, errOut)
	}
	code, out, _ = runCLI(t, "query", "--format", "json", "examples/tpch/q6.json")
	if code != 0 || !strings.Contains(out, `"revenue": 1193053.2253`) {
		t.Fatalf("json: exit %d, out %q", code, out)
	}
	code, out, _ = runCLI(t, "query", "--format", "arrow", "examples/tpch/q6.json")
	if code != 0 || len(out) == 0 {
		t.Fatalf("arrow: exit %d, %d bytes", code, len(out))
	}
}

func TestExplain(t *testing.T) {
	code, out, errOut := runCLI(t, "explain", "examples/tpch/q1.json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	for _, want := range []string{"logical plan:", "optimized plan:", "Aggregate:", "Scan: lineitem projection="} {
		if !strings.Contains(out, want) {
			t.Errorf("explain lacks %q:\n%s", want, out)
		}
	}
}

func TestUserErrors(t *testing.T) {
	dir := t.TempDir()
	badJSON := filepath.Join(dir, "bad.json")
	os.WriteFile(badJSON, []byte(`{"query": [{"from": "lineitem"}, {"wher": {}}]}`), 0o644)
	badCol := filepath.Join(dir, "badcol.json")
	os.WriteFile(badCol, []byte(`{"tables": {"nation": {"path": "`+filepath.Join(mustAbs(t, "../../testdata/tpch/sf0.01"), "nation.parquet")+`"}},
		"query": [{"from": "nation"}, {"select": [{"col": "n_nam"}]}]}`), 0o644)
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"frobnicate"}, "unknown command"},
		{[]string{"query"}, "expected one plan file"},
		{[]string{"query", "--format", "xml", "examples/tpch/q1.json"}, "unknown output format"},
		{[]string{"query", "--memory-limit", "lots", "examples/tpch/q1.json"}, "is not a size"},
		{[]string{"query", "no/such/plan.json"}, "no such file"},
		{[]string{"query", "--table", "lineitem=no/such.parquet", "examples/tpch/q1.json"}, "no/such.parquet"},
		{[]string{"query", badJSON}, `unknown step "wher"`},
		{[]string{"query", badCol}, `did you mean`},
		{[]string{"query", "--memory-limit", "1KiB", "examples/tpch/q1.json"}, "memory limit exceeded"},
	} {
		code, _, errOut := runCLI(t, c.args...)
		if code != 1 || !strings.Contains(errOut, c.want) {
			t.Errorf("%v: exit %d, stderr %q; want exit 1 mentioning %q", c.args, code, errOut, c.want)
		}
	}
}

func TestHelp(t *testing.T) {
	code, out, _ := runCLI(t, "--help")
	if code != 0 || !strings.Contains(out, "Commands:") {
		t.Fatalf("--help: exit %d, %q", code, out)
	}
	code, _, errOut := runCLI(t, "query", "--help")
	if code != 0 || !strings.Contains(errOut, "-memory-limit") || !strings.Contains(errOut, "PLAN.json") {
		t.Fatalf("query --help: exit %d, %q", code, errOut)
	}
}

func mustAbs(t *testing.T, p string) string {
	a, err := filepath.Abs(p)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// tpchTableFlags registers every SF0.01 TPC-H table, as the cluster file
// names them all.
func tpchTableFlags() []string {
	var out []string
	for _, n := range []string{"customer", "lineitem", "nation", "orders", "part", "partsupp", "region", "supplier"} {
		out = append(out, "--table", n+"=testdata/tpch/sf0.01/"+n+".parquet")
	}
	return out
}

func TestExplainCluster(t *testing.T) {
	dot := filepath.Join(t.TempDir(), "q6.dot")
	sql := "SET placement.strategy = 'strict_pack'; SELECT sum(l_extendedprice * l_discount) AS revenue FROM lineitem WHERE l_quantity < 24"
	args := append([]string{"explain"}, tpchTableFlags()...)
	code, out, errOut := runCLI(t, append(args, "--cluster", "testdata/placement/tpch-4nodes.yaml", "--dot", dot, "-e", sql)...)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	for _, want := range []string{"optimized plan", "placement on testdata/placement/tpch-4nodes.yaml", "scan lineitem", "strict_pack", "LP bound", "baseline locality"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	data, err := os.ReadFile(dot)
	if err != nil || !strings.HasPrefix(string(data), "digraph placement {") {
		t.Errorf("--dot wrote %q, %v", data, err)
	}
	code, _, errOut = runCLI(t, append(args, "--cluster", "testdata/placement/tpch-4nodes.yaml", "examples/tpch/q1.json")...)
	if code != 0 {
		t.Fatalf("JSON plan with --cluster: exit %d: %s", code, errOut)
	}
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"explain", "--dot", dot, "examples/tpch/q1.json"}, "--dot needs --cluster"},
		{[]string{"explain", "--cluster", "no/such.yaml", "examples/tpch/q1.json"}, "no/such.yaml"},
		{append(append([]string{"explain"}, tpchTableFlags()...), "--cluster", "testdata/placement/tpch-4nodes.yaml",
			"-e", "SET placement.strategy = 'sideways'; SELECT 1 FROM lineitem"), "sideways"},
		{[]string{"explain", "--table", "lineitem=testdata/tpch/sf0.01/lineitem.parquet", "--cluster", "testdata/placement/tpch-4nodes.yaml",
			"examples/tpch/q1.json"}, `lists table "orders", which is not registered`},
	} {
		code, _, errOut := runCLI(t, c.args...)
		if code != 1 || !strings.Contains(errOut, c.want) {
			t.Errorf("%v: exit %d, stderr %q; want exit 1 mentioning %q", c.args, code, errOut, c.want)
		}
	}
}

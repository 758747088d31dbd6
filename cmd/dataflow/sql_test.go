package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestQuerySQL(t *testing.T) {
	nation := "nation=" + filepath.Join(mustAbs(t, "../../testdata/tpch/sf0.01"), "nation.parquet")
	region := "region=" + filepath.Join(mustAbs(t, "../../testdata/tpch/sf0.01"), "region.parquet")
	code, out, errOut := runCLI(t, "query", "--table", nation, "--table", region, "--format", "csv", "-e",
		"SELECT r_name, count(*) AS n FROM nation JOIN region ON n_regionkey = r_regionkey GROUP BY r_name ORDER BY r_name")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	if want := "r_name,n\nAFRICA,5\nAMERICA,5\nASIA,5\nEUROPE,5\nMIDDLE EAST,5\n"; out != want {
		t.Errorf("got\n%s\nwant\n%s", out, want)
	}

	script := filepath.Join(t.TempDir(), "q.sql")
	os.WriteFile(script, []byte("CREATE VIEW asia AS SELECT n_name FROM nation WHERE n_regionkey = 2;\nSELECT count(*) AS c FROM asia;\n"), 0o644)
	code, out, errOut = runCLI(t, "query", "--table", nation, "--format", "csv", script)
	if code != 0 || out != "c\n5\n" {
		t.Errorf("script: exit %d, out %q, err %q", code, out, errOut)
	}

	code, out, errOut = runCLI(t, "explain", "--table", nation, "-e", "SELECT n_name FROM nation WHERE n_nationkey IN (SELECT n_regionkey FROM nation)")
	if code != 0 {
		t.Fatalf("explain: exit %d: %s", code, errOut)
	}
	for _, want := range []string{"logical plan:", "Apply in", "optimized plan:", "Semi Join", "physical plan"} {
		if !strings.Contains(out, want) {
			t.Errorf("explain lacks %q:\n%s", want, out)
		}
	}

	code, _, errOut = runCLI(t, "query", "--table", nation, "-e", "SELECT n_nam FROM nation")
	if code != 1 || !strings.Contains(errOut, "did you mean n_name?") || !strings.Contains(errOut, "^") {
		t.Errorf("bind error: exit %d, stderr %q", code, errOut)
	}
}

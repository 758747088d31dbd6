package dataflow_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/dataflow-go/dataflow/internal/tpchcheck"
)

// tpchKnownFailures lists the TPC-H queries that do not yet give the
// reference answer through SQL, with the reason. Every other query must.
var tpchKnownFailures = map[int]string{}

// TestTPCHSQL runs the 22 TPC-H queries as SQL text over SF0.01 and checks
// them against the reference answers.
func TestTPCHSQL(t *testing.T) {
	eng := openTPCH(t, 2)
	for q := 1; q <= 22; q++ {
		t.Run(fmt.Sprintf("q%02d", q), func(t *testing.T) {
			text, err := os.ReadFile(filepath.Join("testdata", "tpch", "queries", fmt.Sprintf("q%02d.sql", q)))
			if err != nil {
				t.Fatal(err)
			}
			want, err := tpchcheck.ReadAnswer(filepath.Join("testdata", "tpch", "answers", "sf0.01", fmt.Sprintf("q%02d.csv", q)))
			if err != nil {
				t.Fatal(err)
			}
			res, err := eng.SQL(context.Background(), string(text))
			if err == nil {
				defer res.Release()
			}
			diff := ""
			switch {
			case err != nil:
				diff = err.Error()
			case res.Schema.NumFields() != len(want.Columns):
				diff = fmt.Sprintf("got %d columns, want %d", res.Schema.NumFields(), len(want.Columns))
			default:
				for i, f := range res.Schema.Fields() {
					if f.Name != want.Columns[i] {
						diff = fmt.Sprintf("column %d is named %q, want %q", i, f.Name, want.Columns[i])
					}
				}
				if d := want.Compare(res.Rows()); d != "" {
					diff = d
				}
			}
			reason, known := tpchKnownFailures[q]
			switch {
			case diff != "" && known:
				t.Skipf("known failure (%s): %s", reason, diff)
			case diff != "":
				t.Fatal(diff)
			case known:
				t.Errorf("q%02d now passes: remove it from tpchKnownFailures", q)
			}
		})
	}
}

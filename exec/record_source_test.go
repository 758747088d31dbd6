package exec_test

import (
	"errors"
	"testing"

	"github.com/apache/arrow/go/v15/arrow"
	"github.com/apache/arrow/go/v15/arrow/memory"

	"github.com/dataflow-go/dataflow/exec"
	"github.com/dataflow-go/dataflow/exec/exectest"
)

// TestRecordSource checks that the source lends its records without taking
// them: two queries in turn read the same rows, and the registered records
// are released by their owner only, after which nothing is left.
func TestRecordSource(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	schema := exectest.Schema("x:int64", "s:utf8")
	rows := exectest.R("1|a", "NULL|b", "3|NULL", "4|d", "5|e")
	recs, err := exectest.MakeRecords(mem, schema, rows, 2, true)
	if err != nil {
		t.Fatal(err)
	}
	src := exec.NewRecordSource(schema, recs)
	for run := 0; run < 2; run++ {
		got, err := exectest.Drain(exec.NewContext(nil, mem), src)
		if err != nil {
			t.Fatal(err)
		}
		if d := exectest.Diff(rows, got, true); d != "" {
			t.Fatalf("run %d: %s", run, d)
		}
	}
	// A query reading through a limit and stopping early leaves them too.
	got, err := exectest.Drain(exec.NewContext(nil, mem), exec.NewLimit(exec.NewRecordSource(schema, recs), 0, 1))
	if err != nil || len(got) != 1 {
		t.Fatalf("limit 1: %v rows, %v", got, err)
	}
	for _, r := range recs {
		r.Release()
	}
}

func TestRecordSourceRelabelsAndChecks(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	stored := exectest.Schema("a:int64", "b:utf8")
	rec, err := exectest.BuildRecord(mem, stored, exectest.R("1|x"))
	if err != nil {
		t.Fatal(err)
	}
	defer rec.Release()
	renamed := exectest.Schema("x:int64", "s:utf8")
	got, err := exectest.Drain(exec.NewContext(nil, mem), exec.NewRecordSource(renamed, []arrow.Record{rec}))
	if err != nil || exectest.Diff(exectest.R("1|x"), got, true) != "" {
		t.Fatalf("relabel: %v, %v", got, err)
	}
	wrong := exectest.Schema("x:int64", "s:int64")
	_, err = exectest.Drain(exec.NewContext(nil, mem), exec.NewRecordSource(wrong, []arrow.Record{rec}))
	if !errors.Is(err, exec.ErrType) {
		t.Fatalf("type mismatch: got %v, want ErrType", err)
	}
}

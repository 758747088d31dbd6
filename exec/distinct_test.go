package exec_test

import (
	"errors"
	"math"
	"math/rand"
	"strconv"
	"strings"
	"testing"

	"github.com/apache/arrow/go/v15/arrow"
	"github.com/apache/arrow/go/v15/arrow/memory"

	"github.com/dataflow-go/dataflow/exec"
	"github.com/dataflow-go/dataflow/exec/exectest"
)

// opsDistinctRef keeps the first occurrence of each row, comparing floats
// (the columns typed float64) by value so that -0 = 0 and NaN = NaN.
func opsDistinctRef(types []string) func([]exectest.Rows) (exectest.Rows, error) {
	return func(in []exectest.Rows) (exectest.Rows, error) {
		seen := map[string]bool{}
		var out exectest.Rows
		for _, r := range in[0] {
			parts := make([]string, len(r))
			for c, v := range r {
				parts[c] = v
				if types[c] == "float64" && v != "NULL" {
					f, _ := strconv.ParseFloat(v, 64)
					if f == 0 {
						f = 0
					}
					if math.IsNaN(f) {
						parts[c] = "NaN"
					} else {
						parts[c] = strconv.FormatFloat(f, 'g', -1, 64)
					}
				}
			}
			k := strings.Join(parts, "\x01")
			if !seen[k] {
				seen[k] = true
				out = append(out, r)
			}
		}
		return out, nil
	}
}

func TestDistinct(t *testing.T) {
	// Column pairs chosen so that naive concatenation would collide
	// ("a"+"bc" vs "ab"+"c"), with repeats across batches.
	schema := exectest.Schema("s:utf8", "t:utf8", "f:float64", "d:decimal(12,2)", "b:bool", "dt:date32")
	types := []string{"utf8", "utf8", "float64", "decimal", "bool", "date32"}
	base := exectest.R(
		"a|bc|0|1.00|true|1998-01-01",
		"ab|c|0|1.00|true|1998-01-01",
		"a|bc|-0|1.00|true|1998-01-01",
		"a|bc|NaN|1.00|true|1998-01-01",
		"a|bc|NaN|1.00|true|1998-01-01",
		"NULL|bc|0|1.00|true|1998-01-01",
		"|bc|0|1.00|true|1998-01-01",
		"a|bc|0|-1.00|true|1998-01-01",
		"a|bc|0|1.00|false|1998-01-01",
		"a|bc|0|1.00|NULL|1998-01-01",
		"a|bc|0|1.00|true|NULL",
	)
	var rows exectest.Rows
	for rep := 0; rep < 3; rep++ {
		rows = append(rows, base...)
	}
	ref := opsDistinctRef(types)
	want, _ := ref([]exectest.Rows{rows})
	if len(want) != 9 {
		t.Fatalf("reference kept %d rows, want 9", len(want))
	}
	exectest.Run(t, exectest.Case{
		Name:      "all types",
		Inputs:    []exectest.Input{{Schema: schema, Rows: rows}},
		Build:     func(ch []exec.Operator) (exec.Operator, error) { return exec.NewDistinct(ch[0]) },
		Expected:  want,
		Ordered:   true,
		Reference: ref,
	})

	// Many groups of int columns: exercises table growth.
	schema2 := exectest.Schema("x:int64", "y:int32")
	rng := rand.New(rand.NewSource(9))
	var rows2 exectest.Rows
	for i := 0; i < 5000; i++ {
		rows2 = append(rows2, []string{strconv.Itoa(rng.Intn(1500)), strconv.Itoa(rng.Intn(2))})
	}
	ref2 := opsDistinctRef([]string{"int64", "int32"})
	want2, _ := ref2([]exectest.Rows{rows2})
	exectest.Run(t, exectest.Case{
		Name:       "table growth",
		Inputs:     []exectest.Input{{Schema: schema2, Rows: rows2}},
		Build:      func(ch []exec.Operator) (exec.Operator, error) { return exec.NewDistinct(ch[0]) },
		Expected:   want2,
		Ordered:    true,
		Reference:  ref2,
		BatchSizes: []int{7, 1024},
	})
	exectest.Run(t, exectest.Case{
		Name:   "empty input",
		Inputs: []exectest.Input{{Schema: schema2}},
		Build:  func(ch []exec.Operator) (exec.Operator, error) { return exec.NewDistinct(ch[0]) },
	})
}

func TestDistinctErrors(t *testing.T) {
	schema := exectest.Schema("x:int64", "s:utf8")
	exectest.Run(t, exectest.Case{
		Name:   "child error",
		Inputs: []exectest.Input{{Schema: schema, Rows: opsSeqRows(30)}},
		Build: func(ch []exec.Operator) (exec.Operator, error) {
			src := ch[0].(*exectest.Source)
			src.NextErr, src.ErrAt = errors.New("socket closed"), 1
			return exec.NewDistinct(src)
		},
		ExpectErr: "socket closed",
	})
	exectest.Run(t, exectest.Case{
		Name:        "memory limit",
		Inputs:      []exectest.Input{{Schema: schema, Rows: opsSeqRows(3000)}},
		Build:       func(ch []exec.Operator) (exec.Operator, error) { return exec.NewDistinct(ch[0]) },
		MemoryLimit: 32 << 10,
		ExpectErr:   "memory limit exceeded: distinct needs",
	})
	list := arrow.NewSchema([]arrow.Field{{Name: "l", Type: arrow.ListOf(arrow.PrimitiveTypes.Int64)}}, nil)
	if _, err := exec.NewDistinct(exectest.NewSource(list, nil)); !errors.Is(err, exec.ErrType) {
		t.Fatalf("list column: got %v, want ErrType", err)
	}
}

func BenchmarkDistinct(b *testing.B) {
	const n = 1 << 20
	rng := rand.New(rand.NewSource(1))
	schema, recs := opsInt64Records(n, exec.DefaultBatchSize, func(int) int64 { return rng.Int63n(100000) })
	defer func() {
		for _, r := range recs {
			r.Release()
		}
	}()
	ctx := exec.NewContext(nil, memory.DefaultAllocator)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		op, err := exec.NewDistinct(opsReplay(schema, recs))
		if err != nil {
			b.Fatal(err)
		}
		if got := opsDrainCount(b, ctx, op); got < 90000 {
			b.Fatalf("got %d rows", got)
		}
	}
	b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
}

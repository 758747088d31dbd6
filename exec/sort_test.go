package exec_test

import (
	"errors"
	"fmt"
	"math"
	"math/big"
	"math/rand"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/apache/arrow/go/v15/arrow"
	"github.com/apache/arrow/go/v15/arrow/memory"

	"github.com/dataflow-go/dataflow/exec"
	"github.com/dataflow-go/dataflow/exec/exectest"
)

// opsSortSchema has one column of every orderable type the engine uses,
// plus a row id to make stability visible.
var opsSortSchema = exectest.Schema("id:int64", "b:bool", "i:int32", "l:int64", "f:float64", "d:decimal(15,2)", "s:utf8", "dt:date32", "ts:timestamp")

var opsSortTypes = []string{"int64", "bool", "int32", "int64", "float64", "decimal", "utf8", "date32", "timestamp"}

// opsSortRows makes n rows of small-domain values, so keys repeat and
// multi-key and stability cases arise.
func opsSortRows(n int, seed int64) exectest.Rows {
	rng := rand.New(rand.NewSource(seed))
	floats := []string{"-1.5", "0", "-0", "2.25", "NaN", "123456.5", "-99999.25", "3"}
	strs := []string{"", "a", "ab", "b", "B", "é", "a\x00", "zz"}
	rows := make(exectest.Rows, n)
	for r := range rows {
		rows[r] = []string{
			strconv.Itoa(r),
			strconv.FormatBool(rng.Intn(2) == 0),
			strconv.Itoa(rng.Intn(7) - 3),
			strconv.FormatInt(rng.Int63n(5)*int64(math.MaxInt64/4)-math.MaxInt64/2, 10),
			floats[rng.Intn(len(floats))],
			fmt.Sprintf("%d.%02d", rng.Intn(5)-2, rng.Intn(3)*25),
			strs[rng.Intn(len(strs))],
			fmt.Sprintf("199%d-0%d-1%d", rng.Intn(3), 1+rng.Intn(2), rng.Intn(3)),
			fmt.Sprintf("2020-01-0%d 00:00:0%d", 1+rng.Intn(2), rng.Intn(3)),
		}
	}
	return rows
}

// opsCompareText is the naive reference order of two non-NULL values given
// as text.
func opsCompareText(typ, a, b string) int {
	switch typ {
	case "int32", "int64":
		x, _ := strconv.ParseInt(a, 10, 64)
		y, _ := strconv.ParseInt(b, 10, 64)
		return opsCmpInt(x, y)
	case "bool":
		return opsCmpInt(opsBtoi(a == "true"), opsBtoi(b == "true"))
	case "float64":
		x, _ := strconv.ParseFloat(a, 64)
		y, _ := strconv.ParseFloat(b, 64)
		xn, yn := math.IsNaN(x), math.IsNaN(y)
		switch {
		case xn && yn:
			return 0
		case xn:
			return 1
		case yn:
			return -1
		}
		if x < y {
			return -1
		}
		if x > y {
			return 1
		}
		return 0
	case "decimal":
		x, _ := new(big.Rat).SetString(a)
		y, _ := new(big.Rat).SetString(b)
		return x.Cmp(y)
	}
	return strings.Compare(a, b) // utf8 bytewise; dates and timestamps as ISO text
}

func opsCmpInt(x, y int64) int {
	switch {
	case x < y:
		return -1
	case x > y:
		return 1
	}
	return 0
}

func opsBtoi(b bool) int64 {
	if b {
		return 1
	}
	return 0
}

type opsKeySpec struct {
	col        int
	desc       bool
	nullsFirst bool
}

// opsSortRef is the naive stable sort of text rows.
func opsSortRef(types []string, specs []opsKeySpec) func([]exectest.Rows) (exectest.Rows, error) {
	return func(in []exectest.Rows) (exectest.Rows, error) {
		rows := append(exectest.Rows(nil), in[0]...)
		sort.SliceStable(rows, func(i, j int) bool {
			for _, k := range specs {
				a, b := rows[i][k.col], rows[j][k.col]
				var c int
				switch {
				case a == "NULL" && b == "NULL":
				case a == "NULL":
					c = 1
					if k.nullsFirst {
						c = -1
					}
				case b == "NULL":
					c = -1
					if k.nullsFirst {
						c = 1
					}
				default:
					c = opsCompareText(types[k.col], a, b)
					if k.desc {
						c = -c
					}
				}
				if c != 0 {
					return c < 0
				}
			}
			return false
		})
		return rows, nil
	}
}

func opsSortKeys(schema *arrow.Schema, specs []opsKeySpec) []exec.SortKey {
	keys := make([]exec.SortKey, len(specs))
	for i, k := range specs {
		f := schema.Field(k.col)
		keys[i] = exec.SortKey{Expr: exec.NewColumn(k.col, f.Name, f.Type), Desc: k.desc, NullsFirst: k.nullsFirst}
	}
	return keys
}

func opsSpecName(schema *arrow.Schema, specs []opsKeySpec) string {
	var parts []string
	for _, k := range opsSortKeys(schema, specs) {
		parts = append(parts, k.String())
	}
	return strings.Join(parts, ", ")
}

// opsSortSpecs covers every type in both directions and both NULL
// placements, and several multi-key orders.
func opsSortSpecs() [][]opsKeySpec {
	var out [][]opsKeySpec
	for col := 1; col < len(opsSortTypes); col++ {
		out = append(out, []opsKeySpec{{col: col}}, []opsKeySpec{{col: col, desc: true, nullsFirst: true}})
	}
	out = append(out,
		[]opsKeySpec{{col: 1}, {col: 2, desc: true}},
		[]opsKeySpec{{col: 6, nullsFirst: true}, {col: 4, desc: true}, {col: 5}},
		[]opsKeySpec{{col: 7, desc: true}, {col: 8}, {col: 3, desc: true, nullsFirst: true}},
	)
	return out
}

func TestSort(t *testing.T) {
	rows := opsSortRows(60, 1)
	for _, specs := range opsSortSpecs() {
		ref := opsSortRef(opsSortTypes, specs)
		want, _ := ref([]exectest.Rows{rows})
		exectest.Run(t, exectest.Case{
			Name:   opsSpecName(opsSortSchema, specs),
			Inputs: []exectest.Input{{Schema: opsSortSchema, Rows: rows}},
			Build: func(ch []exec.Operator) (exec.Operator, error) {
				return exec.NewSort(ch[0], opsSortKeys(opsSortSchema, specs))
			},
			Expected:  want,
			Ordered:   true,
			Reference: ref,
		})
	}
	exectest.Run(t, exectest.Case{
		Name:   "empty input",
		Inputs: []exectest.Input{{Schema: opsSortSchema}},
		Build: func(ch []exec.Operator) (exec.Operator, error) {
			return exec.NewSort(ch[0], opsSortKeys(opsSortSchema, []opsKeySpec{{col: 2}}))
		},
	})
	// A computed key: ORDER BY -l is ORDER BY l DESC for non-NULL values,
	// and stability keeps ties in input order.
	want, _ := opsSortRef(opsSortTypes, []opsKeySpec{{col: 3, desc: true}})([]exectest.Rows{rows})
	exectest.Run(t, exectest.Case{
		Name:   "computed key",
		Inputs: []exectest.Input{{Schema: opsSortSchema, Rows: rows}},
		Build: func(ch []exec.Operator) (exec.Operator, error) {
			return exec.NewSort(ch[0], []exec.SortKey{{Expr: opsNeg(3)}})
		},
		Expected: want,
		Ordered:  true,
	})
}

func TestSortErrors(t *testing.T) {
	schema := exectest.Schema("x:int64")
	rows := exectest.R("3", "1", "2", "5", "4", "6", "7", "8", "9", "10")
	if _, err := exec.NewSort(exectest.NewSource(schema, nil), []exec.SortKey{{Expr: opsRowNull(arrow.FixedWidthTypes.MonthDayNanoInterval)}}); !errors.Is(err, exec.ErrType) {
		t.Errorf("interval key: got %v, want ErrType", err)
	}
	if _, err := exec.NewSort(exectest.NewSource(schema, nil), nil); !errors.Is(err, exec.ErrInternal) {
		t.Errorf("no keys: got %v, want ErrInternal", err)
	}
	key := []exec.SortKey{{Expr: exec.NewColumn(0, "x", arrow.PrimitiveTypes.Int64)}}
	exectest.Run(t, exectest.Case{
		Name:   "child error",
		Inputs: []exectest.Input{{Schema: schema, Rows: rows}},
		Build: func(ch []exec.Operator) (exec.Operator, error) {
			src := ch[0].(*exectest.Source)
			src.NextErr, src.ErrAt = errors.New("read failed"), 1
			return exec.NewSort(src, key)
		},
		ExpectErr: "read failed",
	})
	exectest.Run(t, exectest.Case{
		Name:   "key error",
		Inputs: []exectest.Input{{Schema: schema, Rows: rows}},
		Build: func(ch []exec.Operator) (exec.Operator, error) {
			e := opsNeg(0)
			e.calls, e.failAfter = new(int), 1
			return exec.NewSort(ch[0], []exec.SortKey{{Expr: e}})
		},
		ExpectErr: "failed on purpose",
	})
	exectest.Run(t, exectest.Case{
		Name:        "memory limit",
		Inputs:      []exectest.Input{{Schema: exectest.Schema("x:int64", "s:utf8"), Rows: opsSeqRows(2000)}},
		Build:       func(ch []exec.Operator) (exec.Operator, error) { return exec.NewSort(exec.NewLimit(ch[0], 0, -1), key) },
		MemoryLimit: 4 << 10,
		ExpectErr:   "memory limit exceeded: sort needs",
	})
}

// opsRowNull is an expression of type typ that is NULL on every row.
func opsRowNull(typ arrow.DataType) exec.Expr {
	return &opsRowExpr{typ: typ, name: "null_" + typ.String(), fn: func(arrow.Array, int) (any, bool) { return nil, false }}
}

// TestSortProperty sorts larger random inputs with many batches against
// the naive reference.
func TestSortProperty(t *testing.T) {
	rows := opsSortRows(1500, 2)
	rng := rand.New(rand.NewSource(3))
	for trial := 0; trial < 6; trial++ {
		var specs []opsKeySpec
		for k := 0; k < 1+rng.Intn(3); k++ {
			specs = append(specs, opsKeySpec{col: 1 + rng.Intn(len(opsSortTypes)-1), desc: rng.Intn(2) == 0, nullsFirst: rng.Intn(2) == 0})
		}
		ref := opsSortRef(opsSortTypes, specs)
		want, _ := ref([]exectest.Rows{rows})
		exectest.Run(t, exectest.Case{
			Name:   opsSpecName(opsSortSchema, specs),
			Inputs: []exectest.Input{{Schema: opsSortSchema, Rows: rows}},
			Build: func(ch []exec.Operator) (exec.Operator, error) {
				return exec.NewSort(ch[0], opsSortKeys(opsSortSchema, specs))
			},
			Expected:   want,
			Ordered:    true,
			Reference:  ref,
			BatchSizes: []int{7, 1024},
		})
	}
}

func BenchmarkSort(b *testing.B) {
	const n = 1 << 20
	rng := rand.New(rand.NewSource(1))
	schema, recs := opsInt64Records(n, exec.DefaultBatchSize, func(int) int64 { return rng.Int63() })
	defer func() {
		for _, r := range recs {
			r.Release()
		}
	}()
	ctx := exec.NewContext(nil, memory.DefaultAllocator)
	keys := []exec.SortKey{{Expr: exec.NewColumn(0, "x", arrow.PrimitiveTypes.Int64)}}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		op, err := exec.NewSort(opsReplay(schema, recs), keys)
		if err != nil {
			b.Fatal(err)
		}
		if got := opsDrainCount(b, ctx, op); got != n {
			b.Fatalf("got %d rows", got)
		}
	}
	b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
}

// TestSortPrefixPaths sorts enough rows on single keys to take the radix
// path (exact prefixes without NULLs) and, with injected NULLs, the
// prefix-then-compare path, for every type.
func TestSortPrefixPaths(t *testing.T) {
	rows := opsSortRows(700, 4)
	for col := 1; col < len(opsSortTypes); col++ {
		for _, desc := range []bool{false, true} {
			specs := []opsKeySpec{{col: col, desc: desc}}
			ref := opsSortRef(opsSortTypes, specs)
			want, _ := ref([]exectest.Rows{rows})
			exectest.Run(t, exectest.Case{
				Name:   opsSpecName(opsSortSchema, specs),
				Inputs: []exectest.Input{{Schema: opsSortSchema, Rows: rows}},
				Build: func(ch []exec.Operator) (exec.Operator, error) {
					return exec.NewSort(ch[0], opsSortKeys(opsSortSchema, specs))
				},
				Expected:   want,
				Ordered:    true,
				Reference:  ref,
				BatchSizes: []int{1024},
			})
		}
	}
}

// TestSortWideDecimals orders decimals beyond int64, whose prefixes
// saturate and leave the order to the full comparison.
func TestSortWideDecimals(t *testing.T) {
	schema := exectest.Schema("id:int64", "d:decimal(38,2)")
	vals := []string{"99999999999999999999999999.00", "-99999999999999999999999999.00", "1.50", "-2.00",
		"99999999999999999999999998.99", "-99999999999999999999999999.01", "92233720368547758.07", "92233720368547758.08", "0.00"}
	var rows exectest.Rows
	for i := 0; i < 400; i++ {
		rows = append(rows, []string{strconv.Itoa(i), vals[(i*7)%len(vals)]})
	}
	types := []string{"int64", "decimal"}
	for _, desc := range []bool{false, true} {
		specs := []opsKeySpec{{col: 1, desc: desc}}
		ref := opsSortRef(types, specs)
		want, _ := ref([]exectest.Rows{rows})
		exectest.Run(t, exectest.Case{
			Name:   opsSpecName(schema, specs),
			Inputs: []exectest.Input{{Schema: schema, Rows: rows}},
			Build: func(ch []exec.Operator) (exec.Operator, error) {
				return exec.NewSort(ch[0], opsSortKeys(schema, specs))
			},
			Expected:   want,
			Ordered:    true,
			Reference:  ref,
			BatchSizes: []int{7, 1024},
		})
	}
}

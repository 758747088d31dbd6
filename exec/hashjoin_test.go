package exec_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/apache/arrow/go/v15/arrow"
	"github.com/apache/arrow/go/v15/arrow/array"
	"github.com/apache/arrow/go/v15/arrow/memory"

	"github.com/dataflow-go/dataflow/exec"
	"github.com/dataflow-go/dataflow/exec/exectest"
)

// tri is a three-valued truth: 1 true, 0 false, -1 NULL.
type tri int

// intCmpExpr is a test-only boolean expression comparing two int columns
// of its input with a Go function; NULL when either side is NULL. The
// reference evaluates the same function on text rows.
type intCmpExpr struct {
	a, b int
	op   string
}

func intCmp(a, b int, op string) *intCmpExpr { return &intCmpExpr{a: a, b: b, op: op} }

func (e *intCmpExpr) DataType() arrow.DataType { return arrow.FixedWidthTypes.Boolean }
func (e *intCmpExpr) String() string           { return fmt.Sprintf("#%d %s #%d", e.a, e.op, e.b) }

func (e *intCmpExpr) apply(x, y int64) bool {
	switch e.op {
	case "<":
		return x < y
	case "<>":
		return x != y
	case ">=":
		return x >= y
	}
	panic("intCmpExpr: unknown op " + e.op)
}

// onText evaluates the condition on a text row (left ++ right).
func (e *intCmpExpr) onText(row []string) tri {
	if row[e.a] == "NULL" || row[e.b] == "NULL" {
		return -1
	}
	x, _ := strconv.ParseInt(row[e.a], 10, 64)
	y, _ := strconv.ParseInt(row[e.b], 10, 64)
	if e.apply(x, y) {
		return 1
	}
	return 0
}

func (e *intCmpExpr) Eval(ctx *exec.Context, batch arrow.Record) (arrow.Array, error) {
	b := array.NewBooleanBuilder(ctx.Alloc)
	defer b.Release()
	x, y := batch.Column(e.a), batch.Column(e.b)
	val := func(a arrow.Array, i int) int64 {
		switch a := a.(type) {
		case *array.Int64:
			return a.Value(i)
		case *array.Int32:
			return int64(a.Value(i))
		}
		panic("intCmpExpr: not an int column")
	}
	for i := 0; i < int(batch.NumRows()); i++ {
		if x.IsNull(i) || y.IsNull(i) {
			b.AppendNull()
			continue
		}
		b.Append(e.apply(val(x, i), val(y, i)))
	}
	return b.NewArray(), nil
}

// refJoin is a naive nested-loop join over text rows. A pair matches when
// all key pairs are non-NULL and equal and cond (if any) is true. For a
// hash join (keyed) a mark is NULL for an unmatched row when the build
// side has a NULL key, or the row's key is NULL and the build side is not
// empty, or cond was NULL for a key-matched pair; for a nested loop join
// only the last applies.
func refJoin(left, right exectest.Rows, rightWidth int, lk, rk []int, typ exec.JoinType, cond func([]string) tri) (exectest.Rows, error) {
	nulls := func(n int) []string {
		out := make([]string, n)
		for i := range out {
			out[i] = "NULL"
		}
		return out
	}
	buildNullKey := false
	for _, r := range right {
		for _, k := range rk {
			if r[k] == "NULL" {
				buildNullKey = true
			}
		}
	}
	var out exectest.Rows
	rightMatched := make([]bool, len(right))
	leftWidth := 0
	for _, l := range left {
		leftWidth = len(l)
		matches := 0
		unknown := false
		probeNull := false
		for _, k := range lk {
			if l[k] == "NULL" {
				probeNull = true
			}
		}
		if len(lk) > 0 && (buildNullKey || (probeNull && len(right) > 0)) {
			unknown = true
		}
		for j, r := range right {
			eq := !probeNull
			for i := range lk {
				if r[rk[i]] == "NULL" || l[lk[i]] != r[rk[i]] {
					eq = false
				}
			}
			if !eq {
				continue
			}
			pair := append(append([]string(nil), l...), r...)
			c := tri(1)
			if cond != nil {
				c = cond(pair)
			}
			if c == -1 {
				unknown = true
			}
			if c != 1 {
				continue
			}
			matches++
			rightMatched[j] = true
			switch typ {
			case exec.JoinInner, exec.JoinLeft, exec.JoinRight, exec.JoinFull, exec.JoinSingle:
				out = append(out, pair)
			}
		}
		switch typ {
		case exec.JoinLeft, exec.JoinFull:
			if matches == 0 {
				out = append(out, append(append([]string(nil), l...), nulls(rightWidth)...))
			}
		case exec.JoinSingle:
			if matches > 1 {
				return nil, errors.New("more than one row returned by a subquery used as an expression")
			}
			if matches == 0 {
				out = append(out, append(append([]string(nil), l...), nulls(rightWidth)...))
			}
		case exec.JoinSemi:
			if matches > 0 {
				out = append(out, l)
			}
		case exec.JoinAnti:
			if matches == 0 {
				out = append(out, l)
			}
		case exec.JoinMark:
			m := "false"
			if matches > 0 {
				m = "true"
			} else if unknown {
				m = "NULL"
			}
			out = append(out, append(append([]string(nil), l...), m))
		}
	}
	if typ == exec.JoinRightSemi || typ == exec.JoinRightAnti {
		for j, r := range right {
			if rightMatched[j] == (typ == exec.JoinRightSemi) {
				out = append(out, r)
			}
		}
	}
	if typ == exec.JoinRight || typ == exec.JoinFull {
		if leftWidth == 0 && len(right) > 0 {
			return nil, errors.New("refJoin: unknown left width")
		}
		for j, r := range right {
			if !rightMatched[j] {
				out = append(out, append(nulls(leftWidth), r...))
			}
		}
	}
	return out, nil
}

var (
	leftSchema  = exectest.Schema("lk:int64", "ls:utf8", "lv:int32")
	rightSchema = exectest.Schema("rk:int64", "rs:utf8", "rv:int32", "rd:decimal(12,2)")
	allJoins    = []exec.JoinType{exec.JoinInner, exec.JoinLeft, exec.JoinRight, exec.JoinFull, exec.JoinSemi, exec.JoinAnti, exec.JoinMark, exec.JoinSingle, exec.JoinRightSemi, exec.JoinRightAnti}
)

func TestHashJoinSmall(t *testing.T) {
	left := exectest.R("1|a|10", "2|b|20", "2|b|5", "3|c|30", "NULL|d|40", "4|NULL|50")
	right := exectest.R("1|a|11|1.00", "2|b|21|2.00", "2|x|1|2.50", "5|e|51|5.00", "NULL|f|61|6.00", "4|NULL|50|4.00")
	lk := []exec.Expr{colRef(0, "lk", int64T)}
	rk := []exec.Expr{colRef(0, "rk", int64T)}
	want := map[exec.JoinType]exectest.Rows{
		exec.JoinInner: exectest.R("1|a|10|1|a|11|1.00", "2|b|20|2|b|21|2.00", "2|b|20|2|x|1|2.50", "2|b|5|2|b|21|2.00", "2|b|5|2|x|1|2.50", "4|NULL|50|4|NULL|50|4.00"),
		exec.JoinLeft: exectest.R("1|a|10|1|a|11|1.00", "2|b|20|2|b|21|2.00", "2|b|20|2|x|1|2.50", "2|b|5|2|b|21|2.00", "2|b|5|2|x|1|2.50", "4|NULL|50|4|NULL|50|4.00",
			"3|c|30|NULL|NULL|NULL|NULL", "NULL|d|40|NULL|NULL|NULL|NULL"),
		exec.JoinRight: exectest.R("1|a|10|1|a|11|1.00", "2|b|20|2|b|21|2.00", "2|b|20|2|x|1|2.50", "2|b|5|2|b|21|2.00", "2|b|5|2|x|1|2.50", "4|NULL|50|4|NULL|50|4.00",
			"NULL|NULL|NULL|5|e|51|5.00", "NULL|NULL|NULL|NULL|f|61|6.00"),
		exec.JoinFull: exectest.R("1|a|10|1|a|11|1.00", "2|b|20|2|b|21|2.00", "2|b|20|2|x|1|2.50", "2|b|5|2|b|21|2.00", "2|b|5|2|x|1|2.50", "4|NULL|50|4|NULL|50|4.00",
			"3|c|30|NULL|NULL|NULL|NULL", "NULL|d|40|NULL|NULL|NULL|NULL", "NULL|NULL|NULL|5|e|51|5.00", "NULL|NULL|NULL|NULL|f|61|6.00"),
		exec.JoinSemi: exectest.R("1|a|10", "2|b|20", "2|b|5", "4|NULL|50"),
		exec.JoinAnti: exectest.R("3|c|30", "NULL|d|40"),
		// The build side has a NULL key, so every unmatched mark is NULL.
		exec.JoinMark: exectest.R("1|a|10|true", "2|b|20|true", "2|b|5|true", "3|c|30|NULL", "NULL|d|40|NULL", "4|NULL|50|true"),
		// Build rows with a NULL key never match: a right anti join keeps them.
		exec.JoinRightSemi: exectest.R("1|a|11|1.00", "2|b|21|2.00", "2|x|1|2.50", "4|NULL|50|4.00"),
		exec.JoinRightAnti: exectest.R("5|e|51|5.00", "NULL|f|61|6.00"),
	}
	for _, typ := range allJoins {
		if typ == exec.JoinSingle {
			continue // key 2 matches twice; see TestHashJoinSingle
		}
		exectest.Run(t, exectest.Case{
			Name:   typ.String(),
			Inputs: []exectest.Input{{Schema: leftSchema, Rows: left}, {Schema: rightSchema, Rows: right}},
			Build: func(ch []exec.Operator) (exec.Operator, error) {
				return exec.NewHashJoin(ch[0], ch[1], lk, rk, typ, nil)
			},
			Expected: want[typ],
			Reference: func(in []exectest.Rows) (exectest.Rows, error) {
				return refJoin(in[0], in[1], 4, []int{0}, []int{0}, typ, nil)
			},
		})
	}
}

// TestHashJoinMarkNotIn checks IN semantics without NULLs on the build
// side: an unmatched row is false unless its own key is NULL.
func TestHashJoinMarkNotIn(t *testing.T) {
	left := exectest.R("1|a|1", "7|b|2", "NULL|c|3")
	build := func(ch []exec.Operator) (exec.Operator, error) {
		return exec.NewHashJoin(ch[0], ch[1], []exec.Expr{colRef(0, "lk", int64T)}, []exec.Expr{colRef(0, "rk", int64T)}, exec.JoinMark, nil)
	}
	exectest.Run(t, exectest.Case{
		Name:     "mark",
		Inputs:   []exectest.Input{{Schema: leftSchema, Rows: left}, {Schema: rightSchema, Rows: exectest.R("1|x|0|0.00", "2|y|0|0.00")}},
		Build:    build,
		Expected: exectest.R("1|a|1|true", "7|b|2|false", "NULL|c|3|NULL"),
	})
	exectest.Run(t, exectest.Case{
		Name:     "mark-empty-build",
		Inputs:   []exectest.Input{{Schema: leftSchema, Rows: left}, {Schema: rightSchema}},
		Build:    build,
		Expected: exectest.R("1|a|1|false", "7|b|2|false", "NULL|c|3|false"),
	})
}

func randomJoinRows(rng *rand.Rand, n, domain int, withDec bool) exectest.Rows {
	rows := make(exectest.Rows, n)
	for i := range rows {
		r := []string{
			strconv.Itoa(rng.Intn(domain)),
			string(rune('a' + rng.Intn(3))),
			strconv.Itoa(rng.Intn(40)),
		}
		if withDec {
			r = append(r, fmt.Sprintf("%d.%02d", rng.Intn(1000), rng.Intn(100)))
		}
		rows[i] = r
	}
	return rows
}

// TestHashJoinProperty runs every join type on random data, with one and
// two keys, with and without a residual, against the naive reference.
func TestHashJoinProperty(t *testing.T) {
	for seed := int64(1); seed <= 3; seed++ {
		rng := rand.New(rand.NewSource(seed))
		left := randomJoinRows(rng, 40+rng.Intn(60), 12, false)
		right := randomJoinRows(rng, 30+rng.Intn(40), 12, true)
		for _, multi := range []bool{false, true} {
			lk, rk := []exec.Expr{colRef(0, "lk", int64T)}, []exec.Expr{colRef(0, "rk", int64T)}
			lki, rki := []int{0}, []int{0}
			if multi {
				lk = append(lk, colRef(1, "ls", strT))
				rk = append(rk, colRef(1, "rs", strT))
				lki, rki = []int{0, 1}, []int{0, 1}
			}
			for _, withResidual := range []bool{false, true} {
				var residual exec.Expr
				var cond func([]string) tri
				if withResidual {
					e := intCmp(2, 5, "<") // lv < rv
					residual, cond = e, e.onText
				}
				for _, typ := range allJoins {
					if typ == exec.JoinSingle {
						continue
					}
					name := fmt.Sprintf("seed=%d/multi=%v/residual=%v/%s", seed, multi, withResidual, typ)
					exp, err := refJoin(left, right, 4, lki, rki, typ, cond)
					if err != nil {
						t.Fatal(err)
					}
					exectest.Run(t, exectest.Case{
						Name:       name,
						Inputs:     []exectest.Input{{Schema: leftSchema, Rows: left}, {Schema: rightSchema, Rows: right}},
						BatchSizes: []int{7, 1024},
						Build: func(ch []exec.Operator) (exec.Operator, error) {
							return exec.NewHashJoin(ch[0], ch[1], lk, rk, typ, residual)
						},
						Expected: exp,
						Reference: func(in []exectest.Rows) (exectest.Rows, error) {
							return refJoin(in[0], in[1], 4, lki, rki, typ, cond)
						},
					})
				}
			}
		}
	}
}

func TestHashJoinSingle(t *testing.T) {
	left := exectest.R("1|a|10", "2|b|20", "3|c|30", "NULL|d|0")
	lk := []exec.Expr{colRef(0, "lk", int64T)}
	rk := []exec.Expr{colRef(0, "rk", int64T)}
	unique := exectest.R("1|x|5|1.00", "3|y|50|3.00", "NULL|z|0|0.00")
	exectest.Run(t, exectest.Case{
		Name:   "unique",
		Inputs: []exectest.Input{{Schema: leftSchema, Rows: left}, {Schema: rightSchema, Rows: unique}},
		Build: func(ch []exec.Operator) (exec.Operator, error) {
			return exec.NewHashJoin(ch[0], ch[1], lk, rk, exec.JoinSingle, nil)
		},
		Expected: exectest.R("1|a|10|1|x|5|1.00", "2|b|20|NULL|NULL|NULL|NULL", "3|c|30|3|y|50|3.00", "NULL|d|0|NULL|NULL|NULL|NULL"),
		Reference: func(in []exectest.Rows) (exectest.Rows, error) {
			return refJoin(in[0], in[1], 4, []int{0}, []int{0}, exec.JoinSingle, nil)
		},
	})
	twice := exectest.R("1|x|5|1.00", "3|y|50|3.00", "3|w|1|3.00")
	exectest.Run(t, exectest.Case{
		Name:   "two-matches",
		Inputs: []exectest.Input{{Schema: leftSchema, Rows: left}, {Schema: rightSchema, Rows: twice}},
		Build: func(ch []exec.Operator) (exec.Operator, error) {
			return exec.NewHashJoin(ch[0], ch[1], lk, rk, exec.JoinSingle, nil)
		},
		ExpectErr: "more than one row returned by a subquery used as an expression",
	})
	// With a residual that rules out one of the two, the row matches once.
	exectest.Run(t, exectest.Case{
		Name:   "two-candidates-one-match",
		Inputs: []exectest.Input{{Schema: leftSchema, Rows: left}, {Schema: rightSchema, Rows: twice}},
		Build: func(ch []exec.Operator) (exec.Operator, error) {
			return exec.NewHashJoin(ch[0], ch[1], lk, rk, exec.JoinSingle, intCmp(2, 5, "<"))
		},
		Expected: exectest.R("1|a|10|NULL|NULL|NULL|NULL", "2|b|20|NULL|NULL|NULL|NULL", "3|c|30|3|y|50|3.00", "NULL|d|0|NULL|NULL|NULL|NULL"),
	})
}

func TestHashJoinErrors(t *testing.T) {
	left := exectest.R("1|a|10", "2|b|20")
	var big exectest.Rows
	for i := 0; i < 3000; i++ {
		big = append(big, []string{strconv.Itoa(i), "some text that takes room", "1", "1.00"})
	}
	lk := []exec.Expr{colRef(0, "lk", int64T)}
	rk := []exec.Expr{colRef(0, "rk", int64T)}
	exectest.Run(t, exectest.Case{
		Name:        "budget",
		Inputs:      []exectest.Input{{Schema: leftSchema, Rows: left}, {Schema: rightSchema, Rows: big}},
		MemoryLimit: 32 << 10,
		Build: func(ch []exec.Operator) (exec.Operator, error) {
			return exec.NewHashJoin(ch[0], ch[1], lk, rk, exec.JoinInner, nil)
		},
		ExpectErr: "hash join needs",
	})
	exectest.Run(t, exectest.Case{
		Name:        "nl-budget",
		Inputs:      []exectest.Input{{Schema: leftSchema, Rows: left}, {Schema: rightSchema, Rows: big}},
		MemoryLimit: 32 << 10,
		Build: func(ch []exec.Operator) (exec.Operator, error) {
			return exec.NewNestedLoopJoin(ch[0], ch[1], exec.JoinInner, nil)
		},
		ExpectErr: "nested loop join needs",
	})
	src := func(s *arrow.Schema) exec.Operator { return exectest.NewSource(s, nil) }
	for _, c := range []struct {
		name  string
		build func() (exec.Operator, error)
		want  error
		msg   string
	}{
		{"key-types", func() (exec.Operator, error) {
			return exec.NewHashJoin(src(leftSchema), src(rightSchema), []exec.Expr{colRef(2, "lv", int32T)}, rk, exec.JoinInner, nil)
		}, exec.ErrType, "cast one side first"},
		{"key-count", func() (exec.Operator, error) {
			return exec.NewHashJoin(src(leftSchema), src(rightSchema), lk, append(rk, colRef(1, "rs", strT)), exec.JoinInner, nil)
		}, exec.ErrType, "2 build keys"},
		{"no-keys", func() (exec.Operator, error) {
			return exec.NewHashJoin(src(leftSchema), src(rightSchema), nil, nil, exec.JoinInner, nil)
		}, exec.ErrType, "nested loop"},
		{"residual-type", func() (exec.Operator, error) {
			return exec.NewHashJoin(src(leftSchema), src(rightSchema), lk, rk, exec.JoinInner, colRef(2, "lv", int32T))
		}, exec.ErrType, "not boolean"},
		{"nl-cond-type", func() (exec.Operator, error) {
			return exec.NewNestedLoopJoin(src(leftSchema), src(rightSchema), exec.JoinInner, colRef(2, "lv", int32T))
		}, exec.ErrType, "not boolean"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := c.build()
			if !errors.Is(err, c.want) || !strings.Contains(err.Error(), c.msg) {
				t.Fatalf("want %v containing %q, got %v", c.want, c.msg, err)
			}
		})
	}
	// Child errors on either side surface unchanged, nothing leaks and the
	// budget is returned.
	boom := errors.New("disk on fire")
	for _, side := range []int{0, 1} {
		t.Run(fmt.Sprintf("child-error-%d", side), func(t *testing.T) {
			mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
			defer mem.AssertSize(t, 0)
			lrecs, _ := exectest.MakeRecords(mem, leftSchema, left, 1, false)
			rrecs, _ := exectest.MakeRecords(mem, rightSchema, exectest.R("1|a|1|1.00", "2|b|2|2.00"), 1, false)
			ls, rs := exectest.NewSource(leftSchema, lrecs), exectest.NewSource(rightSchema, rrecs)
			if side == 0 {
				ls.NextErr, ls.ErrAt = boom, 1
			} else {
				rs.NextErr, rs.ErrAt = boom, 1
			}
			op, err := exec.NewHashJoin(ls, rs, lk, rk, exec.JoinFull, nil)
			if err != nil {
				t.Fatal(err)
			}
			ctx := exec.NewContext(nil, mem)
			ctx.Budget = exec.NewBudget(0)
			if _, err := exectest.Drain(ctx, op); !errors.Is(err, boom) {
				t.Fatalf("want the child's error, got %v", err)
			}
			if _, err := op.Next(); err == nil {
				t.Fatal("Next after an error succeeded")
			}
			if ctx.Budget.Used() != 0 {
				t.Fatalf("budget holds %d bytes after Close", ctx.Budget.Used())
			}
		})
	}
}

// partitionSource is a test-only source over a share of the rows, used to
// run several probe pipelines over one bridge.
func runParallelProbes(t *testing.T, typ exec.JoinType, left, right exectest.Rows, nprobes int, residual exec.Expr) exectest.Rows {
	t.Helper()
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	rrecs, err := exectest.MakeRecords(mem, rightSchema, right, 64, true)
	if err != nil {
		t.Fatal(err)
	}
	bridge, err := exec.NewHashJoinBridge(exectest.NewSource(rightSchema, rrecs), []exec.Expr{colRef(0, "rk", int64T)})
	if err != nil {
		t.Fatal(err)
	}
	parts := make([]exectest.Rows, nprobes)
	for i, r := range left {
		parts[i%nprobes] = append(parts[i%nprobes], r)
	}
	probes := make([]exec.Operator, nprobes)
	for i := range probes {
		recs, err := exectest.MakeRecords(mem, leftSchema, parts[i], 5, true)
		if err != nil {
			t.Fatal(err)
		}
		probes[i], err = exec.NewHashJoinProbe(bridge, exectest.NewSource(leftSchema, recs), []exec.Expr{colRef(0, "lk", int64T)}, typ, residual)
		if err != nil {
			t.Fatal(err)
		}
	}
	ctx := exec.NewContext(nil, mem)
	ctx.BatchSize = 16
	ctx.Budget = exec.NewBudget(0)
	var wg sync.WaitGroup
	results := make([]exectest.Rows, nprobes)
	errs := make([]error, nprobes)
	for i := range probes {
		wg.Add(1)
		go func() {
			defer wg.Done()
			results[i], errs[i] = exectest.Drain(ctx, probes[i])
		}()
	}
	wg.Wait()
	var all exectest.Rows
	for i := range probes {
		if errs[i] != nil {
			t.Fatalf("probe %d: %v", i, errs[i])
		}
		all = append(all, results[i]...)
	}
	if ctx.Budget.Used() != 0 {
		t.Fatalf("budget holds %d bytes after every probe closed", ctx.Budget.Used())
	}
	return all
}

// TestHashJoinParallelProbes shares one bridge among probe pipelines in
// different goroutines; unmatched build rows of right/full joins must
// come out exactly once.
func TestHashJoinParallelProbes(t *testing.T) {
	rng := rand.New(rand.NewSource(42))
	left := randomJoinRows(rng, 500, 60, false)
	right := randomJoinRows(rng, 300, 90, true)
	for _, typ := range allJoins {
		if typ == exec.JoinSingle {
			continue
		}
		for _, nprobes := range []int{1, 4} {
			for _, withResidual := range []bool{false, true} {
				t.Run(fmt.Sprintf("%s/probes=%d/residual=%v", typ, nprobes, withResidual), func(t *testing.T) {
					var residual exec.Expr
					var cond func([]string) tri
					if withResidual {
						e := intCmp(2, 5, ">=")
						residual, cond = e, e.onText
					}
					got := runParallelProbes(t, typ, left, right, nprobes, residual)
					want, err := refJoin(left, right, 4, []int{0}, []int{0}, typ, cond)
					if err != nil {
						t.Fatal(err)
					}
					if d := exectest.Diff(want, got, false); d != "" {
						t.Fatal(d)
					}
				})
			}
		}
	}
}

// TestHashJoinProbeClosedEarly closes probes without draining them: the
// bridge is still freed exactly once.
func TestHashJoinProbeClosedEarly(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	rrecs, _ := exectest.MakeRecords(mem, rightSchema, exectest.R("1|a|1|1.00", "2|b|2|2.00"), 1, false)
	bridge, err := exec.NewHashJoinBridge(exectest.NewSource(rightSchema, rrecs), []exec.Expr{colRef(0, "rk", int64T)})
	if err != nil {
		t.Fatal(err)
	}
	ctx := exec.NewContext(nil, mem)
	ctx.Budget = exec.NewBudget(0)
	var probes []exec.Operator
	for i := 0; i < 3; i++ {
		recs, _ := exectest.MakeRecords(mem, leftSchema, exectest.R("1|a|1", "2|b|2", "3|c|3"), 1, false)
		p, err := exec.NewHashJoinProbe(bridge, exectest.NewSource(leftSchema, recs), []exec.Expr{colRef(0, "lk", int64T)}, exec.JoinRight, nil)
		if err != nil {
			t.Fatal(err)
		}
		probes = append(probes, p)
	}
	// Probe 0 reads one batch; probe 1 is never opened; probe 2 drains.
	if err := probes[0].Open(ctx); err != nil {
		t.Fatal(err)
	}
	r, err := probes[0].Next()
	if err != nil {
		t.Fatal(err)
	}
	r.Release()
	if _, err := exectest.Drain(ctx, probes[2]); err != nil {
		t.Fatal(err)
	}
	for _, p := range probes {
		if err := p.Close(); err != nil {
			t.Fatal(err)
		}
		p.Close()
	}
	if ctx.Budget.Used() != 0 {
		t.Fatalf("budget holds %d bytes", ctx.Budget.Used())
	}
	if _, err := probes[2].Next(); err == io.EOF || err == nil {
		t.Fatalf("Next after Close: want an error, got %v", err)
	}
}

// TestHashOperatorsCanceled: a canceled query stops the aggregate and both
// sides of a join with ErrCanceled, releasing everything.
func TestHashOperatorsCanceled(t *testing.T) {
	builds := map[string]func(l, r exec.Operator) (exec.Operator, error){
		"aggregate": func(l, r exec.Operator) (exec.Operator, error) {
			r.Close()
			return exec.NewHashAggregate(l, []exec.Expr{colRef(0, "lk", int64T)}, nil, []exec.Aggregate{{Func: exec.AggCountStar, Name: "n"}}, exec.AggSingle)
		},
		"hash-join": func(l, r exec.Operator) (exec.Operator, error) {
			return exec.NewHashJoin(l, r, []exec.Expr{colRef(0, "lk", int64T)}, []exec.Expr{colRef(0, "rk", int64T)}, exec.JoinFull, nil)
		},
		"nested-loop-join": func(l, r exec.Operator) (exec.Operator, error) {
			return exec.NewNestedLoopJoin(l, r, exec.JoinLeft, nil)
		},
	}
	for name, build := range builds {
		t.Run(name, func(t *testing.T) {
			mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
			defer mem.AssertSize(t, 0)
			lrecs, _ := exectest.MakeRecords(mem, leftSchema, exectest.R("1|a|1", "2|b|2"), 1, false)
			rrecs, _ := exectest.MakeRecords(mem, rightSchema, exectest.R("1|a|1|1.00"), 1, false)
			op, err := build(exectest.NewSource(leftSchema, lrecs), exectest.NewSource(rightSchema, rrecs))
			if err != nil {
				t.Fatal(err)
			}
			cctx, cancel := context.WithCancel(context.Background())
			cancel()
			ctx := exec.NewContext(cctx, mem)
			ctx.Budget = exec.NewBudget(0)
			if _, err := exectest.Drain(ctx, op); !errors.Is(err, exec.ErrCanceled) {
				t.Fatalf("want ErrCanceled, got %v", err)
			}
			if ctx.Budget.Used() != 0 {
				t.Fatalf("budget holds %d bytes", ctx.Budget.Used())
			}
		})
	}
}

package optimizer

import (
	"fmt"
	"slices"

	"github.com/apache/arrow/go/v15/arrow"
	"github.com/apache/arrow/go/v15/arrow/scalar"

	"github.com/dataflow-go/dataflow/exec"
	"github.com/dataflow-go/dataflow/plan"
	"github.com/dataflow-go/dataflow/store"
)

// PhysicalOptions configure physical planning.
type PhysicalOptions struct {
	// Parallelism is the number of pipelines a scan may be split into.
	Parallelism int
	// Wrap, when set, is called with every operator built for a plan node
	// (once per parallel pipeline) and returns the operator to use in its
	// place: EXPLAIN ANALYZE wraps each in a meter. Nodes fused into
	// another's operator (a Sort under a Limit's top-N) are not seen.
	Wrap func(n plan.Node, op exec.Operator) exec.Operator
}

// Physical turns an optimized logical plan into a tree of operators ready
// to Open. Operators are single-use: plan again to run the query again.
func Physical(n plan.Node, opts PhysicalOptions) (exec.Operator, error) {
	b := &physicalBuilder{parallelism: max(opts.Parallelism, 1), wrap: opts.Wrap,
		aggKeys: map[*plan.Aggregate]string{}, repeats: map[string]int{}, shared: map[string]*exec.Shared{}}
	b.countRepeats(n)
	s, err := b.build(n)
	if err != nil {
		return nil, err
	}
	return b.gather(s)
}

// streams are operators producing disjoint parts of one relation; they run
// concurrently once gathered.
type streams []exec.Operator

type physicalBuilder struct {
	parallelism int
	wrap        func(plan.Node, exec.Operator) exec.Operator
	// aggKeys holds the EXPLAIN text of the plan's aggregates that may be
	// shared, repeats how often each text occurs, and shared the one
	// computation of each that occurs more than once.
	aggKeys map[*plan.Aggregate]string
	repeats map[string]int
	shared  map[string]*exec.Shared
}

// countRepeats counts the aggregates of the plan under n by their EXPLAIN
// text (which names tables, filters, projections and expressions), leaving
// out those that call Go functions, which need not give the same answer
// twice.
func (b *physicalBuilder) countRepeats(n plan.Node) {
	if a, ok := n.(*plan.Aggregate); ok && !subtreeCallsUDF(a) {
		key := plan.Explain(a)
		b.aggKeys[a] = key
		b.repeats[key]++
	}
	for _, c := range n.Children() {
		b.countRepeats(c)
	}
}

// subtreeCallsUDF reports whether any expression in the plan under n calls
// a user function, or n reads a table function.
func subtreeCallsUDF(n plan.Node) bool {
	var exprs []plan.Expr
	switch x := n.(type) {
	case *plan.TableFunc:
		return true
	case *plan.Scan:
		exprs = x.Filters
	case *plan.Filter:
		exprs = []plan.Expr{x.Predicate}
	case *plan.Project:
		exprs = x.Exprs
	case *plan.Aggregate:
		exprs = append(append(exprs, x.Groups...), x.Aggs...)
	case *plan.Join:
		if x.On != nil {
			exprs = []plan.Expr{x.On}
		}
	}
	for _, e := range exprs {
		if callsUDF(e) {
			return true
		}
		found := false
		plan.Walk(e, func(x plan.Expr) bool {
			if a, ok := x.(plan.AggCall); ok && a.UDF != nil {
				found = true
			}
			return !found
		})
		if found {
			return true
		}
	}
	for _, c := range n.Children() {
		if subtreeCallsUDF(c) {
			return true
		}
	}
	return false
}

func (b *physicalBuilder) gather(s streams) (exec.Operator, error) {
	if len(s) == 1 {
		return s[0], nil
	}
	return exec.NewGather(s)
}

// closeAll releases operators already built when planning fails halfway.
func closeAll(ss ...streams) {
	for _, s := range ss {
		for _, op := range s {
			op.Close()
		}
	}
}

// each applies fn to every stream, closing them all on error.
func each(s streams, fn func(exec.Operator) (exec.Operator, error)) (streams, error) {
	out := make(streams, len(s))
	for i, op := range s {
		o, err := fn(op)
		if err != nil {
			closeAll(out[:i], s[i:])
			return nil, err
		}
		out[i] = o
	}
	return out, nil
}

func (b *physicalBuilder) single(n plan.Node) (exec.Operator, error) {
	s, err := b.build(n)
	if err != nil {
		return nil, err
	}
	op, err := b.gather(s)
	if err != nil {
		closeAll(s)
	}
	return op, err
}

func (b *physicalBuilder) build(n plan.Node) (streams, error) {
	s, err := b.buildNode(n)
	if err != nil || b.wrap == nil {
		return s, err
	}
	for i, op := range s {
		s[i] = b.wrap(n, op)
	}
	return s, nil
}

func (b *physicalBuilder) buildNode(n plan.Node) (streams, error) {
	switch n := n.(type) {
	case *plan.Scan:
		return b.scan(n)
	case *plan.Filter:
		pred, err := plan.Compile(n.Predicate, n.Input.Schema())
		if err != nil {
			return nil, err
		}
		in, err := b.build(n.Input)
		if err != nil {
			return nil, err
		}
		return each(in, func(op exec.Operator) (exec.Operator, error) { return exec.NewFilter(op, pred) })
	case *plan.Project:
		exprs, err := plan.CompileAll(n.Exprs, n.Input.Schema())
		if err != nil {
			return nil, err
		}
		names := n.Schema().Names()
		in, err := b.build(n.Input)
		if err != nil {
			return nil, err
		}
		return each(in, func(op exec.Operator) (exec.Operator, error) { return exec.NewProject(op, exprs, names) })
	case *plan.Aggregate:
		key, ok := b.aggKeys[n]
		if !ok || b.repeats[key] < 2 {
			return b.aggregate(n)
		}
		// The same aggregate twice in one query (a view or CTE used
		// twice): compute it once, read it twice.
		if sh, ok := b.shared[key]; ok {
			return streams{sh.Reader()}, nil
		}
		s, err := b.aggregate(n)
		if err != nil {
			return nil, err
		}
		g, err := b.gather(s)
		if err != nil {
			closeAll(s)
			return nil, err
		}
		sh := exec.NewShared(g)
		b.shared[key] = sh
		return streams{sh.Reader()}, nil
	case *plan.Join:
		return b.join(n)
	case *plan.Sort:
		keys, err := sortKeys(n.Keys, n.Input.Schema())
		if err != nil {
			return nil, err
		}
		in, err := b.single(n.Input)
		if err != nil {
			return nil, err
		}
		op, err := exec.NewSort(in, keys)
		return one(op, err, in)
	case *plan.Limit:
		if s, ok := n.Input.(*plan.Sort); ok && n.Count >= 0 {
			keys, err := sortKeys(s.Keys, s.Input.Schema())
			if err != nil {
				return nil, err
			}
			in, err := b.single(s.Input)
			if err != nil {
				return nil, err
			}
			op, err := exec.NewTopN(in, keys, n.Offset, n.Count)
			return one(op, err, in)
		}
		in, err := b.single(n.Input)
		if err != nil {
			return nil, err
		}
		return streams{exec.NewLimit(in, n.Offset, n.Count)}, nil
	case *plan.Union:
		var out streams
		for _, c := range n.Inputs {
			s, err := b.build(c)
			if err != nil {
				closeAll(out)
				return nil, err
			}
			out = append(out, s...)
		}
		return out, nil
	case *plan.Distinct:
		in, err := b.single(n.Input)
		if err != nil {
			return nil, err
		}
		op, err := exec.NewDistinct(in)
		return one(op, err, in)
	case *plan.Values:
		op, err := exec.NewValues(n.Schema().Arrow(), n.Rows)
		if err != nil {
			return nil, err
		}
		return streams{op}, nil
	case *plan.TableFunc:
		op, err := exec.NewTableFunc(n.UDF.Name, n.UDF.Fn, n.Args, n.Schema().Arrow())
		if err != nil {
			return nil, err
		}
		return streams{op}, nil
	}
	return nil, fmt.Errorf("%w: no physical operator for %T", ErrOptimizer, n)
}

// one wraps a constructor's result as a single stream, closing the input
// if construction failed.
func one(op exec.Operator, err error, in exec.Operator) (streams, error) {
	if err != nil {
		in.Close()
		return nil, err
	}
	return streams{op}, nil
}

func sortKeys(keys []plan.SortKey, schema plan.Schema) ([]exec.SortKey, error) {
	out := make([]exec.SortKey, len(keys))
	for i, k := range keys {
		e, err := plan.Compile(k.Expr, schema)
		if err != nil {
			return nil, err
		}
		out[i] = exec.SortKey{Expr: e, Desc: k.Desc, NullsFirst: k.NullsFirst}
	}
	return out, nil
}

func (b *physicalBuilder) scan(n *plan.Scan) (streams, error) {
	out, err := b.scanStreams(n)
	if err != nil || len(n.Filters) == 0 {
		return out, err
	}
	pred, err := plan.Compile(conjoinFilters(n.Filters), n.Schema())
	if err != nil {
		closeAll(out)
		return nil, err
	}
	return each(out, func(op exec.Operator) (exec.Operator, error) { return exec.NewFilter(op, pred) })
}

// scanStreams reads scan n's splits in parallel, with its filters used
// only to skip what the source's statistics rule out.
func (b *physicalBuilder) scanStreams(n *plan.Scan) (streams, error) {
	splits, err := n.Source.Splits()
	if err != nil {
		return nil, fmt.Errorf("scan %s: %w", n.Table, err)
	}
	opts := store.ScanOptions{Columns: n.Projection, Filters: pruningPredicates(n)}
	var out streams
	if p := min(b.parallelism, len(splits)); p > 1 {
		q := exec.NewSplitQueue(splits)
		for range p {
			out = append(out, exec.NewQueueScan(n.Source, q, opts))
		}
	} else {
		out = streams{exec.NewScan(n.Source, splits, opts)}
	}
	return out, nil
}

// pruningPredicates turns the scan's `column op literal` conjuncts into
// predicates the table source can check against its statistics.
func pruningPredicates(n *plan.Scan) []store.Predicate {
	var out []store.Predicate
	for _, f := range n.Filters {
		bin, ok := f.(plan.Binary)
		if !ok {
			continue
		}
		op, ok := storeOps[bin.Op]
		if !ok {
			continue
		}
		col, lok := bin.Left.(plan.Column)
		lit, rok := bin.Right.(plan.Literal)
		if !lok || !rok {
			col, lok = bin.Right.(plan.Column)
			lit, rok = bin.Left.(plan.Literal)
			op = flipOps[op]
		}
		if !lok || !rok || lit.Value == nil || !lit.Value.IsValid() {
			continue
		}
		i, err := n.Schema().Resolve(col.Relation, col.Name)
		if err != nil {
			continue
		}
		v, ok := castLiteral(lit.Value, n.Schema()[i].Type)
		if !ok {
			continue
		}
		tableCol := i
		if n.Projection != nil {
			tableCol = n.Projection[i]
		}
		out = append(out, store.Predicate{Column: tableCol, Op: op, Value: v})
	}
	return out
}

// castLiteral converts a literal to the column's type when that is exact,
// so statistics compare like with like.
func castLiteral(v scalar.Scalar, to arrow.DataType) (scalar.Scalar, bool) {
	if arrow.TypeEqual(v.DataType(), to) {
		return v, true
	}
	c, err := v.CastTo(to)
	if err != nil {
		return nil, false
	}
	back, err := c.CastTo(v.DataType())
	if err != nil || !scalar.Equals(back, v) {
		return nil, false
	}
	return c, true
}

var storeOps = map[exec.BinaryOp]store.CompareOp{
	exec.OpEq: store.Eq, exec.OpNotEq: store.NotEq, exec.OpLt: store.Lt,
	exec.OpLtEq: store.LtEq, exec.OpGt: store.Gt, exec.OpGtEq: store.GtEq,
}

var flipOps = map[store.CompareOp]store.CompareOp{
	store.Eq: store.Eq, store.NotEq: store.NotEq, store.Lt: store.Gt,
	store.LtEq: store.GtEq, store.Gt: store.Lt, store.GtEq: store.LtEq,
}

func (b *physicalBuilder) aggregate(n *plan.Aggregate) (streams, error) {
	in := n.Input.Schema()
	groups, err := plan.CompileAll(n.Groups, in)
	if err != nil {
		return nil, err
	}
	names := make([]string, len(n.Groups))
	for i, g := range n.Groups {
		names[i] = plan.OutputName(g)
	}
	aggs := make([]exec.Aggregate, len(n.Aggs))
	splittable := true
	for i, a := range n.Aggs {
		call := plan.Unalias(a).(plan.AggCall)
		args, err := plan.CompileAll(call.Args, in)
		if err != nil {
			return nil, err
		}
		aggs[i] = exec.Aggregate{Func: call.Func, Args: args, Name: plan.OutputName(a), UDF: call.UDF}
		if call.Func == exec.AggCountDistinct || call.Func == exec.AggUDF {
			splittable = false
		}
	}
	newAgg := exec.NewHashAggregate
	if r, ok := directGroupRange(n); ok {
		newAgg = func(child exec.Operator, groups []exec.Expr, names []string, aggs []exec.Aggregate, mode exec.AggMode) (exec.Operator, error) {
			return exec.NewHashAggregateInRange(child, groups, names, aggs, mode, r)
		}
	}
	s, err := b.build(n.Input)
	if err != nil {
		return nil, err
	}
	if len(s) == 1 || !splittable {
		child, err := b.gather(s)
		if err != nil {
			closeAll(s)
			return nil, err
		}
		op, err := newAgg(child, groups, names, aggs, exec.AggSingle)
		return one(op, err, child)
	}
	partials, err := each(s, func(op exec.Operator) (exec.Operator, error) {
		return newAgg(op, groups, names, aggs, exec.AggPartial)
	})
	if err != nil {
		return nil, err
	}
	g, err := exec.NewGather(partials)
	if err != nil {
		closeAll(partials)
		return nil, err
	}
	op, err := newAgg(g, groups, names, aggs, exec.AggFinal)
	return one(op, err, g)
}

// Direct group indexing (exec.NewHashAggregateInRange) is used for one
// integer group key whose statistics range spans at most directGroupSpan
// values and at most directGroupDensity times the estimated input rows
// (or directGroupSmall values whatever the input).
const (
	directGroupSpan    = 1 << 24
	directGroupDensity = 16
	directGroupSmall   = 1 << 16
)

// directGroupRange returns the key range to index aggregate n's groups
// by, when it has one integer group key with a narrow enough range.
func directGroupRange(n *plan.Aggregate) (exec.KeyRange, bool) {
	if len(n.Groups) != 1 {
		return exec.KeyRange{}, false
	}
	r, ok := groupKeyRange(n.Groups[0], n.Input)
	if !ok {
		return r, false
	}
	span := float64(r.Max) - float64(r.Min) + 1
	if span > directGroupSpan || (span > directGroupSmall && span > directGroupDensity*EstimateRows(n.Input)) {
		return r, false
	}
	return r, true
}

func (b *physicalBuilder) join(n *plan.Join) (streams, error) {
	ls, rs := n.Left.Schema(), n.Right.Schema()
	both := append(append(plan.Schema{}, ls...), rs...)
	var lkeys, rkeys []exec.Expr
	var residual, lplan, rplan []plan.Expr
	if n.On != nil {
		for _, c := range Conjuncts(n.On) {
			l, r, ok := equiKey(c, ls, rs)
			if !ok {
				residual = append(residual, c)
				continue
			}
			lplan, rplan = append(lplan, l), append(rplan, r)
			le, re, err := compileKeyPair(l, r, ls, rs)
			if err != nil {
				return nil, err
			}
			lkeys, rkeys = append(lkeys, le), append(rkeys, re)
		}
	}
	var res exec.Expr
	if len(residual) > 0 {
		var err error
		if res, err = plan.Compile(Conjoin(residual), both); err != nil {
			return nil, err
		}
	}
	if len(lkeys) == 0 {
		left, err := b.single(n.Left)
		if err != nil {
			return nil, err
		}
		right, err := b.single(n.Right)
		if err != nil {
			left.Close()
			return nil, err
		}
		op, err := exec.NewNestedLoopJoin(left, right, n.Type, res)
		if err != nil {
			left.Close()
			right.Close()
			return nil, err
		}
		return streams{op}, nil
	}
	if typ, ok := buildPreservedSide(n); ok {
		return b.swappedSemiJoin(n, typ, lkeys, rkeys, residual)
	}
	if scan, ok := filteredProbe(n); ok {
		return b.filteredProbeJoin(n, scan, lplan, rplan, rkeys, residual)
	}
	right, err := b.single(n.Right)
	if err != nil {
		return nil, err
	}
	left, err := b.build(n.Left)
	if err != nil {
		right.Close()
		return nil, err
	}
	if len(left) == 1 {
		op, err := exec.NewHashJoin(left[0], right, lkeys, rkeys, n.Type, res)
		if err != nil {
			closeAll(left, streams{right})
			return nil, err
		}
		return streams{op}, nil
	}
	bridge, err := exec.NewHashJoinBridge(right, rkeys)
	if err != nil {
		closeAll(left, streams{right})
		return nil, err
	}
	return each(left, func(op exec.Operator) (exec.Operator, error) {
		return exec.NewHashJoinProbe(bridge, op, lkeys, n.Type, res)
	})
}

// equiKey reports whether c is `l = r` with one side over the left input
// only and the other over the right input only, returning (left, right).
func equiKey(c plan.Expr, ls, rs plan.Schema) (plan.Expr, plan.Expr, bool) {
	bin, ok := c.(plan.Binary)
	if !ok || bin.Op != exec.OpEq {
		return nil, nil, false
	}
	switch {
	case over(bin.Left, ls) && over(bin.Right, rs):
		return bin.Left, bin.Right, true
	case over(bin.Left, rs) && over(bin.Right, ls):
		return bin.Right, bin.Left, true
	}
	return nil, nil, false
}

// over reports whether e references at least one column and all of them
// resolve in s.
func over(e plan.Expr, s plan.Schema) bool {
	cols := plan.Columns(e)
	if len(cols) == 0 {
		return false
	}
	for _, c := range cols {
		if _, err := s.Resolve(c.Relation, c.Name); err != nil {
			return false
		}
	}
	return true
}

// compileKeyPair compiles a join key pair, casting both sides to their
// common type when they differ.
func compileKeyPair(l, r plan.Expr, ls, rs plan.Schema) (exec.Expr, exec.Expr, error) {
	le, err := plan.Compile(l, ls)
	if err != nil {
		return nil, nil, err
	}
	re, err := plan.Compile(r, rs)
	if err != nil {
		return nil, nil, err
	}
	if arrow.TypeEqual(le.DataType(), re.DataType()) {
		return le, re, nil
	}
	t, err := exec.CommonType(le.DataType(), re.DataType())
	if err != nil {
		return nil, nil, fmt.Errorf("%w: join keys %s and %s: %w", plan.ErrPlan, l, r, err)
	}
	if !arrow.TypeEqual(le.DataType(), t) {
		if le, err = exec.NewCast(le, t); err != nil {
			return nil, nil, err
		}
	}
	if !arrow.TypeEqual(re.DataType(), t) {
		if re, err = exec.NewCast(re, t); err != nil {
			return nil, nil, err
		}
	}
	return le, re, nil
}

// preservedBuildRatio is how many times more rows the subquery side of a
// semi or anti join must be estimated to have than its preserved side
// before the preserved side is hashed instead: the swapped join hashes
// fewer rows and probes in parallel, but emits its result from one
// pipeline once every probe has finished.
const preservedBuildRatio = 4

// buildPreservedSide reports whether semi or anti join n should hash its
// preserved (left) side and stream the other side past it, and the exec
// join type that does so: EXISTS over a large table (TPC-H Q4, Q21, Q22)
// would otherwise build a table of millions of rows to answer for a few
// thousand.
func buildPreservedSide(n *plan.Join) (exec.JoinType, bool) {
	var typ exec.JoinType
	switch n.Type {
	case exec.JoinSemi:
		typ = exec.JoinRightSemi
	case exec.JoinAnti:
		typ = exec.JoinRightAnti
	default:
		return 0, false
	}
	if EstimateRows(n.Left)*preservedBuildRatio > EstimateRows(n.Right) {
		return 0, false
	}
	return typ, true
}

// swappedSemiJoin plans semi or anti join n with its left side as the
// build side and its right side probing it in parallel (typ is
// JoinRightSemi or JoinRightAnti). The residual sees the probe's columns
// first, so it is compiled over right ++ left.
func (b *physicalBuilder) swappedSemiJoin(n *plan.Join, typ exec.JoinType, lkeys, rkeys []exec.Expr, residual []plan.Expr) (streams, error) {
	var res exec.Expr
	if len(residual) > 0 {
		swapped := append(append(plan.Schema{}, n.Right.Schema()...), n.Left.Schema()...)
		var err error
		if res, err = plan.Compile(Conjoin(residual), swapped); err != nil {
			return nil, err
		}
	}
	if lplan, rplan := equiKeysOf(n); len(lplan) == len(lkeys) {
		if scan, probeKeys, residual, ok := filteredScanUnder(n.Right, rplan, residual); ok {
			return b.swappedFilteredSemiJoin(n, typ, scan, lplan, probeKeys, residual)
		}
	}
	build, err := b.single(n.Left)
	if err != nil {
		return nil, err
	}
	probe, err := b.build(n.Right)
	if err != nil {
		build.Close()
		return nil, err
	}
	bridge, err := exec.NewHashJoinBridge(build, lkeys)
	if err != nil {
		closeAll(probe, streams{build})
		return nil, err
	}
	return each(probe, func(op exec.Operator) (exec.Operator, error) {
		return exec.NewHashJoinProbe(bridge, op, rkeys, typ, res)
	})
}

// conjoinFilters ANDs a scan's filters with each column's lower and upper
// bound (`c >= 5 AND c < 9`, BETWEEN) joined to each other first, which
// exec evaluates as one range test over the column instead of two
// comparisons and an AND. The filters are otherwise kept in order.
func conjoinFilters(filters []plan.Expr) plan.Expr {
	type bound struct {
		col   plan.Column
		lower bool
	}
	boundOf := func(e plan.Expr) (bound, bool) {
		b, ok := e.(plan.Binary)
		if !ok {
			return bound{}, false
		}
		c, isCol := b.Left.(plan.Column)
		_, isLit := b.Right.(plan.Literal)
		if !isCol || !isLit {
			return bound{}, false
		}
		switch b.Op {
		case exec.OpGt, exec.OpGtEq:
			return bound{c, true}, true
		case exec.OpLt, exec.OpLtEq:
			return bound{c, false}, true
		}
		return bound{}, false
	}
	used := make([]bool, len(filters))
	var out []plan.Expr
	for i, f := range filters {
		if used[i] {
			continue
		}
		used[i] = true
		bi, ok := boundOf(f)
		if ok {
			for j := i + 1; j < len(filters); j++ {
				if bj, ok := boundOf(filters[j]); ok && !used[j] && bj.col == bi.col && bj.lower != bi.lower {
					used[j] = true
					f = plan.Binary{Op: exec.OpAnd, Left: f, Right: filters[j]}
					break
				}
			}
		}
		out = append(out, f)
	}
	return Conjoin(out)
}

// equiKeysOf returns the two sides of join n's equality keys, in the order
// join() compiles them.
func equiKeysOf(n *plan.Join) (lplan, rplan []plan.Expr) {
	if n.On == nil {
		return nil, nil
	}
	ls, rs := n.Left.Schema(), n.Right.Schema()
	for _, c := range Conjuncts(n.On) {
		if l, r, ok := equiKey(c, ls, rs); ok {
			lplan, rplan = append(lplan, l), append(rplan, r)
		}
	}
	return lplan, rplan
}

// filteredScanUnder reports whether n is a filtered scan under projections
// that only pick or rename columns (what a decorrelated EXISTS leaves on
// its subquery side), and rewrites keys (over n) and the columns of n in
// residual to the scan's own columns.
func filteredScanUnder(n plan.Node, keys, residual []plan.Expr) (*plan.Scan, []plan.Expr, []plan.Expr, bool) {
	keys, residual = slices.Clone(keys), slices.Clone(residual)
	for {
		switch x := n.(type) {
		case *plan.Scan:
			return x, keys, residual, len(x.Filters) > 0
		case *plan.Project:
			for _, e := range x.Exprs {
				if _, ok := plan.Unalias(e).(plan.Column); !ok {
					return nil, nil, nil, false
				}
			}
			schema := x.Schema()
			for i, k := range keys {
				var ok bool
				if keys[i], ok = substitute(k, schema, x.Exprs); !ok {
					return nil, nil, nil, false
				}
			}
			for i, r := range residual {
				// Only the columns of n are rewritten; the preserved side's
				// stay as they are.
				out, err := plan.Transform(r, func(e plan.Expr) (plan.Expr, error) {
					c, ok := e.(plan.Column)
					if !ok {
						return e, nil
					}
					if j, err := schema.Resolve(c.Relation, c.Name); err == nil {
						return plan.Unalias(x.Exprs[j]), nil
					}
					return e, nil
				})
				if err != nil {
					return nil, nil, nil, false
				}
				residual[i] = out
			}
			n = x.Input
		default:
			return nil, nil, nil, false
		}
	}
}

// swappedFilteredSemiJoin is swappedSemiJoin when the probe side is a
// filtered scan (see filteredScanUnder): the probes read the scan's
// streams and apply its filter themselves, so rows that fail it are never
// copied out (TPC-H Q4 copied 3.8M lineitem rows to probe 57K orders).
// lplan are the build keys over n.Left; probeKeys and residual are over
// the scan's columns.
func (b *physicalBuilder) swappedFilteredSemiJoin(n *plan.Join, typ exec.JoinType, scan *plan.Scan, lplan, probeKeys, residual []plan.Expr) (streams, error) {
	ss, ls := scan.Schema(), n.Left.Schema()
	lkeys := make([]exec.Expr, len(probeKeys))
	rkeys := make([]exec.Expr, len(probeKeys))
	for i := range probeKeys {
		le, re, err := compileKeyPair(lplan[i], probeKeys[i], ls, ss)
		if err != nil {
			return nil, err
		}
		lkeys[i], rkeys[i] = le, re
	}
	pred, res, err := compileProbeFilter(scan, ls, residual)
	if err != nil {
		return nil, err
	}
	return b.filteredProbes(n.Left, lkeys, scan, func(bridge *exec.HashJoinBridge, op exec.Operator) (exec.Operator, error) {
		return exec.NewFilteredHashJoinProbe(bridge, op, pred, rkeys, typ, res)
	})
}

// compileProbeFilter compiles a filtered probe's scan filters over the
// scan's columns, and the join's residual (nil when there is none) over the
// scan's columns followed by the build side's.
func compileProbeFilter(scan *plan.Scan, build plan.Schema, residual []plan.Expr) (pred, res exec.Expr, err error) {
	ss := scan.Schema()
	if pred, err = plan.Compile(conjoinFilters(scan.Filters), ss); err != nil {
		return nil, nil, err
	}
	if len(residual) > 0 {
		both := append(append(plan.Schema{}, ss...), build...)
		if res, err = plan.Compile(Conjoin(residual), both); err != nil {
			return nil, nil, err
		}
	}
	return pred, res, nil
}

// filteredProbes plans the build side over buildPlan keyed by buildKeys
// and one probe per stream of scan's unfiltered splits, made by probe.
func (b *physicalBuilder) filteredProbes(buildPlan plan.Node, buildKeys []exec.Expr, scan *plan.Scan, probe func(*exec.HashJoinBridge, exec.Operator) (exec.Operator, error)) (streams, error) {
	build, err := b.single(buildPlan)
	if err != nil {
		return nil, err
	}
	probes, err := b.scanStreams(scan)
	if err != nil {
		build.Close()
		return nil, err
	}
	if b.wrap != nil {
		for i, op := range probes {
			probes[i] = b.wrap(scan, op)
		}
	}
	bridge, err := exec.NewHashJoinBridge(build, buildKeys)
	if err != nil {
		closeAll(probes, streams{build})
		return nil, err
	}
	return each(probes, func(op exec.Operator) (exec.Operator, error) { return probe(bridge, op) })
}

// filteredProbe reports whether hash join n should probe with the rows of
// a filtered scan directly, evaluating the filter inside the probe
// instead of copying the surviving rows out first, and returns the scan.
// The probe side must be the scan, or a projection of some of its
// columns (what prune_columns leaves when the filter reads a column the
// join does not), and the join must drop unmatched probe rows. TPC-H Q3
// copied 3.2M filtered lineitem rows to join 30K of them.
func filteredProbe(n *plan.Join) (*plan.Scan, bool) {
	switch n.Type {
	case exec.JoinInner, exec.JoinSemi:
	default:
		return nil, false
	}
	in := n.Left
	if p, ok := in.(*plan.Project); ok {
		for _, e := range p.Exprs {
			if _, ok := e.(plan.Column); !ok {
				return nil, false
			}
		}
		in = p.Input
	}
	scan, ok := in.(*plan.Scan)
	if !ok || len(scan.Filters) == 0 {
		return nil, false
	}
	return scan, true
}

// filteredProbeJoin plans join n (see filteredProbe) as parallel probes
// over scan's unfiltered streams, each applying scan's filters itself,
// then projects the output back to n's columns. Keys and residual are
// compiled over the scan's columns, which name every column of n's left
// side.
func (b *physicalBuilder) filteredProbeJoin(n *plan.Join, scan *plan.Scan, lplan, rplan []plan.Expr, rkeys []exec.Expr, residual []plan.Expr) (streams, error) {
	ss, rs := scan.Schema(), n.Right.Schema()
	lkeys := make([]exec.Expr, len(lplan))
	for i := range lplan {
		le, re, err := compileKeyPair(lplan[i], rplan[i], ss, rs)
		if err != nil {
			return nil, err
		}
		lkeys[i], rkeys[i] = le, re
	}
	pred, res, err := compileProbeFilter(scan, rs, residual)
	if err != nil {
		return nil, err
	}
	// Where n's columns sit in the probe's output (scan ++ right).
	var order []int
	for _, f := range n.Left.Schema() {
		i, err := ss.Resolve(f.Relation, f.Name)
		if err != nil {
			return nil, err
		}
		order = append(order, i)
	}
	if n.Type != exec.JoinSemi {
		order = append(order, makeRange(len(ss), len(ss)+len(rs))...)
	}
	return b.filteredProbes(n.Right, rkeys, scan, func(bridge *exec.HashJoinBridge, op exec.Operator) (exec.Operator, error) {
		j, err := exec.NewFilteredHashJoinProbe(bridge, op, pred, lkeys, n.Type, res)
		if err != nil {
			return nil, err
		}
		return reorderColumns(j, order)
	})
}

// reorderColumns projects op's columns into the given order (indexes into op's
// output), or returns op when that is already its order.
func reorderColumns(op exec.Operator, order []int) (exec.Operator, error) {
	fields := op.Schema().Fields()
	if len(order) == len(fields) {
		same := true
		for k, i := range order {
			same = same && k == i
		}
		if same {
			return op, nil
		}
	}
	exprs := make([]exec.Expr, len(order))
	names := make([]string, len(order))
	for k, i := range order {
		exprs[k] = exec.NewColumn(i, fields[i].Name, fields[i].Type)
		names[k] = fields[i].Name
	}
	p, err := exec.NewProject(op, exprs, names)
	if err != nil {
		op.Close()
	}
	return p, err
}

// makeRange returns lo, lo+1, ..., hi-1.
func makeRange(lo, hi int) []int {
	out := make([]int, 0, max(hi-lo, 0))
	for i := lo; i < hi; i++ {
		out = append(out, i)
	}
	return out
}

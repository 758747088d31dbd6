package optimizer

import (
	"math"
	"sort"

	"github.com/apache/arrow/go/v15/arrow"
	"github.com/apache/arrow/go/v15/arrow/scalar"

	"github.com/dataflow-go/dataflow/exec"
	"github.com/dataflow-go/dataflow/plan"
	"github.com/dataflow-go/dataflow/store"
)

// Cardinality estimation. The numbers are heuristics in the System R
// tradition: base table sizes come from store.TableStats, predicates get
// selectivities from column statistics where the source has them (min/max
// interpolation for ranges, null counts, distinct counts) and from fixed
// guesses where it does not. They are good enough to tell a 25-row nation
// table from a 60 000-row lineitem, which is what join ordering and
// placement need; they are not meant to be exact.

// Fallback guesses used when statistics are missing.
const (
	defaultTableRows  = 1000 // a table whose source cannot say
	selEquality       = 0.1  // col = literal, no distinct count
	selRange          = 0.3  // col < literal, no min/max
	selLike           = 0.1  // LIKE with wildcards
	selUnknown        = 0.3  // any other boolean expression
	selNull           = 0.05 // IS NULL without a null count
	selNonEquiJoin    = 0.3  // a join conjunct that is not l = r
	selEquiJoinNoInfo = 0.1  // l = r over computed expressions
)

// EstimateRows returns the estimated number of rows n produces (at least 1
// for anything that may produce rows). The placement solver uses the same
// figures, through EstimateBytes, for the bytes crossing each edge.
func EstimateRows(n plan.Node) float64 {
	switch n := n.(type) {
	case *plan.Scan:
		rows := tableRows(n)
		if len(n.Filters) > 0 {
			rows *= predSelectivity(Conjoin(n.Filters), n)
		}
		return atLeastOne(rows)
	case *plan.Filter:
		return atLeastOne(EstimateRows(n.Input) * predSelectivity(n.Predicate, n.Input))
	case *plan.Project:
		return EstimateRows(n.Input)
	case *plan.Sort:
		return EstimateRows(n.Input)
	case *plan.Limit:
		in := math.Max(EstimateRows(n.Input)-float64(n.Offset), 0)
		if n.Count >= 0 {
			in = math.Min(in, float64(n.Count))
		}
		return in
	case *plan.Distinct:
		return distinctRows(n.Input, EstimateRows(n.Input))
	case *plan.Aggregate:
		return aggregateRows(n)
	case *plan.Join:
		return joinRows(n)
	case *plan.Union:
		sum := 0.0
		for _, in := range n.Inputs {
			sum += EstimateRows(in)
		}
		return sum
	case *plan.Values:
		return float64(len(n.Rows))
	}
	// A node type added later: assume it keeps its first input's size.
	if c := n.Children(); len(c) > 0 {
		return EstimateRows(c[0])
	}
	return defaultTableRows
}

// EstimateBytes returns the estimated size of n's output: rows times an
// estimated row width from the column types.
func EstimateBytes(n plan.Node) float64 {
	return EstimateRows(n) * rowWidth(n.Schema())
}

// rowWidth is the average size in bytes of one row of s.
func rowWidth(s plan.Schema) float64 {
	w := 0.0
	for _, f := range s {
		w += 0.125 // validity bit
		switch f.Type.ID() {
		case arrow.BOOL:
			w += 0.125
		case arrow.INT8, arrow.UINT8:
			w++
		case arrow.INT16, arrow.UINT16:
			w += 2
		case arrow.INT32, arrow.UINT32, arrow.DATE32, arrow.FLOAT32:
			w += 4
		case arrow.DECIMAL128, arrow.INTERVAL_MONTH_DAY_NANO:
			w += 16
		case arrow.STRING, arrow.BINARY:
			w += 4 + 20 // offset plus a guessed average length
		default:
			w += 8
		}
	}
	return w
}

func atLeastOne(x float64) float64 { return math.Max(x, 1) }

func tableRows(s *plan.Scan) float64 {
	if r := s.Source.Stats().Rows; r >= 0 {
		return float64(r)
	}
	return defaultTableRows
}

func aggregateRows(a *plan.Aggregate) float64 {
	in := EstimateRows(a.Input)
	if len(a.Groups) == 0 {
		return 1
	}
	groups := 1.0
	for _, g := range a.Groups {
		groups *= exprNDV(g, a.Input, in)
		if groups >= in {
			return in
		}
	}
	return atLeastOne(math.Min(groups, in))
}

func distinctRows(in plan.Node, rows float64) float64 {
	groups := 1.0
	for i := range in.Schema() {
		cs := columnStats(in, i)
		if cs.ndv <= 0 {
			return rows
		}
		groups *= cs.ndv
		if groups >= rows {
			return rows
		}
	}
	return atLeastOne(math.Min(groups, rows))
}

// exprNDV estimates the number of distinct values of e over in (which has
// rows rows): a known distinct count, a bound from an integer column's
// min/max, or rows itself.
func exprNDV(e plan.Expr, in plan.Node, rows float64) float64 {
	c, ok := plan.Unalias(e).(plan.Column)
	if !ok {
		return rows
	}
	i, err := in.Schema().Resolve(c.Relation, c.Name)
	if err != nil {
		return rows
	}
	cs := columnStats(in, i)
	if cs.ndv > 0 {
		return math.Min(cs.ndv, rows)
	}
	if b := cs.rangeNDV(); b > 0 {
		return math.Min(b, rows)
	}
	return rows
}

// joinRows estimates a join: |L|*|R| times the selectivity of its ON
// conjuncts, then adjusted for the join type's preserved rows.
func joinRows(j *plan.Join) float64 {
	l, r := EstimateRows(j.Left), EstimateRows(j.Right)
	inner := l * r * joinSelectivity(j.On, j.Left, j.Right)
	switch j.Type {
	case exec.JoinInner:
		return atLeastOne(inner)
	case exec.JoinLeft:
		return atLeastOne(math.Max(inner, l))
	case exec.JoinRight:
		return atLeastOne(math.Max(inner, r))
	case exec.JoinFull:
		return atLeastOne(math.Max(inner, l+r))
	case exec.JoinSemi:
		return atLeastOne(math.Min(l, inner))
	case exec.JoinAnti:
		return atLeastOne(math.Max(l-math.Min(l, inner), 0.1*l))
	}
	return l // Mark and Single keep every left row once
}

// joinSelectivity is the fraction of |L|x|R| pairs that satisfy on.
// Equality keys between the two sides combine with exponential backoff
// (the most selective counts fully, the next by its square root, ...)
// because composite keys are correlated, not independent.
func joinSelectivity(on plan.Expr, left, right plan.Node) float64 {
	if on == nil {
		return 1
	}
	ls, rs := left.Schema(), right.Schema()
	var keys []keyPair
	sel := 1.0
	for _, c := range Conjuncts(on) {
		if l, r, ok := equiKey(c, ls, rs); ok {
			keys = append(keys, keyPair{l, r})
			continue
		}
		switch {
		case len(plan.Columns(c)) > 0 && over(c, ls):
			sel *= predSelectivity(c, left)
		case len(plan.Columns(c)) > 0 && over(c, rs):
			sel *= predSelectivity(c, right)
		default:
			sel *= selNonEquiJoin
		}
	}
	return sel * keysSelectivity(keys, left, right)
}

// keyPair is one equi-join key: l over the left input, r over the right.
type keyPair struct{ l, r plan.Expr }

// keysSelectivity estimates the conjunction of equi-join keys between
// left and right. Keys on plain columns multiply as independent
// predicates (TPC-H Q5's custkey and nationkey keys between a customer
// and a joined order/supplier row are), except that when every key column
// of each side comes from one table the keys form a composite key whose
// distinct combinations cannot exceed that table's rows: lineitem's
// (l_partkey, l_suppkey) against partsupp's 800 000 (ps_partkey,
// ps_suppkey) pairs match one row each, where independence (1/200 000 *
// 1/10 000) said one in two billion. Keys over computed expressions, with
// no statistics, combine with exponential backoff.
func keysSelectivity(keys []keyPair, left, right plan.Node) float64 {
	var plain []keyPair
	var other []float64
	sel := 1.0
	for _, k := range keys {
		s := equiSelectivity(k.l, left, k.r, right)
		if _, lok := plan.Unalias(k.l).(plan.Column); lok {
			if _, rok := plan.Unalias(k.r).(plan.Column); rok {
				plain = append(plain, k)
				sel *= s
				continue
			}
		}
		other = append(other, s)
	}
	if len(plain) > 1 {
		lb, lok := compositeBound(plain, left, true)
		rb, rok := compositeBound(plain, right, false)
		if lok && rok {
			sel = math.Max(sel, 1/math.Max(math.Min(lb, rb), 1))
		}
	}
	return sel * backoff(other)
}

// compositeBound is the most distinct combinations the key columns of one
// side (the left ones when left is set) can take: the product of their
// distinct bounds capped by the rows of the one table they all come from;
// false when they do not all trace to the same scan.
func compositeBound(keys []keyPair, n plan.Node, left bool) (float64, bool) {
	var scan *plan.Scan
	b := 1.0
	for _, k := range keys {
		e := k.r
		if left {
			e = k.l
		}
		c := plan.Unalias(e).(plan.Column)
		i, err := n.Schema().Resolve(c.Relation, c.Name)
		if err != nil {
			return 0, false
		}
		cs := columnStats(n, i)
		if cs.scan == nil || (scan != nil && cs.scan != scan) {
			return 0, false
		}
		scan = cs.scan
		b *= cs.keyBound(n)
	}
	return math.Min(b, tableRows(scan)), true
}

// backoff combines selectivities of correlated predicates: sorted
// ascending, the i-th counts with exponent 1/2^i.
func backoff(sels []float64) float64 {
	sort.Float64s(sels)
	out, exp := 1.0, 1.0
	for _, s := range sels {
		out *= math.Pow(s, exp)
		exp /= 2
	}
	return out
}

// equiSelectivity estimates l = r with l over ln and r over rn. With
// distinct counts on both sides it is the textbook 1/max(ndv). Without
// them it assumes a key/foreign-key join (the common case, and TPC-H's):
// the side with fewer possible values, bounded by its table's row count,
// is the key, and each of its values matches 1/ndv of the pairs.
func equiSelectivity(l plan.Expr, ln plan.Node, r plan.Expr, rn plan.Node) float64 {
	lc, lok := plan.Unalias(l).(plan.Column)
	rc, rok := plan.Unalias(r).(plan.Column)
	if !lok || !rok {
		return selEquiJoinNoInfo
	}
	li, lerr := ln.Schema().Resolve(lc.Relation, lc.Name)
	ri, rerr := rn.Schema().Resolve(rc.Relation, rc.Name)
	if lerr != nil || rerr != nil {
		return selEquiJoinNoInfo
	}
	ls, rs := columnStats(ln, li), columnStats(rn, ri)
	if ls.ndv > 0 && rs.ndv > 0 {
		return 1 / math.Max(ls.ndv, rs.ndv)
	}
	lb, rb := ls.keyBound(ln), rs.keyBound(rn)
	return 1 / math.Max(math.Min(lb, rb), 1)
}

// colStats is what is known about one output column of a node, traced
// back to the table column it comes from.
type colStats struct {
	// table holds the source column's statistics; Min/Max nil and counts
	// -1 when unknown.
	table store.ColumnStats
	// tableRows is the row count of the table the column comes from, 0
	// when the column was not traced to a table.
	tableRows float64
	// ndv is the number of distinct values when known (from the source
	// or because the column is a grouping key), else 0.
	ndv float64
	typ arrow.DataType
	// scan is the table scan the column was traced to, nil when none.
	scan *plan.Scan
}

func unknownStats() colStats {
	return colStats{table: store.ColumnStats{NullCount: -1, DistinctCount: -1}}
}

// rangeNDV bounds the distinct values of an integer or date column by the
// size of its [min, max] range, or returns 0.
func (c colStats) rangeNDV() float64 {
	lo, hi, ok := c.intRange()
	if !ok {
		return 0
	}
	b := hi - lo + 1
	if c.tableRows > 0 {
		b = math.Min(b, c.tableRows)
	}
	return b
}

// intRange is the [min, max] the table statistics give for an integer or
// date column, false when they do not.
func (c colStats) intRange() (lo, hi float64, ok bool) {
	if c.typ == nil {
		return 0, 0, false
	}
	switch c.typ.ID() {
	case arrow.INT8, arrow.INT16, arrow.INT32, arrow.INT64, arrow.DATE32:
	default:
		return 0, 0, false
	}
	lo, lok := scalarFloat(c.table.Min)
	hi, hok := scalarFloat(c.table.Max)
	return lo, hi, lok && hok && hi >= lo
}

// groupKeyRange returns the [min, max] range the statistics give for the
// values of an int32, int64 or date expression e over in (a plain column
// traced to its table; the types exec's integer key tables take), for a
// hash aggregate that indexes its groups directly.
func groupKeyRange(e plan.Expr, in plan.Node) (exec.KeyRange, bool) {
	c := exprStats(e, in)
	if c.typ == nil {
		return exec.KeyRange{}, false
	}
	switch c.typ.ID() {
	case arrow.INT32, arrow.INT64, arrow.DATE32:
	default:
		return exec.KeyRange{}, false
	}
	lo, hi, ok := c.intRange()
	if !ok || math.Abs(lo) > 1<<53 || math.Abs(hi) > 1<<53 {
		return exec.KeyRange{}, false
	}
	return exec.KeyRange{Min: int64(lo), Max: int64(hi)}, true
}

// keyBound is the most distinct values the column can have: its known
// distinct count, or else its table's row count (the node's estimated rows
// when it was not traced to a table) capped by the size of an integer
// column's [min, max] range. The range cap is what tells a join on a
// small-domain column (TPC-H's nation keys: 25 values) from a key/foreign-
// key join; without it customer ⋈ supplier on nationkey looked like a
// 150k-row join instead of the 60M-pair product it is at SF1.
func (c colStats) keyBound(n plan.Node) float64 {
	if c.ndv > 0 {
		return c.ndv
	}
	b := c.tableRows
	if b <= 0 {
		b = EstimateRows(n)
	}
	if r := c.rangeNDV(); r > 0 && r < b {
		b = r
	}
	return b
}

// columnStats traces output column i of n back to a table column.
func columnStats(n plan.Node, i int) colStats {
	schema := n.Schema()
	if i < 0 || i >= len(schema) {
		return unknownStats()
	}
	switch n := n.(type) {
	case *plan.Scan:
		st := n.Source.Stats()
		col := i
		if n.Projection != nil {
			col = n.Projection[i]
		}
		cs := unknownStats()
		cs.typ = schema[i].Type
		cs.tableRows = tableRows(n)
		cs.scan = n
		if col < len(st.Columns) {
			cs.table = st.Columns[col]
			if d := st.Columns[col].DistinctCount; d > 0 {
				cs.ndv = float64(d)
			}
		}
		if cs.ndv <= 0 && cs.typ.ID() == arrow.STRING {
			// Text has no range to bound its distinct values by: ask the
			// table to estimate them from a sample.
			if de, ok := n.Source.(store.DistinctEstimator); ok {
				if d, ok := de.EstimateDistinct(col); ok && d > 0 {
					cs.ndv = float64(d)
				}
			}
		}
		return cs
	case *plan.Filter, *plan.Sort, *plan.Limit, *plan.Distinct:
		return columnStats(n.Children()[0], i)
	case *plan.Project:
		return exprStats(n.Exprs[i], n.Input)
	case *plan.Join:
		nl := len(n.Left.Schema())
		if i < nl {
			return columnStats(n.Left, i)
		}
		if n.Type == exec.JoinSemi || n.Type == exec.JoinAnti || n.Type == exec.JoinMark {
			return unknownStats()
		}
		return columnStats(n.Right, i-nl)
	case *plan.Aggregate:
		if i >= len(n.Groups) {
			return unknownStats()
		}
		cs := exprStats(n.Groups[i], n.Input)
		groups := EstimateRows(n)
		if cs.ndv <= 0 || cs.ndv > groups {
			cs.ndv = groups
		}
		return cs
	}
	return unknownStats()
}

// exprStats is columnStats for an expression over in: known only for a
// plain (possibly aliased) column reference.
func exprStats(e plan.Expr, in plan.Node) colStats {
	c, ok := plan.Unalias(e).(plan.Column)
	if !ok {
		return unknownStats()
	}
	i, err := in.Schema().Resolve(c.Relation, c.Name)
	if err != nil {
		return unknownStats()
	}
	return columnStats(in, i)
}

// predSelectivity estimates the fraction of in's rows for which pred (over
// in's schema) is true.
func predSelectivity(pred plan.Expr, in plan.Node) float64 {
	switch e := pred.(type) {
	case plan.Literal:
		if b, ok := e.Value.(*scalar.Boolean); ok && b.IsValid() && b.Value {
			return 1
		}
		return 0
	case plan.Alias:
		return predSelectivity(e.Expr, in)
	case plan.Binary:
		switch {
		case e.Op == exec.OpAnd:
			return conjunctionSelectivity(Conjuncts(e), in)
		case e.Op == exec.OpOr:
			a, b := predSelectivity(e.Left, in), predSelectivity(e.Right, in)
			return clamp01(a + b - a*b)
		case e.Op.IsComparison():
			return comparisonSelectivity(e, in)
		}
	case plan.Unary:
		switch e.Op {
		case plan.OpNot:
			return clamp01(1 - predSelectivity(e.Expr, in))
		case plan.OpIsNull:
			return nullFraction(e.Expr, in)
		case plan.OpIsNotNull:
			return 1 - nullFraction(e.Expr, in)
		}
	case plan.Like:
		s := selLike
		if !hasWildcard(e.Pattern) {
			s = equalitySelectivity(e.Expr, in)
		}
		if e.Negated {
			return 1 - s
		}
		return s
	case plan.InList:
		s := clamp01(float64(len(e.List)) * equalitySelectivity(e.Expr, in))
		if e.Negated {
			return 1 - s
		}
		return s
	}
	return selUnknown
}

func clamp01(x float64) float64 { return math.Min(math.Max(x, 0), 1) }

func hasWildcard(p string) bool {
	for _, r := range p {
		if r == '%' || r == '_' {
			return true
		}
	}
	return false
}

// conjunctionSelectivity multiplies the conjuncts' selectivities, except
// that range bounds on one column are intersected first, so that
// `d >= x AND d < y` counts as one range, not two independent ones.
func conjunctionSelectivity(conj []plan.Expr, in plan.Node) float64 {
	ranges := map[int]*valueRange{}
	var order []int
	sel := 1.0
	for _, c := range conj {
		if col, op, v, ok := columnVsLiteral(c, in); ok {
			if r, ok := newValueRange(in, col, v); ok && r.bound(op, v) {
				if prev := ranges[col]; prev != nil {
					prev.bound(op, v)
				} else {
					ranges[col] = r
					order = append(order, col)
				}
				continue
			}
		}
		sel *= predSelectivity(c, in)
	}
	for _, col := range order {
		sel *= ranges[col].fraction()
	}
	return sel
}

// valueRange is the part [lo, hi] of a column's [min, max] that range
// predicates leave, for interpolation.
type valueRange struct{ lo, hi, min, max float64 }

// newValueRange starts a range over column col of in, when the column's
// min and max are known and on the same scale as v.
func newValueRange(in plan.Node, col int, v scalar.Scalar) (*valueRange, bool) {
	cs := columnStats(in, col)
	lo, lok := scalarFloat(cs.table.Min)
	hi, hok := scalarFloat(cs.table.Max)
	if !lok || !hok || hi <= lo || !sameScale(cs.typ, v.DataType()) {
		return nil, false
	}
	return &valueRange{lo: lo, hi: hi, min: lo, max: hi}, true
}

// bound narrows the range by `column op v`, reporting whether op is a
// range comparison.
func (r *valueRange) bound(op exec.BinaryOp, v scalar.Scalar) bool {
	x, ok := scalarFloat(v)
	if !ok {
		return false
	}
	switch op {
	case exec.OpLt, exec.OpLtEq:
		r.hi = math.Min(r.hi, x)
	case exec.OpGt, exec.OpGtEq:
		r.lo = math.Max(r.lo, x)
	default:
		return false
	}
	return true
}

func (r *valueRange) fraction() float64 { return clamp01((r.hi - r.lo) / (r.max - r.min)) }

// columnVsLiteral recognises `column op literal` (either way round),
// returning the column's index in in's schema and the operator as if the
// column were on the left.
func columnVsLiteral(e plan.Expr, in plan.Node) (int, exec.BinaryOp, scalar.Scalar, bool) {
	b, ok := e.(plan.Binary)
	if !ok || !b.Op.IsComparison() {
		return 0, 0, nil, false
	}
	op := b.Op
	c, cok := plan.Unalias(b.Left).(plan.Column)
	l, lok := b.Right.(plan.Literal)
	if !cok || !lok {
		c, cok = plan.Unalias(b.Right).(plan.Column)
		l, lok = b.Left.(plan.Literal)
		op = flipComparison(op)
	}
	if !cok || !lok || l.Value == nil || !l.Value.IsValid() {
		return 0, 0, nil, false
	}
	i, err := in.Schema().Resolve(c.Relation, c.Name)
	if err != nil {
		return 0, 0, nil, false
	}
	return i, op, l.Value, true
}

func flipComparison(op exec.BinaryOp) exec.BinaryOp {
	switch op {
	case exec.OpLt:
		return exec.OpGt
	case exec.OpLtEq:
		return exec.OpGtEq
	case exec.OpGt:
		return exec.OpLt
	case exec.OpGtEq:
		return exec.OpLtEq
	}
	return op
}

func comparisonSelectivity(b plan.Binary, in plan.Node) float64 {
	target := b.Left
	if col, op, v, ok := columnVsLiteral(b, in); ok {
		if r, ok := newValueRange(in, col, v); ok && r.bound(op, v) {
			return r.fraction()
		}
		f := in.Schema()[col]
		target = plan.Column{Relation: f.Relation, Name: f.Name}
	}
	switch b.Op {
	case exec.OpEq:
		return equalitySelectivity(target, in)
	case exec.OpNotEq:
		return 1 - equalitySelectivity(target, in)
	}
	return selRange
}

// equalitySelectivity is the fraction of rows where e equals one given
// value: 1/ndv when the column's distinct values are known or bounded.
func equalitySelectivity(e plan.Expr, in plan.Node) float64 {
	c, ok := plan.Unalias(e).(plan.Column)
	if !ok {
		return selEquality
	}
	i, err := in.Schema().Resolve(c.Relation, c.Name)
	if err != nil {
		return selEquality
	}
	cs := columnStats(in, i)
	if cs.ndv > 0 {
		return 1 / cs.ndv
	}
	if b := cs.rangeNDV(); b > 0 {
		return 1 / b
	}
	return selEquality
}

func nullFraction(e plan.Expr, in plan.Node) float64 {
	c, ok := plan.Unalias(e).(plan.Column)
	if !ok {
		return selNull
	}
	i, err := in.Schema().Resolve(c.Relation, c.Name)
	if err != nil {
		return selNull
	}
	cs := columnStats(in, i)
	if cs.table.NullCount >= 0 && cs.tableRows > 0 {
		return clamp01(float64(cs.table.NullCount) / cs.tableRows)
	}
	return selNull
}

// sameScale reports whether values of the two types convert to floats on
// the same scale (numbers with numbers, dates with dates).
func sameScale(a, b arrow.DataType) bool {
	if a == nil || b == nil {
		return false
	}
	kind := func(t arrow.DataType) int {
		switch t.ID() {
		case arrow.DATE32:
			return 1
		case arrow.TIMESTAMP:
			return 2
		case arrow.INT8, arrow.INT16, arrow.INT32, arrow.INT64, arrow.UINT32, arrow.UINT64,
			arrow.FLOAT32, arrow.FLOAT64, arrow.DECIMAL128:
			return 3
		}
		return 0
	}
	return kind(a) != 0 && kind(a) == kind(b)
}

// scalarFloat converts a numeric, decimal, date or timestamp scalar to a
// float64 on a scale where differences are meaningful (days for dates).
func scalarFloat(s scalar.Scalar) (float64, bool) {
	if s == nil || !s.IsValid() {
		return 0, false
	}
	switch v := s.(type) {
	case *scalar.Int8:
		return float64(v.Value), true
	case *scalar.Int16:
		return float64(v.Value), true
	case *scalar.Int32:
		return float64(v.Value), true
	case *scalar.Int64:
		return float64(v.Value), true
	case *scalar.Uint32:
		return float64(v.Value), true
	case *scalar.Uint64:
		return float64(v.Value), true
	case *scalar.Float32:
		return float64(v.Value), true
	case *scalar.Float64:
		return v.Value, true
	case *scalar.Date32:
		return float64(v.Value), true
	case *scalar.Date64:
		return float64(v.Value) / 86400000, true
	case *scalar.Timestamp:
		return float64(v.Value), true
	case *scalar.Decimal128:
		return v.Value.ToFloat64(v.Type.(*arrow.Decimal128Type).Scale), true
	}
	return 0, false
}

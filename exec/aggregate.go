package exec

// Aggregate functions: their specs, result and state types, and the
// per-group accumulators the hash aggregate drives. Every accumulator
// works a batch at a time over the group ids the operator computed once
// for that batch, with a typed loop per function and input type.

import (
	"cmp"
	"fmt"
	"math"
	"math/bits"
	"strings"

	"github.com/apache/arrow/go/v15/arrow"
	"github.com/apache/arrow/go/v15/arrow/array"
	"github.com/apache/arrow/go/v15/arrow/bitutil"
	"github.com/apache/arrow/go/v15/arrow/decimal128"
	"github.com/apache/arrow/go/v15/arrow/memory"
	"github.com/apache/arrow/go/v15/arrow/scalar"
)

// AggFunc names an aggregate function.
type AggFunc int

// The aggregate functions.
const (
	AggCount         AggFunc = iota // count(x): non-null values
	AggCountStar                    // count(*): rows
	AggSum                          // sum(x)
	AggAvg                          // avg(x)
	AggMin                          // min(x)
	AggMax                          // max(x)
	AggCountDistinct                // count(distinct x)
	AggUDF                          // a Go aggregate UDF (Aggregate.UDF)
)

var aggFuncNames = [...]string{"count", "count_star", "sum", "avg", "min", "max", "count_distinct", "udf"}

func (f AggFunc) String() string {
	if f >= 0 && int(f) < len(aggFuncNames) {
		return aggFuncNames[f]
	}
	return fmt.Sprintf("AggFunc(%d)", int(f))
}

// Aggregate is one aggregate of a hash aggregate: the function, its
// argument expressions over the input (none for count(*), one for the
// built-ins, any number for a UDF) and the output column's name.
type Aggregate struct {
	Func AggFunc
	Args []Expr
	Name string
	UDF  *AggregateUDF
}

func (a Aggregate) String() string {
	args := make([]string, len(a.Args))
	for i, e := range a.Args {
		args[i] = e.String()
	}
	name := a.Func.String()
	if a.Func == AggUDF && a.UDF != nil {
		name = a.UDF.Name
	}
	if a.Func == AggCountStar {
		return "count(*)"
	}
	return name + "(" + strings.Join(args, ", ") + ")"
}

// AggregateUDF is a user-defined aggregate written in Go. New returns a
// fresh accumulator for one group; Result is the type every accumulator's
// Result scalar has. UDF aggregates run in AggSingle mode only: their
// state is Go memory and does not travel between a partial and a final
// aggregate.
type AggregateUDF struct {
	Name   string
	Result arrow.DataType
	New    func() Accumulator
}

// Accumulator is the state of a Go aggregate UDF for one group. Update is
// called once for every input row of the group, with the group's argument
// columns and the row's index in them (the arrays are valid only during
// the call). Result is called once at the end and returns a scalar of the
// UDF's Result type (a null scalar for NULL). An error, or a panic, from
// either fails the query with ErrExec naming the UDF.
type Accumulator interface {
	Update(args []arrow.Array, row int) error
	Result() (scalar.Scalar, error)
}

// AggMode says which part of a (possibly distributed) aggregation an
// operator computes.
type AggMode int

const (
	// AggSingle aggregates raw input to final values.
	AggSingle AggMode = iota
	// AggPartial aggregates raw input to per-group states (see
	// NewHashAggregate for their columns).
	AggPartial
	// AggFinal merges the states produced by AggPartial operators with the
	// same specs into final values.
	AggFinal
)

func (m AggMode) String() string {
	switch m {
	case AggSingle:
		return "single"
	case AggPartial:
		return "partial"
	case AggFinal:
		return "final"
	}
	return fmt.Sprintf("AggMode(%d)", int(m))
}

func isSummable(dt arrow.DataType) bool {
	switch dt.ID() {
	case arrow.INT32, arrow.INT64, arrow.FLOAT64, arrow.DECIMAL128:
		return true
	}
	return false
}

func isOrderable(dt arrow.DataType) bool {
	switch dt.ID() {
	case arrow.INT32, arrow.INT64, arrow.FLOAT64, arrow.DECIMAL128, arrow.DATE32, arrow.DATE64,
		arrow.TIMESTAMP, arrow.STRING, arrow.BOOL:
		return true
	}
	return false
}

// AggResultType is the type of f's result for an argument of type arg
// (arg is ignored for count(*)). count, count(*) and count(distinct) give
// int64; sum of int32/int64 gives int64, of float64 float64, of
// decimal(p,s) decimal(38,s); avg of any of those gives float64; min and
// max keep their argument's type. A UDF's type is its Result, which the
// caller reads from the UDF itself.
func AggResultType(f AggFunc, arg arrow.DataType) (arrow.DataType, error) {
	switch f {
	case AggCount, AggCountStar, AggCountDistinct:
		return arrow.PrimitiveTypes.Int64, nil
	case AggUDF:
		return nil, fmt.Errorf("%w: the result type of an aggregate UDF is its declared Result", ErrType)
	}
	if arg == nil {
		return nil, fmt.Errorf("%w: %s needs an argument", ErrType, f)
	}
	switch f {
	case AggSum:
		switch arg.ID() {
		case arrow.INT32, arrow.INT64:
			return arrow.PrimitiveTypes.Int64, nil
		case arrow.FLOAT64:
			return arrow.PrimitiveTypes.Float64, nil
		case arrow.DECIMAL128:
			return &arrow.Decimal128Type{Precision: 38, Scale: arg.(*arrow.Decimal128Type).Scale}, nil
		}
	case AggAvg:
		if isSummable(arg) {
			return arrow.PrimitiveTypes.Float64, nil
		}
	case AggMin, AggMax:
		if isOrderable(arg) {
			return arg, nil
		}
	default:
		return nil, fmt.Errorf("%w: unknown aggregate function %s", ErrType, f)
	}
	return nil, fmt.Errorf("%w: %s is not defined for %s", ErrType, f, arg)
}

// aggStateTypes is the list of partial-state column types of an aggregate
// over an argument of type arg: count -> int64; sum -> the sum type;
// avg -> the exact sum (decimal(38,s) for decimals, decimal(38,0) for
// integers, float64 for floats) and an int64 count; min/max -> the value.
func aggStateTypes(f AggFunc, arg arrow.DataType) ([]arrow.DataType, error) {
	switch f {
	case AggCount, AggCountStar, AggSum, AggMin, AggMax:
		t, err := AggResultType(f, arg)
		if err != nil {
			return nil, err
		}
		return []arrow.DataType{t}, nil
	case AggAvg:
		if _, err := AggResultType(f, arg); err != nil {
			return nil, err
		}
		return []arrow.DataType{avgSumType(arg), arrow.PrimitiveTypes.Int64}, nil
	}
	return nil, fmt.Errorf("%w: %s cannot be split into partial and final aggregation", ErrType, f)
}

func avgSumType(arg arrow.DataType) arrow.DataType {
	switch arg.ID() {
	case arrow.FLOAT64:
		return arrow.PrimitiveTypes.Float64
	case arrow.DECIMAL128:
		return &arrow.Decimal128Type{Precision: 38, Scale: arg.(*arrow.Decimal128Type).Scale}
	}
	return &arrow.Decimal128Type{Precision: 38, Scale: 0}
}

// aggState is the per-group state of one aggregate.
type aggState interface {
	// grow makes room for groups up to n (ids 0..n-1).
	grow(n int) error
	// update folds rows of raw input (the aggregate's argument columns)
	// into the groups gids names, one id per row.
	update(gids []uint32, args []arrow.Array) error
	// merge folds rows of partial states into the groups.
	merge(gids []uint32, states []arrow.Array) error
	// result is the final value of every group, in group order.
	result(alloc memory.Allocator) (arrow.Array, error)
	// states is the partial state of every group.
	states(alloc memory.Allocator) ([]arrow.Array, error)
	// bytes is the memory the state holds.
	bytes() int64
}

// newAggState returns the state of aggregate a over arguments of the
// given types.
func newAggState(a Aggregate, argTypes []arrow.DataType) (aggState, error) {
	var arg arrow.DataType
	if len(argTypes) > 0 {
		arg = argTypes[0]
	}
	switch a.Func {
	case AggCountStar:
		return &countState{star: true}, nil
	case AggCount:
		return &countState{}, nil
	case AggSum:
		switch arg.ID() {
		case arrow.INT32, arrow.INT64:
			return &sumIntState{}, nil
		case arrow.FLOAT64:
			return &sumFloatState{}, nil
		case arrow.DECIMAL128:
			return &decSumState{scale: arg.(*arrow.Decimal128Type).Scale}, nil
		}
	case AggAvg:
		switch arg.ID() {
		case arrow.FLOAT64:
			return &avgState{sum: &sumFloatState{}}, nil
		case arrow.DECIMAL128:
			s := arg.(*arrow.Decimal128Type).Scale
			return &avgState{sum: &decSumState{scale: s}, scale: s, exact: true}, nil
		case arrow.INT32, arrow.INT64:
			return &avgState{sum: &decSumState{}, exact: true}, nil
		}
	case AggMin, AggMax:
		isMax := a.Func == AggMax
		switch arg.ID() {
		case arrow.INT32, arrow.DATE32:
			return &minMaxState[int32]{dt: arg, isMax: isMax}, nil
		case arrow.INT64, arrow.TIMESTAMP, arrow.DATE64:
			return &minMaxState[int64]{dt: arg, isMax: isMax}, nil
		case arrow.FLOAT64:
			return &minMaxState[float64]{dt: arg, isMax: isMax}, nil
		case arrow.DECIMAL128:
			return &minMaxDecimal{dt: arg, isMax: isMax}, nil
		case arrow.STRING:
			return &minMaxString{dt: arg, isMax: isMax}, nil
		case arrow.BOOL:
			return &minMaxBool{isMax: isMax}, nil
		}
	case AggCountDistinct:
		t, err := newKeyTable([]arrow.DataType{arrow.PrimitiveTypes.Int32, arg})
		if err != nil {
			return nil, err
		}
		return &countDistinctState{table: t}, nil
	case AggUDF:
		return &udfState{udf: a.UDF}, nil
	}
	return nil, fmt.Errorf("%w: %s is not defined for %v", ErrType, a.Func, arg)
}

// resized returns s with length n, reusing its array when large enough;
// unlike growTo it leaves the contents as they are, for callers that
// overwrite every entry.
func resized[T any](s []T, n int) []T {
	if cap(s) >= n {
		return s[:n]
	}
	return make([]T, n)
}

// growTo extends s with zero values to length n.
func growTo[T any](s []T, n int) []T {
	if len(s) >= n {
		return s
	}
	if cap(s) >= n {
		var zero T
		old := len(s)
		s = s[:n]
		for i := old; i < n; i++ {
			s[i] = zero
		}
		return s
	}
	ns := make([]T, n, max(n, 2*cap(s)))
	copy(ns, s)
	return ns
}

func isSet(bm []byte, off, i int) bool { return bm == nil || bitutil.BitIsSet(bm, off+i) }

// countState counts rows (count(*)) or non-null values (count(x)).
type countState struct {
	star   bool
	counts []int64
	// rows, when set, is a count(*) of the same operator, fed the same
	// rows (see shareCounts): this count(x) is then rows' count less the
	// NULLs of x, and counts holds only those NULLs, so a batch without
	// NULLs costs nothing.
	rows *countState
}

func (s *countState) grow(n int) error { s.counts = growTo(s.counts, n); return nil }

// count is group g's count.
func (s *countState) count(g int) int64 {
	if s.rows != nil {
		return s.rows.counts[g] - s.counts[g]
	}
	return s.counts[g]
}

func (s *countState) update(gids []uint32, args []arrow.Array) error {
	counts := s.counts
	if s.rows != nil {
		if args[0].NullN() == 0 {
			return nil
		}
		bm, off := validityOf(args[0])
		for i, g := range gids {
			if !bitutil.BitIsSet(bm, off+i) {
				counts[g]++
			}
		}
		return nil
	}
	if s.star || args[0].NullN() == 0 {
		for _, g := range gids {
			counts[g]++
		}
		return nil
	}
	bm, off := validityOf(args[0])
	for i, g := range gids {
		if bitutil.BitIsSet(bm, off+i) {
			counts[g]++
		}
	}
	return nil
}

func (s *countState) merge(gids []uint32, states []arrow.Array) error {
	vals := fixedValues[int64](states[0])
	bm, off := validityOf(states[0])
	for i, g := range gids {
		if isSet(bm, off, i) {
			s.counts[g] += vals[i]
		}
	}
	return nil
}

func (s *countState) result(alloc memory.Allocator) (arrow.Array, error) {
	if s.rows == nil {
		return newFixedArray(alloc, arrow.PrimitiveTypes.Int64, s.counts, nil), nil
	}
	out := make([]int64, len(s.counts))
	for g := range out {
		out[g] = s.count(g)
	}
	return newFixedArray(alloc, arrow.PrimitiveTypes.Int64, out, nil), nil
}

func (s *countState) states(alloc memory.Allocator) ([]arrow.Array, error) {
	a, err := s.result(alloc)
	return []arrow.Array{a}, err
}

func (s *countState) bytes() int64 { return 8 * int64(cap(s.counts)) }

// sumIntState sums int32/int64 into int64, failing on overflow.
type sumIntState struct {
	sums []int64
	seen []bool
}

func (s *sumIntState) grow(n int) error {
	s.sums, s.seen = growTo(s.sums, n), growTo(s.seen, n)
	return nil
}

func sumInts[T int32 | int64](sums []int64, seen []bool, gids []uint32, arr arrow.Array) error {
	vals := fixedValues[T](arr)
	bm, off := validityOf(arr)
	for i, g := range gids {
		if !isSet(bm, off, i) {
			continue
		}
		v := int64(vals[i])
		a := sums[g]
		r := a + v
		if (a^r)&(v^r) < 0 {
			return fmt.Errorf("%w: sum overflows int64 (cast the argument to a decimal)", ErrExec)
		}
		sums[g] = r
		seen[g] = true
	}
	return nil
}

func (s *sumIntState) update(gids []uint32, args []arrow.Array) error {
	if args[0].DataType().ID() == arrow.INT32 {
		return sumInts[int32](s.sums, s.seen, gids, args[0])
	}
	return sumInts[int64](s.sums, s.seen, gids, args[0])
}

func (s *sumIntState) merge(gids []uint32, states []arrow.Array) error {
	return sumInts[int64](s.sums, s.seen, gids, states[0])
}

func (s *sumIntState) result(alloc memory.Allocator) (arrow.Array, error) {
	return newFixedArray(alloc, arrow.PrimitiveTypes.Int64, s.sums, s.seen), nil
}

func (s *sumIntState) states(alloc memory.Allocator) ([]arrow.Array, error) {
	a, err := s.result(alloc)
	return []arrow.Array{a}, err
}

func (s *sumIntState) bytes() int64 { return 9 * int64(cap(s.sums)) }

// sumFloatState sums float64.
type sumFloatState struct {
	sums []float64
	seen []bool
}

func (s *sumFloatState) grow(n int) error {
	s.sums, s.seen = growTo(s.sums, n), growTo(s.seen, n)
	return nil
}

func (s *sumFloatState) update(gids []uint32, args []arrow.Array) error {
	vals := fixedValues[float64](args[0])
	bm, off := validityOf(args[0])
	sums, seen := s.sums, s.seen
	for i, g := range gids {
		if isSet(bm, off, i) {
			sums[g] += vals[i]
			seen[g] = true
		}
	}
	return nil
}

func (s *sumFloatState) merge(gids []uint32, states []arrow.Array) error {
	return s.update(gids, states)
}

func (s *sumFloatState) result(alloc memory.Allocator) (arrow.Array, error) {
	return newFixedArray(alloc, arrow.PrimitiveTypes.Float64, s.sums, s.seen), nil
}

func (s *sumFloatState) states(alloc memory.Allocator) ([]arrow.Array, error) {
	a, err := s.result(alloc)
	return []arrow.Array{a}, err
}

func (s *sumFloatState) bytes() int64 { return 9 * int64(cap(s.sums)) }

// decSumState sums decimals (or integers, as decimals of scale 0) exactly.
// Each group accumulates in an int64 while values and the running sum fit
// (TPC-H money always does); a value that does not fit, or a sum that
// would overflow, spills into a 128-bit sum allocated on first need. The
// result is decimal(38, scale); a sum beyond 38 digits is an error.
type decSumState struct {
	scale int32
	small []decAcc
	big   []decimal128.Num // nil until a group needs 128 bits
	err   error
	// bound is at least the magnitude of every group's int64 sum (see
	// addUnchecked); it saturates at MaxInt64 when unknown.
	bound uint64
}

// decAcc is one group's fast decimal sum and whether a non-null value
// reached it, side by side so that the hot loop indexes one slice.
type decAcc struct {
	sum  int64
	seen bool
}

func (s *decSumState) grow(n int) error {
	s.small = growTo(s.small, n)
	if s.big != nil {
		s.big = growTo(s.big, n)
	}
	return nil
}

// add128 adds two 128-bit integers, reporting overflow.
func add128(a, b decimal128.Num) (decimal128.Num, bool) {
	r := a.Add(b)
	return r, (a.HighBits() < 0) == (b.HighBits() < 0) && (r.HighBits() < 0) != (a.HighBits() < 0)
}

func (s *decSumState) addBig(g uint32, v decimal128.Num) {
	if s.big == nil {
		s.big = make([]decimal128.Num, len(s.small), cap(s.small))
	}
	r, over := add128(s.big[g], v)
	if over && s.err == nil {
		s.err = fmt.Errorf("%w: sum overflows 128 bits", ErrExec)
	}
	s.big[g] = r
}

// addSmall adds an int64 to group g's fast sum, spilling on overflow.
func (s *decSumState) addSmall(g uint32, v int64) {
	a := s.small[g].sum
	r := a + v
	if (a^r)&(v^r) < 0 {
		s.addBig(g, decimal128.FromI64(a))
		r = v
	}
	s.small[g] = decAcc{sum: r, seen: true}
}

// decSumSafe bounds the running sums of a decSumState's fast path: while
// every group's int64 sum is known to stay below 2^62 in magnitude plus
// the batch's values, a batch adds without per-row overflow checks.
const decSumSafe = 1 << 62

func (s *decSumState) update(gids []uint32, args []arrow.Array) error {
	return s.updateRows(gids, nil, args)
}

// updateRows folds row rows[k] (row k when rows is nil) of the argument
// into group gids[k].
func (s *decSumState) updateRows(gids []uint32, rows []int32, args []arrow.Array) error {
	arr := args[0]
	bm, off := validityOf(arr)
	at := func(k int) int {
		if rows == nil {
			return k
		}
		return int(rows[k])
	}
	switch arr.DataType().ID() {
	case arrow.INT32:
		vals := fixedValues[int32](arr)
		for k, g := range gids {
			if i := at(k); isSet(bm, off, i) {
				s.addSmall(g, int64(vals[i]))
			}
		}
	case arrow.INT64:
		vals := fixedValues[int64](arr)
		for k, g := range gids {
			if i := at(k); isSet(bm, off, i) {
				s.addSmall(g, vals[i])
			}
		}
	case arrow.DECIMAL128:
		vals := fixedValues[decimal128.Num](arr)
		narrow := arr.DataType().(*arrow.Decimal128Type).Precision <= 18
		if bm == nil && s.addUnchecked(gids, rows, vals, narrow) {
			return s.err
		}
		small := s.small
		for k, g := range gids {
			i := at(k)
			if !isSet(bm, off, i) {
				continue
			}
			v := vals[i]
			lo := int64(v.LowBits())
			small[g].seen = true
			if v.HighBits() != lo>>63 {
				s.addBig(g, v)
				continue
			}
			a := small[g].sum
			r := a + lo
			if (a^r)&(lo^r) < 0 {
				s.addBig(g, decimal128.FromI64(a))
				r = lo
			}
			small[g].sum = r
		}
	default:
		return fmt.Errorf("%w: decimal sum over %s", ErrInternal, arr.DataType())
	}
	// The checked loops may have left sums anywhere in the int64 range.
	s.bound = math.MaxInt64
	return s.err
}

// addUnchecked adds a batch of non-null decimals with plain int64
// additions when it can prove none overflowed: every value fits in int64
// and the running sums' bound plus the batch's total bound stays below
// 2^62. It adds first and checks after, in one pass over the batch;
// when the proof fails it subtracts what it added (int64 addition wraps,
// so this restores the sums exactly) and reports false.
//
// With narrow the values' type has precision at most 18, so they fit in
// int64 by type (the int64 decimal kernels read such values the same way)
// and the loop does not check their high words.
func (s *decSumState) addUnchecked(gids []uint32, rows []int32, vals []decimal128.Num, narrow bool) bool {
	var wide int64
	var mag uint64
	if narrow {
		mag = addNarrowWords(s.small, gids, rows, vals)
	} else {
		wide, mag = addLowWords(s.small, gids, rows, vals)
	}
	if wide == 0 && bits.Len64(mag)+bits.Len(uint(len(gids))) <= 61 {
		// Each |value| <= 2^Len(mag), so the batch added at most this
		// much to any one group.
		batch := uint64(len(gids)) << bits.Len64(mag)
		if s.bound+batch < decSumSafe {
			s.bound += batch
			return true
		}
		subLowWords(s.small, gids, rows, vals)
		if s.rebound(batch, len(gids)) {
			if narrow {
				addNarrowWords(s.small, gids, rows, vals)
			} else {
				addLowWords(s.small, gids, rows, vals)
			}
			s.bound += batch
			return true
		}
		return false
	}
	subLowWords(s.small, gids, rows, vals)
	return false
}

// addLowWords adds the low words of the listed values into their groups'
// sums, wrapping on overflow, and returns the OR of every value's high
// word differing from its low word's sign (zero when all fit in int64)
// and the OR of their magnitudes. It is the fast path of every decimal
// sum, so it does only that: subLowWords undoes it.
func addLowWords(small []decAcc, gids []uint32, rows []int32, vals []decimal128.Num) (wide int64, mag uint64) {
	if rows == nil {
		vals := vals[:len(gids)]
		for k, g := range gids {
			lo := int64(vals[k].LowBits())
			sign := lo >> 63
			wide |= vals[k].HighBits() ^ sign
			mag |= uint64(lo ^ sign) // |lo| or |lo|-1: OR bounds the largest
			a := &small[g]
			a.sum += lo
			a.seen = true
		}
		return wide, mag
	}
	rows = rows[:len(gids)]
	for k, g := range gids {
		v := &vals[rows[k]]
		lo := int64(v.LowBits())
		sign := lo >> 63
		wide |= v.HighBits() ^ sign
		mag |= uint64(lo ^ sign)
		a := &small[g]
		a.sum += lo
		a.seen = true
	}
	return wide, mag
}

// addNarrowWords is addLowWords for values known to fit in int64: it
// returns only the OR of their magnitudes.
func addNarrowWords(small []decAcc, gids []uint32, rows []int32, vals []decimal128.Num) (mag uint64) {
	if rows == nil {
		vals := vals[:len(gids)]
		for k, g := range gids {
			lo := int64(vals[k].LowBits())
			mag |= uint64(lo ^ lo>>63)
			a := &small[g]
			a.sum += lo
			a.seen = true
		}
		return mag
	}
	rows = rows[:len(gids)]
	for k, g := range gids {
		lo := int64(vals[rows[k]].LowBits())
		mag |= uint64(lo ^ lo>>63)
		a := &small[g]
		a.sum += lo
		a.seen = true
	}
	return mag
}

// subLowWords subtracts what addLowWords added (int64 addition wraps, so
// this restores the sums exactly; seen stays set and is set again).
func subLowWords(small []decAcc, gids []uint32, rows []int32, vals []decimal128.Num) {
	if rows == nil {
		vals := vals[:len(gids)]
		for k, g := range gids {
			small[g].sum -= int64(vals[k].LowBits())
		}
		return
	}
	rows = rows[:len(gids)]
	for k, g := range gids {
		small[g].sum -= int64(vals[rows[k]].LowBits())
	}
}

// rebound recomputes the bound on the running sums from the sums
// themselves and reports whether a batch adding up to batch then fits.
// It scans every group, so it runs only while there are few groups for
// the batch's rows.
func (s *decSumState) rebound(batch uint64, rows int) bool {
	if len(s.small) > max(1024, 4*rows) {
		return false
	}
	var m uint64
	for _, a := range s.small {
		v := a.sum
		m = max(m, uint64(v^v>>63)+1)
	}
	s.bound = m
	return m+batch < decSumSafe
}

func (s *decSumState) merge(gids []uint32, states []arrow.Array) error {
	return s.update(gids, states)
}

// total is group g's exact sum.
func (s *decSumState) total(g int) (decimal128.Num, error) {
	v := decimal128.FromI64(s.small[g].sum)
	if s.big != nil {
		var over bool
		v, over = add128(s.big[g], v)
		if over {
			return v, fmt.Errorf("%w: sum overflows 128 bits", ErrExec)
		}
	}
	if !v.FitsInPrecision(38) {
		return v, fmt.Errorf("%w: sum overflows decimal(38,%d)", ErrExec, s.scale)
	}
	return v, nil
}

func (s *decSumState) result(alloc memory.Allocator) (arrow.Array, error) {
	if s.err != nil {
		return nil, s.err
	}
	out := make([]decimal128.Num, len(s.small))
	seen := make([]bool, len(s.small))
	for g := range out {
		if !s.small[g].seen {
			continue
		}
		seen[g] = true
		v, err := s.total(g)
		if err != nil {
			return nil, err
		}
		out[g] = v
	}
	return newFixedArray(alloc, &arrow.Decimal128Type{Precision: 38, Scale: s.scale}, out, seen), nil
}

func (s *decSumState) states(alloc memory.Allocator) ([]arrow.Array, error) {
	a, err := s.result(alloc)
	return []arrow.Array{a}, err
}

func (s *decSumState) bytes() int64 { return 16*int64(cap(s.small)) + 16*int64(cap(s.big)) }

// avgState is a sum and a count; the result is sum/count as float64, the
// sum converted from its exact decimal value for exact inputs.
type avgState struct {
	sum   aggState // *decSumState (exact) or *sumFloatState
	count countState
	scale int32
	exact bool
	// shared says sum is another aggregate's state over the same argument
	// (see shareSums): that aggregate folds raw input into it, so this
	// one only counts, and neither grows nor accounts for the sum.
	shared bool
}

func (s *avgState) grow(n int) error {
	s.count.grow(n)
	if s.shared {
		return nil
	}
	return s.sum.grow(n)
}

func (s *avgState) update(gids []uint32, args []arrow.Array) error {
	s.count.update(gids, args)
	if s.shared {
		return nil
	}
	return s.sum.update(gids, args)
}

func (s *avgState) merge(gids []uint32, states []arrow.Array) error {
	if err := s.sum.merge(gids, states[:1]); err != nil {
		return err
	}
	return s.count.merge(gids, states[1:2])
}

func (s *avgState) result(alloc memory.Allocator) (arrow.Array, error) {
	n := len(s.count.counts)
	out := make([]float64, n)
	valid := make([]bool, n)
	for g := 0; g < n; g++ {
		c := s.count.count(g)
		if c == 0 {
			continue
		}
		valid[g] = true
		if s.exact {
			ds := s.sum.(*decSumState)
			v, err := ds.total(g)
			if err != nil {
				return nil, err
			}
			out[g] = decimalRatio(v, s.scale, c)
		} else {
			out[g] = s.sum.(*sumFloatState).sums[g] / float64(c)
		}
	}
	return newFixedArray(alloc, arrow.PrimitiveTypes.Float64, out, valid), nil
}

func (s *avgState) states(alloc memory.Allocator) ([]arrow.Array, error) {
	sum, err := s.sum.states(alloc)
	if err != nil {
		return nil, err
	}
	cnt, _ := s.count.states(alloc)
	return append(sum, cnt...), nil
}

func (s *avgState) bytes() int64 {
	if s.shared {
		return s.count.bytes()
	}
	return s.sum.bytes() + s.count.bytes()
}

// shareCounts lets every count(x), and the count of every avg(x), that
// runs beside a count(*) count only the NULLs of x and take the rest
// from the count(*), which the operator feeds the same rows: Q1's three
// averages and its count(*) then count each row once. Like shareSums,
// only raw input shares.
func shareCounts(aggs []Aggregate, states []aggState) {
	var rows *countState
	for i, a := range aggs {
		if c, ok := states[i].(*countState); ok && a.Func == AggCountStar && c.star {
			rows = c
			break
		}
	}
	if rows == nil {
		return
	}
	for i, a := range aggs {
		switch st := states[i].(type) {
		case *countState:
			if a.Func == AggCount && !st.star {
				st.rows = rows
			}
		case *avgState:
			st.count.rows = rows
		}
	}
}

// shareSums lets every avg(x) reuse the state of a sum(x) over the same
// input column and type instead of summing x a second time: the sum
// aggregate keeps folding raw input into its state, the avg only counts,
// and both read the one exact sum at the end. Only raw input shares (in
// AggFinal mode each aggregate merges its own partial-state column), and
// only where the two sums are the same state type: decimal and float
// arguments (an integer sum is int64, an integer avg's sum exact).
func shareSums(aggs []Aggregate, states []aggState) {
	for i, a := range aggs {
		avg, ok := states[i].(*avgState)
		if !ok || a.Func != AggAvg || len(a.Args) != 1 {
			continue
		}
		col, ok := ColumnIndex(a.Args[0])
		if !ok {
			continue
		}
		for j, b := range aggs {
			if b.Func != AggSum || len(b.Args) != 1 || !arrow.TypeEqual(b.Args[0].DataType(), a.Args[0].DataType()) {
				continue
			}
			if c, ok := ColumnIndex(b.Args[0]); !ok || c != col {
				continue
			}
			switch sum := states[j].(type) {
			case *decSumState:
				if _, ok := avg.sum.(*decSumState); ok && sum.scale == avg.scale {
					avg.sum, avg.shared = sum, true
				}
			case *sumFloatState:
				if _, ok := avg.sum.(*sumFloatState); ok {
					avg.sum, avg.shared = sum, true
				}
			}
			break
		}
	}
}

// minMaxState keeps the least or greatest value of an integer, date,
// timestamp or float column.
type minMaxState[T cmp.Ordered] struct {
	dt    arrow.DataType
	isMax bool
	vals  []T
	seen  []bool
}

func (s *minMaxState[T]) grow(n int) error {
	s.vals, s.seen = growTo(s.vals, n), growTo(s.seen, n)
	return nil
}

func (s *minMaxState[T]) update(gids []uint32, args []arrow.Array) error {
	vals := fixedValues[T](args[0])
	bm, off := validityOf(args[0])
	acc, seen := s.vals, s.seen
	if s.isMax {
		for i, g := range gids {
			if isSet(bm, off, i) && (!seen[g] || vals[i] > acc[g]) {
				acc[g], seen[g] = vals[i], true
			}
		}
		return nil
	}
	for i, g := range gids {
		if isSet(bm, off, i) && (!seen[g] || vals[i] < acc[g]) {
			acc[g], seen[g] = vals[i], true
		}
	}
	return nil
}

func (s *minMaxState[T]) merge(gids []uint32, states []arrow.Array) error {
	return s.update(gids, states)
}

func (s *minMaxState[T]) result(alloc memory.Allocator) (arrow.Array, error) {
	return newFixedArray(alloc, s.dt, s.vals, s.seen), nil
}

func (s *minMaxState[T]) states(alloc memory.Allocator) ([]arrow.Array, error) {
	a, err := s.result(alloc)
	return []arrow.Array{a}, err
}

func (s *minMaxState[T]) bytes() int64 {
	var zero T
	return int64(cap(s.vals))*int64(len(asBytes([]T{zero}))) + int64(cap(s.seen))
}

// minMaxDecimal keeps the least or greatest decimal.
type minMaxDecimal struct {
	dt    arrow.DataType
	isMax bool
	vals  []decimal128.Num
	seen  []bool
}

func (s *minMaxDecimal) grow(n int) error {
	s.vals, s.seen = growTo(s.vals, n), growTo(s.seen, n)
	return nil
}

func (s *minMaxDecimal) update(gids []uint32, args []arrow.Array) error {
	vals := fixedValues[decimal128.Num](args[0])
	bm, off := validityOf(args[0])
	for i, g := range gids {
		if !isSet(bm, off, i) {
			continue
		}
		v := vals[i]
		if !s.seen[g] || (s.isMax && v.Greater(s.vals[g])) || (!s.isMax && v.Less(s.vals[g])) {
			s.vals[g], s.seen[g] = v, true
		}
	}
	return nil
}

func (s *minMaxDecimal) merge(gids []uint32, states []arrow.Array) error {
	return s.update(gids, states)
}

func (s *minMaxDecimal) result(alloc memory.Allocator) (arrow.Array, error) {
	return newFixedArray(alloc, s.dt, s.vals, s.seen), nil
}

func (s *minMaxDecimal) states(alloc memory.Allocator) ([]arrow.Array, error) {
	a, err := s.result(alloc)
	return []arrow.Array{a}, err
}

func (s *minMaxDecimal) bytes() int64 { return 17 * int64(cap(s.vals)) }

// minMaxString keeps the least or greatest string (byte order). A value
// is copied only when it becomes the group's new extreme.
type minMaxString struct {
	dt    arrow.DataType
	isMax bool
	vals  []string
	seen  []bool
	size  int64
}

func (s *minMaxString) grow(n int) error {
	s.vals, s.seen = growTo(s.vals, n), growTo(s.seen, n)
	return nil
}

func (s *minMaxString) update(gids []uint32, args []arrow.Array) error {
	a := args[0].(*array.String)
	bm, off := validityOf(a)
	for i, g := range gids {
		if !isSet(bm, off, i) {
			continue
		}
		v := a.Value(i)
		if !s.seen[g] || (s.isMax && v > s.vals[g]) || (!s.isMax && v < s.vals[g]) {
			s.size += int64(len(v) - len(s.vals[g]))
			s.vals[g], s.seen[g] = strings.Clone(v), true
		}
	}
	return nil
}

func (s *minMaxString) merge(gids []uint32, states []arrow.Array) error {
	return s.update(gids, states)
}

func (s *minMaxString) result(alloc memory.Allocator) (arrow.Array, error) {
	offs := make([]int, len(s.vals)+1)
	data := make([]byte, 0, s.size)
	for i, v := range s.vals {
		data = append(data, v...)
		offs[i+1] = len(data)
	}
	return newStringArray(alloc, s.dt, data, offs, s.seen)
}

func (s *minMaxString) states(alloc memory.Allocator) ([]arrow.Array, error) {
	a, err := s.result(alloc)
	return []arrow.Array{a}, err
}

func (s *minMaxString) bytes() int64 { return 17*int64(cap(s.vals)) + s.size }

// minMaxBool: min is AND, max is OR.
type minMaxBool struct {
	isMax bool
	vals  []bool
	seen  []bool
}

func (s *minMaxBool) grow(n int) error {
	s.vals, s.seen = growTo(s.vals, n), growTo(s.seen, n)
	return nil
}

func (s *minMaxBool) update(gids []uint32, args []arrow.Array) error {
	a := args[0].(*array.Boolean)
	for i, g := range gids {
		if a.IsNull(i) {
			continue
		}
		v := a.Value(i)
		if !s.seen[g] {
			s.vals[g], s.seen[g] = v, true
		} else if s.isMax {
			s.vals[g] = s.vals[g] || v
		} else {
			s.vals[g] = s.vals[g] && v
		}
	}
	return nil
}

func (s *minMaxBool) merge(gids []uint32, states []arrow.Array) error {
	return s.update(gids, states)
}

func (s *minMaxBool) result(alloc memory.Allocator) (arrow.Array, error) {
	return newBoolArray(alloc, s.vals, s.seen), nil
}

func (s *minMaxBool) states(alloc memory.Allocator) ([]arrow.Array, error) {
	a, err := s.result(alloc)
	return []arrow.Array{a}, err
}

func (s *minMaxBool) bytes() int64 { return 2 * int64(cap(s.vals)) }

// countDistinctState counts distinct non-null values per group with a
// second hash table over (group id, value) pairs: a pair seen for the
// first time adds one to its group's count.
type countDistinctState struct {
	table  *keyTable
	counts []int64
	ids    []uint32
	seen   []bool
}

func (s *countDistinctState) grow(n int) error { s.counts = growTo(s.counts, n); return nil }

func (s *countDistinctState) update(gids []uint32, args []arrow.Array) error {
	n := len(gids)
	gbuf := memory.NewBufferBytes(asBytes(gids))
	gdata := array.NewData(arrow.PrimitiveTypes.Int32, n, []*memory.Buffer{nil, gbuf}, nil, 0, 0)
	garr := array.MakeFromData(gdata)
	gdata.Release()
	defer garr.Release()
	if cap(s.ids) < n {
		s.ids = make([]uint32, n)
	}
	ids := s.ids[:n]
	before := s.table.Len()
	if err := s.table.Insert([]arrow.Array{garr, args[0]}, ids); err != nil {
		return err
	}
	fresh := s.table.Len() - before
	if fresh == 0 {
		return nil
	}
	s.seen = growTo(s.seen[:0], fresh)
	bm, off := validityOf(args[0])
	for i, id := range ids {
		if int(id) < before || s.seen[int(id)-before] {
			continue
		}
		s.seen[int(id)-before] = true
		if isSet(bm, off, i) {
			s.counts[gids[i]]++
		}
	}
	return nil
}

func (s *countDistinctState) merge([]uint32, []arrow.Array) error {
	return fmt.Errorf("%w: count(distinct) has no partial state to merge", ErrInternal)
}

func (s *countDistinctState) result(alloc memory.Allocator) (arrow.Array, error) {
	return newFixedArray(alloc, arrow.PrimitiveTypes.Int64, s.counts, nil), nil
}

func (s *countDistinctState) states(memory.Allocator) ([]arrow.Array, error) {
	return nil, fmt.Errorf("%w: count(distinct) has no partial state", ErrInternal)
}

func (s *countDistinctState) bytes() int64 {
	return 8*int64(cap(s.counts)) + s.table.Bytes() + 4*int64(cap(s.ids))
}

// udfState holds one Go Accumulator per group.
type udfState struct {
	udf  *AggregateUDF
	accs []Accumulator
}

// guard runs f, turning a panic in UDF code into ErrExec naming the UDF.
func (s *udfState) guard(what string, f func() error) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("%w: aggregate UDF %s panicked in %s: %v", ErrExec, s.udf.Name, what, p)
		}
	}()
	if err := f(); err != nil {
		return fmt.Errorf("%w: aggregate UDF %s: %s: %w", ErrExec, s.udf.Name, what, err)
	}
	return nil
}

func (s *udfState) grow(n int) error {
	return s.guard("New", func() error {
		for len(s.accs) < n {
			acc := s.udf.New()
			if acc == nil {
				return fmt.Errorf("New returned a nil Accumulator")
			}
			s.accs = append(s.accs, acc)
		}
		return nil
	})
}

func (s *udfState) update(gids []uint32, args []arrow.Array) error {
	return s.guard("Update", func() error {
		for i, g := range gids {
			if err := s.accs[g].Update(args, i); err != nil {
				return err
			}
		}
		return nil
	})
}

func (s *udfState) merge([]uint32, []arrow.Array) error {
	return fmt.Errorf("%w: aggregate UDF %s has no partial state to merge", ErrInternal, s.udf.Name)
}

func (s *udfState) result(alloc memory.Allocator) (arrow.Array, error) {
	parts := make([]arrow.Array, 0, len(s.accs))
	defer func() {
		for _, p := range parts {
			p.Release()
		}
	}()
	err := s.guard("Result", func() error {
		for _, acc := range s.accs {
			v, err := acc.Result()
			if err != nil {
				return err
			}
			if v == nil {
				v = scalar.MakeNullScalar(s.udf.Result)
			}
			if !arrow.TypeEqual(v.DataType(), s.udf.Result) {
				return fmt.Errorf("Result returned a %s, the UDF declares %s", v.DataType(), s.udf.Result)
			}
			a, err := scalar.MakeArrayFromScalar(v, 1, alloc)
			if err != nil {
				return err
			}
			parts = append(parts, a)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if len(parts) == 0 {
		return array.MakeArrayOfNull(alloc, s.udf.Result, 0), nil
	}
	out, err := array.Concatenate(parts, alloc)
	if err != nil {
		return nil, fmt.Errorf("%w: aggregate UDF %s: %v", ErrExec, s.udf.Name, err)
	}
	return out, nil
}

func (s *udfState) states(memory.Allocator) ([]arrow.Array, error) {
	return nil, fmt.Errorf("%w: aggregate UDF %s has no partial state", ErrInternal, s.udf.Name)
}

// bytes estimates a Go accumulator at 64 bytes; its real size is opaque.
func (s *udfState) bytes() int64 { return 64 * int64(len(s.accs)) }

// rowsUpdater is implemented by states that can fold selected rows of
// their arguments without the rows being copied out first.
type rowsUpdater interface {
	// canUpdateRows reports whether updateRows handles these arguments.
	canUpdateRows(args []arrow.Array) bool
	// updateRows folds row rows[k] of args into group gids[k].
	updateRows(gids []uint32, rows []int32, args []arrow.Array) error
}

var (
	_ rowsUpdater = (*countState)(nil)
	_ rowsUpdater = (*decSumState)(nil)
	_ rowsUpdater = (*avgState)(nil)
)

func (s *countState) canUpdateRows([]arrow.Array) bool { return true }

func (s *countState) updateRows(gids []uint32, rows []int32, args []arrow.Array) error {
	counts := s.counts
	if s.rows != nil {
		if args[0].NullN() == 0 {
			return nil
		}
		bm, off := validityOf(args[0])
		for k, g := range gids {
			if !bitutil.BitIsSet(bm, off+int(rows[k])) {
				counts[g]++
			}
		}
		return nil
	}
	if s.star || args[0].NullN() == 0 {
		for _, g := range gids {
			counts[g]++
		}
		return nil
	}
	bm, off := validityOf(args[0])
	for k, g := range gids {
		if bitutil.BitIsSet(bm, off+int(rows[k])) {
			counts[g]++
		}
	}
	return nil
}

func (s *decSumState) canUpdateRows([]arrow.Array) bool { return true }

func (s *avgState) canUpdateRows(args []arrow.Array) bool {
	_, ok := s.sum.(*decSumState)
	return ok
}

func (s *avgState) updateRows(gids []uint32, rows []int32, args []arrow.Array) error {
	s.count.updateRows(gids, rows, args)
	if s.shared {
		return nil
	}
	return s.sum.(*decSumState).updateRows(gids, rows, args)
}

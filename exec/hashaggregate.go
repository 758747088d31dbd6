package exec

import (
	"fmt"
	"io"

	"github.com/apache/arrow/go/v15/arrow"
	"github.com/apache/arrow/go/v15/arrow/array"
)

// hashAggOp is grouped (or global) aggregation over a hash table of the
// group keys. It consumes its whole input on the first Next, computing
// the group id of every row once per batch and handing the ids to every
// aggregate's typed accumulator, then emits the groups in batches.
type hashAggOp struct {
	child      Operator
	groups     []Expr
	aggs       []Aggregate
	mode       AggMode
	keyRange   *KeyRange // the group key's expected values, or nil
	schema     *arrow.Schema
	groupTypes []arrow.DataType
	argTypes   [][]arrow.DataType
	stateCount []int // per aggregate: its number of partial-state columns

	ctx      *Context
	evalCtx  *Context  // ctx with the scratch allocator, for per-batch arrays
	scratch  *recycler // recycles the buffers of arrays freed within a batch
	table    *keyTable
	states   []aggState
	gids     []uint32
	rowIDs   []uint32  // group id per batch row, before compaction
	refs     []pickRef // a selection as pick references, when copying
	reserved int64
	out      []arrow.Array
	outRows  int
	pos      int
	built    bool
	opened   bool
	closed   bool
	err      error
	closeErr error
}

var _ Operator = (*hashAggOp)(nil)

// KeyRange bounds the values of a hash aggregate's single integer group
// key, as the input table's statistics know them (NewHashAggregateInRange).
type KeyRange struct{ Min, Max int64 }

// NewHashAggregateInRange is NewHashAggregate for one integer group key
// whose values are expected in r: when the span is small enough, groups
// are found by indexing an array with key-Min instead of hashing (TPC-H
// Q18 groups 6M lineitem rows by l_orderkey into 1.5M groups). A key
// outside r is still grouped correctly: the table falls back to hashing.
func NewHashAggregateInRange(child Operator, groups []Expr, groupNames []string, aggs []Aggregate, mode AggMode, r KeyRange) (Operator, error) {
	op, err := NewHashAggregate(child, groups, groupNames, aggs, mode)
	if err != nil {
		return nil, err
	}
	if r.Max >= r.Min {
		op.(*hashAggOp).keyRange = &r
	}
	return op, nil
}

// NewHashAggregate returns an operator grouping child's rows by the
// groups expressions and computing aggs per group.
//
// Output columns: the group keys (named groupNames) then, in AggSingle and
// AggFinal mode, one column per aggregate (named Aggregate.Name, typed by
// AggResultType or the UDF's Result); in AggPartial mode each aggregate's
// state columns instead: count -> int64, sum -> the sum type, min/max ->
// the value, avg -> an exact sum (decimal(38,s) for decimal input,
// decimal(38,0) for integers, float64 for floats) named Name_sum and an
// int64 Name_count. In AggFinal mode child must produce exactly the
// AggPartial schema of the same groups and aggs (checked here, ErrType
// otherwise): its first columns are taken as the group keys and the rest
// as states to merge, so the specs' expressions are not evaluated.
// count(distinct) and UDF aggregates run in AggSingle mode only.
//
// With no groups the aggregate is global and emits exactly one row, even
// for empty input (counts 0, other aggregates NULL). The hash table and
// the states are reserved against the query budget as they grow; running
// out fails with ErrMemoryLimit naming "hash aggregate". NULL group keys
// form one group. Groups are emitted in order of first appearance.
func NewHashAggregate(child Operator, groups []Expr, groupNames []string, aggs []Aggregate, mode AggMode) (Operator, error) {
	if child == nil {
		return nil, fmt.Errorf("%w: hash aggregate without input", ErrInternal)
	}
	if groupNames != nil && len(groupNames) != len(groups) {
		return nil, fmt.Errorf("%w: hash aggregate has %d groups but %d group names", ErrInternal, len(groups), len(groupNames))
	}
	if mode < AggSingle || mode > AggFinal {
		return nil, fmt.Errorf("%w: unknown aggregation mode %d", ErrInternal, int(mode))
	}
	op := &hashAggOp{child: child, groups: groups, aggs: aggs, mode: mode}
	var fields, partial []arrow.Field
	for i, g := range groups {
		dt := g.DataType()
		if !keySupported(dt) {
			return nil, fmt.Errorf("%w: cannot group by %s of type %s", ErrType, g, dt)
		}
		name := g.String()
		if groupNames != nil {
			name = groupNames[i]
		}
		op.groupTypes = append(op.groupTypes, dt)
		fields = append(fields, arrow.Field{Name: name, Type: dt, Nullable: true})
	}
	partial = append(partial, fields...)
	for _, a := range aggs {
		types, res, err := checkAggregate(a)
		if err != nil {
			return nil, err
		}
		op.argTypes = append(op.argTypes, types)
		fields = append(fields, arrow.Field{Name: a.Name, Type: res, Nullable: true})
		if mode == AggSingle {
			op.stateCount = append(op.stateCount, 0)
			continue
		}
		var arg arrow.DataType
		if len(types) > 0 {
			arg = types[0]
		}
		st, err := aggStateTypes(a.Func, arg)
		if err != nil {
			return nil, fmt.Errorf("%w: %s in %s mode (the planner runs it in single mode)", err, a, mode)
		}
		op.stateCount = append(op.stateCount, len(st))
		for j, t := range st {
			name := a.Name
			if len(st) > 1 {
				name += []string{"_sum", "_count"}[j]
			}
			partial = append(partial, arrow.Field{Name: name, Type: t, Nullable: true})
		}
	}
	if mode == AggPartial {
		op.schema = arrow.NewSchema(partial, nil)
	} else {
		op.schema = arrow.NewSchema(fields, nil)
	}
	if mode == AggFinal {
		in := child.Schema().Fields()
		if len(in) != len(partial) {
			return nil, fmt.Errorf("%w: final aggregate expects the %d partial-state columns of its specs, its input has %d", ErrType, len(partial), len(in))
		}
		for i, f := range partial {
			if !arrow.TypeEqual(in[i].Type, f.Type) {
				return nil, fmt.Errorf("%w: final aggregate input column %d (%s) is %s, the partial state %s is %s", ErrType, i, in[i].Name, in[i].Type, f.Name, f.Type)
			}
		}
	}
	return op, nil
}

// checkAggregate validates one spec and returns its argument types and
// result type.
func checkAggregate(a Aggregate) ([]arrow.DataType, arrow.DataType, error) {
	types := make([]arrow.DataType, len(a.Args))
	for i, e := range a.Args {
		if e == nil {
			return nil, nil, fmt.Errorf("%w: aggregate %s has a nil argument", ErrInternal, a.Name)
		}
		types[i] = e.DataType()
	}
	switch a.Func {
	case AggUDF:
		if a.UDF == nil || a.UDF.New == nil || a.UDF.Result == nil {
			return nil, nil, fmt.Errorf("%w: aggregate %s is a UDF without New or Result", ErrType, a.Name)
		}
		return types, a.UDF.Result, nil
	case AggCountStar:
		if len(a.Args) != 0 {
			return nil, nil, fmt.Errorf("%w: count(*) takes no arguments, got %d", ErrType, len(a.Args))
		}
		res, err := AggResultType(a.Func, nil)
		return types, res, err
	}
	if len(a.Args) != 1 {
		return nil, nil, fmt.Errorf("%w: %s takes one argument, got %d", ErrType, a.Func, len(a.Args))
	}
	res, err := AggResultType(a.Func, types[0])
	if err != nil {
		return nil, nil, fmt.Errorf("%w (in %s)", err, a)
	}
	if a.Func == AggCountDistinct && !keySupported(types[0]) {
		return nil, nil, fmt.Errorf("%w: count(distinct) over %s", ErrType, types[0])
	}
	return types, res, nil
}

func (op *hashAggOp) Schema() *arrow.Schema { return op.schema }

func (op *hashAggOp) Open(ctx *Context) error {
	if op.opened {
		return fmt.Errorf("%w: hash aggregate opened twice", ErrInternal)
	}
	op.opened = true
	op.ctx = ctx
	op.scratch = newRecycler(ctx.Alloc)
	op.evalCtx = scratchContext(ctx, op.scratch)
	if len(op.groups) > 0 {
		t, err := newKeyTable(op.groupTypes)
		if err != nil {
			return err
		}
		if r := op.keyRange; r != nil {
			t.presetDense(r.Min, r.Max)
		}
		op.table = t
	}
	for i, a := range op.aggs {
		st, err := newAggState(a, op.argTypes[i])
		if err != nil {
			return err
		}
		op.states = append(op.states, st)
	}
	if op.mode != AggFinal {
		shareSums(op.aggs, op.states)
		shareCounts(op.aggs, op.states)
	}
	if len(op.groups) == 0 {
		// A global aggregate has its one group before any input.
		if err := op.growStates(1); err != nil {
			return err
		}
	}
	return op.child.Open(ctx)
}

func (op *hashAggOp) growStates(n int) error {
	for _, s := range op.states {
		if err := s.grow(n); err != nil {
			return err
		}
	}
	return nil
}

func (op *hashAggOp) Next() (arrow.Record, error) {
	if op.err != nil {
		return nil, op.err
	}
	if !op.opened || op.closed {
		return nil, fmt.Errorf("%w: hash aggregate Next without Open or after Close", ErrInternal)
	}
	if !op.built {
		if err := op.build(); err != nil {
			op.err = err
			op.release()
			return nil, err
		}
		op.built = true
	}
	if op.pos >= op.outRows {
		op.release()
		return nil, io.EOF
	}
	end := min(op.pos+op.ctx.batchSize(), op.outRows)
	cols := make([]arrow.Array, len(op.out))
	for i, a := range op.out {
		cols[i] = array.NewSlice(a, int64(op.pos), int64(end))
	}
	rec := array.NewRecord(op.schema, cols, int64(end-op.pos))
	for _, c := range cols {
		c.Release()
	}
	op.pos = end
	return rec, nil
}

// build consumes the input and materialises the output columns. Below a
// filter it takes the filter's batches with their selection rather than
// copies of the qualifying rows (see consumeSelected).
func (op *hashAggOp) build() error {
	src, selecting := op.child.(selectionSource)
	for {
		if err := op.ctx.Err(); err != nil {
			return err
		}
		var rec arrow.Record
		var sel []int32
		var err error
		if selecting {
			rec, sel, err = src.nextSelection()
		} else {
			rec, err = op.child.Next()
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			return err
		}
		if sel != nil {
			err = op.consumeSelected(rec, sel)
		} else {
			err = op.consume(rec)
		}
		rec.Release()
		if err != nil {
			return err
		}
	}
	var out []arrow.Array
	fail := func(err error) error {
		for _, a := range out {
			a.Release()
		}
		return err
	}
	rows := 1
	if op.table != nil {
		keys, err := op.table.KeyArrays(op.ctx.Alloc)
		if err != nil {
			return err
		}
		out = append(out, keys...)
		rows = op.table.Len()
	}
	for _, s := range op.states {
		if op.mode == AggPartial {
			st, err := s.states(op.ctx.Alloc)
			if err != nil {
				return fail(err)
			}
			out = append(out, st...)
			continue
		}
		a, err := s.result(op.ctx.Alloc)
		if err != nil {
			return fail(err)
		}
		out = append(out, a)
	}
	// The table and the states are done with; the output takes their place
	// in the budget.
	op.table, op.states = nil, nil
	var size int64
	for _, a := range out {
		size += arrayBytes(a)
	}
	if err := op.setReserved(size); err != nil {
		return fail(err)
	}
	op.out, op.outRows = out, rows
	return nil
}

// setReserved moves the operator's budget reservation to n bytes.
func (op *hashAggOp) setReserved(n int64) error {
	if n > op.reserved {
		if err := op.ctx.Budget.Reserve("hash aggregate", n-op.reserved); err != nil {
			return err
		}
	} else {
		op.ctx.Budget.Free(op.reserved - n)
	}
	op.reserved = n
	return nil
}

func (op *hashAggOp) consume(rec arrow.Record) error {
	if rec.NumRows() == 0 {
		return nil
	}
	keys, args, err := op.eval(rec)
	defer releaseEvaluated(keys, args)
	if err != nil {
		return err
	}
	return op.fold(rec, nil, keys, args)
}

// consumeSelected folds the rows sel lists of rec. When most rows qualify
// it evaluates the keys and arguments over the whole batch and has the
// table and the states read only the listed rows, which costs less than
// copying every column's qualifying rows first; when few qualify, or
// evaluating the whole batch fails (a row the filter rejected may divide
// by zero), it copies the qualifying rows and folds the copy, so errors
// come only from rows that count.
func (op *hashAggOp) consumeSelected(rec arrow.Record, sel []int32) error {
	n := int(rec.NumRows())
	if op.mode != AggFinal && 2*len(sel) >= n {
		keys, args, err := op.eval(rec)
		if err == nil {
			err = op.fold(rec, sel, keys, args)
			releaseEvaluated(keys, args)
			return err
		}
		releaseEvaluated(keys, args)
	}
	op.refs = op.refs[:0]
	for _, r := range sel {
		op.refs = append(op.refs, pickRef(r))
	}
	picked, err := pickRecordRows(op.scratch, rec.Schema(), []arrow.Record{rec}, op.refs)
	if err != nil {
		return fmt.Errorf("hash aggregate: %w", err)
	}
	defer picked.Release()
	return op.consume(picked)
}

// eval evaluates the group keys and every aggregate's arguments over rec
// (in AggFinal mode it takes the key and state columns as they are). The
// caller releases what it returns with releaseEvaluated, also on error.
func (op *hashAggOp) eval(rec arrow.Record) ([]arrow.Array, [][]arrow.Array, error) {
	keys := make([]arrow.Array, len(op.groups))
	args := make([][]arrow.Array, len(op.aggs))
	if op.mode == AggFinal {
		for i := range keys {
			keys[i] = rec.Column(i)
			keys[i].Retain()
		}
		col := len(keys)
		for i := range op.aggs {
			k := op.stateCount[i]
			args[i] = make([]arrow.Array, k)
			for j := range args[i] {
				args[i][j] = rec.Column(col + j)
				args[i][j].Retain()
			}
			col += k
		}
		return keys, args, nil
	}
	for i, g := range op.groups {
		a, err := g.Eval(op.evalCtx, rec)
		if err != nil {
			return keys, args, err
		}
		keys[i] = a
	}
	for i, a := range op.aggs {
		args[i] = make([]arrow.Array, len(a.Args))
		for j, e := range a.Args {
			v, err := e.Eval(op.evalCtx, rec)
			if err != nil {
				return keys, args, err
			}
			args[i][j] = v
		}
	}
	return keys, args, nil
}

func releaseEvaluated(keys []arrow.Array, args [][]arrow.Array) {
	releaseArrays(keys)
	for _, a := range args {
		releaseArrays(a)
	}
}

// fold assigns group ids to the rows sel lists (all rows when sel is nil)
// and folds their arguments into the states.
func (op *hashAggOp) fold(rec arrow.Record, sel []int32, keys []arrow.Array, args [][]arrow.Array) error {
	n := int(rec.NumRows())
	m := n
	if sel != nil {
		m = len(sel)
	}
	if cap(op.gids) < n {
		op.gids = make([]uint32, n)
		op.rowIDs = make([]uint32, n)
	}
	gids := op.gids[:m]
	if len(op.groups) == 0 {
		clear(gids)
	} else {
		ids := gids
		if sel != nil {
			ids = op.rowIDs[:n]
		}
		if err := op.table.InsertRows(keys, sel, ids); err != nil {
			return err
		}
		if sel != nil {
			for k, r := range sel {
				gids[k] = ids[r]
			}
		}
		if err := op.growStates(op.table.Len()); err != nil {
			return err
		}
	}
	for i, st := range op.states {
		var err error
		switch {
		case op.mode == AggFinal:
			err = st.merge(gids, args[i])
		case sel == nil:
			err = st.update(gids, args[i])
		default:
			err = op.updateSelected(st, gids, sel, args[i])
		}
		if err != nil {
			return err
		}
	}
	size := int64(0)
	if op.table != nil {
		size += op.table.Bytes()
	}
	for _, s := range op.states {
		size += s.bytes()
	}
	return op.setReserved(size)
}

// updateSelected updates st with the listed rows of args: in place when
// the state can read selected rows, from copies of those rows otherwise.
func (op *hashAggOp) updateSelected(st aggState, gids []uint32, sel []int32, args []arrow.Array) error {
	if ru, ok := st.(rowsUpdater); ok && ru.canUpdateRows(args) {
		return ru.updateRows(gids, sel, args)
	}
	op.refs = op.refs[:0]
	for _, r := range sel {
		op.refs = append(op.refs, pickRef(r))
	}
	picked := make([]arrow.Array, len(args))
	defer releaseArrays(picked)
	for j, a := range args {
		p, err := pickRows(op.scratch, []arrow.Array{a}, op.refs)
		if err != nil {
			return fmt.Errorf("hash aggregate: %w", err)
		}
		picked[j] = p
	}
	return st.update(gids, picked)
}

// release frees the output, the working state and the reservation.
func (op *hashAggOp) release() {
	for _, a := range op.out {
		a.Release()
	}
	op.out, op.outRows, op.pos = nil, 0, 0
	op.table, op.states = nil, nil
	if op.scratch != nil {
		op.scratch.release()
	}
	if op.ctx != nil {
		op.ctx.Budget.Free(op.reserved)
	}
	op.reserved = 0
}

func (op *hashAggOp) Close() error {
	if op.closed {
		return op.closeErr
	}
	op.closed = true
	op.release()
	op.closeErr = op.child.Close()
	return op.closeErr
}

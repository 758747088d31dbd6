package exec

import (
	"fmt"
	"io"
	"sync"
	"sync/atomic"

	"github.com/apache/arrow/go/v15/arrow"
	"github.com/apache/arrow/go/v15/arrow/array"
	"github.com/apache/arrow/go/v15/arrow/bitutil"
	"github.com/apache/arrow/go/v15/arrow/memory"
)

// JoinType selects a join's semantics. The left input is the probe side
// and the right input the build side.
type JoinType int

// The join types.
const (
	// JoinInner emits matching pairs.
	JoinInner JoinType = iota
	// JoinLeft also emits unmatched left rows, with NULL right columns.
	JoinLeft
	// JoinRight also emits unmatched right rows, with NULL left columns.
	JoinRight
	// JoinFull emits matching pairs and the unmatched rows of both sides.
	JoinFull
	// JoinSemi emits each left row that has a match, once (EXISTS, IN).
	JoinSemi
	// JoinAnti emits each left row that has no match (NOT EXISTS).
	JoinAnti
	// JoinMark emits every left row plus a boolean column "mark": true when
	// the row has a match, NULL when it has none but the comparison was
	// unknown (SQL IN over a set with NULLs), false otherwise. It is how
	// IN / NOT IN subqueries that are not simple filters are computed.
	JoinMark
	// JoinSingle is a left join that fails when a left row has more than
	// one match: the join of a scalar subquery.
	JoinSingle
	// JoinRightSemi emits each right (build) row that some left row
	// matches, once: a semi join whose preserved side is the build side,
	// so that a small preserved side is hashed instead of a large
	// subquery side. Its output is the right columns.
	JoinRightSemi
	// JoinRightAnti emits each right (build) row that no left row
	// matches: the anti join counterpart of JoinRightSemi.
	JoinRightAnti
)

var joinTypeNames = [...]string{"inner", "left", "right", "full", "semi", "anti", "mark", "single", "right semi", "right anti"}

func (t JoinType) String() string {
	if t >= 0 && int(t) < len(joinTypeNames) {
		return joinTypeNames[t]
	}
	return fmt.Sprintf("JoinType(%d)", int(t))
}

// errSubqueryRows is the message of the error a single join returns when a
// scalar subquery yields more than one row for a probe row.
const errSubqueryRows = "more than one row returned by a subquery used as an expression"

// HashJoinBridge is the build side of a hash join, shared by the probe
// pipelines that run over morsels of the probe side in parallel.
//
// Lifecycle: every NewHashJoinProbe over a bridge registers with it. The
// first probe to Open builds the table (the others wait; a failed build
// fails them all with the same error): it drains the build input, closes
// it, concatenates its batches into one record and indexes the key
// columns in a keyTable whose ids index runs of build rows. The table is
// read-only from then on, so probes look it up concurrently. The bridge is
// reference counted: the last registered probe to Close frees the table
// and its budget reservation.
//
// Right and full joins must also emit the build rows no probe matched.
// Probes record matches in a bitmap shared by all of them (set with
// atomic ORs). Each probe reports when its probe input is exhausted; the
// probe that finishes last (all others have then finished probing, so the
// bitmap is final) emits the unmatched build rows, exactly once. A probe
// closed before its input ends counts as finished but emits nothing, as
// the query is then being torn down.
type HashJoinBridge struct {
	right    Operator
	keys     []Expr
	keyTypes []arrow.DataType
	opName   string

	once     sync.Once
	buildErr error
	ctx      *Context
	build    arrow.Record
	table    *keyTable
	start    []int32 // per key id: where its rows begin in perm; one more entry ends the last
	perm     []int32 // build rows (NULL keys left out) grouped by key id, in row order
	nullKeys bool    // some build row has a NULL key
	unique   bool    // no key id has more than one build row
	matched  []uint32
	reserved int64

	mu       sync.Mutex
	refs     int
	active   int
	released bool
}

// NewHashJoinBridge returns the build side of a hash join over right,
// keyed by rightKeys (expressions over right's schema). Pass it to one or
// more NewHashJoinProbe calls.
func NewHashJoinBridge(right Operator, rightKeys []Expr) (*HashJoinBridge, error) {
	if len(rightKeys) == 0 {
		return nil, fmt.Errorf("%w: a hash join needs at least one key pair (use a nested loop join)", ErrType)
	}
	return newJoinBridge(right, rightKeys, "hash join")
}

func newJoinBridge(right Operator, keys []Expr, opName string) (*HashJoinBridge, error) {
	if right == nil {
		return nil, fmt.Errorf("%w: %s without a build input", ErrInternal, opName)
	}
	b := &HashJoinBridge{right: right, keys: keys, opName: opName}
	for _, k := range keys {
		if !keySupported(k.DataType()) {
			return nil, fmt.Errorf("%w: %s cannot use %s of type %s as a key", ErrType, opName, k, k.DataType())
		}
		b.keyTypes = append(b.keyTypes, k.DataType())
	}
	for _, f := range right.Schema().Fields() {
		if !takeSupported(f.Type) {
			return nil, fmt.Errorf("%w: %s cannot carry column %s of type %s", ErrType, opName, f.Name, f.Type)
		}
	}
	return b, nil
}

// register adds a probe.
func (b *HashJoinBridge) register() {
	b.mu.Lock()
	b.refs++
	b.active++
	b.mu.Unlock()
}

// finishProbe records that a probe consumed its input and reports whether
// it was the last one.
func (b *HashJoinBridge) finishProbe() bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.active--
	return b.active == 0
}

// release drops a probe's reference, freeing the table after the last.
func (b *HashJoinBridge) release() {
	b.mu.Lock()
	b.refs--
	last := b.refs == 0 && !b.released
	if last {
		b.released = true
	}
	b.mu.Unlock()
	if !last {
		return
	}
	// Keep the once from building after the release.
	b.once.Do(func() { b.buildErr = fmt.Errorf("%w: %s released before it was built", ErrInternal, b.opName) })
	if b.build != nil {
		b.build.Release()
		b.build = nil
	}
	b.table, b.start, b.perm, b.matched = nil, nil, nil, nil
	if b.ctx != nil {
		b.ctx.Budget.Free(b.reserved)
	}
	b.reserved = 0
	if b.right != nil {
		b.right.Close()
		b.right = nil
	}
}

// ensureBuilt builds the table on first use.
func (b *HashJoinBridge) ensureBuilt(ctx *Context) error {
	b.once.Do(func() {
		b.ctx = ctx
		b.buildErr = b.buildTable(ctx)
		// The build input is done with either way.
		right := b.right
		b.right = nil
		if cerr := right.Close(); cerr != nil && b.buildErr == nil {
			b.buildErr = cerr
		}
	})
	return b.buildErr
}

func (b *HashJoinBridge) reserve(n int64) error {
	if err := b.ctx.Budget.Reserve(b.opName, n); err != nil {
		return err
	}
	b.reserved += n
	return nil
}

func (b *HashJoinBridge) buildTable(ctx *Context) error {
	if err := b.right.Open(ctx); err != nil {
		return err
	}
	var batches []arrow.Record
	defer func() {
		for _, r := range batches {
			r.Release()
		}
	}()
	var batchBytes int64
	for {
		rec, err := nextNonEmpty(ctx, b.right)
		if err == io.EOF {
			break
		}
		if err != nil {
			return err
		}
		batches = append(batches, rec)
		n := recordBytes(rec)
		if err := b.reserve(n); err != nil {
			return err
		}
		batchBytes += n
	}
	schema := b.right.Schema()
	switch len(batches) {
	case 1:
		b.build = batches[0]
		batches = nil
	default:
		cols := make([]arrow.Array, len(schema.Fields()))
		var rows int64
		for _, r := range batches {
			rows += r.NumRows()
		}
		if rows > 1<<31-1 {
			return fmt.Errorf("%w: %s build side of %d rows exceeds 2^31", ErrExec, b.opName, rows)
		}
		for c := range cols {
			parts := make([]arrow.Array, len(batches))
			for i, r := range batches {
				parts[i] = r.Column(c)
			}
			var err error
			if len(parts) == 0 {
				cols[c] = array.MakeArrayOfNull(ctx.Alloc, schema.Field(c).Type, 0)
			} else if cols[c], err = array.Concatenate(parts, ctx.Alloc); err != nil {
				for _, a := range cols[:c] {
					a.Release()
				}
				return fmt.Errorf("%w: %s build side: %v", ErrExec, b.opName, err)
			}
		}
		b.build = array.NewRecord(schema, cols, rows)
		for _, a := range cols {
			a.Release()
		}
		for _, r := range batches {
			r.Release()
		}
		batches = nil
		// The batches are gone; the concatenated copy takes their place.
		b.ctx.Budget.Free(batchBytes)
		b.reserved -= batchBytes
		if err := b.reserve(recordBytes(b.build)); err != nil {
			return err
		}
	}
	rows := int(b.build.NumRows())
	b.matched = make([]uint32, (rows+31)/32)
	if len(b.keys) == 0 {
		// Without keys every probe row meets every build row: one chain.
		b.perm = make([]int32, rows)
		for r := range b.perm {
			b.perm[r] = int32(r)
		}
		b.start = []int32{0, int32(rows)}
		return b.reserve(4*int64(rows+2) + 4*int64(len(b.matched)))
	}
	keys := make([]arrow.Array, len(b.keys))
	defer func() {
		for _, k := range keys {
			if k != nil {
				k.Release()
			}
		}
	}()
	for i, e := range b.keys {
		k, err := e.Eval(ctx, b.build)
		if err != nil {
			return err
		}
		keys[i] = k
	}
	t, err := newKeyTable(b.keyTypes)
	if err != nil {
		return err
	}
	ids := make([]uint32, rows)
	if rows > 0 {
		if err := t.InsertFrozen(keys, ids); err != nil {
			return err
		}
	}
	b.table = t
	// Counting sort of the rows by key id: the rows of id are
	// perm[start[id]:start[id+1]], in row order, so probes read each
	// chain sequentially instead of hopping through a linked list.
	nid := t.Len()
	b.start = make([]int32, nid+1)
	nulls := keyNulls(keys, rows)
	kept := 0
	for r, id := range ids {
		if nulls != nil && nulls[r] {
			b.nullKeys = true
			continue
		}
		b.start[id+1]++
		kept++
	}
	b.unique = true
	for i := 1; i <= nid; i++ {
		b.unique = b.unique && b.start[i] <= 1
		b.start[i] += b.start[i-1]
	}
	cursor := make([]int32, nid)
	copy(cursor, b.start[:nid])
	b.perm = make([]int32, kept)
	for r, id := range ids {
		if nulls != nil && nulls[r] {
			continue
		}
		b.perm[cursor[id]] = int32(r)
		cursor[id]++
	}
	return b.reserve(t.Bytes() + 4*int64(len(b.start)+kept+len(b.matched)))
}

// keyNulls marks the rows where any key is NULL, or returns nil when no
// key has nulls.
func keyNulls(keys []arrow.Array, rows int) []bool {
	var out []bool
	for _, k := range keys {
		bm, off := validityOf(k)
		if bm == nil {
			continue
		}
		if out == nil {
			out = make([]bool, rows)
		}
		for i := range out {
			if !bitutil.BitIsSet(bm, off+i) {
				out[i] = true
			}
		}
	}
	return out
}

// markMatched records that a probe matched build row r.
func (b *HashJoinBridge) markMatched(r int32) {
	w, bit := &b.matched[r>>5], uint32(1)<<(uint32(r)&31)
	if atomic.LoadUint32(w)&bit == 0 {
		atomic.OrUint32(w, bit)
	}
}

func (b *HashJoinBridge) isMatched(r int) bool {
	return atomic.LoadUint32(&b.matched[r>>5])&(uint32(1)<<(uint32(r)&31)) != 0
}

// hashJoinProbe streams the probe side through a bridge's table.
type hashJoinProbe struct {
	bridge     *HashJoinBridge
	left       Operator
	keys       []Expr
	typ        JoinType
	residual   Expr
	schema     *arrow.Schema
	pairSchema *arrow.Schema
	nLeft      int
	rowCap     int     // most candidates a probe row needs (0: all)
	filter     Expr    // probe rows for which it is not true take no part (nil: all do)
	sel        []int32 // filtered probes: the rows that pass the filter
	// skipMatched: only unmatched build rows are candidates (right semi
	// and right anti joins).
	skipMatched bool

	ctx     *Context
	scratch tableScratch
	opened  bool
	closed  bool
	err     error

	// The current probe batch.
	probe      arrow.Record
	ids        []int32 // key id per row, -1: cannot match
	matches    []int32 // matches per row after the residual
	unknown    []bool  // mark join: the row's comparison was NULL somewhere
	row        int     // candidate cursor: probe row
	chain      int32   // candidate cursor: next position in the bridge's perm, -2 before the row starts
	chainEnd   int32   // where the current row's chain ends in perm
	taken      int     // candidates taken for the current row
	candDone   bool
	tailDone   bool
	candL      []int32
	candR      []int32
	inputDone  bool
	last       bool // this probe finished last: it emits unmatched build rows
	buildPos   int
	finishSent bool
	releasedB  bool
}

var _ Operator = (*hashJoinProbe)(nil)

// NewHashJoinProbe returns one probe pipeline of a hash join: it streams
// left through bridge's table, matching leftKeys (over left's schema)
// against the bridge's keys pairwise; each pair must have equal types
// (the planner casts first), else ErrType. residual, when not nil, is a
// boolean expression over left's columns followed by right's, applied to
// every key-matched pair as part of the join condition.
//
// Output: left ++ right columns for inner, left, right, full and single
// joins (the columns of a side that may be NULL-padded become nullable);
// left's columns only for semi and anti; left's plus a nullable boolean
// "mark" for mark joins. NULL keys never match. A mark join's mark is NULL
// for an unmatched row when the build side had a NULL key, when the row's
// key is NULL and the build side is not empty, or when the residual was
// NULL for one of its pairs. A single join fails with ErrExec when a row
// has more than one match.
//
// Several probes may share one bridge and run in different goroutines;
// see HashJoinBridge for how the build side is shared and freed.
func NewHashJoinProbe(bridge *HashJoinBridge, left Operator, leftKeys []Expr, typ JoinType, residual Expr) (Operator, error) {
	if bridge == nil || left == nil {
		return nil, fmt.Errorf("%w: %s probe without a bridge or an input", ErrInternal, "hash join")
	}
	if len(leftKeys) != len(bridge.keys) {
		return nil, fmt.Errorf("%w: %s has %d probe keys and %d build keys", ErrType, bridge.opName, len(leftKeys), len(bridge.keys))
	}
	for i, k := range leftKeys {
		if !arrow.TypeEqual(k.DataType(), bridge.keyTypes[i]) {
			return nil, fmt.Errorf("%w: %s key %d compares %s (%s) with %s (%s); cast one side first",
				ErrType, bridge.opName, i+1, k, k.DataType(), bridge.keys[i], bridge.keyTypes[i])
		}
	}
	if typ < JoinInner || typ > JoinRightAnti {
		return nil, fmt.Errorf("%w: unknown join type %d", ErrInternal, int(typ))
	}
	lf := left.Schema().Fields()
	for _, f := range lf {
		if !takeSupported(f.Type) {
			return nil, fmt.Errorf("%w: %s cannot carry column %s of type %s", ErrType, bridge.opName, f.Name, f.Type)
		}
	}
	rf := bridge.right.Schema().Fields()
	pair := append(append([]arrow.Field(nil), lf...), rf...)
	if residual != nil && residual.DataType().ID() != arrow.BOOL {
		return nil, fmt.Errorf("%w: join condition %s is %s, not boolean", ErrType, residual, residual.DataType())
	}
	var out []arrow.Field
	nullable := func(fs []arrow.Field, yes bool) []arrow.Field {
		cp := append([]arrow.Field(nil), fs...)
		if yes {
			for i := range cp {
				cp[i].Nullable = true
			}
		}
		return cp
	}
	switch typ {
	case JoinSemi, JoinAnti:
		out = nullable(lf, false)
	case JoinRightSemi, JoinRightAnti:
		out = nullable(rf, false)
	case JoinMark:
		out = append(nullable(lf, false), arrow.Field{Name: "mark", Type: arrow.FixedWidthTypes.Boolean, Nullable: true})
	default:
		out = append(nullable(lf, typ == JoinRight || typ == JoinFull), nullable(rf, typ == JoinLeft || typ == JoinFull || typ == JoinSingle)...)
	}
	p := &hashJoinProbe{
		bridge: bridge, left: left, keys: leftKeys, typ: typ, residual: residual,
		schema: arrow.NewSchema(out, nil), pairSchema: arrow.NewSchema(pair, nil), nLeft: len(lf),
	}
	p.skipMatched = typ == JoinRightSemi || typ == JoinRightAnti
	if residual == nil {
		switch typ {
		case JoinSemi, JoinAnti, JoinMark:
			p.rowCap = 1
		case JoinSingle:
			p.rowCap = 2
		}
	}
	bridge.register()
	return p, nil
}

// NewFilteredHashJoinProbe is NewHashJoinProbe over only the rows of left
// for which filter (a boolean expression over left's schema) is true,
// without copying them out first: the rows that fail it are never looked
// up, and only matched rows are gathered. It is for a selective scan
// filter under a join that drops most of the rows anyway. typ must drop
// unmatched probe rows (inner, right, semi, right semi, right anti), else
// ErrType, as a filtered-out row must not reappear as unmatched.
func NewFilteredHashJoinProbe(bridge *HashJoinBridge, left Operator, filter Expr, leftKeys []Expr, typ JoinType, residual Expr) (Operator, error) {
	switch typ {
	case JoinInner, JoinRight, JoinSemi, JoinRightSemi, JoinRightAnti:
	default:
		return nil, fmt.Errorf("%w: a filtered probe cannot run a %s join, which emits unmatched probe rows", ErrType, typ)
	}
	if len(leftKeys) == 0 {
		return nil, fmt.Errorf("%w: a filtered probe needs join keys", ErrType)
	}
	if filter == nil || filter.DataType().ID() != arrow.BOOL {
		return nil, fmt.Errorf("%w: probe filter %v is not boolean", ErrType, filter)
	}
	op, err := NewHashJoinProbe(bridge, left, leftKeys, typ, residual)
	if err != nil {
		return nil, err
	}
	op.(*hashJoinProbe).filter = filter
	return op, nil
}

// NewHashJoin joins left (probe side) with right (build side) on
// leftKeys = rightKeys pairwise, plus the optional residual condition. It
// is NewHashJoinProbe over a private NewHashJoinBridge; see those for the
// output and the semantics of each join type. The build side is reserved
// against the query budget (ErrMemoryLimit naming "hash join").
func NewHashJoin(left, right Operator, leftKeys, rightKeys []Expr, typ JoinType, residual Expr) (Operator, error) {
	b, err := NewHashJoinBridge(right, rightKeys)
	if err != nil {
		return nil, err
	}
	return NewHashJoinProbe(b, left, leftKeys, typ, residual)
}

func (p *hashJoinProbe) Schema() *arrow.Schema { return p.schema }

func (p *hashJoinProbe) Open(ctx *Context) error {
	if p.opened {
		return fmt.Errorf("%w: %s opened twice", ErrInternal, p.bridge.opName)
	}
	p.opened = true
	p.ctx = ctx
	if err := p.bridge.ensureBuilt(ctx); err != nil {
		return err
	}
	return p.left.Open(ctx)
}

func (p *hashJoinProbe) fail(err error) (arrow.Record, error) {
	p.err = err
	p.dropBatch()
	return nil, err
}

func (p *hashJoinProbe) Next() (arrow.Record, error) {
	if p.err != nil {
		return nil, p.err
	}
	if !p.opened || p.closed {
		return nil, fmt.Errorf("%w: %s Next without Open or after Close", ErrInternal, p.bridge.opName)
	}
	for {
		if err := p.ctx.Err(); err != nil {
			return p.fail(err)
		}
		if p.probe != nil {
			rec, err := p.step()
			if err != nil {
				return p.fail(err)
			}
			if rec != nil {
				return rec, nil
			}
			p.dropBatch()
			continue
		}
		if !p.inputDone {
			rec, err := p.left.Next()
			if err == io.EOF {
				p.inputDone = true
				p.finishSent = true
				p.last = p.bridge.finishProbe()
				continue
			}
			if err != nil {
				return p.fail(err)
			}
			if err := p.startBatch(rec); err != nil {
				return p.fail(err)
			}
			continue
		}
		if p.last && p.typ.emitsBuildRows() {
			rec, err := p.unmatchedBuild()
			if err != nil {
				return p.fail(err)
			}
			if rec != nil {
				return rec, nil
			}
		}
		return nil, io.EOF
	}
}

func (p *hashJoinProbe) dropBatch() {
	if p.probe != nil {
		p.probe.Release()
		p.probe = nil
	}
}

// startBatch takes ownership of a probe batch and looks up its keys.
func (p *hashJoinProbe) startBatch(rec arrow.Record) error {
	n := int(rec.NumRows())
	if n == 0 {
		rec.Release()
		return nil
	}
	p.probe = rec
	p.row, p.chain, p.taken, p.candDone, p.tailDone = 0, -2, 0, false, false
	p.ids = resized(p.ids, n) // every entry is written below
	if p.typ.countsMatches() {
		p.matches = growTo(p.matches[:0], n)
	}
	if p.typ == JoinMark {
		p.unknown = growTo(p.unknown[:0], n)
	}
	b := p.bridge
	if len(p.keys) == 0 {
		for i := range p.ids {
			p.ids[i] = 0
		}
		return nil
	}
	keys := make([]arrow.Array, 0, len(p.keys))
	defer func() {
		for _, k := range keys {
			k.Release()
		}
	}()
	for _, e := range p.keys {
		k, err := e.Eval(p.ctx, rec)
		if err != nil {
			return err
		}
		keys = append(keys, k)
	}
	if p.filter != nil {
		if err := p.filteredLookup(rec, keys); err != nil {
			return err
		}
	} else if err := b.table.Lookup(keys, p.ids, &p.scratch); err != nil {
		return err
	}
	nulls := keyNulls(keys, n)
	if p.typ != JoinMark {
		for i, null := range nulls {
			if null {
				p.ids[i] = -1
			}
		}
		return nil
	}
	buildRows := b.build.NumRows() > 0
	for i := range p.ids {
		if nulls != nil && nulls[i] {
			p.ids[i] = -1
			p.unknown[i] = buildRows
		} else if b.nullKeys {
			p.unknown[i] = true
		}
	}
	return nil
}

// filteredLookup looks up the keys of the rows of rec for which the probe
// filter is true; the other rows get id -1.
func (p *hashJoinProbe) filteredLookup(rec arrow.Record, keys []arrow.Array) error {
	res, err := p.filter.Eval(p.ctx, rec)
	if err != nil {
		return err
	}
	defer res.Release()
	mask, ok := res.(*array.Boolean)
	if !ok || mask.Len() != len(p.ids) {
		return fmt.Errorf("%w: probe filter %s returned %s of %d rows for %d", ErrInternal, p.filter, res.DataType(), res.Len(), len(p.ids))
	}
	if t := p.bridge.table; t.dense != nil || t.rank != nil {
		// An indexed lookup costs less than listing the selected rows:
		// look every row up and drop those the filter rejects.
		if err := t.Lookup(keys, p.ids, &p.scratch); err != nil {
			return err
		}
		dropUnselected(p.ctx.Alloc, mask, p.ids)
		return nil
	}
	p.sel = selectTrue(mask, p.sel[:0])
	for i := range p.ids {
		p.ids[i] = -1
	}
	if len(p.sel) == 0 {
		return nil
	}
	if len(p.sel) == len(p.ids) {
		return p.bridge.table.Lookup(keys, p.ids, &p.scratch)
	}
	return p.bridge.table.LookupRows(p.ctx.Alloc, keys, p.sel, p.ids, &p.scratch)
}

// dropUnselected sets ids[i] to -1 for every row i where mask is not
// TRUE, eight rows at a time.
func dropUnselected(mem memory.Allocator, mask *array.Boolean, ids []int32) {
	n := mask.Len()
	if mask.Data().Buffers()[1] == nil { // all NULL
		for i := range ids[:n] {
			ids[i] = -1
		}
		return
	}
	vals, valid, release := boolBits(mem, mask)
	defer release()
	for i := 0; i < n; i += 8 {
		keep := vals[i>>3]
		if valid != nil {
			keep &= valid[i>>3]
		}
		if keep == 0xff {
			continue
		}
		for j := 0; j < 8 && i+j < n; j++ {
			if keep&(1<<j) == 0 {
				ids[i+j] = -1
			}
		}
	}
}

// step returns the next output of the current batch, or nil when the
// batch is finished.
func (p *hashJoinProbe) step() (arrow.Record, error) {
	if !p.candDone && p.residual == nil && p.rowCap == 1 {
		// A semi, anti or mark join without a residual only asks whether
		// a row's key has build rows: no pairs to form.
		b := p.bridge
		for i, id := range p.ids {
			if id >= 0 && b.start[id+1] > b.start[id] {
				p.matches[i] = 1
			}
		}
		p.candDone = true
	}
	for !p.candDone {
		p.nextCandidates()
		if len(p.candL) == 0 {
			p.candDone = true
			break
		}
		rec, err := p.processCandidates()
		if err != nil || rec != nil {
			return rec, err
		}
	}
	if !p.tailDone {
		p.tailDone = true
		return p.tail()
	}
	return nil, nil
}

// nextCandidates fills candL/candR with up to a batch of key-matched
// pairs, resuming where the last call stopped.
func (p *hashJoinProbe) nextCandidates() {
	b := p.bridge
	limit := p.ctx.batchSize()
	p.candL, p.candR = p.candL[:0], p.candR[:0]
	n := len(p.ids)
	if b.unique && !p.skipMatched {
		// Every key has at most one build row (a join on the build
		// side's key): a row's candidate is that row, no chain to walk.
		for ; p.row < n && len(p.candL) < limit; p.row++ {
			if id := p.ids[p.row]; id >= 0 {
				if r := b.start[id]; r < b.start[id+1] {
					p.candL = append(p.candL, int32(p.row))
					p.candR = append(p.candR, b.perm[r])
				}
			}
		}
		return
	}
	for p.row < n && len(p.candL) < limit {
		if p.chain == -2 {
			id := p.ids[p.row]
			if id < 0 {
				p.row++
				continue
			}
			p.chain, p.chainEnd, p.taken = b.start[id], b.start[id+1], 0
		}
		for p.chain < p.chainEnd && len(p.candL) < limit {
			if p.rowCap > 0 && p.taken >= p.rowCap {
				p.chain = p.chainEnd
				break
			}
			r := b.perm[p.chain]
			p.chain++
			if p.skipMatched && b.isMatched(int(r)) {
				// A right semi or anti join is settled for a build row
				// once it matched: skip the residual and the marking.
				continue
			}
			p.candL = append(p.candL, int32(p.row))
			p.candR = append(p.candR, r)
			p.taken++
		}
		if p.chain >= p.chainEnd {
			p.row++
			p.chain = -2
		}
	}
}

// gather builds a record of the given schema from the probe batch's rows
// li (-1: NULL) and the build side's rows ri.
func (p *hashJoinProbe) gather(schema *arrow.Schema, li, ri []int32, withRight bool) (arrow.Record, error) {
	var cols []arrow.Array
	fail := func(err error) (arrow.Record, error) {
		for _, c := range cols {
			c.Release()
		}
		return nil, err
	}
	for c := 0; c < p.nLeft; c++ {
		a, err := takeNullable(p.ctx.Alloc, p.probe.Column(c), li)
		if err != nil {
			return fail(err)
		}
		cols = append(cols, a)
	}
	if withRight {
		build := p.bridge.build
		for c := 0; c < int(build.NumCols()); c++ {
			a, err := takeNullable(p.ctx.Alloc, build.Column(c), ri)
			if err != nil {
				return fail(err)
			}
			cols = append(cols, a)
		}
	}
	rec := array.NewRecord(schema, cols, int64(len(li)))
	for _, c := range cols {
		c.Release()
	}
	return rec, nil
}

// applyResidual keeps the candidate pairs for which the residual is true.
func (p *hashJoinProbe) applyResidual() error {
	pairs, err := p.gather(p.pairSchema, p.candL, p.candR, true)
	if err != nil {
		return err
	}
	res, err := p.residual.Eval(p.ctx, pairs)
	pairs.Release()
	if err != nil {
		return err
	}
	defer res.Release()
	mask, ok := res.(*array.Boolean)
	if !ok || mask.Len() != len(p.candL) {
		return fmt.Errorf("%w: join condition %s returned %s of %d rows for %d pairs", ErrInternal, p.residual, res.DataType(), res.Len(), len(p.candL))
	}
	k := 0
	for i := range p.candL {
		if mask.IsNull(i) {
			if p.typ == JoinMark {
				p.unknown[p.candL[i]] = true
			}
			continue
		}
		if mask.Value(i) {
			p.candL[k], p.candR[k] = p.candL[i], p.candR[i]
			k++
		}
	}
	p.candL, p.candR = p.candL[:k], p.candR[:k]
	return nil
}

func (p *hashJoinProbe) processCandidates() (arrow.Record, error) {
	if p.residual != nil {
		if err := p.applyResidual(); err != nil {
			return nil, err
		}
	}
	if p.typ.countsMatches() {
		for _, l := range p.candL {
			p.matches[l]++
			if p.typ == JoinSingle && p.matches[l] > 1 {
				return nil, fmt.Errorf("%w: %s", ErrExec, errSubqueryRows)
			}
		}
	}
	if p.typ.emitsBuildRows() {
		for _, r := range p.candR {
			p.bridge.markMatched(r)
		}
	}
	switch p.typ {
	case JoinSemi, JoinAnti, JoinMark, JoinRightSemi, JoinRightAnti:
		return nil, nil
	}
	if len(p.candL) == 0 {
		return nil, nil
	}
	return p.gather(p.schema, p.candL, p.candR, true)
}

// tail emits what a batch contributes after all its pairs: unmatched rows
// for left/full/single joins, the matched or unmatched rows for semi and
// anti joins, every row with its mark for mark joins.
func (p *hashJoinProbe) tail() (arrow.Record, error) {
	var li []int32
	switch p.typ {
	case JoinInner, JoinRight, JoinRightSemi, JoinRightAnti:
		return nil, nil
	case JoinMark:
		n := len(p.matches)
		vals := make([]bool, n)
		valid := make([]bool, n)
		for i, m := range p.matches {
			vals[i] = m > 0
			valid[i] = m > 0 || !p.unknown[i]
		}
		mark := newBoolArray(p.ctx.Alloc, vals, valid)
		cols := append(append([]arrow.Array(nil), p.probe.Columns()...), mark)
		rec := array.NewRecord(p.schema, cols, int64(n))
		mark.Release()
		return rec, nil
	case JoinSemi:
		for i, m := range p.matches {
			if m > 0 {
				li = append(li, int32(i))
			}
		}
	default: // left, full, single, anti
		for i, m := range p.matches {
			if m == 0 {
				li = append(li, int32(i))
			}
		}
	}
	if len(li) == 0 {
		return nil, nil
	}
	if p.typ == JoinSemi || p.typ == JoinAnti {
		return p.gather(p.schema, li, nil, false)
	}
	ri := make([]int32, len(li))
	for i := range ri {
		ri[i] = -1
	}
	return p.gather(p.schema, li, ri, true)
}

// countsMatches reports whether the join's output depends on how many
// build rows each probe row matched (its unmatched rows, or whether it
// matched at all), kept in hashJoinProbe.matches.
func (t JoinType) countsMatches() bool {
	switch t {
	case JoinSemi, JoinAnti, JoinMark, JoinLeft, JoinFull, JoinSingle:
		return true
	}
	return false
}

// emitsBuildRows reports whether the join emits build rows after every
// probe has finished: the unmatched ones (right, full, right anti) or the
// matched ones (right semi).
func (t JoinType) emitsBuildRows() bool {
	switch t {
	case JoinRight, JoinFull, JoinRightSemi, JoinRightAnti:
		return true
	}
	return false
}

// unmatchedBuild emits the next batch of build rows no probe matched, with
// NULL left columns (right and full joins) or alone (right anti joins);
// for right semi joins it emits the matched build rows instead.
func (p *hashJoinProbe) unmatchedBuild() (arrow.Record, error) {
	b := p.bridge
	rows := int(b.build.NumRows())
	limit := p.ctx.batchSize()
	want := p.typ == JoinRightSemi
	var ri []int32
	for p.buildPos < rows && len(ri) < limit {
		if b.isMatched(p.buildPos) == want {
			ri = append(ri, int32(p.buildPos))
		}
		p.buildPos++
	}
	if len(ri) == 0 {
		return nil, nil
	}
	cols := make([]arrow.Array, 0, len(p.schema.Fields()))
	if p.typ == JoinRight || p.typ == JoinFull {
		for c := 0; c < p.nLeft; c++ {
			cols = append(cols, array.MakeArrayOfNull(p.ctx.Alloc, p.schema.Field(c).Type, len(ri)))
		}
	}
	for c := 0; c < int(b.build.NumCols()); c++ {
		a, err := takeNullable(p.ctx.Alloc, b.build.Column(c), ri)
		if err != nil {
			for _, x := range cols {
				x.Release()
			}
			return nil, err
		}
		cols = append(cols, a)
	}
	rec := array.NewRecord(p.schema, cols, int64(len(ri)))
	for _, c := range cols {
		c.Release()
	}
	return rec, nil
}

func (p *hashJoinProbe) Close() error {
	if p.closed {
		return nil
	}
	p.closed = true
	p.dropBatch()
	err := p.left.Close()
	if !p.finishSent {
		p.finishSent = true
		p.bridge.finishProbe()
	}
	if !p.releasedB {
		p.releasedB = true
		p.bridge.release()
	}
	return err
}

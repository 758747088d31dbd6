package exec

import (
	"fmt"
	"io"
	"slices"
	"sort"

	"github.com/apache/arrow/go/v15/arrow"
	"github.com/apache/arrow/go/v15/arrow/array"
)

type topNOp struct {
	child  Operator
	keys   []SortKey
	offset int64
	n      int64
	k      int // rows to keep: offset + n
	ctx    *Context

	kept     arrow.Record  // the best rows so far, in order; nil when none
	keptKeys []arrow.Array // kept's key arrays
	keptRes  int64         // bytes reserved for kept

	pending     []arrow.Record  // batches not yet merged into kept
	pendingKeys [][]arrow.Array // their key arrays
	pendingRows int
	pendingRes  int64

	entries    []sortEntry // scratch for merge
	entriesRes int64

	pos  int64 // next row of kept to emit
	done bool  // input consumed
	err  error
}

var _ Operator = (*topNOp)(nil)

// NewTopN returns the first n rows, after skipping offset rows, of child
// ordered by keys: ORDER BY ... LIMIT n OFFSET offset, with exactly the
// rows and order of NewSort followed by NewLimit (ties keep input order),
// but holding only about offset+n rows: batches are merged into the kept
// rows once as many are pending, so memory stays O(offset+n) plus a batch.
// Held bytes are reserved against the budget as "top-n". n must not be
// negative (use NewSort for no limit); a negative offset counts as zero.
func NewTopN(child Operator, keys []SortKey, offset, n int64) (Operator, error) {
	if child == nil {
		return nil, fmt.Errorf("%w: top-n without a child", ErrInternal)
	}
	if err := checkSortKeys("top-n", keys); err != nil {
		return nil, err
	}
	offset = max(offset, 0)
	if n < 0 || offset+n > 1<<31-1 || offset+n < 0 {
		return nil, fmt.Errorf("%w: top-n of %d rows after %d: the kept rows must number between 0 and 2^31-1 (use a sort for more)", ErrInternal, n, offset)
	}
	return &topNOp{child: child, keys: keys, offset: offset, n: n, k: int(offset + n)}, nil
}

func (t *topNOp) Schema() *arrow.Schema { return t.child.Schema() }

func (t *topNOp) Open(ctx *Context) error {
	t.ctx = ctx
	return t.child.Open(ctx)
}

func (t *topNOp) Next() (arrow.Record, error) {
	if t.err != nil {
		return nil, t.err
	}
	if !t.done {
		if err := t.consume(); err != nil {
			t.err = err
			t.free()
			return nil, err
		}
		t.done = true
		t.pos = t.offset
	}
	end := t.offset + t.n
	if t.kept != nil {
		end = min(end, t.kept.NumRows())
	}
	if t.kept == nil || t.pos >= end {
		t.err = io.EOF
		t.free()
		return nil, t.err
	}
	stop := min(end, t.pos+int64(t.ctx.batchSize()))
	out := t.kept.NewSlice(t.pos, stop)
	t.pos = stop
	return out, nil
}

// consume reads the whole input, merging pending batches into the kept
// rows whenever at least k (and a batch's worth) of rows are pending.
func (t *topNOp) consume() error {
	if t.k == 0 {
		return nil
	}
	for {
		rec, err := nextNonEmpty(t.ctx, t.child)
		if err == io.EOF {
			break
		}
		if err != nil {
			return err
		}
		keys, extra, err := evalSortKeys(t.ctx, t.keys, rec)
		if err != nil {
			rec.Release()
			return err
		}
		t.pending = append(t.pending, rec)
		t.pendingKeys = append(t.pendingKeys, keys)
		t.pendingRows += int(rec.NumRows())
		size := recordBytes(rec) + extra
		if err := t.ctx.Budget.Reserve("top-n", size); err != nil {
			return err
		}
		t.pendingRes += size
		if t.pendingRows >= max(t.k, t.ctx.batchSize()) {
			if err := t.merge(); err != nil {
				return err
			}
		}
	}
	if t.pendingRows > 0 {
		return t.merge()
	}
	return nil
}

// merge selects the best k rows of kept and pending with a bounded heap and
// makes them, sorted, the new kept rows.
func (t *topNOp) merge() error {
	chunks := t.pending
	keyChunks := t.pendingKeys
	if t.kept != nil {
		chunks = append([]arrow.Record{t.kept}, chunks...)
		keyChunks = append([][]arrow.Array{t.keptKeys}, keyChunks...)
	}
	starts := make([]int, len(chunks))
	total := 0
	for i, c := range chunks {
		starts[i] = total
		total += int(c.NumRows())
	}
	keyArrs := make([]arrow.Array, len(t.keys))
	defer releaseArrays(keyArrs)
	var tmp int64
	defer func() { t.ctx.Budget.Free(tmp) }()
	col := make([]arrow.Array, len(chunks))
	for k := range t.keys {
		for i, ks := range keyChunks {
			col[i] = ks[k]
		}
		if len(col) == 1 {
			keyArrs[k] = col[0]
			keyArrs[k].Retain()
			continue
		}
		a, err := array.Concatenate(col, t.ctx.Alloc)
		if err != nil {
			return fmt.Errorf("%w: top-n key %s: %v", ErrExec, t.keys[k].Expr, err)
		}
		keyArrs[k] = a
		if err := t.ctx.Budget.Reserve("top-n", arrayBytes(a)); err != nil {
			return err
		}
		tmp += arrayBytes(a)
	}
	order, err := newRowOrder(keyArrs, t.keys)
	if err != nil {
		return err
	}
	// Compare on the first key's prefix, touching the key columns only on
	// ties (and inexact prefixes), as the sort does.
	if cap(t.entries) < total {
		grow := int64(total-cap(t.entries)) * 16
		if err := t.ctx.Budget.Reserve("top-n", grow); err != nil {
			return err
		}
		t.entriesRes += grow
		t.entries = make([]sortEntry, total)
	}
	entries := t.entries[:total]
	exact := sortPrefixes(keyArrs[0], t.keys[0], entries)
	rest := order.cmps
	if exact {
		rest = rest[1:]
	}
	best := selectBest(total, t.k, func(i, j int) int {
		if pi, pj := entries[i].prefix, entries[j].prefix; pi != pj {
			if pi < pj {
				return -1
			}
			return 1
		}
		for _, c := range rest {
			if r := c(i, j); r != 0 {
				return r
			}
		}
		return i - j
	})
	refs := make([]pickRef, len(best))
	for i, g := range best {
		c := sort.Search(len(starts), func(c int) bool { return starts[c] > int(g) }) - 1
		refs[i] = makePickRef(c, int(g)-starts[c])
	}
	kept, err := newRecordPicker(t.child.Schema(), chunks).pick(t.ctx.Alloc, refs)
	if err != nil {
		return fmt.Errorf("top-n: %w", err)
	}
	keptKeys := make([]arrow.Array, len(t.keys))
	for k, a := range keyArrs {
		kk, err := pickRows(t.ctx.Alloc, []arrow.Array{a}, best64(best))
		if err != nil {
			kept.Release()
			releaseArrays(keptKeys)
			return fmt.Errorf("top-n: %w", err)
		}
		keptKeys[k] = kk
	}
	size := recordBytes(kept)
	for k, a := range keptKeys {
		if _, isCol := ColumnIndex(t.keys[k].Expr); !isCol {
			size += arrayBytes(a)
		}
	}
	t.releaseHeld()
	t.kept, t.keptKeys = kept, keptKeys
	if err := t.ctx.Budget.Reserve("top-n", size); err != nil {
		return err
	}
	t.keptRes = size
	return nil
}

// best64 turns row numbers into single-chunk pick references.
func best64(rows []int32) []pickRef {
	refs := make([]pickRef, len(rows))
	for i, r := range rows {
		refs[i] = pickRef(r)
	}
	return refs
}

// selectBest returns, in order, the k rows among 0..total-1 that compare
// first, using a max-heap of the k best seen so far whose root is the
// worst of them: a row enters only by beating the root.
func selectBest(total, k int, compare func(i, j int) int) []int32 {
	heap := make([]int32, 0, min(k, total))
	less := func(a, b int32) bool { return compare(int(a), int(b)) > 0 } // max-heap on order
	down := func(i int) {
		n := len(heap)
		for {
			l := 2*i + 1
			if l >= n {
				return
			}
			m := l
			if r := l + 1; r < n && less(heap[r], heap[l]) {
				m = r
			}
			if !less(heap[m], heap[i]) {
				return
			}
			heap[i], heap[m] = heap[m], heap[i]
			i = m
		}
	}
	for r := 0; r < total; r++ {
		row := int32(r)
		if len(heap) < k {
			heap = append(heap, row)
			for i := len(heap) - 1; i > 0; {
				p := (i - 1) / 2
				if !less(heap[i], heap[p]) {
					break
				}
				heap[i], heap[p] = heap[p], heap[i]
				i = p
			}
			continue
		}
		if compare(r, int(heap[0])) < 0 {
			heap[0] = row
			down(0)
		}
	}
	slices.SortFunc(heap, func(a, b int32) int { return compare(int(a), int(b)) })
	return heap
}

// releaseHeld drops the kept and pending rows and their reservations.
func (t *topNOp) releaseHeld() {
	if t.kept != nil {
		t.kept.Release()
		t.kept = nil
	}
	releaseArrays(t.keptKeys)
	t.keptKeys = nil
	for _, r := range t.pending {
		r.Release()
	}
	for _, ks := range t.pendingKeys {
		releaseArrays(ks)
	}
	t.pending, t.pendingKeys, t.pendingRows = nil, nil, 0
	if t.ctx != nil {
		t.ctx.Budget.Free(t.keptRes + t.pendingRes)
	}
	t.keptRes, t.pendingRes = 0, 0
}

func (t *topNOp) free() {
	t.releaseHeld()
	if t.ctx != nil {
		t.ctx.Budget.Free(t.entriesRes)
	}
	t.entries, t.entriesRes = nil, 0
}

func (t *topNOp) Close() error {
	t.free()
	return t.child.Close()
}

package exec

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"io"
	"math"
	"slices"
	"strings"

	"github.com/apache/arrow/go/v15/arrow"
	"github.com/apache/arrow/go/v15/arrow/array"
	"github.com/apache/arrow/go/v15/arrow/bitutil"
	"github.com/apache/arrow/go/v15/arrow/decimal128"
	"unsafe"
)

// SortKey is one ORDER BY item: an expression, its direction and where its
// NULLs go. NULL placement is independent of direction (DESC NULLS LAST
// keeps NULLs at the end). Floats order NaN above every other value, as
// PostgreSQL and DuckDB do, and -0 equal to 0.
type SortKey struct {
	Expr       Expr
	Desc       bool
	NullsFirst bool
}

func (k SortKey) String() string {
	var b strings.Builder
	b.WriteString(k.Expr.String())
	if k.Desc {
		b.WriteString(" DESC")
	}
	if k.NullsFirst {
		b.WriteString(" NULLS FIRST")
	} else {
		b.WriteString(" NULLS LAST")
	}
	return b.String()
}

// checkSortKeys reports, wrapping ErrType, a key whose type has no order.
func checkSortKeys(op string, keys []SortKey) error {
	if len(keys) == 0 {
		return fmt.Errorf("%w: %s without sort keys", ErrInternal, op)
	}
	for i, k := range keys {
		if k.Expr == nil {
			return fmt.Errorf("%w: %s key %d is nil", ErrInternal, op, i+1)
		}
		switch k.Expr.DataType().ID() {
		case arrow.BOOL, arrow.INT8, arrow.INT16, arrow.INT32, arrow.INT64,
			arrow.UINT8, arrow.UINT16, arrow.UINT32, arrow.UINT64,
			arrow.FLOAT32, arrow.FLOAT64, arrow.DECIMAL128,
			arrow.STRING, arrow.LARGE_STRING, arrow.BINARY, arrow.LARGE_BINARY,
			arrow.DATE32, arrow.DATE64, arrow.TIMESTAMP, arrow.TIME32, arrow.TIME64, arrow.DURATION:
		default:
			return fmt.Errorf("%w: %s key %s has type %s, which cannot be ordered", ErrType, op, k.Expr, k.Expr.DataType())
		}
	}
	return nil
}

// evalSortKeys evaluates keys over batch. A key that is a plain column
// shares the batch's column; extra reports the bytes of the others.
func evalSortKeys(ctx *Context, keys []SortKey, batch arrow.Record) (arrs []arrow.Array, extra int64, err error) {
	arrs = make([]arrow.Array, len(keys))
	for i, k := range keys {
		a, err := k.Expr.Eval(ctx, batch)
		if err != nil {
			releaseArrays(arrs)
			return nil, 0, fmt.Errorf("sort key %s: %w", k.Expr, err)
		}
		arrs[i] = a
		if !sameType(a.DataType(), k.Expr.DataType()) || int64(a.Len()) != batch.NumRows() {
			releaseArrays(arrs)
			return nil, 0, fmt.Errorf("%w: sort key %s returned %d rows of %s for %d rows of %s", ErrInternal, k.Expr, a.Len(), a.DataType(), batch.NumRows(), k.Expr.DataType())
		}
		if _, isCol := ColumnIndex(k.Expr); !isCol {
			extra += arrayBytes(a)
		}
	}
	return arrs, extra, nil
}

// rowOrder orders rows of a set of key arrays (one per SortKey, all the
// same length) with one typed comparator per key. Ties on every key are
// broken by row number, which makes any sort using it stable.
type rowOrder struct {
	cmps []func(i, j int) int
}

func newRowOrder(keyArrs []arrow.Array, keys []SortKey) (*rowOrder, error) {
	o := &rowOrder{cmps: make([]func(i, j int) int, len(keys))}
	for k, arr := range keyArrs {
		c, err := keyComparator(arr, keys[k])
		if err != nil {
			return nil, err
		}
		o.cmps[k] = c
	}
	return o, nil
}

// compare orders rows i and j: negative when i sorts first. It is zero
// only for i == j.
func (o *rowOrder) compare(i, j int) int {
	for _, c := range o.cmps {
		if r := c(i, j); r != 0 {
			return r
		}
	}
	return i - j
}

// keyComparator returns the comparator of one key over arr.
func keyComparator(arr arrow.Array, k SortKey) (func(i, j int) int, error) {
	var c func(i, j int) int
	switch arr.DataType().ID() {
	case arrow.INT8:
		c = orderedCmp(fixedValues[int8](arr), k.Desc)
	case arrow.INT16:
		c = orderedCmp(fixedValues[int16](arr), k.Desc)
	case arrow.INT32, arrow.DATE32, arrow.TIME32:
		c = orderedCmp(fixedValues[int32](arr), k.Desc)
	case arrow.INT64, arrow.DATE64, arrow.TIMESTAMP, arrow.TIME64, arrow.DURATION:
		c = orderedCmp(fixedValues[int64](arr), k.Desc)
	case arrow.UINT8:
		c = orderedCmp(fixedValues[uint8](arr), k.Desc)
	case arrow.UINT16:
		c = orderedCmp(fixedValues[uint16](arr), k.Desc)
	case arrow.UINT32:
		c = orderedCmp(fixedValues[uint32](arr), k.Desc)
	case arrow.UINT64:
		c = orderedCmp(fixedValues[uint64](arr), k.Desc)
	case arrow.FLOAT32:
		c = floatCmp(fixedValues[float32](arr), k.Desc)
	case arrow.FLOAT64:
		c = floatCmp(fixedValues[float64](arr), k.Desc)
	case arrow.DECIMAL128:
		c = decimalCmp(fixedValues[decimal128.Num](arr), k.Desc)
	case arrow.BOOL:
		c = boolCmp(arr, k.Desc)
	case arrow.STRING, arrow.BINARY:
		c = bytesCmp[int32](arr, k.Desc)
	case arrow.LARGE_STRING, arrow.LARGE_BINARY:
		c = bytesCmp[int64](arr, k.Desc)
	default:
		return nil, fmt.Errorf("%w: cannot order values of type %s (key %s)", ErrType, arr.DataType(), k.Expr)
	}
	if arr.NullN() == 0 {
		return c, nil
	}
	valid := arr.Data().Buffers()[0].Bytes()
	off := arr.Data().Offset()
	nullRank := 1
	if k.NullsFirst {
		nullRank = -1
	}
	return func(i, j int) int {
		vi, vj := bitutil.BitIsSet(valid, off+i), bitutil.BitIsSet(valid, off+j)
		switch {
		case vi && vj:
			return c(i, j)
		case vi == vj:
			return 0
		case !vi:
			return nullRank
		}
		return -nullRank
	}, nil
}

type orderedKey interface {
	~int8 | ~int16 | ~int32 | ~int64 | ~uint8 | ~uint16 | ~uint32 | ~uint64
}

func orderedCmp[T orderedKey](v []T, desc bool) func(i, j int) int {
	if desc {
		return func(i, j int) int {
			a, b := v[i], v[j]
			if a > b {
				return -1
			}
			if a < b {
				return 1
			}
			return 0
		}
	}
	return func(i, j int) int {
		a, b := v[i], v[j]
		if a < b {
			return -1
		}
		if a > b {
			return 1
		}
		return 0
	}
}

// compareFloat orders floats with NaN above everything and equal to
// itself.
func compareFloat[T float32 | float64](a, b T) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	case a == b:
		return 0
	}
	an, bn := a != a, b != b
	switch {
	case an && bn:
		return 0
	case an:
		return 1
	}
	return -1
}

func floatCmp[T float32 | float64](v []T, desc bool) func(i, j int) int {
	if desc {
		return func(i, j int) int { return compareFloat(v[j], v[i]) }
	}
	return func(i, j int) int { return compareFloat(v[i], v[j]) }
}

func compareDecimal(a, b decimal128.Num) int {
	ah, bh := a.HighBits(), b.HighBits()
	if ah != bh {
		if ah < bh {
			return -1
		}
		return 1
	}
	al, bl := a.LowBits(), b.LowBits()
	switch {
	case al < bl:
		return -1
	case al > bl:
		return 1
	}
	return 0
}

func decimalCmp(v []decimal128.Num, desc bool) func(i, j int) int {
	if desc {
		return func(i, j int) int { return compareDecimal(v[j], v[i]) }
	}
	return func(i, j int) int { return compareDecimal(v[i], v[j]) }
}

func boolCmp(arr arrow.Array, desc bool) func(i, j int) int {
	var bits []byte
	if b := arr.Data().Buffers()[1]; b != nil {
		bits = b.Bytes()
	}
	off := arr.Data().Offset()
	sign := 1
	if desc {
		sign = -1
	}
	return func(i, j int) int {
		a, b := bitutil.BitIsSet(bits, off+i), bitutil.BitIsSet(bits, off+j)
		if a == b {
			return 0
		}
		if b {
			return -sign
		}
		return sign
	}
}

func bytesCmp[O int32 | int64](arr arrow.Array, desc bool) func(i, j int) int {
	d := arr.Data()
	var offs []O
	var data []byte
	if d.Len() > 0 && d.Buffers()[1] != nil {
		offs = arrow.GetOffsets[O](d, 1)
		if d.Buffers()[2] != nil {
			data = d.Buffers()[2].Bytes()
		}
	}
	if desc {
		return func(i, j int) int {
			return bytes.Compare(data[offs[j]:offs[j+1]], data[offs[i]:offs[i+1]])
		}
	}
	return func(i, j int) int {
		return bytes.Compare(data[offs[i]:offs[i+1]], data[offs[j]:offs[j+1]])
	}
}

type sortOp struct {
	child Operator
	keys  []SortKey
	ctx   *Context

	batches   []arrow.Record  // the buffered input, non-empty batches only
	keyChunks [][]arrow.Array // per batch, its key arrays
	reserved  int64           // bytes reserved against the budget

	starts []int     // global row number of each batch's first row
	order  []pickRef // the rows in sorted order
	picker *recordPicker
	pos    int
	sorted bool
	err    error
}

var _ Operator = (*sortOp)(nil)

// NewSort returns an operator producing child's rows ordered by keys: a
// full, stable sort (rows equal on every key keep their input order).
// It buffers its whole input, reserving the bytes against the query's
// memory budget (the error wraps ErrMemoryLimit and names "sort" when the
// budget is exhausted), sorts a vector of row numbers with one typed
// comparator per key and gathers the output in batches of ctx.BatchSize.
// Keys must have an orderable type, otherwise the error wraps ErrType.
func NewSort(child Operator, keys []SortKey) (Operator, error) {
	if child == nil {
		return nil, fmt.Errorf("%w: sort without a child", ErrInternal)
	}
	if err := checkSortKeys("sort", keys); err != nil {
		return nil, err
	}
	return &sortOp{child: child, keys: keys}, nil
}

func (s *sortOp) Schema() *arrow.Schema { return s.child.Schema() }

func (s *sortOp) Open(ctx *Context) error {
	s.ctx = ctx
	return s.child.Open(ctx)
}

func (s *sortOp) reserve(n int64) error {
	if err := s.ctx.Budget.Reserve("sort", n); err != nil {
		return err
	}
	s.reserved += n
	return nil
}

func (s *sortOp) Next() (arrow.Record, error) {
	if s.err != nil {
		return nil, s.err
	}
	if !s.sorted {
		if err := s.consume(); err != nil {
			s.err = err
			s.free()
			return nil, err
		}
		s.sorted = true
	}
	if s.pos >= len(s.order) {
		s.err = io.EOF
		s.free()
		return nil, s.err
	}
	end := min(len(s.order), s.pos+s.ctx.batchSize())
	refs := s.order[s.pos:end]
	s.pos = end
	if s.picker == nil {
		s.picker = newRecordPicker(s.child.Schema(), s.batches)
	}
	out, err := s.picker.pick(s.ctx.Alloc, refs)
	if err != nil {
		s.err = fmt.Errorf("sort: %w", err)
		s.free()
		return nil, s.err
	}
	return out, nil
}

// consume buffers the child's whole input and sorts it.
func (s *sortOp) consume() error {
	total := 0
	for {
		rec, err := nextNonEmpty(s.ctx, s.child)
		if err == io.EOF {
			break
		}
		if err != nil {
			return err
		}
		keys, extra, err := evalSortKeys(s.ctx, s.keys, rec)
		if err != nil {
			rec.Release()
			return err
		}
		s.batches = append(s.batches, rec)
		s.keyChunks = append(s.keyChunks, keys)
		s.starts = append(s.starts, total)
		total += int(rec.NumRows())
		if err := s.reserve(recordBytes(rec) + extra); err != nil {
			return err
		}
	}
	if total > 1<<31-1 {
		return fmt.Errorf("%w: sort of %d rows exceeds the 2^31 rows one sort can order", ErrExec, total)
	}
	if total == 0 {
		return nil
	}
	// Index vectors, and one contiguous array per key so the comparators
	// index flat slices.
	if err := s.reserve(int64(total) * 8); err != nil { // the sorted row vector
		return err
	}
	keyArrs := make([]arrow.Array, len(s.keys))
	var concatBytes int64
	defer func() {
		// The flat key arrays only serve the sort itself.
		releaseArrays(keyArrs)
		s.ctx.Budget.Free(concatBytes)
		s.reserved -= concatBytes
	}()
	chunk := make([]arrow.Array, len(s.batches))
	for k := range s.keys {
		for b, ks := range s.keyChunks {
			chunk[b] = ks[k]
		}
		if len(chunk) == 1 {
			keyArrs[k] = chunk[0]
			keyArrs[k].Retain()
			continue
		}
		a, err := array.Concatenate(chunk, s.ctx.Alloc)
		if err != nil {
			return fmt.Errorf("%w: sort key %s: %v", ErrExec, s.keys[k].Expr, err)
		}
		keyArrs[k] = a
		if err := s.reserve(arrayBytes(a)); err != nil {
			return err
		}
		concatBytes += arrayBytes(a)
	}
	order, err := newRowOrder(keyArrs, s.keys)
	if err != nil {
		return err
	}
	if err := s.reserve(int64(total) * 32); err != nil { // entries and the radix scratch
		return err
	}
	entries := make([]sortEntry, total)
	exact := sortPrefixes(keyArrs[0], s.keys[0], entries)
	for b, rec := range s.batches {
		part := entries[s.starts[b] : s.starts[b]+int(rec.NumRows())]
		for i := range part {
			part[i].chunk = uint32(b)
		}
	}
	sortEntries(entries, order, exact)
	s.order = make([]pickRef, total)
	for i, e := range entries {
		s.order[i] = makePickRef(int(e.chunk), int(e.row)-s.starts[e.chunk])
	}
	s.ctx.Budget.Free(int64(total) * 32)
	s.reserved -= int64(total) * 32
	return nil
}

// sortEntry is a row with an order-preserving prefix of its first key: a
// <= b implies prefix(a) <= prefix(b), so most comparisons are settled by
// the prefix, held in the entry, without touching the key columns.
type sortEntry struct {
	prefix uint64
	row    uint32 // global row number: the comparators' index
	chunk  uint32 // the batch holding the row
}

// sortPrefixes fills entries (one per row, in row order) with the prefix of
// key k over arr and reports whether the prefix is exact: equal prefixes
// then mean equal keys. NULLs get the lowest or highest prefix and make it
// inexact, as do strings (8 bytes) and decimals outside int64.
func sortPrefixes(arr arrow.Array, k SortKey, entries []sortEntry) bool {
	exact := true
	signed := func(v int64) uint64 { return uint64(v) ^ 1<<63 }
	switch arr.DataType().ID() {
	case arrow.INT8:
		fillPrefixes(entries, fixedValues[int8](arr), func(v int8) uint64 { return signed(int64(v)) })
	case arrow.INT16:
		fillPrefixes(entries, fixedValues[int16](arr), func(v int16) uint64 { return signed(int64(v)) })
	case arrow.INT32, arrow.DATE32, arrow.TIME32:
		fillPrefixes(entries, fixedValues[int32](arr), func(v int32) uint64 { return signed(int64(v)) })
	case arrow.INT64, arrow.DATE64, arrow.TIMESTAMP, arrow.TIME64, arrow.DURATION:
		fillPrefixes(entries, fixedValues[int64](arr), signed)
	case arrow.UINT8:
		fillPrefixes(entries, fixedValues[uint8](arr), func(v uint8) uint64 { return uint64(v) })
	case arrow.UINT16:
		fillPrefixes(entries, fixedValues[uint16](arr), func(v uint16) uint64 { return uint64(v) })
	case arrow.UINT32:
		fillPrefixes(entries, fixedValues[uint32](arr), func(v uint32) uint64 { return uint64(v) })
	case arrow.UINT64:
		fillPrefixes(entries, fixedValues[uint64](arr), func(v uint64) uint64 { return v })
	case arrow.FLOAT32:
		fillPrefixes(entries, fixedValues[float32](arr), func(v float32) uint64 { return floatPrefix(float64(v)) })
	case arrow.FLOAT64:
		fillPrefixes(entries, fixedValues[float64](arr), floatPrefix)
	case arrow.DECIMAL128:
		fillPrefixes(entries, fixedValues[decimal128.Num](arr), func(v decimal128.Num) uint64 {
			hi, lo := v.HighBits(), v.LowBits()
			switch {
			case hi == int64(lo)>>63:
				return signed(int64(lo))
			case hi < 0:
				exact = false
				return 0
			}
			exact = false
			return math.MaxUint64
		})
	case arrow.BOOL:
		vals := arr.(*array.Boolean)
		for i := range entries {
			entries[i] = sortEntry{row: uint32(i)}
			if vals.Value(i) {
				entries[i].prefix = 1
			}
		}
	case arrow.STRING, arrow.BINARY, arrow.LARGE_STRING, arrow.LARGE_BINARY:
		exact = false
		vals := arr.(array.BinaryLike)
		for i := range entries {
			var b [8]byte
			copy(b[:], binaryValue(vals, i))
			entries[i] = sortEntry{prefix: binary.BigEndian.Uint64(b[:]), row: uint32(i)}
		}
	default:
		exact = false
		for i := range entries {
			entries[i] = sortEntry{row: uint32(i)}
		}
	}
	if k.Desc {
		for i := range entries {
			entries[i].prefix = ^entries[i].prefix
		}
	}
	if arr.NullN() > 0 {
		exact = false
		var nullPrefix uint64 = math.MaxUint64
		if k.NullsFirst {
			nullPrefix = 0
		}
		valid := arr.Data().Buffers()[0].Bytes()
		off := arr.Data().Offset()
		for i := range entries {
			if !bitutil.BitIsSet(valid, off+i) {
				entries[i].prefix = nullPrefix
			}
		}
	}
	return exact
}

func fillPrefixes[T any](entries []sortEntry, vals []T, f func(T) uint64) {
	for i, v := range vals[:len(entries)] {
		entries[i] = sortEntry{prefix: f(v), row: uint32(i)}
	}
}

// floatPrefix maps floats to unsigned integers in the same order, with
// -0 equal to 0 and every NaN equal and above +Inf.
func floatPrefix(v float64) uint64 {
	if v != v {
		v = math.NaN()
	}
	if v == 0 {
		v = 0
	}
	b := math.Float64bits(v)
	if b>>63 != 0 {
		return ^b
	}
	return b | 1<<63
}

func binaryValue(a array.BinaryLike, i int) []byte {
	switch a := a.(type) {
	case *array.String:
		return unsafe.Slice(unsafe.StringData(a.Value(i)), len(a.Value(i)))
	case *array.LargeString:
		return unsafe.Slice(unsafe.StringData(a.Value(i)), len(a.Value(i)))
	case *array.Binary:
		return a.Value(i)
	case *array.LargeBinary:
		return a.Value(i)
	}
	return nil
}

// sortEntries orders entries by prefix, then by the full order. An exact
// prefix of the only key needs no further comparison, and a stable radix
// sort then does the whole job.
func sortEntries(entries []sortEntry, order *rowOrder, exact bool) {
	if exact && len(order.cmps) == 1 {
		radixSortEntries(entries)
		return
	}
	rest := order.cmps
	if exact {
		rest = rest[1:]
	}
	slices.SortFunc(entries, func(a, b sortEntry) int {
		if a.prefix != b.prefix {
			if a.prefix < b.prefix {
				return -1
			}
			return 1
		}
		for _, c := range rest {
			if r := c(int(a.row), int(b.row)); r != 0 {
				return r
			}
		}
		return int(a.row) - int(b.row)
	})
}

// radixSortEntries sorts by prefix with a stable LSD radix sort, skipping
// the byte positions where every entry has the same byte.
func radixSortEntries(entries []sortEntry) {
	if len(entries) < 256 {
		slices.SortStableFunc(entries, func(a, b sortEntry) int {
			switch {
			case a.prefix < b.prefix:
				return -1
			case a.prefix > b.prefix:
				return 1
			}
			return 0
		})
		return
	}
	var counts [8][256]int
	for _, e := range entries {
		p := e.prefix
		for b := 0; b < 8; b++ {
			counts[b][byte(p>>(8*b))]++
		}
	}
	src, dst := entries, make([]sortEntry, len(entries))
	for b := 0; b < 8; b++ {
		c := &counts[b]
		if c[byte(src[0].prefix>>(8*b))] == len(src) {
			continue
		}
		var offs [256]int
		sum := 0
		for v := 0; v < 256; v++ {
			offs[v] = sum
			sum += c[v]
		}
		shift := uint(8 * b)
		for _, e := range src {
			d := byte(e.prefix >> shift)
			dst[offs[d]] = e
			offs[d]++
		}
		src, dst = dst, src
	}
	if &src[0] != &entries[0] {
		copy(entries, src)
	}
}

// free releases the buffered input and its reservation.
func (s *sortOp) free() {
	for _, r := range s.batches {
		r.Release()
	}
	for _, ks := range s.keyChunks {
		releaseArrays(ks)
	}
	s.batches, s.keyChunks, s.order, s.starts, s.picker = nil, nil, nil, nil, nil
	if s.ctx != nil {
		s.ctx.Budget.Free(s.reserved)
	}
	s.reserved = 0
}

func (s *sortOp) Close() error {
	s.free()
	return s.child.Close()
}

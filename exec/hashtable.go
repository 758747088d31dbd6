package exec

// The vectorized key hash table behind hash aggregation and hash joins.
//
// A keyTable maps tuples of key values to dense ids 0..n-1 (group ids for
// an aggregate, key ids for a join's build side). It works a batch at a
// time: the key columns are hashed column by column into one uint64 per
// row, the open-addressing slot array is probed with those hashes, and the
// candidate matches of a whole batch are then verified column by column
// with typed comparison loops, DuckDB style. Rows whose candidate turned
// out to hold a different key move to the next slot and go around again.
//
// Each slot is one uint64: the upper 32 bits of the row hash as a tag and
// id+1 in the lower 32 bits (0 is an empty slot), so a probe touches a
// single cache line and compares keys only when the tags agree. The table
// keeps its load at or below one half.
//
// A single 4- or 8-byte integer key (int32, date32, int64, timestamp) takes
// a fast path that hashes, probes and compares in one loop.
//
// For grouping, NULL is a key like any other (all NULLs form one group).
// Joins drop rows with a NULL key themselves, since NULL never matches.
//
// Insert mutates the table; Lookup only reads it and may run from several
// goroutines at once, each with its own tableScratch.

import (
	"encoding/binary"
	"fmt"
	"hash/maphash"
	"math"
	"math/bits"
	"strings"

	"github.com/apache/arrow/go/v15/arrow"
	"github.com/apache/arrow/go/v15/arrow/array"
	"github.com/apache/arrow/go/v15/arrow/bitutil"
	"github.com/apache/arrow/go/v15/arrow/decimal128"
	"github.com/apache/arrow/go/v15/arrow/memory"
)

const (
	hashNullValue = 0x9ae16a3b2f90404f // the hash contribution of a NULL key
	hashFloatNaN  = 0x7ff8000000000001 // the canonical NaN bits for float keys
)

var stringHashSeed = maphash.MakeSeed()

// mix64 is murmur3's 64-bit finalizer: a cheap bijection whose every
// output bit depends on every input bit, so both the slot (low bits) and
// the tag (high bits) are well spread.
func mix64(x uint64) uint64 {
	x ^= x >> 33
	x *= 0xff51afd7ed558ccd
	x ^= x >> 33
	x *= 0xc4ceb9fe1a85ec53
	x ^= x >> 33
	return x
}

// combineHash folds a column's hash into a row's running hash. Column
// hashes are already mixed, so a rotation (which keeps (a, b) and (b, a)
// apart) and an xor keep the result uniform without another mix.
func combineHash(h, c uint64) uint64 { return bits.RotateLeft64(h, 23) ^ c }

// keySupported reports whether values of dt can be hash keys.
func keySupported(dt arrow.DataType) bool {
	_, err := newKeyStore(dt)
	return err == nil
}

// keyStore holds the key values of one key column for every id of a table.
type keyStore interface {
	// hash writes (first) or folds (!first) the hash of every row of arr
	// into h.
	hash(arr arrow.Array, h []uint64, first bool)
	// appendRows stores the keys of the given rows of arr as new ids.
	appendRows(arr arrow.Array, rows []int32)
	// eqRows clears eq[k] when row rows[k] of arr differs from id ids[k].
	eqRows(arr arrow.Array, rows []int32, ids []uint32, eq []bool)
	// array materialises the stored keys, one per id, in id order.
	array(alloc memory.Allocator) (arrow.Array, error)
	// bytes is the memory the stored keys occupy.
	bytes() int64
}

func newKeyStore(dt arrow.DataType) (keyStore, error) {
	switch dt.ID() {
	case arrow.INT32, arrow.DATE32:
		return &fixedKeys[int32]{dt: dt}, nil
	case arrow.INT64, arrow.TIMESTAMP, arrow.DATE64:
		return &fixedKeys[int64]{dt: dt}, nil
	case arrow.FLOAT64:
		return &fixedKeys[int64]{dt: dt, float: true}, nil
	case arrow.DECIMAL128:
		return &fixedKeys[decimal128.Num]{dt: dt}, nil
	case arrow.BOOL:
		return &boolKeys{}, nil
	case arrow.STRING:
		return &stringKeys{dt: dt, offs: []int{0}}, nil
	}
	return nil, fmt.Errorf("%w: cannot hash keys of type %s", ErrType, dt)
}

// fixedKey is the set of in-memory key representations of fixed width.
type fixedKey interface {
	int32 | int64 | decimal128.Num
}

// fixedKeys stores fixed-width keys. Floats are stored as their bits with
// -0 folded into 0 and every NaN into one NaN, so equal SQL values share a
// group.
type fixedKeys[T fixedKey] struct {
	dt      arrow.DataType
	float   bool
	vals    []T
	valid   []bool
	scratch []T
}

// values returns arr's values as []T, normalising float bits.
func (s *fixedKeys[T]) values(arr arrow.Array) []T {
	vals := fixedValues[T](arr)
	if !s.float {
		return vals
	}
	if cap(s.scratch) < len(vals) {
		s.scratch = make([]T, len(vals))
	}
	out := s.scratch[:len(vals)]
	fs := fixedValues[float64](arr)
	bits := any(out).([]int64)
	for i, f := range fs {
		bits[i] = floatKeyBits(f)
	}
	return out
}

func floatKeyBits(f float64) int64 {
	switch {
	case f == 0:
		return 0
	case f != f:
		return hashFloatNaN
	}
	return int64(math.Float64bits(f))
}

func hashValue[T fixedKey](v T) uint64 {
	switch x := any(v).(type) {
	case int32:
		return mix64(uint64(int64(x)))
	case int64:
		return mix64(uint64(x))
	case decimal128.Num:
		return mix64(x.LowBits() ^ mix64(uint64(x.HighBits())))
	}
	return 0
}

func (s *fixedKeys[T]) hash(arr arrow.Array, h []uint64, first bool) {
	// Reading values here (not through s.values) keeps hash free of the
	// store's scratch, so a read-only table can hash from many goroutines.
	var vals []T
	if s.float {
		fs := fixedValues[float64](arr)
		bm, off := validityOf(arr)
		for i, f := range fs {
			c := mix64(uint64(floatKeyBits(f)))
			if bm != nil && !bitutil.BitIsSet(bm, off+i) {
				c = hashNullValue
			}
			if first {
				h[i] = c
			} else {
				h[i] = combineHash(h[i], c)
			}
		}
		return
	}
	vals = fixedValues[T](arr)
	bm, off := validityOf(arr)
	switch vs := any(vals).(type) {
	case []int64:
		for i, v := range vs {
			c := mix64(uint64(v))
			if bm != nil && !bitutil.BitIsSet(bm, off+i) {
				c = hashNullValue
			}
			if first {
				h[i] = c
			} else {
				h[i] = combineHash(h[i], c)
			}
		}
	case []int32:
		for i, v := range vs {
			c := mix64(uint64(int64(v)))
			if bm != nil && !bitutil.BitIsSet(bm, off+i) {
				c = hashNullValue
			}
			if first {
				h[i] = c
			} else {
				h[i] = combineHash(h[i], c)
			}
		}
	default:
		for i, v := range vals {
			c := hashValue(v)
			if bm != nil && !bitutil.BitIsSet(bm, off+i) {
				c = hashNullValue
			}
			if first {
				h[i] = c
			} else {
				h[i] = combineHash(h[i], c)
			}
		}
	}
}

func (s *fixedKeys[T]) appendRows(arr arrow.Array, rows []int32) {
	vals := s.values(arr)
	bm, off := validityOf(arr)
	s.vals = growCap(s.vals, len(rows))
	s.valid = growCap(s.valid, len(rows))
	var zero T
	for _, r := range rows {
		if bm != nil && !bitutil.BitIsSet(bm, off+int(r)) {
			s.vals = append(s.vals, zero)
			s.valid = append(s.valid, false)
			continue
		}
		s.vals = append(s.vals, vals[r])
		s.valid = append(s.valid, true)
	}
}

func (s *fixedKeys[T]) eqRows(arr arrow.Array, rows []int32, ids []uint32, eq []bool) {
	vals := s.values(arr)
	bm, off := validityOf(arr)
	if bm == nil {
		for k, r := range rows {
			id := ids[k]
			eq[k] = eq[k] && s.valid[id] && s.vals[id] == vals[r]
		}
		return
	}
	for k, r := range rows {
		id := ids[k]
		if bitutil.BitIsSet(bm, off+int(r)) {
			eq[k] = eq[k] && s.valid[id] && s.vals[id] == vals[r]
		} else {
			eq[k] = eq[k] && !s.valid[id]
		}
	}
}

func (s *fixedKeys[T]) array(alloc memory.Allocator) (arrow.Array, error) {
	if s.float {
		fs := make([]float64, len(s.vals))
		for i, b := range any(s.vals).([]int64) {
			fs[i] = math.Float64frombits(uint64(b))
			if b == hashFloatNaN {
				fs[i] = math.NaN()
			}
		}
		return newFixedArray(alloc, s.dt, fs, s.valid), nil
	}
	return newFixedArray(alloc, s.dt, s.vals, s.valid), nil
}

func (s *fixedKeys[T]) bytes() int64 {
	var zero T
	return int64(cap(s.vals))*int64(sizeOf(zero)) + int64(cap(s.valid))
}

func sizeOf[T fixedKey](v T) int {
	switch any(v).(type) {
	case int32:
		return 4
	case int64:
		return 8
	}
	return 16
}

// boolKeys stores boolean keys.
type boolKeys struct {
	vals  []bool
	valid []bool
}

func (s *boolKeys) hash(arr arrow.Array, h []uint64, first bool) {
	a := arr.(*array.Boolean)
	for i := 0; i < a.Len(); i++ {
		c := uint64(0x51ed2701f3a5c7b9)
		if a.IsNull(i) {
			c = hashNullValue
		} else if a.Value(i) {
			c = 0x2545f4914f6cdd1d
		}
		if first {
			h[i] = c
		} else {
			h[i] = combineHash(h[i], c)
		}
	}
}

func (s *boolKeys) appendRows(arr arrow.Array, rows []int32) {
	a := arr.(*array.Boolean)
	for _, r := range rows {
		ok := a.IsValid(int(r))
		s.vals = append(s.vals, ok && a.Value(int(r)))
		s.valid = append(s.valid, ok)
	}
}

func (s *boolKeys) eqRows(arr arrow.Array, rows []int32, ids []uint32, eq []bool) {
	a := arr.(*array.Boolean)
	for k, r := range rows {
		id := ids[k]
		if a.IsValid(int(r)) {
			eq[k] = eq[k] && s.valid[id] && s.vals[id] == a.Value(int(r))
		} else {
			eq[k] = eq[k] && !s.valid[id]
		}
	}
}

func (s *boolKeys) array(alloc memory.Allocator) (arrow.Array, error) {
	return newBoolArray(alloc, s.vals, s.valid), nil
}

func (s *boolKeys) bytes() int64 { return int64(cap(s.vals) + cap(s.valid)) }

// stringKeys stores utf8 keys back to back in one byte slice.
type stringKeys struct {
	dt    arrow.DataType
	data  []byte
	offs  []int // len = ids+1
	valid []bool
}

func (s *stringKeys) hash(arr arrow.Array, h []uint64, first bool) {
	offs, data := stringParts(arr)
	bm, off := validityOf(arr)
	for i := range h[:arr.Len()] {
		var c uint64
		if bm != nil && !bitutil.BitIsSet(bm, off+i) {
			c = hashNullValue
		} else {
			c = hashBytes(data[offs[i]:offs[i+1]])
		}
		if first {
			h[i] = c
		} else {
			h[i] = combineHash(h[i], c)
		}
	}
}

// stringParts returns a utf8 array's offsets (one more than its length,
// already shifted by the array's offset) and its whole data buffer.
func stringParts(arr arrow.Array) ([]int32, []byte) {
	a := arr.(*array.String)
	var data []byte
	if bufs := a.Data().Buffers(); len(bufs) > 2 && bufs[2] != nil {
		data = bufs[2].Bytes()
	}
	return a.ValueOffsets(), data
}

// hashBytes hashes a key string. Keys of up to 16 bytes (flags, codes,
// short names: the common case) are folded into two words and mixed
// inline; longer ones go to the runtime's AES-based hash.
func hashBytes(b []byte) uint64 {
	n := len(b)
	if n > 16 {
		return maphash.Bytes(stringHashSeed, b)
	}
	var lo, hi uint64
	if n > 8 {
		lo = binary.LittleEndian.Uint64(b)
		for j, c := range b[8:] {
			hi |= uint64(c) << (8 * j)
		}
		return mix64(lo ^ mix64(hi^uint64(n)*0x9e3779b97f4a7c15))
	}
	for j, c := range b {
		lo |= uint64(c) << (8 * j)
	}
	return mix64(lo ^ uint64(n)*0x9e3779b97f4a7c15)
}

func (s *stringKeys) appendRows(arr arrow.Array, rows []int32) {
	a := arr.(*array.String)
	bm, off := validityOf(arr)
	offs := a.ValueOffsets()
	total := 0
	for _, r := range rows {
		total += int(offs[r+1] - offs[r])
	}
	s.data = growCap(s.data, total)
	s.offs = growCap(s.offs, len(rows))
	s.valid = growCap(s.valid, len(rows))
	for _, r := range rows {
		ok := bm == nil || bitutil.BitIsSet(bm, off+int(r))
		if ok {
			s.data = append(s.data, a.Value(int(r))...)
		}
		s.offs = append(s.offs, len(s.data))
		s.valid = append(s.valid, ok)
	}
}

func (s *stringKeys) eqRows(arr arrow.Array, rows []int32, ids []uint32, eq []bool) {
	offs, data := stringParts(arr)
	bm, off := validityOf(arr)
	for k, r := range rows {
		id := ids[k]
		if bm != nil && !bitutil.BitIsSet(bm, off+int(r)) {
			eq[k] = eq[k] && !s.valid[id]
			continue
		}
		eq[k] = eq[k] && s.valid[id] && string(s.data[s.offs[id]:s.offs[id+1]]) == string(data[offs[r]:offs[r+1]])
	}
}

func (s *stringKeys) array(alloc memory.Allocator) (arrow.Array, error) {
	return newStringArray(alloc, s.dt, s.data, s.offs, s.valid)
}

func (s *stringKeys) bytes() int64 {
	return int64(cap(s.data)) + 8*int64(cap(s.offs)) + int64(cap(s.valid))
}

// growCap returns s with room for extra more elements, doubling its
// capacity when it must grow: append grows large slices by a quarter at a
// time, and each step is a fresh allocation whose pages fault in when
// first written, which made key columns of many groups costly to build.
func growCap[T any](s []T, extra int) []T {
	if cap(s)-len(s) >= extra {
		return s
	}
	ns := make([]T, len(s), max(2*cap(s), len(s)+extra, 64))
	copy(ns, s)
	return ns
}

// keyTable maps key tuples to dense ids. See the file comment.
type keyTable struct {
	types  []arrow.DataType
	cols   []keyStore
	slots  []uint64 // tag<<32 | id+1; 0 = empty
	mask   uint64
	hashes []uint64 // per id, for rehashing on growth
	// fast is set for a single integer key of 4 or 8 bytes.
	fast    bool
	fast32  bool
	fastKey []int64 // the fast path's keys, per id
	nullID  int64   // the fast path's id of the NULL key, -1 if none
	// tiny caches the ids of keys made only of strings of at most one
	// byte and booleans (flags and status codes), indexed by tinyCode;
	// an entry holds id+1, 0 when not yet seen. nil when the key columns
	// do not allow it.
	tiny        []uint32
	tinyStrides []uint32
	// dense, when set, indexes the keys of a frozen single-integer table
	// (a join's build side, see InsertFrozen) directly: key v has id
	// dense[v-denseMin]-1, and 0 means absent (so a fresh allocation is
	// an empty index, and pages no key lands on are never touched). A
	// lookup is one load, and probe keys that arrive in key order (fact
	// tables sorted by their key, as TPC-H's) read it sequentially.
	dense    []uint32
	denseMin int64
	// rank, when set, indexes the keys of a frozen single-integer table
	// whose keys are too sparse for dense (see rankIndex).
	rank *rankIndex
	// filter, when set, has bit mix64(key)>>filterShift set for every key
	// of a frozen single-integer table (see buildFilter).
	filter      []uint64
	filterShift uint
	scratch     tableScratch
}

// tableScratch is per-goroutine working memory for inserting and looking
// up one batch.
type tableScratch struct {
	hashes []uint64
	pos    []uint64
	sel    []int32
	next   []int32
	cand   []int32
	candID []uint32
	eq     []bool
	fresh  []int32
	i64    []int64
	codes  []uint32
	miss   []int32
	ids    []int32
}

func (s *tableScratch) size(n int) {
	if cap(s.hashes) < n {
		s.hashes = make([]uint64, n)
		s.pos = make([]uint64, n)
		s.sel = make([]int32, n)
		s.next = make([]int32, n)
		s.cand = make([]int32, n)
		s.candID = make([]uint32, n)
		s.eq = make([]bool, n)
		s.fresh = make([]int32, n)
	}
}

func newKeyTable(types []arrow.DataType) (*keyTable, error) {
	if len(types) == 0 {
		return nil, fmt.Errorf("%w: a hash table needs at least one key column", ErrInternal)
	}
	t := &keyTable{types: types, nullID: -1}
	for _, dt := range types {
		ks, err := newKeyStore(dt)
		if err != nil {
			return nil, err
		}
		t.cols = append(t.cols, ks)
	}
	if len(types) == 1 {
		switch types[0].ID() {
		case arrow.INT32, arrow.DATE32:
			t.fast, t.fast32 = true, true
		case arrow.INT64, arrow.TIMESTAMP, arrow.DATE64:
			t.fast = true
		}
	}
	t.initTiny()
	t.resize(64)
	return t, nil
}

// tinyMaxCodes bounds the tiny map: two one-byte string columns fit.
const tinyMaxCodes = 1 << 17

// tinyCodes is the number of codes of a key column on the tiny path: a
// string of at most one byte is NULL, empty or one of 256 bytes; a
// boolean is NULL, false or true. 0 for other types.
func tinyCodes(dt arrow.DataType) uint32 {
	switch dt.ID() {
	case arrow.STRING:
		return 258
	case arrow.BOOL:
		return 3
	}
	return 0
}

func (t *keyTable) initTiny() {
	total := uint32(1)
	strides := make([]uint32, len(t.types))
	for i, dt := range t.types {
		c := tinyCodes(dt)
		if c == 0 || total*c > tinyMaxCodes {
			return
		}
		strides[i] = total
		total *= c
	}
	t.tiny, t.tinyStrides = make([]uint32, total), strides
}

// tinyCode writes the tiny code of every row of keys into codes and
// reports false if some string in the batch is longer than one byte.
func (t *keyTable) tinyCode(keys []arrow.Array, codes []uint32) bool {
	for c, arr := range keys {
		stride := t.tinyStrides[c]
		bm, off := validityOf(arr)
		switch arr.DataType().ID() {
		case arrow.STRING:
			offs, data := stringParts(arr)
			var long int32
			for i := range codes {
				o, l := offs[i], offs[i+1]-offs[i]
				long |= l &^ 1
				code := uint32(1)
				if l == 1 {
					code = 2 + uint32(data[o])
				}
				if bm != nil && !bitutil.BitIsSet(bm, off+i) {
					code = 0
				}
				if c == 0 {
					codes[i] = code
				} else {
					codes[i] += code * stride
				}
			}
			if long != 0 {
				return false
			}
		case arrow.BOOL:
			a := arr.(*array.Boolean)
			for i := range codes {
				code := uint32(1)
				if a.IsNull(i) {
					code = 0
				} else if a.Value(i) {
					code = 2
				}
				if c == 0 {
					codes[i] = code
				} else {
					codes[i] += code * stride
				}
			}
		}
	}
	return true
}

// insertTiny looks the batch's keys up in the tiny map, sending keys not
// yet there through the general path once per batch and caching the ids
// it assigns. It reports false (doing nothing) when some key is too long.
func (t *keyTable) insertTiny(keys []arrow.Array, rows []int32, ids []uint32) bool {
	s := &t.scratch
	n := len(ids)
	if cap(s.codes) < n {
		s.codes = make([]uint32, n)
		s.miss = make([]int32, n)
	}
	codes := s.codes[:n]
	if !t.tinyCode(keys, codes) {
		return false
	}
	tiny := t.tiny
	miss := s.miss[:0]
	if rows == nil {
		for i, c := range codes {
			id := tiny[c]
			ids[i] = id - 1
			if id == 0 {
				miss = append(miss, int32(i))
			}
		}
	} else {
		for _, i := range rows {
			id := tiny[codes[i]]
			ids[i] = id - 1
			if id == 0 {
				miss = append(miss, i)
			}
		}
	}
	if len(miss) > 0 {
		s.miss = miss
		t.insertGeneral(keys, miss, ids)
		for _, i := range miss {
			tiny[codes[i]] = ids[i] + 1
		}
	}
	return true
}

// Len is the number of distinct keys (ids) in the table.
func (t *keyTable) Len() int {
	if t.fast {
		return len(t.fastKey)
	}
	return len(t.hashes)
}

// Bytes is the memory the table holds.
func (t *keyTable) Bytes() int64 {
	n := 8*int64(cap(t.slots)) + 8*int64(cap(t.hashes)) + 8*int64(cap(t.fastKey)) + 4*int64(cap(t.dense)) + 8*int64(cap(t.filter))
	if t.rank != nil {
		n += 8*int64(cap(t.rank.bits)) + 4*int64(cap(t.rank.cum))
	}
	for _, c := range t.cols {
		n += c.bytes()
	}
	return n
}

func (t *keyTable) resize(nslots int) {
	t.slots = make([]uint64, nslots)
	t.mask = uint64(nslots - 1)
	for id, h := range t.hashes {
		if int64(id) == t.nullID {
			continue // the fast path's NULL id has no slot
		}
		p := h & t.mask
		for t.slots[p] != 0 {
			p = (p + 1) & t.mask
		}
		t.slots[p] = h>>32<<32 | uint64(id+1)
	}
}

// reserve grows the slot array so that n more ids keep the load <= 1/2.
func (t *keyTable) reserve(n int) {
	need := 2 * (len(t.hashes) + n)
	if need <= len(t.slots) {
		return
	}
	size := len(t.slots)
	for size < need {
		size *= 2
	}
	t.resize(size)
}

func (t *keyTable) checkKeys(keys []arrow.Array) error {
	if len(keys) != len(t.cols) {
		return fmt.Errorf("%w: hash table has %d key columns, got %d", ErrInternal, len(t.cols), len(keys))
	}
	for i, k := range keys {
		if !sameType(k.DataType(), t.types[i]) {
			return fmt.Errorf("%w: hash key %d is %s, table expects %s", ErrInternal, i, k.DataType(), t.types[i])
		}
	}
	return nil
}

// Insert assigns an id to every row of keys (all of one length), adding
// new ids for keys not seen before. ids must have room for the rows.
func (t *keyTable) Insert(keys []arrow.Array, ids []uint32) error {
	return t.InsertRows(keys, nil, ids)
}

// InsertRows is Insert for the rows listed in rows only (every row when
// rows is nil): ids[i] is set for each listed row i, other entries are
// left alone, and keys of unlisted rows never enter the table. ids must
// have room for every row of keys.
func (t *keyTable) InsertRows(keys []arrow.Array, rows []int32, ids []uint32) error {
	if err := t.checkKeys(keys); err != nil {
		return err
	}
	n := keys[0].Len()
	if len(t.hashes)+n > math.MaxUint32-1 {
		return fmt.Errorf("%w: hash table exceeds %d keys", ErrExec, uint32(math.MaxUint32-1))
	}
	ids = ids[:n]
	// Room for every row to be a new key, so the appends below never
	// reallocate mid-batch.
	t.hashes = growCap(t.hashes, n)
	if t.fast {
		t.fastKey = growCap(t.fastKey, n)
	}
	if t.dense != nil {
		if t.insertDense(keys[0], rows, ids) {
			return nil
		}
		t.leaveDense()
	}
	t.reserve(n)
	if t.fast {
		t.insertFast(keys[0], rows, ids)
		return nil
	}
	if t.tiny != nil && t.insertTiny(keys, rows, ids) {
		return nil
	}
	t.insertGeneral(keys, rows, ids)
	return nil
}

// Direct-index limits. A frozen integer table indexes its keys directly
// when their span (max-min+1) is at most denseSmallSpan or denseDensity
// times the number of keys: the array then costs about what the slot
// array and key copy of the hash path do. Up to rankDensity times the keys
// (or, however sparse, up to rankSmallSpan values, and never beyond
// rankMaxSpan) it uses a rank index instead, a bitmap of the span
// with running counts: 3/16 of a byte per value of the span, so a sparse
// key set (a filtered build side over a fact table's keys) still gets a
// cache-resident index, and no page of memory that no key lands on is
// allocated, written or read.
const (
	denseSmallSpan = 1 << 16
	denseDensity   = 8
	rankDensity    = 512
	rankSmallSpan  = 1 << 22 // a 768 KiB index, whatever the keys
	rankMaxSpan    = 1 << 28
)

// rankIndex maps the keys of a sparse integer set to their rank: key v
// has id cum[w] + (the set bits of bits[w] below v's), w = (v-lo)/64.
// Ids are the keys' ranks, so fastKey is sorted.
type rankIndex struct {
	lo   int64
	span uint64
	bits []uint64
	cum  []uint32 // set bits in bits[:w]
}

// id is key v's id, or -1 when v is not a key.
func (r *rankIndex) id(v int64) int32 {
	d := uint64(v - r.lo)
	if d >= r.span {
		return -1
	}
	w, b := r.bits[d>>6], uint64(1)<<(d&63)
	if w&b == 0 {
		return -1
	}
	return int32(r.cum[d>>6]) + int32(bits.OnesCount64(w&(b-1)))
}

// InsertFrozen is Insert for a table that takes all its keys in this one
// call and is only looked up afterwards (a hash join's build side). A
// single integer key whose values span a narrow enough range is then
// indexed directly instead of hashed. Insert must not be called after it.
func (t *keyTable) InsertFrozen(keys []arrow.Array, ids []uint32) error {
	if err := t.checkKeys(keys); err != nil {
		return err
	}
	n := keys[0].Len()
	if !t.fast || len(t.hashes) != 0 || n == 0 || n > math.MaxInt32-1 {
		return t.Insert(keys, ids)
	}
	arr := keys[0]
	vals := t.fastValues(arr, &t.scratch)
	bm, off := validityOf(arr)
	lo, hi, found := int64(math.MaxInt64), int64(math.MinInt64), false
	for i, v := range vals {
		if bm != nil && !bitutil.BitIsSet(bm, off+i) {
			continue
		}
		lo, hi, found = min(lo, v), max(hi, v), true
	}
	span := uint64(hi-lo) + 1
	switch {
	case found && span != 0 && (span <= denseSmallSpan || span <= denseDensity*uint64(n)):
	case found && span != 0 && (span <= rankSmallSpan || span <= rankDensity*uint64(n)) && span <= rankMaxSpan:
		t.insertRank(vals, bm, off, lo, span, ids[:n])
		return nil
	default: // span 0: the whole int64 range
		if err := t.Insert(keys, ids); err != nil {
			return err
		}
		t.buildFilter()
		return nil
	}
	t.dense, t.denseMin = make([]uint32, span), lo
	t.fastKey = make([]int64, 0, min(uint64(n), span))
	t.fillDense(vals, bm, off, nil, ids[:n], false)
	t.slots, t.hashes = nil, nil
	return nil
}

// insertRank builds the rank index of the keys vals (all of them but the
// NULLs, which share the id after the last key) and writes each row's id.
func (t *keyTable) insertRank(vals []int64, bm []byte, off int, lo int64, span uint64, ids []uint32) {
	words := (span + 63) / 64
	r := &rankIndex{lo: lo, span: span, bits: make([]uint64, words), cum: make([]uint32, words)}
	hasNull := false
	for i, v := range vals {
		if bm != nil && !bitutil.BitIsSet(bm, off+i) {
			hasNull = true
			continue
		}
		d := uint64(v - lo)
		r.bits[d>>6] |= 1 << (d & 63)
	}
	var keys uint32
	for w, b := range r.bits {
		r.cum[w] = keys
		keys += uint32(bits.OnesCount64(b))
	}
	t.fastKey = make([]int64, keys, int(keys)+1)
	for w, b := range r.bits {
		for k := r.cum[w]; b != 0; k++ {
			t.fastKey[k] = lo + int64(w)*64 + int64(bits.TrailingZeros64(b))
			b &= b - 1
		}
	}
	if hasNull {
		t.nullID = int64(keys)
		t.fastKey = append(t.fastKey, 0)
	}
	for i, v := range vals {
		if bm != nil && !bitutil.BitIsSet(bm, off+i) {
			ids[i] = uint32(t.nullID)
			continue
		}
		ids[i] = uint32(r.id(v))
	}
	t.rank = r
	t.slots, t.hashes = nil, nil
}

// buildFilter sets the key filter of a frozen single-integer table that
// is looked up through its slots (a join's build side that is neither
// dense nor ranked): one bit per hash, about 16 bits per
// key, so a probe key that is not in the table (most of them, under a
// selective build side such as TPC-H Q17's 200 parts) is turned away by
// one cache-resident load and a well-predicted branch instead of a walk
// of the slots that mispredicts whenever it meets an occupied slot.
func (t *keyTable) buildFilter() {
	bits := uint64(1) << 12
	for bits < 16*uint64(len(t.fastKey)) {
		bits <<= 1
	}
	filter := make([]uint64, bits/64)
	shift := 64 - uint(bitsLen(bits))
	for id, v := range t.fastKey {
		if int64(id) == t.nullID {
			continue
		}
		b := mix64(uint64(v)) >> shift
		filter[b>>6] |= 1 << (b & 63)
	}
	t.filter, t.filterShift = filter, shift
}

// bitsLen is the number of bits needed for indexes below n, a power of two.
func bitsLen(n uint64) int { return bits.TrailingZeros64(n) }

// denseGroupSpan bounds the direct index of a growing table (presetDense):
// 64 MiB of ids.
const denseGroupSpan = 1 << 24

// presetDense makes a new single-integer table index keys in [lo, hi]
// directly while it grows (a hash aggregate whose group key's range the
// table statistics know): a new key takes the next id, a known one is a
// single load, and there is nothing to rehash as the table grows. The
// first key outside the range turns the table back into a hash table
// (leaveDense).
func (t *keyTable) presetDense(lo, hi int64) {
	span := uint64(hi-lo) + 1
	if !t.fast || len(t.hashes) != 0 || hi < lo || span == 0 || span > denseGroupSpan {
		return
	}
	t.dense, t.denseMin = make([]uint32, span), lo
}

// insertDense is insertFast through the direct index. It reports false,
// inserting nothing, when a listed key falls outside the index.
func (t *keyTable) insertDense(arr arrow.Array, rows []int32, ids []uint32) bool {
	vals := t.fastValues(arr, &t.scratch)
	bm, off := validityOf(arr)
	lo, span := t.denseMin, uint64(len(t.dense))
	outside := false
	if rows == nil {
		for i, v := range vals {
			if uint64(v-lo) >= span && (bm == nil || bitutil.BitIsSet(bm, off+i)) {
				outside = true
				break
			}
		}
	} else {
		for _, i := range rows {
			if uint64(vals[i]-lo) >= span && (bm == nil || bitutil.BitIsSet(bm, off+int(i))) {
				outside = true
				break
			}
		}
	}
	if outside {
		return false
	}
	t.fillDense(vals, bm, off, rows, ids, true)
	return true
}

// fillDense assigns ids through the direct index to the listed rows (all
// when rows is nil) of vals, all inside the index, adding new keys. A
// growing table also keeps each key's hash, for leaveDense; a frozen one
// (InsertFrozen) never rehashes.
func (t *keyTable) fillDense(vals []int64, bm []byte, off int, rows []int32, ids []uint32, growing bool) {
	dense, lo := t.dense, t.denseMin
	for k := range len(vals) {
		i := k
		if rows != nil {
			if k >= len(rows) {
				break
			}
			i = int(rows[k])
		}
		if bm != nil && !bitutil.BitIsSet(bm, off+i) {
			if growing {
				ids[i] = t.nullKeyID()
				continue
			}
			if t.nullID < 0 {
				t.nullID = int64(len(t.fastKey))
				t.fastKey = append(t.fastKey, 0)
			}
			ids[i] = uint32(t.nullID)
			continue
		}
		v := vals[i]
		d := &dense[v-lo]
		if *d == 0 {
			t.fastKey = append(t.fastKey, v)
			if growing {
				t.hashes = append(t.hashes, mix64(uint64(v)))
			}
			*d = uint32(len(t.fastKey))
		}
		ids[i] = *d - 1
	}
}

// nullKeyID returns the id of the NULL key of a growing single-integer
// table, adding it on first use. The NULL id lives outside the slot array
// (resize skips it), so no value can ever match it.
func (t *keyTable) nullKeyID() uint32 {
	if t.nullID < 0 {
		t.nullID = int64(len(t.hashes))
		t.hashes = append(t.hashes, hashNullValue)
		t.fastKey = append(t.fastKey, 0)
	}
	return uint32(t.nullID)
}

// leaveDense drops a growing table's direct index and builds its slots
// from the keys so far.
func (t *keyTable) leaveDense() {
	t.dense = nil
	size := 64
	for size < 2*len(t.hashes) {
		size *= 2
	}
	t.resize(size)
}

// fastValues returns a single-integer key column widened to int64.
func (t *keyTable) fastValues(arr arrow.Array, s *tableScratch) []int64 {
	if !t.fast32 {
		return fixedValues[int64](arr)
	}
	v32 := fixedValues[int32](arr)
	if cap(s.i64) < len(v32) {
		s.i64 = make([]int64, len(v32))
	}
	out := s.i64[:len(v32)]
	for i, v := range v32 {
		out[i] = int64(v)
	}
	return out
}

func (t *keyTable) insertFast(arr arrow.Array, rows []int32, ids []uint32) {
	vals := t.fastValues(arr, &t.scratch)
	bm, off := validityOf(arr)
	slots, mask := t.slots, t.mask
	for k := range len(vals) {
		i := k
		if rows != nil {
			if k >= len(rows) {
				break
			}
			i = int(rows[k])
		}
		v := vals[i]
		if bm != nil && !bitutil.BitIsSet(bm, off+i) {
			ids[i] = t.nullKeyID()
			continue
		}
		h := mix64(uint64(v))
		tag := h >> 32 << 32
		p := h & mask
		for {
			sl := slots[p]
			if sl == 0 {
				id := uint32(len(t.hashes))
				slots[p] = tag | uint64(id+1)
				t.hashes = append(t.hashes, h)
				t.fastKey = append(t.fastKey, v)
				ids[i] = id
				break
			}
			if sl&^0xffffffff == tag && t.fastKey[uint32(sl)-1] == v {
				ids[i] = uint32(sl) - 1
				break
			}
			p = (p + 1) & mask
		}
	}
}

// insertGeneral assigns ids to the listed rows (all when rows is nil)
// through the slot array. rows must not be the scratch's sel or next.
func (t *keyTable) insertGeneral(keys []arrow.Array, rows []int32, ids []uint32) {
	n := len(ids)
	s := &t.scratch
	s.size(n)
	h := s.hashes[:n]
	for c, col := range t.cols {
		col.hash(keys[c], h, c == 0)
	}
	sel := s.sel[:n]
	if rows == nil {
		for i := range sel {
			sel[i] = int32(i)
		}
	} else {
		sel = sel[:copy(sel, rows)]
	}
	for _, i := range sel {
		s.pos[i] = h[i] & t.mask
	}
	for len(sel) > 0 {
		fresh := s.fresh[:0]
		cand := s.cand[:0]
		candID := s.candID[:0]
		for _, i := range sel {
			hv := h[i]
			tag := hv >> 32 << 32
			p := s.pos[i]
			for {
				sl := t.slots[p]
				if sl == 0 {
					id := uint32(len(t.hashes))
					t.slots[p] = tag | uint64(id+1)
					t.hashes = append(t.hashes, hv)
					ids[i] = id
					fresh = append(fresh, i)
					break
				}
				if sl&^0xffffffff == tag {
					cand = append(cand, i)
					candID = append(candID, uint32(sl)-1)
					s.pos[i] = p
					break
				}
				p = (p + 1) & t.mask
			}
		}
		// Store the new keys before verifying candidates: a candidate may
		// point at an id created earlier in this very pass.
		for c, col := range t.cols {
			col.appendRows(keys[c], fresh)
		}
		if len(cand) == 0 {
			break
		}
		eq := s.eq[:len(cand)]
		for k := range eq {
			eq[k] = true
		}
		for c, col := range t.cols {
			col.eqRows(keys[c], cand, candID, eq)
		}
		next := s.next[:0]
		for k, i := range cand {
			if eq[k] {
				ids[i] = candID[k]
			} else {
				s.pos[i] = (s.pos[i] + 1) & t.mask
				next = append(next, i)
			}
		}
		// sel and next alternate between the two buffers.
		s.sel, s.next = s.next, s.sel
		sel = next
	}
}

// Lookup writes the id of every row's key into ids, or -1 for keys not in
// the table. It does not modify the table, so several goroutines may look
// up concurrently, each with its own scratch.
func (t *keyTable) Lookup(keys []arrow.Array, ids []int32, s *tableScratch) error {
	if err := t.checkKeys(keys); err != nil {
		return err
	}
	n := keys[0].Len()
	ids = ids[:n]
	if t.fast {
		t.lookupFast(keys[0], nil, ids, s)
		return nil
	}
	s.size(n)
	h := s.hashes[:n]
	for c, col := range t.cols {
		col.hash(keys[c], h, c == 0)
	}
	sel := s.sel[:n]
	for i := range sel {
		sel[i] = int32(i)
		s.pos[i] = h[i] & t.mask
	}
	for len(sel) > 0 {
		cand := s.cand[:0]
		candID := s.candID[:0]
		for _, i := range sel {
			hv := h[i]
			tag := hv >> 32 << 32
			p := s.pos[i]
			for {
				sl := t.slots[p]
				if sl == 0 {
					ids[i] = -1
					break
				}
				if sl&^0xffffffff == tag {
					cand = append(cand, i)
					candID = append(candID, uint32(sl)-1)
					s.pos[i] = p
					break
				}
				p = (p + 1) & t.mask
			}
		}
		if len(cand) == 0 {
			break
		}
		eq := s.eq[:len(cand)]
		for k := range eq {
			eq[k] = true
		}
		for c, col := range t.cols {
			eqRowsShared(col, keys[c], cand, candID, eq, s)
		}
		next := s.next[:0]
		for k, i := range cand {
			if eq[k] {
				ids[i] = int32(candID[k])
			} else {
				s.pos[i] = (s.pos[i] + 1) & t.mask
				next = append(next, i)
			}
		}
		s.sel, s.next = s.next, s.sel
		sel = next
	}
	return nil
}

// eqRowsShared is eqRows for a table shared across goroutines: float
// stores normalise into per-goroutine scratch instead of their own.
func eqRowsShared(col keyStore, arr arrow.Array, rows []int32, ids []uint32, eq []bool, s *tableScratch) {
	fk, ok := col.(*fixedKeys[int64])
	if !ok || !fk.float {
		col.eqRows(arr, rows, ids, eq)
		return
	}
	fs := fixedValues[float64](arr)
	bm, off := validityOf(arr)
	for k, r := range rows {
		id := ids[k]
		if bm != nil && !bitutil.BitIsSet(bm, off+int(r)) {
			eq[k] = eq[k] && !fk.valid[id]
			continue
		}
		eq[k] = eq[k] && fk.valid[id] && fk.vals[id] == floatKeyBits(fs[r])
	}
}

// LookupRows is Lookup for the listed rows only: ids[i] is set for each i
// in rows and left alone elsewhere. ids must have room for every row.
func (t *keyTable) LookupRows(alloc memory.Allocator, keys []arrow.Array, rows []int32, ids []int32, s *tableScratch) error {
	if err := t.checkKeys(keys); err != nil {
		return err
	}
	if t.fast {
		t.lookupFast(keys[0], rows, ids[:keys[0].Len()], s)
		return nil
	}
	picked := make([]arrow.Array, 0, len(keys))
	defer func() {
		for _, k := range picked {
			k.Release()
		}
	}()
	for _, k := range keys {
		pk, err := takeNullable(alloc, k, rows)
		if err != nil {
			return err
		}
		picked = append(picked, pk)
	}
	s.ids = growTo(s.ids[:0], len(rows))
	if err := t.Lookup(picked, s.ids, s); err != nil {
		return err
	}
	for k, i := range rows {
		ids[i] = s.ids[k]
	}
	return nil
}

// lookupFast looks up the rows listed in rows (all when nil) of a single
// integer key column.
func (t *keyTable) lookupFast(arr arrow.Array, rows []int32, ids []int32, s *tableScratch) {
	bm, off := validityOf(arr)
	var vals []int64
	if rows != nil && !t.fast32 {
		vals = fixedValues[int64](arr) // read the listed rows in place
	} else {
		vals = t.fastValues(arr, s)
	}
	if rows != nil {
		for _, i := range rows {
			if bm != nil && !bitutil.BitIsSet(bm, off+int(i)) {
				ids[i] = int32(t.nullID)
				continue
			}
			ids[i] = t.lookupOne(vals[i])
		}
		return
	}
	switch {
	case t.dense != nil:
		dense, lo := t.dense, t.denseMin
		for i, v := range vals {
			id := int32(-1)
			if d := uint64(v - lo); d < uint64(len(dense)) {
				id = int32(dense[d]) - 1
			}
			if bm != nil && !bitutil.BitIsSet(bm, off+i) {
				id = int32(t.nullID)
			}
			ids[i] = id
		}
		return
	case t.rank != nil:
		r := t.rank
		for i, v := range vals {
			id := r.id(v)
			if bm != nil && !bitutil.BitIsSet(bm, off+i) {
				id = int32(t.nullID)
			}
			ids[i] = id
		}
		return
	}
	slots, mask := t.slots, t.mask
	filter, shift := t.filter, t.filterShift
	for i, v := range vals {
		if bm != nil && !bitutil.BitIsSet(bm, off+i) {
			ids[i] = int32(t.nullID)
			continue
		}
		h := mix64(uint64(v))
		if filter != nil {
			if b := h >> shift; filter[b>>6]&(1<<(b&63)) == 0 {
				ids[i] = -1
				continue
			}
		}
		tag := h >> 32 << 32
		p := h & mask
		for {
			sl := slots[p]
			if sl == 0 {
				ids[i] = -1
				break
			}
			if sl&^0xffffffff == tag && t.fastKey[uint32(sl)-1] == v {
				ids[i] = int32(uint32(sl) - 1)
				break
			}
			p = (p + 1) & mask
		}
	}
}

// lookupOne is the id of the non-NULL key v in a fast table, -1 if absent.
func (t *keyTable) lookupOne(v int64) int32 {
	switch {
	case t.dense != nil:
		if d := uint64(v - t.denseMin); d < uint64(len(t.dense)) {
			return int32(t.dense[d]) - 1
		}
		return -1
	case t.rank != nil:
		return t.rank.id(v)
	}
	h := mix64(uint64(v))
	if t.filter != nil {
		if b := h >> t.filterShift; t.filter[b>>6]&(1<<(b&63)) == 0 {
			return -1
		}
	}
	tag := h >> 32 << 32
	p := h & t.mask
	for {
		sl := t.slots[p]
		if sl == 0 {
			return -1
		}
		if sl&^0xffffffff == tag && t.fastKey[uint32(sl)-1] == v {
			return int32(uint32(sl) - 1)
		}
		p = (p + 1) & t.mask
	}
}

// KeyArrays materialises the stored keys, one array per key column with
// one value per id in id order.
func (t *keyTable) KeyArrays(alloc memory.Allocator) ([]arrow.Array, error) {
	out := make([]arrow.Array, 0, len(t.cols))
	if t.fast {
		// The fast path keeps its keys in fastKey; the store only holds
		// the NULL id (if any), so rebuild from fastKey.
		valid := make([]bool, len(t.fastKey))
		for i := range valid {
			valid[i] = int64(i) != t.nullID
		}
		if t.fast32 {
			v32 := make([]int32, len(t.fastKey))
			for i, v := range t.fastKey {
				v32[i] = int32(v)
			}
			return append(out, newFixedArray(alloc, t.types[0], v32, valid)), nil
		}
		return append(out, newFixedArray(alloc, t.types[0], t.fastKey, valid)), nil
	}
	for _, c := range t.cols {
		a, err := c.array(alloc)
		if err != nil {
			for _, o := range out {
				o.Release()
			}
			return nil, err
		}
		out = append(out, a)
	}
	return out, nil
}

// String describes the table for debugging.
func (t *keyTable) String() string {
	names := make([]string, len(t.types))
	for i, dt := range t.types {
		names[i] = dt.String()
	}
	return fmt.Sprintf("keyTable(%s; %d keys, %d slots)", strings.Join(names, ", "), t.Len(), len(t.slots))
}

package exec

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"hash/maphash"
	"math"

	"github.com/apache/arrow/go/v15/arrow"
	"github.com/apache/arrow/go/v15/arrow/bitutil"
)

type distinctOp struct {
	child Operator
	ctx   *Context
	seed  maphash.Seed

	// The set of rows seen, each encoded as bytes (see encodeRows): key i
	// is arena[offs[i]:offs[i+1]]. Chained hash table: heads holds the
	// first key of each bucket, next the rest of the chain, -1 ending it.
	arena  []byte
	offs   []int
	hashes []uint64
	next   []int32
	heads  []int32

	reserved int64

	// Per-batch scratch.
	rowStart []int
	rowBuf   []byte
	refs     []pickRef
	err      error
}

var _ Operator = (*distinctOp)(nil)

// NewDistinct returns an operator passing on each distinct row of child
// once, the first time it appears (SELECT DISTINCT over all columns). NULLs
// equal each other here, as do -0 and 0, and all NaNs. The set of rows seen
// is kept as encoded keys in a hash table whose bytes are reserved against
// the budget as "distinct". Columns must be of a type with equality:
// nested types fail with ErrType.
func NewDistinct(child Operator) (Operator, error) {
	if child == nil {
		return nil, fmt.Errorf("%w: distinct without a child", ErrInternal)
	}
	for i, f := range child.Schema().Fields() {
		if distinctWidth(f.Type) == 0 {
			return nil, fmt.Errorf("%w: DISTINCT over column %d (%s) of type %s, which has no equality", ErrType, i+1, f.Name, f.Type)
		}
	}
	return &distinctOp{child: child, seed: maphash.MakeSeed()}, nil
}

// distinctWidth is the encoded width of a value of dt: its byte width for
// fixed-width types, -1 for variable-width ones, 0 for unsupported.
func distinctWidth(dt arrow.DataType) int {
	switch dt.ID() {
	case arrow.BOOL:
		return 1
	case arrow.FLOAT32:
		return 8 // encoded as its float64 value
	case arrow.STRING, arrow.BINARY, arrow.LARGE_STRING, arrow.LARGE_BINARY:
		return -1
	case arrow.DICTIONARY, arrow.EXTENSION, arrow.NULL:
		return 0
	}
	if fw, ok := dt.(arrow.FixedWidthDataType); ok && fw.BitWidth()%8 == 0 {
		return fw.BitWidth() / 8
	}
	return 0
}

func (d *distinctOp) Schema() *arrow.Schema { return d.child.Schema() }

func (d *distinctOp) Open(ctx *Context) error {
	d.ctx = ctx
	d.heads = make([]int32, 1024)
	for i := range d.heads {
		d.heads[i] = -1
	}
	d.offs = []int{0}
	return d.child.Open(ctx)
}

func (d *distinctOp) Next() (arrow.Record, error) {
	for d.err == nil {
		if err := d.ctx.Err(); err != nil {
			d.err = err
			break
		}
		rec, err := d.child.Next()
		if err != nil {
			d.err = err
			break
		}
		out, err := d.apply(rec)
		if err != nil {
			d.err = err
			break
		}
		if out != nil {
			return out, nil
		}
	}
	d.free()
	return nil, d.err
}

// apply keeps the rows of rec not seen before, consuming rec.
func (d *distinctOp) apply(rec arrow.Record) (arrow.Record, error) {
	defer rec.Release()
	n := int(rec.NumRows())
	if n == 0 {
		return nil, nil
	}
	d.encodeRows(rec)
	d.refs = d.refs[:0]
	for i := 0; i < n; i++ {
		key := d.rowBuf[d.rowStart[i]:d.rowStart[i+1]]
		if d.insert(key) {
			d.refs = append(d.refs, pickRef(i))
		}
	}
	if err := d.account(); err != nil {
		return nil, err
	}
	switch len(d.refs) {
	case 0:
		return nil, nil
	case n:
		rec.Retain()
		return rec, nil
	}
	out, err := pickRecordRows(d.ctx.Alloc, rec.Schema(), []arrow.Record{rec}, d.refs)
	if err != nil {
		return nil, fmt.Errorf("distinct: %w", err)
	}
	return out, nil
}

// insert adds key to the set and reports whether it was new.
func (d *distinctOp) insert(key []byte) bool {
	h := maphash.Bytes(d.seed, key)
	mask := uint64(len(d.heads) - 1)
	for e := d.heads[h&mask]; e >= 0; e = d.next[e] {
		if d.hashes[e] == h && bytes.Equal(d.arena[d.offs[e]:d.offs[e+1]], key) {
			return false
		}
	}
	id := int32(len(d.hashes))
	d.arena = append(d.arena, key...)
	d.offs = append(d.offs, len(d.arena))
	d.hashes = append(d.hashes, h)
	d.next = append(d.next, d.heads[h&mask])
	d.heads[h&mask] = id
	if len(d.hashes) > len(d.heads) {
		d.grow()
	}
	return true
}

// grow doubles the bucket array and rechains every key.
func (d *distinctOp) grow() {
	d.heads = make([]int32, 2*len(d.heads))
	for i := range d.heads {
		d.heads[i] = -1
	}
	mask := uint64(len(d.heads) - 1)
	for e, h := range d.hashes {
		d.next[e] = d.heads[h&mask]
		d.heads[h&mask] = int32(e)
	}
}

// account brings the budget reservation up to the table's current size.
func (d *distinctOp) account() error {
	size := int64(cap(d.arena)) + 8*int64(cap(d.offs)+cap(d.hashes)) + 4*int64(cap(d.next)+len(d.heads))
	if size > d.reserved {
		if err := d.ctx.Budget.Reserve("distinct", size-d.reserved); err != nil {
			return err
		}
		d.reserved = size
	}
	return nil
}

// encodeRows writes every row of rec as one byte string into rowBuf, row i
// at rowBuf[rowStart[i]:rowStart[i+1]]: per column a validity byte, then
// for a valid value its fixed-width bytes (floats normalised so that equal
// values encode equally) or a 4-byte length and the bytes. Equal rows, and
// only equal rows, encode equally. The work is done a column at a time.
func (d *distinctOp) encodeRows(rec arrow.Record) {
	n := int(rec.NumRows())
	if cap(d.rowStart) < n+1 {
		d.rowStart = make([]int, n+1)
	}
	pos := d.rowStart[:n+1]
	for i := range pos {
		pos[i] = 0
	}
	// Sizes: pos[i+1] accumulates row i's length.
	for _, col := range rec.Columns() {
		w := distinctWidth(col.DataType())
		valid := validBits(col)
		off := col.Data().Offset()
		if w > 0 {
			for i := 0; i < n; i++ {
				pos[i+1]++
				if valid == nil || bitutil.BitIsSet(valid, off+i) {
					pos[i+1] += w
				}
			}
			continue
		}
		offs, _ := binaryColumn(col)
		for i := 0; i < n; i++ {
			pos[i+1]++
			if valid == nil || bitutil.BitIsSet(valid, off+i) {
				pos[i+1] += 4 + int(offs[i+1]-offs[i])
			}
		}
	}
	for i := 1; i <= n; i++ {
		pos[i] += pos[i-1]
	}
	total := pos[n]
	if cap(d.rowBuf) < total {
		d.rowBuf = make([]byte, total)
	}
	buf := d.rowBuf[:total]
	// Write cursors: one per row, starting at the row's offset.
	cur := make([]int, n)
	copy(cur, pos[:n])
	for _, col := range rec.Columns() {
		valid := validBits(col)
		off := col.Data().Offset()
		isValid := func(i int) bool { return valid == nil || bitutil.BitIsSet(valid, off+i) }
		switch col.DataType().ID() {
		case arrow.BOOL:
			vals := col.Data().Buffers()[1].Bytes()
			for i := 0; i < n; i++ {
				if !isValid(i) {
					buf[cur[i]] = 0
					cur[i]++
					continue
				}
				buf[cur[i]] = 1
				buf[cur[i]+1] = 0
				if bitutil.BitIsSet(vals, off+i) {
					buf[cur[i]+1] = 1
				}
				cur[i] += 2
			}
		case arrow.STRING, arrow.BINARY, arrow.LARGE_STRING, arrow.LARGE_BINARY:
			offs, data := binaryColumn(col)
			for i := 0; i < n; i++ {
				if !isValid(i) {
					buf[cur[i]] = 0
					cur[i]++
					continue
				}
				v := data[offs[i]:offs[i+1]]
				buf[cur[i]] = 1
				binary.LittleEndian.PutUint32(buf[cur[i]+1:], uint32(len(v)))
				cur[i] += 5 + copy(buf[cur[i]+5:], v)
			}
		case arrow.FLOAT64:
			vals := fixedValues[float64](col)
			for i := 0; i < n; i++ {
				if !isValid(i) {
					buf[cur[i]] = 0
					cur[i]++
					continue
				}
				buf[cur[i]] = 1
				binary.LittleEndian.PutUint64(buf[cur[i]+1:], canonicalFloatBits(vals[i]))
				cur[i] += 9
			}
		case arrow.FLOAT32:
			vals := fixedValues[float32](col)
			for i := 0; i < n; i++ {
				if !isValid(i) {
					buf[cur[i]] = 0
					cur[i]++
					continue
				}
				buf[cur[i]] = 1
				binary.LittleEndian.PutUint64(buf[cur[i]+1:], canonicalFloatBits(float64(vals[i])))
				cur[i] += 9
			}
		default:
			w := distinctWidth(col.DataType())
			raw := col.Data().Buffers()[1].Bytes()[off*w:]
			for i := 0; i < n; i++ {
				if !isValid(i) {
					buf[cur[i]] = 0
					cur[i]++
					continue
				}
				buf[cur[i]] = 1
				cur[i] += 1 + copy(buf[cur[i]+1:cur[i]+1+w], raw[i*w:])
			}
		}
	}
	d.rowStart = pos
}

// canonicalFloatBits returns v's bits with -0 as 0 and one NaN.
func canonicalFloatBits(v float64) uint64 {
	if v != v {
		return 0x7FF8000000000001
	}
	if v == 0 {
		return 0
	}
	return math.Float64bits(v)
}

func validBits(col arrow.Array) []byte {
	if col.NullN() == 0 {
		return nil
	}
	return col.Data().Buffers()[0].Bytes()
}

// binaryColumn returns the offsets (widened to int64 for large types, so
// one loop serves both) and data of a string or binary array.
func binaryColumn(col arrow.Array) ([]int64, []byte) {
	d := col.Data()
	n := d.Len()
	offs := make([]int64, n+1)
	if n == 0 || d.Buffers()[1] == nil {
		return offs, nil
	}
	var data []byte
	if b := d.Buffers()[2]; b != nil {
		data = b.Bytes()
	}
	switch col.DataType().ID() {
	case arrow.LARGE_STRING, arrow.LARGE_BINARY:
		copy(offs, arrow.GetOffsets[int64](d, 1))
	default:
		for i, o := range arrow.GetOffsets[int32](d, 1) {
			offs[i] = int64(o)
		}
	}
	return offs, data
}

func (d *distinctOp) free() {
	d.arena, d.offs, d.hashes, d.next, d.heads = nil, nil, nil, nil, nil
	d.rowStart, d.rowBuf, d.refs = nil, nil, nil
	if d.ctx != nil {
		d.ctx.Budget.Free(d.reserved)
	}
	d.reserved = 0
}

func (d *distinctOp) Close() error {
	d.free()
	return d.child.Close()
}

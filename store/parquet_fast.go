package store

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"sync"
	"unsafe"

	"github.com/apache/arrow/go/v15/arrow"
	"github.com/apache/arrow/go/v15/arrow/array"
	"github.com/apache/arrow/go/v15/arrow/memory"
	"github.com/apache/arrow/go/v15/parquet"
	"github.com/apache/arrow/go/v15/parquet/file"
	"github.com/apache/arrow/go/v15/parquet/metadata"
	"github.com/apache/arrow/go/v15/parquet/schema"
)

// The fast path decodes flat Parquet columns page by page straight into
// Arrow buffers from the caller's allocator: plain values are copied or
// widened in one loop, dictionary pages are decoded once per column chunk
// and gathered through the unpacked indices, definition levels become the
// validity bitmap run by run. pqarrow goes through per-value decoder
// interfaces, level buffers and builders, which made it the slowest part of
// a TPC-H scan. Columns the fast path does not know (nested, boolean,
// timestamps, unusual encodings, encrypted chunks) are read by pqarrow,
// per column, within the same reader.

// fastKind says how a column chunk's Parquet values become Arrow values.
type fastKind uint8

const (
	kindCopy4    fastKind = iota + 1 // INT32, FLOAT -> int32, date32, float32
	kindCopy8                        // INT64, DOUBLE -> int64, float64
	kindDecInt32                     // INT32 decimal -> decimal128
	kindDecInt64                     // INT64 decimal -> decimal128
	kindDecFLBA                      // FIXED_LEN_BYTE_ARRAY decimal -> decimal128
	kindBytes                        // BYTE_ARRAY -> utf8, binary
)

var (
	errPagesEnded  = errors.New("pages end before the row group's rows")
	errShortPage   = errors.New("page data ends before its values")
	errDictIndex   = errors.New("dictionary index out of range")
	errNoDict      = errors.New("dictionary-encoded page without a dictionary page")
	littleEndian   = binary.NativeEndian.Uint16([]byte{1, 0}) == 1
	fastEncodingOK = map[parquet.Encoding]bool{
		parquet.Encodings.Plain:     true,
		parquet.Encodings.PlainDict: true,
		parquet.Encodings.RLEDict:   true,
		parquet.Encodings.RLE:       true, // levels
	}
)

// fastKindOf returns how the fast path reads a column chunk into the Arrow
// type dt, or 0 when pqarrow must read it.
func fastKindOf(dt arrow.DataType, col *schema.Column, cc *metadata.ColumnChunkMetaData) fastKind {
	if !littleEndian || col == nil || cc == nil || col.MaxRepetitionLevel() != 0 || col.MaxDefinitionLevel() > 1 || cc.CryptoMetadata() != nil {
		return 0
	}
	for _, e := range cc.Encodings() {
		if !fastEncodingOK[e] {
			return 0
		}
	}
	phys := col.PhysicalType()
	switch dt.ID() {
	case arrow.INT32, arrow.DATE32:
		if phys == parquet.Types.Int32 {
			return kindCopy4
		}
	case arrow.FLOAT32:
		if phys == parquet.Types.Float {
			return kindCopy4
		}
	case arrow.INT64:
		if phys == parquet.Types.Int64 {
			return kindCopy8
		}
	case arrow.FLOAT64:
		if phys == parquet.Types.Double {
			return kindCopy8
		}
	case arrow.DECIMAL128:
		switch phys {
		case parquet.Types.Int32:
			return kindDecInt32
		case parquet.Types.Int64:
			return kindDecInt64
		case parquet.Types.FixedLenByteArray:
			if l := col.TypeLength(); l >= 1 && l <= 16 {
				return kindDecFLBA
			}
		}
	case arrow.STRING, arrow.BINARY:
		if phys == parquet.Types.ByteArray {
			return kindBytes
		}
	}
	return 0
}

// fastColumn decodes one column chunk, batch after batch. It holds the
// current page's decoders and the chunk's dictionary.
type fastColumn struct {
	name   string
	dt     arrow.DataType
	kind   fastKind
	physW  int // bytes per plain value (fixed kinds)
	outW   int // bytes per Arrow value (fixed kinds)
	maxDef int16
	pages  file.PageReader

	// The chunk has a dictionary (in the scratch's dict fields).
	hasDict  bool
	dictLen1 bool // every dictionary string is one byte long

	// The current data page.
	left    int // levels (rows) left in it
	defs    rleDecoder
	dictEnc bool
	idx     rleDecoder
	plain   []byte

	avgBytes int // data bytes per row seen so far (kindBytes)

	*fastScratch
}

// fastScratch is the memory a fastColumn reuses from batch to batch and,
// through fastScratchPool, from split to split: a scan reads one row group
// after another with new columns, and allocating their dictionaries and
// page buffers afresh made a fifth of its garbage. Nothing in it is ever
// part of an array the column returns.
type fastScratch struct {
	// The chunk's dictionary: Arrow-layout values for fixed kinds,
	// offsets into dictData for kindBytes.
	dict     []byte
	dictOffs []int32
	dictData []byte
	dict1    []byte // the bytes of one-byte strings, when dictLen1

	valid   []byte   // validity bits of the batch being built
	indices []uint32 // dictionary indices of one segment
	starts  []int32  // plain byte-array value starts of one segment
	lens    []int32

	bufs pagePool // the allocator of the column's page reader

	// A column chunk read whole, and the page reader reset onto it
	// for each chunk (wholeChunkPages).
	chunk      []byte
	reader     chunkReader
	pageReader file.PageReader
}

var fastScratchPool = sync.Pool{New: func() any { return &fastScratch{bufs: pagePool{max: 2}} }}

// getFastScratch returns scratch memory for a new column; its bufs are
// to be the allocator of that column's page reader and no other.
func getFastScratch() *fastScratch { return fastScratchPool.Get().(*fastScratch) }

// release gives the column's scratch back for another column to use; the
// column and its page reader must not be used after.
func (c *fastColumn) release() {
	if c.fastScratch != nil {
		fastScratchPool.Put(c.fastScratch)
		c.fastScratch, c.pages = nil, nil
	}
}

// newFastColumn returns a column decoding the pages of pages, whose
// allocator must be &sc.bufs, into scratch memory sc.
func newFastColumn(name string, dt arrow.DataType, kind fastKind, col *schema.Column, pages file.PageReader, sc *fastScratch) *fastColumn {
	c := &fastColumn{name: name, dt: dt, kind: kind, maxDef: col.MaxDefinitionLevel(), pages: pages, fastScratch: sc}
	switch kind {
	case kindCopy4:
		c.physW, c.outW = 4, 4
	case kindCopy8:
		c.physW, c.outW = 8, 8
	case kindDecInt32:
		c.physW, c.outW = 4, 16
	case kindDecInt64:
		c.physW, c.outW = 8, 16
	case kindDecFLBA:
		c.physW, c.outW = col.TypeLength(), 16
	}
	return c
}

// nextPage moves to the next data page, loading dictionary pages on the
// way.
func (c *fastColumn) nextPage() error {
	for {
		if !c.pages.Next() {
			if err := c.pages.Err(); err != nil {
				return err
			}
			return errPagesEnded
		}
		var data []byte
		var nvals int
		switch p := c.pages.Page().(type) {
		case *file.DictionaryPage:
			if err := c.setDict(p); err != nil {
				return err
			}
			continue
		case *file.DataPageV1:
			data, nvals = p.Data(), int(p.NumValues())
			if c.maxDef > 0 {
				if e := p.DefinitionLevelEncoding(); e != parquet.Encodings.RLE {
					return fmt.Errorf("definition levels in unsupported encoding %s", e)
				}
				if len(data) < 4 {
					return errShortPage
				}
				l := int(binary.LittleEndian.Uint32(data))
				if l < 0 || l > len(data)-4 {
					return errShortPage
				}
				c.defs.reset(data[4:4+l], 1)
				data = data[4+l:]
			}
		case *file.DataPageV2:
			data, nvals = p.Data(), int(p.NumValues())
			rl, dl := int(p.RepetitionLevelByteLen()), int(p.DefinitionLevelByteLen())
			if rl < 0 || dl < 0 || rl+dl > len(data) {
				return errShortPage
			}
			if c.maxDef > 0 {
				c.defs.reset(data[rl:rl+dl], 1)
			}
			data = data[rl+dl:]
		default:
			continue // index pages and the like
		}
		if nvals <= 0 {
			continue
		}
		switch e := parquet.Encoding(c.pages.Page().Encoding()); e {
		case parquet.Encodings.Plain:
			c.dictEnc, c.plain = false, data
		case parquet.Encodings.PlainDict, parquet.Encodings.RLEDict:
			if !c.hasDict {
				return errNoDict
			}
			if len(data) < 1 || data[0] > 32 {
				return errShortPage
			}
			c.dictEnc = true
			c.idx.reset(data[1:], uint(data[0]))
		default:
			return fmt.Errorf("data page in unsupported encoding %s", e)
		}
		c.left = nvals
		return nil
	}
}

// setDict decodes a dictionary page into the column's own memory (the
// page's buffer is reused for the next page).
func (c *fastColumn) setDict(p *file.DictionaryPage) error {
	if e := parquet.Encoding(p.Encoding()); e != parquet.Encodings.Plain && e != parquet.Encodings.PlainDict {
		return fmt.Errorf("dictionary page in unsupported encoding %s", e)
	}
	n, data := int(p.NumValues()), p.Data()
	if n < 0 {
		return errShortPage
	}
	c.hasDict = true
	if c.kind == kindBytes {
		c.dictOffs = append(c.dictOffs[:0], 0)
		c.dictData = c.dictData[:0]
		c.dictLen1 = true
		c.dict1 = c.dict1[:0]
		for i := 0; i < n; i++ {
			if len(data) < 4 {
				return errShortPage
			}
			l := int(binary.LittleEndian.Uint32(data))
			if l < 0 || l > len(data)-4 {
				return errShortPage
			}
			c.dictData = append(c.dictData, data[4:4+l]...)
			if len(c.dictData) > math.MaxInt32 {
				return errors.New("dictionary larger than 2 GiB")
			}
			c.dictOffs = append(c.dictOffs, int32(len(c.dictData)))
			c.dictLen1 = c.dictLen1 && l == 1
			if l == 1 {
				c.dict1 = append(c.dict1, data[4])
			}
			data = data[4+l:]
		}
		return nil
	}
	if n > len(data)/c.physW {
		return errShortPage
	}
	if cap(c.dict) >= n*c.outW {
		c.dict = c.dict[:n*c.outW]
	} else {
		c.dict = make([]byte, n*c.outW)
	}
	c.convert(c.dict, data[:n*c.physW], n)
	return nil
}

// convert turns n plain values in src into Arrow values in dst.
func (c *fastColumn) convert(dst, src []byte, n int) {
	if n == 0 {
		return
	}
	switch c.kind {
	case kindCopy4, kindCopy8:
		copy(dst, src[:n*c.physW])
	case kindDecInt32:
		// Native-order views (the fast path requires little-endian)
		// of equal length: no bounds checks in the loop.
		in := arrow.Int32Traits.CastFromBytes(src[:4*n])[:n]
		out := castPairs(dst)[:len(in)]
		for i, v := range in {
			out[i] = [2]uint64{uint64(int64(v)), uint64(int64(v) >> 63)}
		}
	case kindDecInt64:
		in := arrow.Int64Traits.CastFromBytes(src[:8*n])[:n]
		out := castPairs(dst)[:len(in)]
		// Four at a time: the loop's own cost was half the work.
		i := 0
		for ; len(in)-i >= 4; i += 4 {
			a, o := in[i:i+4:i+4], out[i:i+4:i+4]
			o[0] = [2]uint64{uint64(a[0]), uint64(a[0] >> 63)}
			o[1] = [2]uint64{uint64(a[1]), uint64(a[1] >> 63)}
			o[2] = [2]uint64{uint64(a[2]), uint64(a[2] >> 63)}
			o[3] = [2]uint64{uint64(a[3]), uint64(a[3] >> 63)}
		}
		for ; i < len(in); i++ {
			out[i] = [2]uint64{uint64(in[i]), uint64(in[i] >> 63)}
		}
	case kindDecFLBA:
		out := arrow.Uint64Traits.CastFromBytes(dst)[:2*n]
		w := c.physW
		for i := 0; i < n; i++ {
			out[2*i], out[2*i+1] = bigEndianInt128(src[i*w : (i+1)*w])
		}
	}
}

// bigEndianInt128 reads a big-endian two's complement integer of 1 to 16
// bytes as the low and high words of an int128.
func bigEndianInt128(b []byte) (lo, hi uint64) {
	var hiv, lov int64
	if b[0]&0x80 != 0 {
		hiv, lov = -1, -1
	}
	for _, x := range b {
		// shift the 128-bit value left by 8 and add x
		hiv = hiv<<8 | int64(uint64(lov)>>56)
		lov = lov<<8 | int64(x)
	}
	return uint64(lov), uint64(hiv)
}

// segment prepares the next rows of the batch that lie in one page: k rows
// starting at pos, nv of them non-null. It decodes their definition levels
// into c.valid.
func (c *fastColumn) segment(pos, want int) (k, nv int, err error) {
	if c.left == 0 {
		if err := c.nextPage(); err != nil {
			return 0, 0, err
		}
	}
	k = min(want, c.left)
	nv = k
	if c.maxDef > 0 {
		if nv, err = c.defs.bits(c.valid, pos, k); err != nil {
			return 0, 0, err
		}
	}
	c.left -= k
	return k, nv, nil
}

// nextIndices returns the next n dictionary indices of the page.
func (c *fastColumn) nextIndices(n int) ([]uint32, error) {
	if cap(c.indices) < n {
		c.indices = make([]uint32, n)
	}
	idx := c.indices[:n]
	return idx, c.idx.values(idx)
}

// read decodes the next n rows into an array of the column's type.
func (c *fastColumn) read(mem memory.Allocator, n int) (arrow.Array, error) {
	if nb := (n + 7) / 8; len(c.valid) < nb {
		c.valid = make([]byte, nb)
	}
	if c.kind == kindBytes {
		return c.readBytes(mem, n)
	}
	return c.readFixed(mem, n)
}

func (c *fastColumn) readFixed(mem memory.Allocator, n int) (arrow.Array, error) {
	w := c.outW
	vals := memory.NewResizableBuffer(mem)
	defer vals.Release()
	vals.Resize(n * w)
	out := vals.Bytes()
	nulls := 0
	for pos := 0; pos < n; {
		k, nv, err := c.segment(pos, n-pos)
		if err != nil {
			return nil, err
		}
		if err := c.decodeFixed(out[pos*w:(pos+nv)*w], nv); err != nil {
			return nil, err
		}
		if nv < k {
			spreadFixed(out, c.valid, pos, k, nv, w)
			nulls += k - nv
		}
		pos += k
	}
	return c.finish(mem, n, nulls, vals), nil
}

// decodeFixed decodes the next nv non-null values of the page into dst.
func (c *fastColumn) decodeFixed(dst []byte, nv int) error {
	if nv == 0 {
		return nil
	}
	if !c.dictEnc {
		need := nv * c.physW
		if len(c.plain) < need {
			return errShortPage
		}
		c.convert(dst, c.plain[:need], nv)
		c.plain = c.plain[need:]
		return nil
	}
	switch c.outW {
	case 4:
		return gatherDict(&c.idx, arrow.Uint32Traits.CastFromBytes(dst)[:nv], arrow.Uint32Traits.CastFromBytes(c.dict))
	case 8:
		return gatherDict(&c.idx, arrow.Uint64Traits.CastFromBytes(dst)[:nv], arrow.Uint64Traits.CastFromBytes(c.dict))
	case 16:
		return gatherDict(&c.idx, castPairs(dst)[:nv], castPairs(c.dict))
	}
	return fmt.Errorf("no dictionary gather for %d-byte values", c.outW)
}

// castPairs views b as 16-byte values.
func castPairs(b []byte) [][2]uint64 {
	if len(b) < 16 {
		return nil
	}
	return unsafe.Slice((*[2]uint64)(unsafe.Pointer(&b[0])), len(b)/16)
}

func badIndex(idx []uint32, n int) bool {
	var m uint32
	for _, ix := range idx {
		m = max(m, ix)
	}
	return len(idx) > 0 && int(m) >= n
}

// spreadFixed moves the nv values packed at the start of rows
// [pos, pos+k) to the rows that valid marks non-null, zeroing the others.
func spreadFixed(out, valid []byte, pos, k, nv, w int) {
	j := pos + nv - 1
	for i := pos + k - 1; i >= pos; i-- {
		dst := out[i*w : (i+1)*w]
		if valid[i>>3]&(1<<(i&7)) != 0 {
			if i != j {
				copy(dst, out[j*w:(j+1)*w])
			}
			j--
		} else {
			clear(dst)
		}
	}
}

// finish wraps the batch's buffers in an array, adding a validity bitmap
// when there are nulls. It takes its own references to the buffers.
func (c *fastColumn) finish(mem memory.Allocator, n, nulls int, bufs ...*memory.Buffer) arrow.Array {
	var valid *memory.Buffer
	if nulls > 0 {
		nb := (n + 7) / 8
		valid = memory.NewResizableBuffer(mem)
		defer valid.Release()
		valid.Resize(nb)
		b := valid.Bytes()
		copy(b, c.valid[:nb])
		if n&7 != 0 {
			b[nb-1] &= 1<<(n&7) - 1
		}
	}
	d := array.NewData(c.dt, n, append([]*memory.Buffer{valid}, bufs...), nil, nulls, 0)
	defer d.Release()
	return array.MakeFromData(d)
}

func (c *fastColumn) readBytes(mem memory.Allocator, n int) (arrow.Array, error) {
	offBuf := memory.NewResizableBuffer(mem)
	defer offBuf.Release()
	offBuf.Resize((n + 1) * 4)
	offs := arrow.Int32Traits.CastFromBytes(offBuf.Bytes())[:n+1]
	offs[0] = 0
	dataBuf := memory.NewResizableBuffer(mem)
	defer dataBuf.Release()
	if c.avgBytes > 0 {
		dataBuf.Reserve(n*c.avgBytes + 64)
	}
	cur, nulls := 0, 0
	for pos := 0; pos < n; {
		k, nv, err := c.segment(pos, n-pos)
		if err != nil {
			return nil, err
		}
		// The segment's values as spans of src.
		var src []byte
		starts, lens := c.spans(nv)
		total := 0
		if c.dictEnc {
			if c.dictLen1 && nv == k {
				// one-byte strings without nulls: a byte gather
				c.reserve(dataBuf, cur, nv)
				data := dataBuf.Buf()[cur : cur+nv]
				if err := gatherDict(&c.idx, data, c.dict1); err != nil {
					return nil, err
				}
				o := offs[pos+1 : pos+1+nv]
				base := int32(cur + 1)
				for i := range o {
					o[i] = base + int32(i)
				}
				cur += nv
				pos += k
				continue
			}
			idx, err := c.nextIndices(nv)
			if err != nil {
				return nil, err
			}
			if badIndex(idx, len(c.dictOffs)-1) {
				return nil, errDictIndex
			}
			src = c.dictData
			for i, ix := range idx {
				s, e := c.dictOffs[ix], c.dictOffs[ix+1]
				starts[i], lens[i] = s, e-s
				total += int(e - s)
			}
		} else {
			// Each 4-byte length is checked to lie in the page before
			// it is read (unchecked), and its value to fit after it.
			p := c.plain
			at, end := 0, len(p)
			pp := unsafe.Pointer(unsafe.SliceData(p))
			lens := lens[:len(starts)]
			for i := range starts {
				if at > end-4 {
					return nil, errShortPage
				}
				l := int(*(*uint32)(unsafe.Add(pp, at)))
				at += 4
				if l < 0 || l > end-at { // l < 0: 32-bit int
					return nil, errShortPage
				}
				starts[i], lens[i] = int32(at), int32(l)
				at += l
			}
			total = at - 4*nv
			src = p
			c.plain = p[at:]
		}
		if cur+total > math.MaxInt32 {
			return nil, errors.New("more than 2 GiB of strings in one batch")
		}
		c.reserve(dataBuf, cur, total+16) // 16: slack for copyShort
		data := dataBuf.Buf()
		if nv == k && len(data)-16 >= cur+total {
			// Every span lies in src (parsed or dictionary offsets)
			// and data has 16 bytes past the segment's strings, so
			// short strings move as two unchecked words.
			o := offs[pos+1 : pos+1+k]
			dp, sp := unsafe.Pointer(unsafe.SliceData(data)), unsafe.Pointer(unsafe.SliceData(src))
			srcEnd := len(src) - 16
			for i := range o {
				s, l := int(starts[i]), int(lens[i])
				if l <= 16 && s <= srcEnd {
					*(*[2]uint64)(unsafe.Add(dp, cur)) = *(*[2]uint64)(unsafe.Add(sp, s))
				} else {
					copy(data[cur:cur+l], src[s:s+l])
				}
				cur += l
				o[i] = int32(cur)
			}
		} else if nv == k {
			o := offs[pos+1 : pos+1+k]
			for i := range o {
				s, l := int(starts[i]), int(lens[i])
				copyShort(data, cur, src, s, l)
				cur += l
				o[i] = int32(cur)
			}
		} else {
			j := 0
			for i := pos; i < pos+k; i++ {
				if c.valid[i>>3]&(1<<(i&7)) != 0 {
					s, l := int(starts[j]), int(lens[j])
					copyShort(data, cur, src, s, l)
					cur += l
					j++
				}
				offs[i+1] = int32(cur)
			}
			nulls += k - nv
		}
		pos += k
	}
	// copyShort may have written past the strings.
	clear(dataBuf.Buf()[cur:min(cur+16, dataBuf.Cap())])
	dataBuf.ResizeNoShrink(cur)
	if n > 0 {
		c.avgBytes = (cur + n - 1) / n
	}
	return c.finish(mem, n, nulls, offBuf, dataBuf), nil
}

// copyShort copies the l bytes at src[s:] to data[cur:]. Strings of up
// to 16 bytes, with 16 bytes to spare in both slices, move as two words
// rather than through a call to memmove, which cost more than the copy;
// then up to 16-l bytes after data[cur+l] are overwritten.
func copyShort(data []byte, cur int, src []byte, s, l int) {
	if l <= 16 && s <= len(src)-16 && cur <= len(data)-16 {
		a, b := src[s:s+16], data[cur:cur+16]
		binary.LittleEndian.PutUint64(b, binary.LittleEndian.Uint64(a))
		binary.LittleEndian.PutUint64(b[8:], binary.LittleEndian.Uint64(a[8:]))
		return
	}
	copy(data[cur:cur+l], src[s:s+l])
}

// spans returns scratch slices for n value starts and lengths.
func (c *fastColumn) spans(n int) (starts, lens []int32) {
	if cap(c.starts) < n {
		c.starts, c.lens = make([]int32, n), make([]int32, n)
	}
	return c.starts[:n], c.lens[:n]
}

// reserve makes room for more bytes after the first cur of b, growing by
// at least half so that appends stay linear.
func (c *fastColumn) reserve(b *memory.Buffer, cur, more int) {
	if need := cur + more; need > b.Cap() {
		b.Reserve(max(need, b.Cap()+b.Cap()/2))
	}
}

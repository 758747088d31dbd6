package store

import (
	"encoding/binary"
	"errors"
	"unsafe"

	"github.com/apache/arrow/go/v15/arrow/bitutil"
)

// errRLEShort reports RLE/bit-packed data that ends before the values its
// page promises.
var errRLEShort = errors.New("RLE/bit-packed data ends early")

// rleDecoder reads Parquet's RLE/bit-packed hybrid encoding: the encoding
// of definition levels and of dictionary indices. The data is a sequence
// of runs, each a ULEB128 header: an even header is a run of header>>1
// copies of one value stored in ceil(width/8) little-endian bytes; an odd
// header is header>>1 groups of 8 values bit-packed LSB first, width bytes
// per group.
type rleDecoder struct {
	data  []byte // the runs not started yet
	width uint   // bits per value, 0..32
	mask  uint64

	rleLeft int    // values left in the current RLE run
	rleVal  uint32 // its value
	bp      []byte // the current bit-packed run's bytes
	bpPos   int    // index of its next value
	bpLeft  int    // values left in it
}

func (d *rleDecoder) reset(data []byte, width uint) {
	*d = rleDecoder{data: data, width: width, mask: 1<<width - 1}
}

// nextRun loads the next run's header.
func (d *rleDecoder) nextRun() error {
	h, n := binary.Uvarint(d.data)
	if n <= 0 {
		return errRLEShort
	}
	d.data = d.data[n:]
	if h&1 == 0 {
		count := h >> 1
		nb := int(d.width+7) / 8
		if count == 0 || count > 1<<31 || len(d.data) < nb {
			return errRLEShort
		}
		var v uint32
		for i := 0; i < nb; i++ {
			v |= uint32(d.data[i]) << (8 * i)
		}
		if uint64(v) > d.mask {
			return errors.New("RLE value wider than its bit width")
		}
		d.data = d.data[nb:]
		d.rleLeft, d.rleVal = int(count), v
		return nil
	}
	groups := h >> 1
	if groups == 0 || groups > 1<<28 {
		return errRLEShort
	}
	nbytes := int(groups) * int(d.width)
	values := int(groups) * 8
	if nbytes > len(d.data) {
		// The last run may be cut short of whole groups: keep the
		// values its bytes hold; asking for more is an error.
		if d.width == 0 {
			nbytes = 0
		} else {
			nbytes = len(d.data)
			values = nbytes * 8 / int(d.width)
		}
	}
	d.bp, d.bpPos, d.bpLeft = d.data[:nbytes], 0, values
	d.data = d.data[nbytes:]
	return nil
}

// unpackOne returns value i of a bit-packed run.
func (d *rleDecoder) unpackOne(i int) uint32 {
	bit := uint(i) * d.width
	b := int(bit >> 3)
	var w uint64
	for j := 0; j < 8 && b+j < len(d.bp); j++ {
		w |= uint64(d.bp[b+j]) << (8 * j)
	}
	return uint32((w >> (bit & 7)) & d.mask)
}

// unpack writes len(dst) values of the current bit-packed run, starting at
// d.bpPos, which the caller ensures are there.
func (d *rleDecoder) unpack(dst []uint32) {
	i, pos := 0, d.bpPos
	// Up to a group boundary one at a time.
	for ; i < len(dst) && pos&7 != 0; i, pos = i+1, pos+1 {
		dst[i] = d.unpackOne(pos)
	}
	w := int(d.width)
	m := d.mask
	bp := d.bp
	if w <= 8 {
		// A group of 8 values fits one word.
		// Shift counts masked to 63 compile to plain shifts.
		s1, s2, s3, s4 := uint(w)&63, uint(2*w)&63, uint(3*w)&63, uint(4*w)&63
		s5, s6, s7 := uint(5*w)&63, uint(6*w)&63, uint(7*w)&63
		for ; len(dst)-i >= 8; i, pos = i+8, pos+8 {
			g := (pos >> 3) * w
			var x uint64
			if g+8 <= len(bp) {
				x = binary.LittleEndian.Uint64(bp[g:])
			} else {
				var tmp [8]byte
				copy(tmp[:], bp[g:])
				x = binary.LittleEndian.Uint64(tmp[:])
			}
			out := dst[i : i+8 : i+8]
			out[0] = uint32(x & m)
			out[1] = uint32(x >> s1 & m)
			out[2] = uint32(x >> s2 & m)
			out[3] = uint32(x >> s3 & m)
			out[4] = uint32(x >> s4 & m)
			out[5] = uint32(x >> s5 & m)
			out[6] = uint32(x >> s6 & m)
			out[7] = uint32(x >> s7 & m)
		}
	}
	// Wider values: value j of a group starts at bit j*w, so one
	// unaligned 8-byte load at byte j*w/8 holds all of its w+7 <= 39
	// bits. The offsets and shifts are the same for every group; the
	// loads stay inside bp while a group plus 8 bytes does.
	var offs [8]uintptr
	var shs [8]uint
	for j := range offs {
		offs[j], shs[j] = uintptr(j*w>>3), uint(j*w&7)
	}
	for ; len(dst)-i >= 8; i, pos = i+8, pos+8 {
		g := (pos >> 3) * w
		if g+w+8 > len(bp) {
			break
		}
		p := unsafe.Pointer(&bp[g])
		out := dst[i : i+8 : i+8]
		out[0] = uint32(load64(p, offs[0]) >> (shs[0] & 63) & m)
		out[1] = uint32(load64(p, offs[1]) >> (shs[1] & 63) & m)
		out[2] = uint32(load64(p, offs[2]) >> (shs[2] & 63) & m)
		out[3] = uint32(load64(p, offs[3]) >> (shs[3] & 63) & m)
		out[4] = uint32(load64(p, offs[4]) >> (shs[4] & 63) & m)
		out[5] = uint32(load64(p, offs[5]) >> (shs[5] & 63) & m)
		out[6] = uint32(load64(p, offs[6]) >> (shs[6] & 63) & m)
		out[7] = uint32(load64(p, offs[7]) >> (shs[7] & 63) & m)
	}
	// The run's last groups: a group is w <= 32 bytes, read as four
	// words.
	for ; len(dst)-i >= 8; i, pos = i+8, pos+8 {
		g := (pos >> 3) * w
		var words [5]uint64
		if g+32 <= len(bp) {
			words[0] = binary.LittleEndian.Uint64(bp[g:])
			words[1] = binary.LittleEndian.Uint64(bp[g+8:])
			words[2] = binary.LittleEndian.Uint64(bp[g+16:])
			words[3] = binary.LittleEndian.Uint64(bp[g+24:])
		} else {
			var tmp [32]byte
			copy(tmp[:], bp[g:min(g+w, len(bp))])
			words[0] = binary.LittleEndian.Uint64(tmp[0:])
			words[1] = binary.LittleEndian.Uint64(tmp[8:])
			words[2] = binary.LittleEndian.Uint64(tmp[16:])
			words[3] = binary.LittleEndian.Uint64(tmp[24:])
		}
		out := dst[i : i+8 : i+8]
		for j := range out {
			bit := uint(j * w)
			k, sh := (bit>>6)&3, bit&63
			v := words[k] >> sh
			if sh+uint(w) > 64 {
				v |= words[k+1] << ((64 - sh) & 63)
			}
			out[j] = uint32(v & m)
		}
	}
	for ; i < len(dst); i, pos = i+1, pos+1 {
		dst[i] = d.unpackOne(pos)
	}
}

// load64 reads the 8 bytes at p+off in native (little-endian: the fast
// path requires it) order; the caller ensures they are inside one slice.
func load64(p unsafe.Pointer, off uintptr) uint64 {
	return *(*uint64)(unsafe.Add(p, off))
}

// values fills dst with the next len(dst) values.
func (d *rleDecoder) values(dst []uint32) error {
	for len(dst) > 0 {
		switch {
		case d.rleLeft > 0:
			n := min(d.rleLeft, len(dst))
			v := d.rleVal
			for i := range dst[:n] {
				dst[i] = v
			}
			d.rleLeft -= n
			dst = dst[n:]
		case d.bpLeft > 0:
			n := min(d.bpLeft, len(dst))
			d.unpack(dst[:n])
			d.bpPos += n
			d.bpLeft -= n
			dst = dst[n:]
		default:
			if err := d.nextRun(); err != nil {
				return err
			}
		}
	}
	return nil
}

// bits decodes the next n values of a bit width 1 stream (definition
// levels of a flat optional column) into bitmap at bit offset off and
// returns how many are 1.
func (d *rleDecoder) bits(bitmap []byte, off, n int) (ones int, err error) {
	for n > 0 {
		switch {
		case d.rleLeft > 0:
			k := min(d.rleLeft, n)
			bitutil.SetBitsTo(bitmap, int64(off), int64(k), d.rleVal != 0)
			if d.rleVal != 0 {
				ones += k
			}
			d.rleLeft -= k
			off, n = off+k, n-k
		case d.bpLeft > 0:
			k := min(d.bpLeft, n)
			bitutil.CopyBitmap(d.bp, d.bpPos, k, bitmap, off)
			ones += bitutil.CountSetBits(d.bp, d.bpPos, k)
			d.bpPos += k
			d.bpLeft -= k
			off, n = off+k, n-k
		default:
			if err := d.nextRun(); err != nil {
				return ones, err
			}
		}
	}
	return ones, nil
}

// gatherDict sets dst[i] = dict[index i] for the next len(dst) indices of
// d, unpacking and looking up in one pass instead of writing the indices
// out and reading them back. It returns errDictIndex for an index past
// the dictionary.
func gatherDict[T any](d *rleDecoder, dst, dict []T) error {
	n := uint32(len(dict))
	for len(dst) > 0 {
		switch {
		case d.rleLeft > 0:
			k := min(d.rleLeft, len(dst))
			if d.rleVal >= n {
				return errDictIndex
			}
			v := dict[d.rleVal]
			for i := range dst[:k] {
				dst[i] = v
			}
			d.rleLeft -= k
			dst = dst[k:]
		case d.bpLeft > 0:
			k := min(d.bpLeft, len(dst))
			if !unpackGather(d, dst[:k], dict) {
				return errDictIndex
			}
			d.bpPos += k
			d.bpLeft -= k
			dst = dst[k:]
		default:
			if err := d.nextRun(); err != nil {
				return err
			}
		}
	}
	return nil
}

// unpackGather is unpack fused with the dictionary lookup: it writes
// dict[v] for the len(dst) values v of d's current bit-packed run from
// d.bpPos, which the caller ensures are there, and reports false at the
// first value past the dictionary.
func unpackGather[T any](d *rleDecoder, dst, dict []T) bool {
	n := uint32(len(dict))
	i, pos := 0, d.bpPos
	for ; i < len(dst) && pos&7 != 0; i, pos = i+1, pos+1 {
		v := d.unpackOne(pos)
		if v >= n {
			return false
		}
		dst[i] = dict[v]
	}
	// As in unpack: one unaligned load per value, from the run while a
	// group plus 8 bytes lies inside it, else from a copy of the group
	// (runs are often short, so this is not rare). Bytes past the group
	// in tmp are stale but lie above every value's mask.
	w := int(d.width)
	m := d.mask
	bp := d.bp
	var offs [8]uintptr
	var shs [8]uint
	for j := range offs {
		offs[j], shs[j] = uintptr(j*w>>3), uint(j*w&7)
	}
	var tmp [40]byte
	for ; len(dst)-i >= 8; i, pos = i+8, pos+8 {
		g := (pos >> 3) * w
		var p unsafe.Pointer
		if g+w+8 <= len(bp) {
			p = unsafe.Pointer(&bp[g])
		} else {
			copy(tmp[:w], bp[g:])
			p = unsafe.Pointer(&tmp[0])
		}
		// Shift counts masked to 63 compile to plain shifts; each
		// index's own check lets the compiler drop the bounds check.
		out := dst[i : i+8 : i+8]
		v0 := uint32(load64(p, offs[0]) >> (shs[0] & 63) & m)
		if v0 >= n {
			return false
		}
		out[0] = dict[v0]
		v1 := uint32(load64(p, offs[1]) >> (shs[1] & 63) & m)
		if v1 >= n {
			return false
		}
		out[1] = dict[v1]
		v2 := uint32(load64(p, offs[2]) >> (shs[2] & 63) & m)
		if v2 >= n {
			return false
		}
		out[2] = dict[v2]
		v3 := uint32(load64(p, offs[3]) >> (shs[3] & 63) & m)
		if v3 >= n {
			return false
		}
		out[3] = dict[v3]
		v4 := uint32(load64(p, offs[4]) >> (shs[4] & 63) & m)
		if v4 >= n {
			return false
		}
		out[4] = dict[v4]
		v5 := uint32(load64(p, offs[5]) >> (shs[5] & 63) & m)
		if v5 >= n {
			return false
		}
		out[5] = dict[v5]
		v6 := uint32(load64(p, offs[6]) >> (shs[6] & 63) & m)
		if v6 >= n {
			return false
		}
		out[6] = dict[v6]
		v7 := uint32(load64(p, offs[7]) >> (shs[7] & 63) & m)
		if v7 >= n {
			return false
		}
		out[7] = dict[v7]
	}
	for ; i < len(dst); i, pos = i+1, pos+1 {
		v := d.unpackOne(pos)
		if v >= n {
			return false
		}
		dst[i] = dict[v]
	}
	return true
}

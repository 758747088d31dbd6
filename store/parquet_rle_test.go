package store

import (
	"encoding/binary"
	"fmt"
	"math/rand/v2"
	"testing"
)

// rleRun is one run of a reference RLE/bit-packed hybrid stream: repeat
// copies of one value when repeat > 0, else bit-packed values.
type rleRun struct {
	repeat int
	vals   []uint32
}

// encodeRLE writes runs at bit width w the plain way, one bit at a time.
// A bit-packed run's values must be a multiple of 8 except in the last
// run, which is cut to the bytes its values need.
func encodeRLE(w uint, runs []rleRun) []byte {
	var out []byte
	for ri, r := range runs {
		if r.repeat > 0 {
			out = binary.AppendUvarint(out, uint64(r.repeat)<<1)
			for i := 0; i < int(w+7)/8; i++ {
				out = append(out, byte(r.vals[0]>>(8*i)))
			}
			continue
		}
		groups := (len(r.vals) + 7) / 8
		out = binary.AppendUvarint(out, uint64(groups)<<1|1)
		packed := make([]byte, groups*int(w))
		for i, v := range r.vals {
			for b := uint(0); b < w; b++ {
				if v>>b&1 != 0 {
					bit := uint(i)*w + b
					packed[bit/8] |= 1 << (bit % 8)
				}
			}
		}
		if ri == len(runs)-1 {
			packed = packed[:(len(r.vals)*int(w)+7)/8]
		}
		out = append(out, packed...)
	}
	return out
}

// TestRLEDecoderWidths decodes random hybrid streams of every bit width,
// in reads of several sizes, against the values they were made from.
func TestRLEDecoderWidths(t *testing.T) {
	for w := uint(0); w <= 32; w++ {
		for _, chunk := range []int{1, 3, 8, 13, 64, 1000} {
			t.Run(fmt.Sprintf("width=%d/chunk=%d", w, chunk), func(t *testing.T) {
				rng := rand.New(rand.NewPCG(uint64(w), uint64(chunk)))
				mask := uint32(1<<w - 1)
				var runs []rleRun
				var want []uint32
				for r := 0; r < 12; r++ {
					if rng.IntN(3) == 0 {
						n := 1 + rng.IntN(40)
						v := rng.Uint32() & mask
						runs = append(runs, rleRun{repeat: n, vals: []uint32{v}})
						for i := 0; i < n; i++ {
							want = append(want, v)
						}
						continue
					}
					n := 8 * (1 + rng.IntN(20))
					if r == 11 {
						n = 1 + rng.IntN(100) // a last run cut short
					}
					vals := make([]uint32, n)
					for i := range vals {
						vals[i] = rng.Uint32() & mask
					}
					runs = append(runs, rleRun{vals: vals})
					want = append(want, vals...)
				}
				var d rleDecoder
				d.reset(encodeRLE(w, runs), w)
				got := make([]uint32, len(want))
				for at := 0; at < len(got); at += chunk {
					if err := d.values(got[at:min(at+chunk, len(got))]); err != nil {
						t.Fatalf("values at %d: %v", at, err)
					}
				}
				for i := range want {
					if got[i] != want[i] {
						t.Fatalf("value %d = %#x, want %#x", i, got[i], want[i])
					}
				}
			})
		}
	}
}

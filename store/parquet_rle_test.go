package store

import (
	"encoding/binary"
	"errors"
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

// randomRuns returns a random stream of RLE and bit-packed runs of width
// w, the last one bit-packed and cut short, and the values it holds, all
// below limit (at most 1<<w).
func randomRuns(rng *rand.Rand, w uint, limit uint64) ([]rleRun, []uint32) {
	val := func() uint32 { return uint32(rng.Uint64N(limit)) }
	var runs []rleRun
	var want []uint32
	for r := 0; r < 12; r++ {
		if r < 11 && rng.IntN(3) == 0 {
			n := 1 + rng.IntN(40)
			v := val()
			runs = append(runs, rleRun{repeat: n, vals: []uint32{v}})
			for i := 0; i < n; i++ {
				want = append(want, v)
			}
			continue
		}
		n := 8 * (1 + rng.IntN(20))
		if r == 11 {
			n = 1 + rng.IntN(100)
		}
		vals := make([]uint32, n)
		for i := range vals {
			vals[i] = val()
		}
		runs = append(runs, rleRun{vals: vals})
		want = append(want, vals...)
	}
	return runs, want
}

// TestRLEDecoderWidths decodes random hybrid streams of every bit width,
// in reads of several sizes, against the values they were made from.
func TestRLEDecoderWidths(t *testing.T) {
	for w := uint(0); w <= 32; w++ {
		for _, chunk := range []int{1, 3, 8, 13, 64, 1000} {
			t.Run(fmt.Sprintf("width=%d/chunk=%d", w, chunk), func(t *testing.T) {
				rng := rand.New(rand.NewPCG(uint64(w), uint64(chunk)))
				runs, want := randomRuns(rng, w, 1<<w)
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

// TestGatherDict looks up random index streams of every bit width in a
// dictionary, in reads of several sizes, and checks that an index past
// the dictionary, in an RLE or a bit-packed run, is an error.
func TestGatherDict(t *testing.T) {
	for w := uint(1); w <= 32; w++ {
		for _, chunk := range []int{1, 7, 64, 1000} {
			t.Run(fmt.Sprintf("width=%d/chunk=%d", w, chunk), func(t *testing.T) {
				rng := rand.New(rand.NewPCG(uint64(w), uint64(chunk)))
				size := 1 + rng.Uint64N(min(uint64(1)<<w, 5000))
				dict := make([][2]uint64, size)
				for i := range dict {
					dict[i] = [2]uint64{rng.Uint64(), uint64(i)}
				}
				runs, want := randomRuns(rng, w, size)
				var d rleDecoder
				d.reset(encodeRLE(w, runs), w)
				got := make([][2]uint64, len(want))
				for at := 0; at < len(got); at += chunk {
					if err := gatherDict(&d, got[at:min(at+chunk, len(got))], dict); err != nil {
						t.Fatalf("gather at %d: %v", at, err)
					}
				}
				for i, ix := range want {
					if got[i] != dict[ix] {
						t.Fatalf("value %d = %v, want dict[%d] = %v", i, got[i], ix, dict[ix])
					}
				}
				if size == uint64(1)<<w {
					return // no index can be out of range
				}
				// One index past the dictionary in run r.
				r := rng.IntN(len(runs))
				at := 0
				for _, run := range runs[:r] {
					at += max(run.repeat, len(run.vals))
				}
				bad := append([]rleRun(nil), runs...)
				vals := append([]uint32(nil), runs[r].vals...)
				j := rng.IntN(len(vals))
				vals[j] = uint32(size)
				bad[r].vals = vals
				d.reset(encodeRLE(w, bad), w)
				var err error
				for at := 0; at < len(got) && err == nil; at += chunk {
					err = gatherDict(&d, got[at:min(at+chunk, len(got))], dict)
				}
				if !errors.Is(err, errDictIndex) {
					t.Fatalf("index %d past the dictionary of %d in run %d (at value %d): got %v, want %v", size, size, r, at+j, err, errDictIndex)
				}
			})
		}
	}
}

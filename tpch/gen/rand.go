package gen

import "math/bits"

// rng is a splitmix64 generator. Every generated row gets its own rng,
// seeded from (stream, row) by seedRow, so a row's values depend only on
// the table, the scale factor and the row's index: never on which
// partition, chunk or goroutine produced it, nor on the rows before it.
type rng struct{ s uint64 }

const golden = 0x9e3779b97f4a7c15

// mix64 is splitmix64's finaliser: a bijection that scatters nearby
// inputs across the whole 64-bit space.
func mix64(z uint64) uint64 {
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}

// seedRow returns the generator for one row of one stream. Streams are
// the constants below, one per kind of row.
func seedRow(stream uint64, row int64) rng {
	return rng{s: mix64(stream ^ mix64(uint64(row)*golden+stream))}
}

func (r *rng) next() uint64 {
	r.s += golden
	return mix64(r.s)
}

// intn returns a uniform integer in [lo, hi] (Lemire's multiply-shift; the
// bias for the small ranges used here is below 2^-40).
func (r *rng) intn(lo, hi int64) int64 {
	h, _ := bits.Mul64(r.next(), uint64(hi-lo+1))
	return lo + int64(h)
}

// below returns a uniform integer in [0, n).
func (r *rng) below(n int) int {
	h, _ := bits.Mul64(r.next(), uint64(n))
	return int(h)
}

// Streams: one per kind of generated row, so that tables never share
// random numbers (changing one table's layout cannot change another's).
const (
	streamRegion   = 0x52454749_4f4e0001
	streamNation   = 0x4e415449_4f4e0002
	streamSupplier = 0x53555050_4c490003
	streamCustomer = 0x43555354_4f4d0004
	streamPart     = 0x50415254_00000005
	streamPartSupp = 0x50415254_53550006
	streamOrder    = 0x4f524445_52530007
	streamLine     = 0x4c494e45_49540008
	streamTextPool = 0x54455854_504f0009
)

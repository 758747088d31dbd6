package exec

import (
	"math/big"
	"math/rand"
	"testing"

	"github.com/apache/arrow/go/v15/arrow"
	"github.com/apache/arrow/go/v15/arrow/decimal128"
	"github.com/apache/arrow/go/v15/arrow/memory"
)

// TestDecSumFastPathMatchesBigInt checks the decimal sum's unchecked int64
// path against math/big over batches whose magnitudes move from small
// (the fast path) to near and beyond int64 (the checked path and the
// 128-bit spill), with and without a row selection, typed wide or (for
// values that fit) narrow.
func TestDecSumFastPathMatchesBigInt(t *testing.T) {
	rng := rand.New(rand.NewSource(3))
	dt := &arrow.Decimal128Type{Precision: 38, Scale: 2}
	narrow := &arrow.Decimal128Type{Precision: 18, Scale: 2}
	for trial := 0; trial < 100; trial++ {
		const groups = 5
		s := &decSumState{scale: 2}
		s.grow(groups)
		want := make([]*big.Int, groups)
		for g := range want {
			want[g] = new(big.Int)
		}
		// Same-signed trials drive the running sums past int64.
		signed := rng.Intn(2) == 0
		for batch := 0; batch < 40; batch++ {
			n := 1 + rng.Intn(300)
			// The magnitude class of this batch's values.
			bitsN := []int{10, 30, 50, 51, 52, 62, 63, 100}[rng.Intn(8)]
			vals := make([]decimal128.Num, n)
			for i := range vals {
				v := new(big.Int).Rand(rng, new(big.Int).Lsh(big.NewInt(1), uint(bitsN)))
				if signed && rng.Intn(2) == 0 {
					v.Neg(v)
				}
				vals[i] = decimal128.FromBigInt(v)
			}
			typ := dt
			if bitsN <= 52 && rng.Intn(2) == 0 {
				// Values below 10^18 may come typed decimal(18,2):
				// the loop that trusts the type to fit in int64.
				typ = narrow
			}
			arr := newFixedArray(memory.DefaultAllocator, typ, vals, nil)
			var rows []int32
			for i := 0; i < n; i++ {
				if rng.Intn(4) != 0 {
					rows = append(rows, int32(i))
				}
			}
			if rng.Intn(2) == 0 {
				rows = nil
			}
			m := n
			if rows != nil {
				m = len(rows)
			}
			gids := make([]uint32, m)
			for k := range gids {
				gids[k] = uint32(rng.Intn(groups))
				i := k
				if rows != nil {
					i = int(rows[k])
				}
				want[gids[k]].Add(want[gids[k]], vals[i].BigInt())
			}
			if err := s.updateRows(gids, rows, []arrow.Array{arr}); err != nil {
				t.Fatal(err)
			}
			arr.Release()
		}
		for g := 0; g < groups; g++ {
			got, err := s.total(g)
			fits := want[g].BitLen() <= 126 && new(big.Int).Abs(want[g]).Cmp(pow10num(38).BigInt()) < 0
			if !fits {
				if err == nil && s.err == nil {
					t.Fatalf("trial %d group %d: sum %s beyond decimal(38) reported no error", trial, g, want[g])
				}
				continue
			}
			if err != nil {
				t.Fatalf("trial %d group %d: %v", trial, g, err)
			}
			if got.BigInt().Cmp(want[g]) != 0 {
				t.Fatalf("trial %d group %d: got %s, want %s", trial, g, got.BigInt(), want[g])
			}
		}
	}
}

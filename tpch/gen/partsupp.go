package gen

import (
	"slices"

	"github.com/apache/arrow/go/v15/arrow"
)

// Partsupp rows (specification 4.2.3): four suppliers per part.

const suppliersPerPart = 4

// partSupplier is the key of the i-th (0..3) supplier of a part:
// (partkey + i * (S/4 + (partkey-1)/S)) mod S + 1 for S suppliers.
// Lineitem draws its supplier from the same four, so every
// (l_partkey, l_suppkey) is a partsupp row.
//
// At the scale factors the specification defines (S a multiple of
// 10,000) the formula gives four distinct suppliers. At some small ones
// it does not (S = 10, 120, ...: the step is a multiple of S/2 or S/3),
// which would duplicate partsupp's primary key; there a repeated
// supplier is replaced by the next unused key.
func partSupplier(partKey, i, suppliers int64) int64 {
	var keys [suppliersPerPart]int64
	step := suppliers/4 + (partKey-1)/suppliers
	for j := int64(0); j <= i; j++ {
		k := (partKey+j*step)%suppliers + 1
		for slices.Contains(keys[:j], k) {
			k = k%suppliers + 1
		}
		keys[j] = k
	}
	return keys[i]
}

func genPartSupp(s *scale, lo, hi int64) arrow.Record {
	p := textPool()
	n := int(hi-lo) * suppliersPerPart
	parts, supps := make([]int64, 0, n), make([]int64, 0, n)
	avail, costs := make([]int64, 0, n), make([]int64, 0, n)
	comments := newStrCol(n, 124)
	tlo, thi := textRange(124)
	for i := lo; i < hi; i++ {
		key := i + 1
		for j := int64(0); j < suppliersPerPart; j++ {
			r := seedRow(streamPartSupp, i*suppliersPerPart+j)
			parts = append(parts, key)
			supps = append(supps, partSupplier(key, j, s.suppliers))
			avail = append(avail, r.intn(1, 9999))
			costs = append(costs, r.intn(100, 100000))
			comments.add(text(&r, p, tlo, thi))
		}
	}
	return record(partsuppSchema, int64Array(parts), int64Array(supps), int64Array(avail),
		decimalArray(costs), comments.array())
}

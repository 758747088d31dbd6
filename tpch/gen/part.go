package gen

import "github.com/apache/arrow/go/v15/arrow"

// Part rows (specification 4.2.3).

// retailPrice is p_retailprice of a part key in cents (4.2.3):
// (90000 + ((key/10) mod 20001) + 100 * (key mod 1000)) / 100.
func retailPrice(key int64) int64 {
	return 90000 + (key/10)%20001 + 100*(key%1000)
}

func genPart(_ *scale, lo, hi int64) arrow.Record {
	p := textPool()
	n := int(hi - lo)
	keys, prices := make([]int64, 0, n), make([]int64, 0, n)
	sizes := make([]int32, 0, n)
	names, mfgrs, brands, comments := newStrCol(n, 33), newStrCol(n, 14), newStrCol(n, 8), newStrCol(n, 14)
	types := dictCol{words: typeNames, idx: make([]uint8, 0, n)}
	containers := dictCol{words: containerNames, idx: make([]uint8, 0, n)}
	tlo, thi := textRange(14)
	for i := lo; i < hi; i++ {
		r := seedRow(streamPart, i)
		key := i + 1
		keys = append(keys, key)
		names.data = appendPartName(names.data, &r)
		names.end()
		m := r.intn(1, 5)
		mfgrs.data = append(append(mfgrs.data, "Manufacturer#"...), byte('0'+m))
		mfgrs.end()
		brands.data = append(append(brands.data, "Brand#"...), byte('0'+m), byte('0'+r.intn(1, 5)))
		brands.end()
		types.idx = append(types.idx, uint8(r.below(len(typeNames))))
		sizes = append(sizes, int32(r.intn(1, 50)))
		containers.idx = append(containers.idx, uint8(r.below(len(containerNames))))
		prices = append(prices, retailPrice(key))
		comments.add(text(&r, p, tlo, thi))
	}
	return record(partSchema, int64Array(keys), names.array(), mfgrs.array(), brands.array(),
		types.array(), int32Array(sizes), containers.array(), decimalArray(prices), comments.array())
}

// appendPartName appends five distinct colours separated by spaces.
func appendPartName(b []byte, r *rng) []byte {
	var picked [5]int
	for k := 0; k < len(picked); k++ {
	draw:
		c := r.below(len(colors))
		for _, q := range picked[:k] {
			if q == c {
				goto draw
			}
		}
		picked[k] = c
		if k > 0 {
			b = append(b, ' ')
		}
		b = append(b, colors[c]...)
	}
	return b
}

package gen

import "github.com/apache/arrow/go/v15/arrow"

// Customer rows (specification 4.2.3).

func genCustomer(_ *scale, lo, hi int64) arrow.Record {
	p := textPool()
	n := int(hi - lo)
	keys, balances := make([]int64, 0, n), make([]int64, 0, n)
	nationKeys := make([]int32, 0, n)
	names, addrs, phones, comments := newStrCol(n, 18), newStrCol(n, 25), newStrCol(n, 15), newStrCol(n, 73)
	segs := dictCol{words: segments, idx: make([]uint8, 0, n)}
	tlo, thi := textRange(73)
	for i := lo; i < hi; i++ {
		r := seedRow(streamCustomer, i)
		key := i + 1
		keys = append(keys, key)
		names.data = appendKeyName(names.data, "Customer#", key)
		names.end()
		addrs.data = appendRandomString(addrs.data, &r, 10, 40)
		addrs.end()
		nk := int32(r.intn(0, int64(len(nations)-1)))
		nationKeys = append(nationKeys, nk)
		phones.data = appendPhone(phones.data, &r, nk)
		phones.end()
		balances = append(balances, r.intn(acctbalMin, acctbalMax))
		segs.idx = append(segs.idx, uint8(r.below(len(segments))))
		comments.add(text(&r, p, tlo, thi))
	}
	return record(customerSchema, int64Array(keys), names.array(), addrs.array(),
		int32Array(nationKeys), phones.array(), decimalArray(balances), segs.array(), comments.array())
}

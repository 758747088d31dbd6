package gen

import "github.com/apache/arrow/go/v15/arrow"

// Supplier rows (specification 4.2.3). Of every 10,000 suppliers, five on
// average carry "Customer ... Complaints" in their comment and five
// "Customer ... Recommends" (the rows TPC-H Q16 filters out).

const (
	acctbalMin = -99999 // cents
	acctbalMax = 999999
	// bbbPerTenThousand is the per-mille-of-ten rate of each of the two
	// Customer comments.
	bbbPerTenThousand = 5
)

func genSupplier(_ *scale, lo, hi int64) arrow.Record {
	p := textPool()
	n := int(hi - lo)
	keys, balances := make([]int64, 0, n), make([]int64, 0, n)
	nationKeys := make([]int32, 0, n)
	names, addrs, phones, comments := newStrCol(n, 18), newStrCol(n, 25), newStrCol(n, 15), newStrCol(n, 63)
	tlo, thi := textRange(63)
	for i := lo; i < hi; i++ {
		r := seedRow(streamSupplier, i)
		key := i + 1
		keys = append(keys, key)
		names.data = appendKeyName(names.data, "Supplier#", key)
		names.end()
		addrs.data = appendRandomString(addrs.data, &r, 10, 40)
		addrs.end()
		nk := int32(r.intn(0, int64(len(nations)-1)))
		nationKeys = append(nationKeys, nk)
		phones.data = appendPhone(phones.data, &r, nk)
		phones.end()
		balances = append(balances, r.intn(acctbalMin, acctbalMax))
		c := text(&r, p, tlo, thi)
		switch bbb := r.intn(0, 9999); {
		case bbb < bbbPerTenThousand:
			comments.data = appendWithCustomer(comments.data, &r, c, "Complaints")
			comments.end()
		case bbb < 2*bbbPerTenThousand:
			comments.data = appendWithCustomer(comments.data, &r, c, "Recommends")
			comments.end()
		default:
			comments.add(c)
		}
	}
	return record(supplierSchema, int64Array(keys), names.array(), addrs.array(),
		int32Array(nationKeys), phones.array(), decimalArray(balances), comments.array())
}

// appendWithCustomer appends comment c with "Customer " and word written
// over it at random positions, keeping its length: "...Customer
// <gap>Complaints...".
func appendWithCustomer(b []byte, r *rng, c []byte, word string) []byte {
	const customer = "Customer "
	start := len(b)
	b = append(b, c...)
	room := int64(len(c) - len(customer) - len(word))
	gap := r.intn(0, room)
	at := int(r.intn(0, room-gap))
	copy(b[start+at:], customer)
	copy(b[start+at+len(customer)+int(gap):], word)
	return b
}

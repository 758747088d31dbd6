package gen

import "github.com/apache/arrow/go/v15/arrow"

// Lineitem rows: the lines of orders [lo, hi), in order.

func genLineitem(s *scale, lo, hi int64) arrow.Record {
	p := textPool()
	n := int(hi-lo)*4 + 64
	okeys, pkeys, skeys, nums := make([]int64, 0, n), make([]int64, 0, n), make([]int64, 0, n), make([]int64, 0, n)
	qty, price, disc, tax := make([]int64, 0, n), make([]int64, 0, n), make([]int64, 0, n), make([]int64, 0, n)
	ship, commit, receipt := make([]int32, 0, n), make([]int32, 0, n), make([]int32, 0, n)
	flags, status, comments := newStrCol(n, 1), newStrCol(n, 1), newStrCol(n, 27)
	instr := dictCol{words: instructions, idx: make([]uint8, 0, n)}
	modes := dictCol{words: shipModes, idx: make([]uint8, 0, n)}
	tlo, thi := textRange(27)
	for i := lo; i < hi; i++ {
		o := s.order(i)
		for j := range o.lines {
			l := s.line(i, j, o.date)
			okeys = append(okeys, o.key)
			pkeys = append(pkeys, l.part)
			skeys = append(skeys, l.supp)
			nums = append(nums, int64(j+1))
			qty = append(qty, l.qty*100)
			price = append(price, l.price)
			disc = append(disc, l.disc)
			tax = append(tax, l.tax)
			ship = append(ship, l.ship)
			commit = append(commit, l.commit)
			receipt = append(receipt, l.receipt)
			flags.data = append(flags.data, l.returnFlag)
			flags.end()
			status.data = append(status.data, l.lineStatus)
			status.end()
			instr.idx = append(instr.idx, l.instruct)
			modes.idx = append(modes.idx, l.mode)
			comments.add(text(&l.r, p, tlo, thi))
		}
	}
	return record(lineitemSchema, int64Array(okeys), int64Array(pkeys), int64Array(skeys),
		int64Array(nums), decimalArray(qty), decimalArray(price), decimalArray(disc), decimalArray(tax),
		flags.array(), status.array(), dateArray(ship), dateArray(commit), dateArray(receipt),
		instr.array(), modes.array(), comments.array())
}

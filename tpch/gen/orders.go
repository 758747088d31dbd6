package gen

import "github.com/apache/arrow/go/v15/arrow"

// Orders and their lines (specification 4.2.3). An order and its lines
// are drawn together from per-order and per-line random streams, so the
// orders table (whose total price and status come from the lines) and
// the lineitem table agree without either reading the other.

// Dates as days since 1970-01-01 (date32).
const (
	startDate    = 8035  // 1992-01-01
	endDate      = 10591 // 1998-12-31
	currentDate  = 9298  // 1995-06-17
	maxOrderDate = endDate - 151
	maxLines     = 7
)

// orderKey maps the i-th order (from 0) to its key. Keys are sparse: of
// each 32 consecutive keys only the first 8 are used (4.2.3), leaving
// room for the refresh functions' inserts. As in dbgen, the n-th order
// (from 1) gets (n/8)*32 + n%8: keys 1-7, 32-39, 64-71, ...
func orderKey(i int64) int64 {
	n := i + 1
	return (n/8)*32 + n%8
}

type order struct {
	key   int64
	cust  int64
	date  int32
	prio  uint8
	clerk int64
	lines int
	r     rng // positioned after the fields above: the comment's stream
}

func (s *scale) order(i int64) order {
	r := seedRow(streamOrder, i)
	o := order{key: orderKey(i)}
	// Customers whose key is a multiple of 3 never order (4.2.3): draw
	// among the others and map the k-th to its key.
	k := r.intn(0, s.customers-s.customers/3-1)
	o.cust = 3*(k/2) + k%2 + 1
	o.date = int32(r.intn(startDate, maxOrderDate))
	o.prio = uint8(r.below(len(priorities)))
	o.clerk = r.intn(1, s.clerks)
	o.lines = int(r.intn(1, maxLines))
	o.r = r
	return o
}

type line struct {
	part, supp             int64
	qty, disc, tax, price  int64 // qty in units, disc and tax in percent, price in cents
	ship, commit, receipt  int32
	returnFlag, lineStatus byte
	instruct, mode         uint8
	r                      rng // positioned for the comment
}

// line draws the j-th line (from 0) of order i.
func (s *scale) line(i int64, j int, orderDate int32) line {
	r := seedRow(streamLine, i*maxLines+int64(j))
	var l line
	l.part = r.intn(1, s.parts)
	l.supp = partSupplier(l.part, r.intn(0, suppliersPerPart-1), s.suppliers)
	l.qty = r.intn(1, 50)
	l.disc = r.intn(0, 10)
	l.tax = r.intn(0, 8)
	l.price = l.qty * retailPrice(l.part)
	l.ship = orderDate + int32(r.intn(1, 121))
	l.commit = orderDate + int32(r.intn(30, 90))
	l.receipt = l.ship + int32(r.intn(1, 30))
	rf := r.intn(0, 1)
	switch {
	case l.receipt > currentDate:
		l.returnFlag = 'N'
	case rf == 0:
		l.returnFlag = 'R'
	default:
		l.returnFlag = 'A'
	}
	if l.ship > currentDate {
		l.lineStatus = 'O'
	} else {
		l.lineStatus = 'F'
	}
	l.instruct = uint8(r.below(len(instructions)))
	l.mode = uint8(r.below(len(shipModes)))
	l.r = r
	return l
}

// charge is what a line adds to its order's total price, in cents:
// extendedprice * (1 - discount) * (1 + tax), truncated to cents at each
// step as dbgen does.
func (l *line) charge() int64 {
	return l.price * (100 - l.disc) / 100 * (100 + l.tax) / 100
}

func genOrders(s *scale, lo, hi int64) arrow.Record {
	p := textPool()
	n := int(hi - lo)
	keys, custs, totals := make([]int64, 0, n), make([]int64, 0, n), make([]int64, 0, n)
	dates, shipPrio := make([]int32, 0, n), make([]int32, n)
	status, clerks, comments := newStrCol(n, 1), newStrCol(n, 15), newStrCol(n, 49)
	prios := dictCol{words: priorities, idx: make([]uint8, 0, n)}
	tlo, thi := textRange(49)
	for i := lo; i < hi; i++ {
		o := s.order(i)
		keys = append(keys, o.key)
		custs = append(custs, o.cust)
		dates = append(dates, o.date)
		prios.idx = append(prios.idx, o.prio)
		clerks.data = appendKeyName(clerks.data, "Clerk#", o.clerk)
		clerks.end()
		comments.add(text(&o.r, p, tlo, thi))
		var total int64
		finished := 0
		for j := range o.lines {
			l := s.line(i, j, o.date)
			total += l.charge()
			if l.lineStatus == 'F' {
				finished++
			}
		}
		totals = append(totals, total)
		switch finished {
		case o.lines:
			status.data = append(status.data, 'F')
		case 0:
			status.data = append(status.data, 'O')
		default:
			status.data = append(status.data, 'P')
		}
		status.end()
	}
	return record(ordersSchema, int64Array(keys), int64Array(custs), status.array(),
		decimalArray(totals), dateArray(dates), prios.array(), clerks.array(),
		int32Array(shipPrio), comments.array())
}

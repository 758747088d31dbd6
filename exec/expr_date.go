package exec

import (
	"fmt"
	"strings"

	"github.com/apache/arrow/go/v15/arrow"
)

// Date arithmetic: date32 +/- interval (months and days; the day is
// clamped to the end of a shorter month), date32 +/- integer days,
// interval + date32, date32 - date32 (days, int64), and timestamp +/-
// interval.

// daysFromCivil converts a proleptic Gregorian date to days since
// 1970-01-01 (Howard Hinnant's algorithm).
func daysFromCivil(y, m, d int) int {
	if m <= 2 {
		y--
	}
	era := y / 400
	if y < 0 && y%400 != 0 {
		era = (y - 399) / 400
	}
	yoe := y - era*400
	mp := (m + 9) % 12
	doy := (153*mp+2)/5 + d - 1
	doe := yoe*365 + yoe/4 - yoe/100 + doy
	return era*146097 + doe - 719468
}

// civilFromDays is the inverse of daysFromCivil.
func civilFromDays(z int) (y, m, d int) {
	z += 719468
	era := z / 146097
	if z < 0 && z%146097 != 0 {
		era = (z - 146096) / 146097
	}
	doe := z - era*146097
	yoe := (doe - doe/1460 + doe/36524 - doe/146096) / 365
	y = yoe + era*400
	doy := doe - (365*yoe + yoe/4 - yoe/100)
	mp := (5*doy + 2) / 153
	d = doy - (153*mp+2)/5 + 1
	m = mp + 3
	if m > 12 {
		m -= 12
	}
	if m <= 2 {
		y++
	}
	return
}

func isLeap(y int) bool { return y%4 == 0 && (y%100 != 0 || y%400 == 0) }

func daysInMonth(y, m int) int {
	switch m {
	case 2:
		if isLeap(y) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}

// addMonths moves a day count by months, clamping the day of month.
func addMonths(days int, months int) int {
	if months == 0 {
		return days
	}
	y, m, d := civilFromDays(days)
	total := y*12 + (m - 1) + months
	ny, nm := total/12, total%12
	if nm < 0 {
		nm += 12
		ny--
	}
	nm++
	d = min(d, daysInMonth(ny, nm))
	return daysFromCivil(ny, nm, d)
}

// parseDate reads YYYY-MM-DD (surrounding spaces allowed) as days since
// the epoch, rejecting impossible dates such as 1998-02-30.
func parseDate(s string) (int32, bool) {
	s = strings.TrimSpace(s)
	if len(s) != 10 || s[4] != '-' || s[7] != '-' {
		return 0, false
	}
	atoi := func(t string) (int, bool) {
		v := 0
		for i := 0; i < len(t); i++ {
			c := t[i]
			if c < '0' || c > '9' {
				return 0, false
			}
			v = v*10 + int(c-'0')
		}
		return v, true
	}
	y, ok1 := atoi(s[0:4])
	m, ok2 := atoi(s[5:7])
	d, ok3 := atoi(s[8:10])
	if !ok1 || !ok2 || !ok3 || m < 1 || m > 12 || d < 1 || d > daysInMonth(y, m) {
		return 0, false
	}
	return int32(daysFromCivil(y, m, d)), true
}

// dateArithExpr is one of the date/timestamp forms listed above.
type dateArithExpr struct {
	op         BinaryOp
	l, r       Expr
	lk, rk     arrow.Array
	typ        arrow.DataType
	intervalOn int // which side (0 left, 1 right) holds an interval or day count
}

var _ Expr = (*dateArithExpr)(nil)

func newDateArith(op BinaryOp, l, r Expr, typ arrow.DataType) (Expr, error) {
	lt, rt := l.DataType(), r.DataType()
	e := &dateArithExpr{op: op, l: l, r: r, typ: typ, intervalOn: 1}
	// Day counts become int64 so one kernel reads them.
	if isInteger(lt) {
		e.intervalOn = 0
	}
	if lt.ID() == arrow.INTERVAL_MONTH_DAY_NANO {
		e.intervalOn = 0
	}
	var err error
	if e.intervalOn == 0 && isInteger(lt) {
		if e.l, err = NewCast(l, typInt64); err != nil {
			return nil, err
		}
	}
	if e.intervalOn == 1 && isInteger(rt) {
		if e.r, err = NewCast(r, typInt64); err != nil {
			return nil, err
		}
	}
	e.lk, e.rk = constantOf(e.l), constantOf(e.r)
	return e, nil
}

func (e *dateArithExpr) DataType() arrow.DataType { return e.typ }

func (e *dateArithExpr) String() string { return fmt.Sprintf("(%s %s %s)", e.l, e.op, e.r) }

func (e *dateArithExpr) Eval(ctx *Context, batch arrow.Record) (arrow.Array, error) {
	lo, err := evalOperand(ctx, e.l, e.lk, batch)
	if err != nil {
		return nil, err
	}
	defer lo.release()
	ro, err := evalOperand(ctx, e.r, e.rk, batch)
	if err != nil {
		return nil, err
	}
	defer ro.release()
	mem := allocator(ctx)
	n := int(batch.NumRows())
	validity, nulls, allNull := combineValidity(mem, n, lo, ro)
	if allNull {
		return nullArray(mem, e.typ, n), nil
	}
	if lo.arr.DataType().ID() == arrow.DATE32 && ro.arr.DataType().ID() == arrow.DATE32 {
		// date - date: days between.
		l, r := values[int32](lo.arr), values[int32](ro.arr)
		buf, out := newValues[int64](mem, n)
		for i := range out {
			out[i] = int64(l[idx(i, lo)]) - int64(r[idx(i, ro)])
		}
		return fixedArray(e.typ, n, validity, nulls, buf), nil
	}
	temporal, delta := lo, ro
	if e.intervalOn == 0 {
		temporal, delta = ro, lo
	}
	sign := 1
	if e.op == OpSub {
		sign = -1
	}
	var bad error
	if e.typ.ID() == arrow.DATE32 {
		dates := values[int32](temporal.arr)
		buf, out := newValues[int32](mem, n)
		if delta.arr.DataType().ID() == arrow.INT64 {
			days := values[int64](delta.arr)
			for i := range out {
				out[i] = dates[idx(i, temporal)] + int32(sign*int(days[idx(i, delta)]))
			}
		} else {
			ivs := values[arrow.MonthDayNanoInterval](delta.arr)
			for i := range out {
				iv := ivs[idx(i, delta)]
				if iv.Nanoseconds%(86400*1e9) != 0 && bad == nil && temporal.validAt(i) && delta.validAt(i) {
					bad = fmt.Errorf("%w: interval %d months %d days %d ns has a part smaller than a day; date arithmetic needs whole days (CAST the date to timestamp)", ErrExec, iv.Months, iv.Days, iv.Nanoseconds)
				}
				d := addMonths(int(dates[idx(i, temporal)]), sign*int(iv.Months))
				d += sign * (int(iv.Days) + int(iv.Nanoseconds/(86400*1e9)))
				out[i] = int32(d)
			}
		}
		if bad != nil {
			buf.Release()
			if validity != nil {
				validity.Release()
			}
			return nil, bad
		}
		return fixedArray(e.typ, n, validity, nulls, buf), nil
	}
	// timestamp +/- interval, in the timestamp's unit.
	unit := temporal.arr.DataType().(*arrow.TimestampType).Unit
	ts := values[int64](temporal.arr)
	ivs := values[arrow.MonthDayNanoInterval](delta.arr)
	per := int64(86400) * (int64(1e9) / int64(unit.Multiplier()))
	buf, out := newValues[int64](mem, n)
	for i := range out {
		t := ts[idx(i, temporal)]
		iv := ivs[idx(i, delta)]
		day := t / per
		rem := t % per
		if rem < 0 {
			rem += per
			day--
		}
		day = int64(addMonths(int(day), sign*int(iv.Months))) + int64(sign*int(iv.Days))
		out[i] = day*per + rem + int64(sign)*iv.Nanoseconds/int64(unit.Multiplier())
	}
	return fixedArray(e.typ, n, validity, nulls, buf), nil
}

// idx maps row i to its index in an operand's values: 0 for a broadcast
// constant.
func idx(i int, o operand) int {
	if o.bcast {
		return 0
	}
	return i
}

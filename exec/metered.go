package exec

import (
	"fmt"
	"strings"
	"sync/atomic"
	"time"

	"github.com/apache/arrow/go/v15/arrow"
)

// Metered wraps an operator and measures it for EXPLAIN ANALYZE: the rows
// and bytes it produced, its batches, and the wall time spent inside its
// Open and Next calls (which includes its inputs' time, as operators pull
// from them). It is itself an Operator with the wrapped one's contract;
// the counters are atomic, so Stats may be read while the query runs.
type Metered struct {
	op      Operator
	rows    atomic.Int64
	bytes   atomic.Int64
	batches atomic.Int64
	nanos   atomic.Int64
}

var _ Operator = (*Metered)(nil)

// Meter wraps op.
func Meter(op Operator) *Metered { return &Metered{op: op} }

// OperatorName names an operator by its type ("hashJoinProbe" for
// *exec.hashJoinProbe), looking through a meter.
func OperatorName(op Operator) string {
	if m, ok := op.(*Metered); ok {
		op = m.op
	}
	name := strings.TrimPrefix(fmt.Sprintf("%T", op), "*")
	if i := strings.LastIndexByte(name, '.'); i >= 0 {
		name = name[i+1:]
	}
	return name
}

// Schema is the wrapped operator's.
func (m *Metered) Schema() *arrow.Schema { return m.op.Schema() }

// Open opens the wrapped operator, timing it.
func (m *Metered) Open(ctx *Context) error {
	start := time.Now()
	err := m.op.Open(ctx)
	m.nanos.Add(int64(time.Since(start)))
	return err
}

// Next passes the wrapped operator's batch on, counting it.
func (m *Metered) Next() (arrow.Record, error) {
	start := time.Now()
	rec, err := m.op.Next()
	m.nanos.Add(int64(time.Since(start)))
	if rec != nil {
		m.batches.Add(1)
		m.rows.Add(rec.NumRows())
		var n int64
		for _, c := range rec.Columns() {
			n += meteredBytes(c.Data())
		}
		m.bytes.Add(n)
	}
	return rec, err
}

func meteredBytes(d arrow.ArrayData) int64 {
	var n int64
	for _, b := range d.Buffers() {
		if b != nil {
			n += int64(b.Len())
		}
	}
	for _, c := range d.Children() {
		n += meteredBytes(c)
	}
	return n
}

// Close closes the wrapped operator.
func (m *Metered) Close() error { return m.op.Close() }

// MeterStats are a meter's counters. Bytes counts the buffers of the
// batches produced (a slice shares its parent's buffers, so this is an
// upper bound on the data that moved).
type MeterStats struct {
	Rows, Bytes, Batches int64
	Time                 time.Duration
}

// Add sums two meters' counters (the parallel pipelines of one node).
func (s MeterStats) Add(o MeterStats) MeterStats {
	return MeterStats{Rows: s.Rows + o.Rows, Bytes: s.Bytes + o.Bytes, Batches: s.Batches + o.Batches, Time: s.Time + o.Time}
}

// Stats reads the counters.
func (m *Metered) Stats() MeterStats {
	return MeterStats{Rows: m.rows.Load(), Bytes: m.bytes.Load(), Batches: m.batches.Load(), Time: time.Duration(m.nanos.Load())}
}

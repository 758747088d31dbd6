package exec

import (
	"fmt"
	"strings"
	"sync/atomic"
	"time"

	"github.com/apache/arrow/go/v15/arrow"
)

// Metered wraps an operator and measures it for EXPLAIN ANALYZE: the rows
// and bytes it produced, the batches, and the wall time spent inside its
// Open and Next calls (which includes its children's time, as the
// operators pull from them). Label names the operator in the report;
// Inputs are the metered operators it reads, when the planner wrapped
// those too, so Report can print a tree with the time of each operator
// alone.
//
// Metered is itself an Operator with the wrapped one's contract; the
// counters are atomic, so Report may run while the query does.
type Metered struct {
	Label  string
	Inputs []*Metered

	op      Operator
	rows    atomic.Int64
	bytes   atomic.Int64
	batches atomic.Int64
	nanos   atomic.Int64
}

var _ Operator = (*Metered)(nil)

// Meter wraps op, labelled with its type.
func Meter(op Operator) *Metered {
	return &Metered{Label: OperatorName(op), op: op}
}

// MeterAs wraps op with a label and the metered operators it reads.
func MeterAs(op Operator, label string, inputs ...*Metered) *Metered {
	return &Metered{Label: label, Inputs: inputs, op: op}
}

// OperatorName names an operator by its type ("hashJoinProbe" for
// *exec.hashJoinProbe).
func OperatorName(op Operator) string {
	if m, ok := op.(*Metered); ok {
		return m.Label
	}
	name := fmt.Sprintf("%T", op)
	name = strings.TrimPrefix(name, "*")
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
			for _, b := range c.Data().Buffers() {
				if b != nil {
					n += int64(b.Len())
				}
			}
		}
		m.bytes.Add(n)
	}
	return rec, err
}

// Close closes the wrapped operator.
func (m *Metered) Close() error { return m.op.Close() }

// MeterStats are one operator's counters.
type MeterStats struct {
	Rows, Bytes, Batches int64
	// Time is spent in the operator and its inputs; Self excludes the
	// metered inputs.
	Time, Self time.Duration
}

// Stats reads the counters.
func (m *Metered) Stats() MeterStats {
	s := MeterStats{Rows: m.rows.Load(), Bytes: m.bytes.Load(), Batches: m.batches.Load(), Time: time.Duration(m.nanos.Load())}
	s.Self = s.Time
	for _, in := range m.Inputs {
		s.Self -= time.Duration(in.nanos.Load())
	}
	if s.Self < 0 {
		// Inputs run concurrently (gathered pipelines): their summed time
		// can exceed the wall time of the operator above them.
		s.Self = 0
	}
	return s
}

// Report renders the metered tree, one operator per line:
//
//	hashAggregate  rows=4 bytes=212B batches=1 time=12.1ms self=3.2ms
//	  filter  rows=59k ...
func (m *Metered) Report() string {
	var b strings.Builder
	var walk func(*Metered, int)
	walk = func(x *Metered, depth int) {
		s := x.Stats()
		fmt.Fprintf(&b, "%s%s  rows=%d bytes=%s batches=%d time=%v self=%v\n", strings.Repeat("  ", depth), x.Label,
			s.Rows, FormatBytes(s.Bytes), s.Batches, s.Time.Round(time.Microsecond), s.Self.Round(time.Microsecond))
		for _, in := range x.Inputs {
			walk(in, depth+1)
		}
	}
	walk(m, 0)
	return strings.TrimRight(b.String(), "\n")
}

// DescribeTree names an operator for EXPLAIN; a metered tree prints its
// shape.
func DescribeTree(op Operator) string {
	m, ok := op.(*Metered)
	if !ok {
		return OperatorName(op)
	}
	var b strings.Builder
	var walk func(*Metered, int)
	walk = func(x *Metered, depth int) {
		b.WriteString(strings.Repeat("  ", depth) + x.Label + "\n")
		for _, in := range x.Inputs {
			walk(in, depth+1)
		}
	}
	walk(m, 0)
	return strings.TrimRight(b.String(), "\n")
}

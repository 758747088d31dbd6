package exec

import (
	"io"

	"github.com/apache/arrow/go/v15/arrow"
)

type limitOp struct {
	child  Operator
	offset int64
	limit  int64
	skip   int64 // rows of the offset still to skip
	left   int64 // rows still to emit; negative means no limit
	err    error
}

var _ Operator = (*limitOp)(nil)

// NewLimit returns an operator skipping the first offset rows of child and
// passing on at most limit rows after them; a negative limit means no
// limit, a negative offset counts as zero. Once the limit is reached it
// stops pulling from child (so upstream work stops too). Batches are cut
// with zero-copy slices.
func NewLimit(child Operator, offset, limit int64) Operator {
	return &limitOp{child: child, offset: max(offset, 0), limit: limit}
}

func (l *limitOp) Schema() *arrow.Schema { return l.child.Schema() }

func (l *limitOp) Open(ctx *Context) error {
	l.skip, l.left, l.err = l.offset, l.limit, nil
	return l.child.Open(ctx)
}

func (l *limitOp) Next() (arrow.Record, error) {
	for l.err == nil {
		if l.left == 0 {
			l.err = io.EOF
			break
		}
		rec, err := l.child.Next()
		if err != nil {
			l.err = err
			break
		}
		n := rec.NumRows()
		start := min(l.skip, n)
		l.skip -= start
		end := n
		if l.left >= 0 {
			end = min(n, start+l.left)
			l.left -= end - start
		}
		if start == end && n > 0 {
			rec.Release()
			continue
		}
		if start == 0 && end == n {
			return rec, nil
		}
		out := rec.NewSlice(start, end)
		rec.Release()
		return out, nil
	}
	return nil, l.err
}

func (l *limitOp) Close() error { return l.child.Close() }

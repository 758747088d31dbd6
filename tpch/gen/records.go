package gen

import (
	"context"
	"fmt"

	"github.com/apache/arrow/go/v15/arrow"
)

// Records generates partition part (from 0) of parts of a table in
// memory and calls fn with its record batches in order, one per chunk of
// about RowGroupRows rows. The rows are those Generate writes to the same
// partition. A record is released when fn returns: fn must Retain it to
// keep it. The records' memory is on the Go heap, not from an allocator.
// Generation stops at the first error from fn or when ctx is done.
func Records(ctx context.Context, table string, sf float64, part, parts int, fn func(arrow.Record) error) error {
	t, err := lookupTable(table)
	if err != nil {
		return err
	}
	s, err := newScale(sf)
	if err != nil {
		return err
	}
	units := s.units(t)
	if parts <= 0 || part < 0 || part >= parts {
		return fmt.Errorf("%w: partition %d of %d", ErrInvalid, part, parts)
	}
	lo, hi := units*int64(part)/int64(parts), units*int64(part+1)/int64(parts)
	for c := lo; c < hi; c += t.unitsPerChunk() {
		if err := ctx.Err(); err != nil {
			return err
		}
		r := generateChunk(s, t, c, min(c+t.unitsPerChunk(), hi))
		if r.err != nil {
			return r.err
		}
		err := fn(r.rec)
		r.rec.Release()
		if err != nil {
			return err
		}
	}
	return nil
}

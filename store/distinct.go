package store

import (
	"context"
	"io"
	"math"
	"strings"
	"sync"

	"github.com/apache/arrow/go/v15/arrow"
	"github.com/apache/arrow/go/v15/arrow/array"
	"github.com/apache/arrow/go/v15/arrow/memory"
)

// DistinctEstimator is implemented by tables that can estimate how many
// distinct values a column holds when their statistics do not say (Parquet
// writers rarely record distinct counts). The optimizer asks for the
// columns it compares with constants or groups by: `p_type = 'ECONOMY
// ANODIZED STEEL'` keeps 1 row in 150, not a guessed 1 in 10, and that
// decides the join order of TPC-H Q8. The first call for a column reads a
// sample of it; later calls answer from a cache. Safe for concurrent use.
type DistinctEstimator interface {
	// EstimateDistinct returns the estimated number of distinct non-NULL
	// values of column col (an index into the table's schema), or false
	// when the table cannot tell (an unsupported type, a read error).
	EstimateDistinct(col int) (int64, bool)
}

// distinctSampleRows is how many rows a distinct-count estimate reads,
// spread over up to distinctSampleSplits splits.
const (
	distinctSampleRows   = 1 << 16
	distinctSampleSplits = 4
)

// distinctCache remembers a table's distinct-count estimates by column,
// including the columns that have none.
type distinctCache struct {
	mu  sync.Mutex
	ndv map[int]distinctEstimate
}

type distinctEstimate struct {
	n  int64
	ok bool
}

// get returns the cached estimate for col, computing it with fn once.
func (c *distinctCache) get(col int, fn func() (int64, bool)) (int64, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if e, done := c.ndv[col]; done {
		return e.n, e.ok
	}
	if c.ndv == nil {
		c.ndv = map[int]distinctEstimate{}
	}
	n, ok := fn()
	c.ndv[col] = distinctEstimate{n, ok}
	return n, ok
}

// sampleDistinct estimates the distinct values of string column col of t
// (rows in all) from up to distinctSampleRows rows read from splits spread
// over the table, with the GEE estimator (Charikar et al., "Towards
// estimation error guarantees for distinct values", PODS 2000): values
// seen once in the sample stand for sqrt(N/n) values each, values seen
// more often for themselves. A column whose sample repeats (flags,
// segments, types) comes out near its true count; a nearly unique one
// scales up to the table's size, and one with no repeats in a large
// sample counts as unique.
func sampleDistinct(t Table, col int, rows int64) (int64, bool) {
	schema := t.Schema()
	if col < 0 || col >= schema.NumFields() || schema.Field(col).Type.ID() != arrow.STRING || rows <= 0 {
		return 0, false
	}
	splits, err := t.Splits()
	if err != nil || len(splits) == 0 {
		return 0, false
	}
	picks := min(len(splits), distinctSampleSplits)
	per := int64(distinctSampleRows / picks)
	counts := map[string]int{}
	var sampled, nulls int64
	for k := 0; k < picks; k++ {
		split := splits[k*len(splits)/picks]
		n, nn, ok := sampleSplit(split, col, per, counts)
		if !ok {
			return 0, false
		}
		sampled, nulls = sampled+n, nulls+nn
	}
	nonNull := sampled - nulls
	if nonNull <= 0 {
		return 0, sampled > 0
	}
	if sampled >= rows {
		return int64(len(counts)), true
	}
	total := float64(rows) * float64(nonNull) / float64(sampled)
	var once float64
	for _, c := range counts {
		if c == 1 {
			once++
		}
	}
	if once == float64(len(counts)) && nonNull >= 1000 {
		// No value repeats in a large sample: a key, as unique as the
		// table is large (GEE would say sqrt(N/n) times the sample).
		return int64(total), true
	}
	est := math.Sqrt(total/float64(nonNull))*once + (float64(len(counts)) - once)
	return int64(math.Min(math.Max(est, float64(len(counts))), total)), true
}

// sampleSplit reads up to limit rows of column col from split into
// counts, returning the rows read and how many were NULL.
func sampleSplit(split Split, col int, limit int64, counts map[string]int) (n, nulls int64, ok bool) {
	r, err := split.Open(context.Background(), memory.DefaultAllocator, ScanOptions{Columns: []int{col}})
	if err != nil {
		return 0, 0, false
	}
	defer r.Close()
	for n < limit {
		rec, err := r.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return 0, 0, false
		}
		s, isString := rec.Column(0).(*array.String)
		if !isString {
			rec.Release()
			return 0, 0, false
		}
		take := min(int64(s.Len()), limit-n)
		for i := 0; i < int(take); i++ {
			if s.IsNull(i) {
				nulls++
				continue
			}
			// Readers may reuse their buffers (pooled pages, mapped
			// files): keys are copied the first time they are seen.
			v := s.Value(i)
			if c, seen := counts[v]; seen {
				counts[v] = c + 1
			} else {
				counts[strings.Clone(v)] = 1
			}
		}
		n += take
		rec.Release()
	}
	return n, nulls, true
}

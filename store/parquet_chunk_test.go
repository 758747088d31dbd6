package store

import (
	"errors"
	"io"
	"path/filepath"
	"testing"
)

// TestParquetFastScanStreamedChunks runs the synthetic equivalence test
// with every chunk over the whole-chunk limit, so that the fast columns
// stream their chunks through arrow's buffered reader instead.
func TestParquetFastScanStreamedChunks(t *testing.T) {
	defer func(old int64) { maxWholeChunk = old }(maxWholeChunk)
	maxWholeChunk = 0
	for _, v := range syntheticVariants {
		t.Run(v.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "synthetic.parquet")
			writeSynthetic(t, path, 5000, 1500, v.props...)
			if n := compareFastWithPQArrowLeaky(t, path, nil, v.leaky, 1000); n != v.fast {
				t.Errorf("fast path decodes %d columns, want %d", n, v.fast)
			}
		})
	}
}

// TestChunkReader checks the in-memory chunk reader's peeks, discards and
// reads, up to and past its end.
func TestChunkReader(t *testing.T) {
	r := &chunkReader{buf: []byte("0123456789")}
	if b, err := r.Peek(4); string(b) != "0123" || err != nil {
		t.Fatalf("Peek(4) = %q, %v", b, err)
	}
	if n, err := r.Discard(3); n != 3 || err != nil {
		t.Fatalf("Discard(3) = %d, %v", n, err)
	}
	p := make([]byte, 4)
	if n, err := r.Read(p); n != 4 || err != nil || string(p) != "3456" {
		t.Fatalf("Read = %d, %q, %v", n, p, err)
	}
	if b, err := r.Peek(8); string(b) != "789" || err != io.EOF {
		t.Fatalf("Peek(8) near the end = %q, %v; want \"789\", EOF", b, err)
	}
	if n, err := r.Discard(5); n != 3 || err != io.EOF {
		t.Fatalf("Discard(5) near the end = %d, %v; want 3, EOF", n, err)
	}
	if n, err := r.Read(p); n != 0 || err != io.EOF {
		t.Fatalf("Read at the end = %d, %v", n, err)
	}
	if _, err := r.Peek(-1); !errors.Is(err, errNegative) {
		t.Fatalf("Peek(-1): %v", err)
	}
}

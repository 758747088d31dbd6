package store

import (
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/apache/arrow/go/v15/parquet"
	"github.com/apache/arrow/go/v15/parquet/compress"
	"github.com/apache/arrow/go/v15/parquet/file"
	"github.com/apache/arrow/go/v15/parquet/metadata"
)

// maxWholeChunk is the largest column chunk (compressed) that a fast
// column reads whole into its scratch memory; larger ones stream through
// the page reader's buffer.
var maxWholeChunk int64 = 16 << 20 // a variable for the streaming tests

// maxDictHeaderSize is the padding that parquet-mr files before
// PARQUET-816 need after a chunk (as in arrow's row group reader).
const maxDictHeaderSize = 100

// chunkReader is the parquet.BufferedReader of a column chunk held in
// memory: peeks are views, reads are copies.
type chunkReader struct {
	buf []byte
	off int
}

var _ parquet.BufferedReader = (*chunkReader)(nil)

var errNegative = errors.New("negative byte count")

func (r *chunkReader) Peek(n int) ([]byte, error) {
	if n < 0 {
		return nil, errNegative
	}
	rest := r.buf[r.off:]
	if n > len(rest) {
		return rest, io.EOF
	}
	return rest[:n], nil
}

func (r *chunkReader) Discard(n int) (int, error) {
	if n < 0 {
		return 0, errNegative
	}
	if rest := len(r.buf) - r.off; n > rest {
		r.off = len(r.buf)
		return rest, io.EOF
	}
	r.off += n
	return n, nil
}

func (r *chunkReader) Read(p []byte) (int, error) {
	if r.off >= len(r.buf) {
		return 0, io.EOF
	}
	n := copy(p, r.buf[r.off:])
	r.off += n
	return n, nil
}

// chunkRange returns where column chunk cc lies in a file of size bytes,
// as arrow's row group reader computes it.
func chunkRange(meta *metadata.FileMetaData, cc *metadata.ColumnChunkMetaData, size int64) (start, n int64, err error) {
	start = cc.DataPageOffset()
	if cc.HasDictionaryPage() && cc.DictionaryPageOffset() > 0 && start > cc.DictionaryPageOffset() {
		start = cc.DictionaryPageOffset()
	}
	n = cc.TotalCompressedSize()
	if start < 0 || n < 0 || start > size || n > size-start {
		return 0, 0, fmt.Errorf("column chunk at %d of %d bytes outside the file's %d", start, n, size)
	}
	if meta.WriterVersion().LessThan(metadata.Parquet816FixedVersion) {
		n += min(maxDictHeaderSize, size-(start+n))
	}
	return start, n, nil
}

// wholeChunkPages returns a page reader over column chunk cc of f read
// whole into sc's memory, reusing sc's page reader (and its decompression
// buffer) from an earlier chunk; ok is false when the chunk is too large
// for that or its codec unknown, and the caller streams it instead.
func wholeChunkPages(f *os.File, size int64, meta *metadata.FileMetaData, cc *metadata.ColumnChunkMetaData, sc *fastScratch) (pages file.PageReader, ok bool, err error) {
	start, n, err := chunkRange(meta, cc, size)
	if err != nil {
		return nil, false, err
	}
	if n > maxWholeChunk {
		return nil, false, nil
	}
	if _, err := compress.GetCodec(cc.Compression()); err != nil {
		return nil, false, nil
	}
	if int64(cap(sc.chunk)) < n {
		sc.chunk = make([]byte, n)
	}
	buf := sc.chunk[:n]
	if got, err := f.ReadAt(buf, start); int64(got) != n {
		return nil, false, fmt.Errorf("reading column chunk at %d: %d of %d bytes: %v", start, got, n, err)
	}
	sc.reader = chunkReader{buf: buf}
	if sc.pageReader == nil {
		pr, err := file.NewPageReader(&sc.reader, cc.NumValues(), cc.Compression(), &sc.bufs, nil)
		if err != nil {
			return nil, false, nil
		}
		sc.pageReader = pr
	} else {
		sc.pageReader.Reset(&sc.reader, cc.NumValues(), cc.Compression(), nil)
	}
	return sc.pageReader, true, nil
}

package store

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"sync"
	"sync/atomic"
	"unsafe"

	"github.com/apache/arrow/go/v15/arrow"
	"github.com/apache/arrow/go/v15/arrow/array"
	"github.com/apache/arrow/go/v15/arrow/ipc"
	"github.com/apache/arrow/go/v15/arrow/memory"
	flatbuffers "github.com/google/flatbuffers/go"
)

// IPCOptions tune how Arrow IPC files are read.
type IPCOptions struct {
	// RowsPerSplit groups consecutive record batches into splits of at
	// least this many rows (the last may be smaller); <= 0 means 128Ki.
	// A batch is never divided between splits.
	RowsPerSplit int64
}

// IPCTable is an Arrow IPC file (the "Feather v2" file format, with the
// ARROW1 magic and a footer) read through a read-only memory mapping.
//
// What is and is not copied: when the file has no dictionary-encoded
// columns and no compressed bodies, and every column type is a primitive
// (booleans, integers, floats, decimals, dates, times, timestamps,
// durations, intervals, fixed-size binary), a variable-length binary or
// string, or a list, fixed-size list or struct of those, records are built
// without copying a byte of column data: every buffer of every array
// points into the mapping, and the allocator given to Split.Open is not
// used at all (only the small Go structs describing the arrays are
// allocated on the Go heap). The flatbuffer metadata is parsed in place.
// Reading is then validation only: buffer bounds are checked against the
// message body and string/list offsets are checked to be monotonic and in
// range, so a garbled file yields ErrCorrupt and never an out-of-bounds
// read later. Files outside that set (dictionaries, LZ4/ZSTD bodies,
// unions, maps, views) are decoded by Arrow's ipc.FileReader instead,
// which copies each buffer into memory from the given allocator; the
// table reports which mode it is in with ZeroCopy.
//
// Lifetime: the mapping is reference counted. The table holds one
// reference, each open reader one, and each array buffer handed out one;
// the file is unmapped when the table is closed, every reader closed and
// every record built from it released. Records therefore stay valid after
// the table and its readers are closed.
type IPCTable struct {
	m        *mapping
	schema   *arrow.Schema
	blocks   []ipcBlock
	zeroCopy bool
	why      string // why zero-copy is off
	layout   []fieldLayout
	splits   []Split
	stats    TableStats
	closed   sync.Once
}

var _ Table = (*IPCTable)(nil)
var _ io.Closer = (*IPCTable)(nil)

type ipcBlock struct {
	offset  int64
	metaLen int32
	bodyLen int64
	rows    int64
}

// fieldLayout is where a top-level field's nodes and buffers start in a
// record batch message; it depends only on the schema.
type fieldLayout struct{ node, buffer int }

// OpenIPC maps an Arrow IPC file. A missing file is ErrNotFound; a file
// that is not a well-formed IPC file is ErrCorrupt naming it.
func OpenIPC(path string, opts IPCOptions) (t *IPCTable, err error) {
	f, err := os.Open(path)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("%w: %s", ErrNotFound, path)
		}
		return nil, fmt.Errorf("%w: %v", ErrNotFound, err)
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %v", ErrNotFound, path, err)
	}
	if info.IsDir() {
		return nil, fmt.Errorf("%w: %s is a directory, not an Arrow IPC file", ErrFormat, path)
	}
	const minSize = 6 + 2 + 4 + 6 // magic, padding, footer length, magic
	if info.Size() < minSize {
		return nil, fmt.Errorf("%w: %s: %d bytes is too short for an Arrow IPC file", ErrCorrupt, path, info.Size())
	}
	data, unmap, err := mapFile(f, info.Size())
	if err != nil {
		return nil, fmt.Errorf("%w: %s: mapping the file: %v", ErrCorrupt, path, err)
	}
	m := &mapping{path: path, data: data, unmap: unmap}
	m.base = uintptr(unsafe.Pointer(&data[0]))
	m.end = m.base + uintptr(len(data))
	m.refs.Store(1) // the table's
	t = &IPCTable{m: m}
	defer func() {
		if err != nil {
			m.release()
			t = nil
		}
	}()
	defer recoverCorrupt(path, &err)
	if err := t.parse(); err != nil {
		return nil, err
	}
	t.splits = t.makeSplits(opts)
	return t, nil
}

var ipcMagic = []byte("ARROW1")

// parse reads the schema and the footer's record batch blocks.
func (t *IPCTable) parse() error {
	data, path := t.m.data, t.m.path
	if !bytes.Equal(data[:6], ipcMagic) || !bytes.Equal(data[len(data)-6:], ipcMagic) {
		return fmt.Errorf("%w: %s: no ARROW1 magic, not an Arrow IPC file", ErrCorrupt, path)
	}
	footerLen := int64(int32(binary.LittleEndian.Uint32(data[len(data)-10:])))
	if footerLen <= 0 || footerLen > int64(len(data))-16 {
		return fmt.Errorf("%w: %s: footer length %d out of range", ErrCorrupt, path, footerLen)
	}
	footer := data[int64(len(data))-10-footerLen : len(data)-10]
	ft := flatbuffers.Table{Bytes: footer, Pos: flatbuffers.GetUOffsetT(footer)}
	// Arrow's schema decoder trusts vector lengths (a garbled one makes it
	// allocate gigabytes), so the schema's vectors are bounds-checked first.
	if o := flatbuffers.UOffsetT(ft.Offset(6)); o == 0 {
		return fmt.Errorf("%w: %s: the footer has no schema", ErrCorrupt, path)
	} else {
		var st flatbuffers.Table
		st.Bytes, st.Pos = footer, ft.Indirect(ft.Pos+o)
		if err := checkSchemaFB(&st); err != nil {
			return fmt.Errorf("%w: %s: schema: %v", ErrCorrupt, path, err)
		}
	}
	// The schema, through Arrow's reader (it also validates the footer).
	fr, err := ipc.NewFileReader(bytes.NewReader(data))
	if err != nil {
		return fmt.Errorf("%w: %s: %v", ErrCorrupt, path, err)
	}
	t.schema = fr.Schema()
	ndicts := fr.NumDictionaries()
	fr.Close()

	{ // Footer.recordBatches
		vec, n, err := checkVector(&ft, 10, 24)
		if err != nil {
			return fmt.Errorf("%w: %s: footer record batches: %v", ErrCorrupt, path, err)
		}
		for i := 0; i < n; i++ {
			p := vec + flatbuffers.UOffsetT(i*24) // struct Block {long; int; pad; long}
			b := ipcBlock{offset: ft.GetInt64(p), metaLen: ft.GetInt32(p + 8), bodyLen: ft.GetInt64(p + 16)}
			if b.offset < 8 || b.metaLen < 8 || b.bodyLen < 0 || b.offset+int64(b.metaLen)+b.bodyLen > int64(len(data)) {
				return fmt.Errorf("%w: %s: record batch %d lies outside the file", ErrCorrupt, path, i)
			}
			t.blocks = append(t.blocks, b)
		}
	}
	t.zeroCopy = true
	switch {
	case ndicts > 0:
		t.zeroCopy, t.why = false, "dictionary-encoded columns"
	case !zeroCopyTypes(t.schema):
		t.zeroCopy, t.why = false, "column types the zero-copy loader does not handle"
	}
	t.layout = make([]fieldLayout, t.schema.NumFields())
	var nodes, bufs int
	for i, f := range t.schema.Fields() {
		t.layout[i] = fieldLayout{node: nodes, buffer: bufs}
		n, b := countLayout(f.Type)
		nodes, bufs = nodes+n, bufs+b
	}
	t.stats = TableStats{Bytes: int64(len(data)), Columns: unknownColumnStats(t.schema.NumFields())}
	for c := range t.stats.Columns {
		t.stats.Columns[c].NullCount = 0
	}
	for i := range t.blocks {
		msg, err := t.message(i)
		if err != nil {
			return err
		}
		t.blocks[i].rows = msg.rows
		t.stats.Rows += msg.rows
		if msg.compressed && t.zeroCopy {
			t.zeroCopy, t.why = false, "compressed record batches"
		}
		if len(msg.nodes) < nodes/2 || len(msg.bufs) < bufs/2 {
			return fmt.Errorf("%w: %s: record batch %d has %d field nodes and %d buffers, the schema needs %d and %d", ErrCorrupt, path, i, len(msg.nodes)/2, len(msg.bufs)/2, nodes, bufs)
		}
		for c, l := range t.layout {
			t.stats.Columns[c].NullCount += msg.nodes[2*l.node+1]
		}
	}
	return nil
}

// ZeroCopy reports whether records point into the mapping, and if not,
// why.
func (t *IPCTable) ZeroCopy() (bool, string) { return t.zeroCopy, t.why }

// Schema implements Table.
func (t *IPCTable) Schema() *arrow.Schema { return t.schema }

// Stats implements Table: exact row count, file size and per-column null
// counts (from the batches' metadata; no data is read).
func (t *IPCTable) Stats() TableStats { return t.stats }

// Splits implements Table.
func (t *IPCTable) Splits() ([]Split, error) { return t.splits, nil }

// Close drops the table's reference to the mapping. Open readers and
// records built from the file stay valid.
func (t *IPCTable) Close() error {
	t.closed.Do(t.m.release)
	return nil
}

func (t *IPCTable) makeSplits(opts IPCOptions) []Split {
	per := opts.RowsPerSplit
	if per <= 0 {
		per = 128 << 10
	}
	var out []Split
	start, rows, bytes := 0, int64(0), int64(0)
	for i, b := range t.blocks {
		rows += b.rows
		bytes += int64(b.metaLen) + b.bodyLen
		if rows >= per || i == len(t.blocks)-1 {
			out = append(out, &ipcSplit{t: t, lo: start, hi: i + 1, rows: rows, bytes: bytes})
			start, rows, bytes = i+1, 0, 0
		}
	}
	return out
}

// ipcMessage is a record batch message's metadata, parsed in place.
type ipcMessage struct {
	rows       int64
	nodes      []int64 // length, null count pairs
	bufs       []int64 // offset, length pairs, relative to body
	body       []byte
	compressed bool
}

// message parses the metadata of record batch i.
func (t *IPCTable) message(i int) (msg ipcMessage, err error) {
	defer recoverCorrupt(t.m.path, &err)
	b := t.blocks[i]
	meta := t.m.data[b.offset : b.offset+int64(b.metaLen)]
	var fb []byte
	if binary.LittleEndian.Uint32(meta) == 0xFFFFFFFF {
		n := int64(int32(binary.LittleEndian.Uint32(meta[4:])))
		if n < 0 || 8+n > int64(len(meta)) {
			return msg, fmt.Errorf("%w: %s: record batch %d: metadata length %d out of range", ErrCorrupt, t.m.path, i, n)
		}
		fb = meta[8 : 8+n]
	} else {
		n := int64(int32(binary.LittleEndian.Uint32(meta)))
		if n < 0 || 4+n > int64(len(meta)) {
			return msg, fmt.Errorf("%w: %s: record batch %d: metadata length %d out of range", ErrCorrupt, t.m.path, i, n)
		}
		fb = meta[4 : 4+n]
	}
	mt := flatbuffers.Table{Bytes: fb, Pos: flatbuffers.GetUOffsetT(fb)}
	const headerRecordBatch = 3
	if o := flatbuffers.UOffsetT(mt.Offset(6)); o == 0 || mt.GetByte(mt.Pos+o) != headerRecordBatch {
		return msg, fmt.Errorf("%w: %s: block %d is not a record batch message", ErrCorrupt, t.m.path, i)
	}
	o := flatbuffers.UOffsetT(mt.Offset(8))
	if o == 0 {
		return msg, fmt.Errorf("%w: %s: record batch %d has no header", ErrCorrupt, t.m.path, i)
	}
	var rb flatbuffers.Table
	mt.Union(&rb, o)
	if o := flatbuffers.UOffsetT(rb.Offset(4)); o != 0 {
		msg.rows = rb.GetInt64(rb.Pos + o)
	}
	if msg.rows < 0 {
		return msg, fmt.Errorf("%w: %s: record batch %d has %d rows", ErrCorrupt, t.m.path, i, msg.rows)
	}
	readPairs := func(slot flatbuffers.VOffsetT) []int64 {
		vec, n, err := checkVector(&rb, slot, 16)
		if err != nil {
			panic(fmt.Sprintf("record batch %d: %v", i, err))
		}
		out := make([]int64, 2*n)
		for j := 0; j < n; j++ {
			p := vec + flatbuffers.UOffsetT(16*j)
			out[2*j], out[2*j+1] = rb.GetInt64(p), rb.GetInt64(p+8)
		}
		return out
	}
	msg.nodes = readPairs(6)
	msg.bufs = readPairs(8)
	msg.compressed = rb.Offset(10) != 0
	start := b.offset + int64(b.metaLen)
	msg.body = t.m.data[start : start+b.bodyLen : start+b.bodyLen]
	return msg, nil
}

// checkVector checks that the vector in slot of t, with elements of size
// bytes, lies inside the buffer, and returns its start and length.
func checkVector(t *flatbuffers.Table, slot flatbuffers.VOffsetT, size int) (flatbuffers.UOffsetT, int, error) {
	o := flatbuffers.UOffsetT(t.Offset(slot))
	if o == 0 {
		return 0, 0, nil
	}
	vec, n := t.Vector(o), t.VectorLen(o)
	if n < 0 || int64(vec)+int64(size)*int64(n) > int64(len(t.Bytes)) {
		return 0, 0, fmt.Errorf("vector of %d entries overruns the %d-byte metadata", n, len(t.Bytes))
	}
	return vec, n, nil
}

// checkSchemaFB bounds-checks the vectors of a flatbuffer Schema: its
// fields, their children (recursively) and the custom metadata.
func checkSchemaFB(st *flatbuffers.Table) error {
	if _, _, err := checkVector(st, 8, 4); err != nil { // custom_metadata
		return err
	}
	vec, n, err := checkVector(st, 6, 4) // fields
	if err != nil {
		return err
	}
	for i := 0; i < n; i++ {
		var f flatbuffers.Table
		f.Bytes, f.Pos = st.Bytes, st.Indirect(vec+flatbuffers.UOffsetT(4*i))
		if err := checkFieldFB(&f, 0); err != nil {
			return err
		}
	}
	return nil
}

func checkFieldFB(f *flatbuffers.Table, depth int) error {
	if depth > 64 {
		return errors.New("types nested more than 64 deep")
	}
	if int64(f.Pos) >= int64(len(f.Bytes)) {
		return errors.New("field table outside the metadata")
	}
	if o := flatbuffers.UOffsetT(f.Offset(4)); o != 0 { // name
		p := f.Indirect(f.Pos + o)
		if int64(p)+4 > int64(len(f.Bytes)) || int64(p)+4+int64(flatbuffers.GetUOffsetT(f.Bytes[p:])) > int64(len(f.Bytes)) {
			return errors.New("field name outside the metadata")
		}
	}
	if _, _, err := checkVector(f, 16, 4); err != nil { // custom_metadata
		return err
	}
	vec, n, err := checkVector(f, 14, 4) // children
	if err != nil {
		return err
	}
	for i := 0; i < n; i++ {
		var c flatbuffers.Table
		c.Bytes, c.Pos = f.Bytes, f.Indirect(vec+flatbuffers.UOffsetT(4*i))
		if err := checkFieldFB(&c, depth+1); err != nil {
			return err
		}
	}
	return nil
}

// zeroCopyTypes reports whether the loader handles every type of schema.
func zeroCopyTypes(s *arrow.Schema) bool {
	for _, f := range s.Fields() {
		if n, _ := countLayout(f.Type); n < 0 {
			return false
		}
	}
	return true
}

// countLayout returns how many field nodes and buffers a column of type dt
// occupies in a record batch, or (-1, -1) for types the zero-copy loader
// does not handle.
func countLayout(dt arrow.DataType) (nodes, buffers int) {
	switch dt := dt.(type) {
	case *arrow.StringType, *arrow.BinaryType, *arrow.LargeStringType, *arrow.LargeBinaryType:
		return 1, 3
	case *arrow.ListType:
		n, b := countLayout(dt.Elem())
		return addLayout(1, 2, n, b)
	case *arrow.LargeListType:
		n, b := countLayout(dt.Elem())
		return addLayout(1, 2, n, b)
	case *arrow.FixedSizeListType:
		n, b := countLayout(dt.Elem())
		return addLayout(1, 1, n, b)
	case *arrow.StructType:
		nodes, buffers = 1, 1
		for _, f := range dt.Fields() {
			n, b := countLayout(f.Type)
			if nodes, buffers = addLayout(nodes, buffers, n, b); nodes < 0 {
				return -1, -1
			}
		}
		return nodes, buffers
	case arrow.FixedWidthDataType:
		switch dt.ID() {
		case arrow.DICTIONARY, arrow.EXTENSION, arrow.RUN_END_ENCODED:
			return -1, -1
		}
		return 1, 2
	}
	return -1, -1
}

func addLayout(n, b, cn, cb int) (int, int) {
	if cn < 0 {
		return -1, -1
	}
	return n + cn, b + cb
}

// mapping is a reference-counted file mapping. It is also the allocator of
// the buffers that point into it: Arrow calls Free when a buffer's last
// reference goes, which drops one reference to the mapping.
type mapping struct {
	path      string
	data      []byte
	base, end uintptr
	unmap     func([]byte) error
	refs      atomic.Int64
	unmapped  atomic.Bool
}

func (m *mapping) acquire() { m.refs.Add(1) }

func (m *mapping) release() {
	switch n := m.refs.Add(-1); {
	case n == 0:
		m.unmapped.Store(true)
		_ = m.unmap(m.data)
	case n < 0:
		panic("store: mapping released too often") // a bug in this file
	}
}

func (m *mapping) owns(b []byte) bool {
	if len(b) == 0 {
		return false
	}
	p := uintptr(unsafe.Pointer(&b[0]))
	return p >= m.base && p < m.end
}

// Allocate implements memory.Allocator for completeness; buffers over the
// mapping are never resized, so Arrow does not call it in practice.
func (m *mapping) Allocate(n int) []byte { return make([]byte, n) }

// Reallocate implements memory.Allocator.
func (m *mapping) Reallocate(n int, b []byte) []byte {
	out := make([]byte, n)
	copy(out, b)
	m.Free(b)
	return out
}

// Free implements memory.Allocator: freeing a buffer over the mapping drops
// its reference.
func (m *mapping) Free(b []byte) {
	if m.owns(b) {
		m.release()
	}
}

type ipcSplit struct {
	t           *IPCTable
	lo, hi      int // record batches [lo, hi)
	rows, bytes int64
}

func (s *ipcSplit) Describe() string {
	return fmt.Sprintf("%s record batches %d-%d", s.t.m.path, s.lo, s.hi-1)
}
func (s *ipcSplit) EstimatedRows() int64  { return s.rows }
func (s *ipcSplit) EstimatedBytes() int64 { return s.bytes }

// Open implements Split. In zero-copy mode mem is not used.
func (s *ipcSplit) Open(ctx context.Context, mem memory.Allocator, opts ScanOptions) (rr RecordReader, err error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	schema, err := projectSchema(s.t.schema, opts.Columns)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", s.t.m.path, err)
	}
	if opts.Columns != nil && len(opts.Columns) == 0 {
		return newCountReader(s.rows, opts.batchSize()), nil
	}
	if s.t.m.refs.Load() <= 0 {
		return nil, fmt.Errorf("%w: %s", ErrClosed, s.t.m.path)
	}
	if mem == nil {
		mem = memory.DefaultAllocator
	}
	s.t.m.acquire()
	r := &ipcReader{split: s, schema: schema, cols: opts.Columns, next: s.lo, batch: int64(opts.batchSize()), mem: mem}
	if opts.Columns == nil {
		r.cols = make([]int, s.t.schema.NumFields())
		for i := range r.cols {
			r.cols[i] = i
		}
	}
	if !s.t.zeroCopy {
		defer recoverCorrupt(s.t.m.path, &err)
		fr, err := ipc.NewFileReader(bytes.NewReader(s.t.m.data), ipc.WithAllocator(mem))
		if err != nil {
			s.t.m.release()
			return nil, fmt.Errorf("%w: %s: %v", ErrCorrupt, s.t.m.path, err)
		}
		r.fr = fr
	}
	return r, nil
}

// ipcReader returns the split's record batches, projected, and cut to the
// batch size by zero-copy slicing.
type ipcReader struct {
	split  *ipcSplit
	schema *arrow.Schema
	cols   []int
	next   int          // next record batch to load
	cur    arrow.Record // batch being sliced, owned
	off    int64
	batch  int64
	mem    memory.Allocator
	fr     *ipc.FileReader // copying fallback
	err    error
	closed bool
}

func (r *ipcReader) Schema() *arrow.Schema { return r.schema }

func (r *ipcReader) Next() (arrow.Record, error) {
	if r.err != nil {
		return nil, r.err
	}
	if r.closed {
		return nil, io.EOF
	}
	for r.cur == nil || r.off >= r.cur.NumRows() {
		if r.cur != nil {
			r.cur.Release()
			r.cur = nil
		}
		if r.next >= r.split.hi {
			return nil, io.EOF
		}
		rec, err := r.load(r.next)
		if err != nil {
			r.err = err
			return nil, err
		}
		r.next++
		if rec.NumRows() <= r.batch {
			return rec, nil // the common case: hand the batch over whole
		}
		r.cur, r.off = rec, 0
	}
	end := min(r.cur.NumRows(), r.off+r.batch)
	out := r.cur.NewSlice(r.off, end)
	r.off = end
	return out, nil
}

// load builds record batch i, projected.
func (r *ipcReader) load(i int) (rec arrow.Record, err error) {
	t := r.split.t
	defer recoverCorrupt(t.m.path, &err)
	if r.fr != nil {
		full, err := r.fr.RecordAt(i)
		if err != nil {
			return nil, fmt.Errorf("%w: %s record batch %d: %v", ErrCorrupt, t.m.path, i, err)
		}
		defer full.Release()
		cols := make([]arrow.Array, len(r.cols))
		for j, c := range r.cols {
			cols[j] = full.Column(c)
		}
		return array.NewRecord(r.schema, cols, full.NumRows()), nil
	}
	msg, err := t.message(i)
	if err != nil {
		return nil, err
	}
	cols := make([]arrow.Array, 0, len(r.cols))
	defer func() {
		for _, c := range cols {
			c.Release()
		}
	}()
	for _, c := range r.cols {
		l := &batchLoader{m: t.m, msg: &msg, node: t.layout[c].node, buf: t.layout[c].buffer}
		data, err := l.load(t.schema.Field(c).Type)
		if err != nil {
			return nil, fmt.Errorf("%w: %s record batch %d column %s: %v", ErrCorrupt, t.m.path, i, t.schema.Field(c).Name, err)
		}
		if int64(data.Len()) != msg.rows {
			data.Release()
			return nil, fmt.Errorf("%w: %s record batch %d column %s has %d rows, the batch %d", ErrCorrupt, t.m.path, i, t.schema.Field(c).Name, data.Len(), msg.rows)
		}
		cols = append(cols, array.MakeFromData(data))
		data.Release()
	}
	return array.NewRecord(r.schema, cols, msg.rows), nil
}

func (r *ipcReader) Close() error {
	if r.closed {
		return nil
	}
	r.closed = true
	if r.cur != nil {
		r.cur.Release()
		r.cur = nil
	}
	if r.fr != nil {
		r.fr.Close()
		r.fr = nil
	}
	r.split.t.m.release()
	return nil
}

// batchLoader builds arrays whose buffers point into a message body.
type batchLoader struct {
	m         *mapping
	msg       *ipcMessage
	node, buf int
}

var errLayout = errors.New("field nodes or buffers do not match the schema")

func (l *batchLoader) nextNode() (length, nulls int64, err error) {
	if 2*l.node+1 >= len(l.msg.nodes) {
		return 0, 0, errLayout
	}
	length, nulls = l.msg.nodes[2*l.node], l.msg.nodes[2*l.node+1]
	l.node++
	if length < 0 || nulls < 0 || nulls > length || length > 1<<40 {
		return 0, 0, fmt.Errorf("field node with length %d and %d nulls", length, nulls)
	}
	return length, nulls, nil
}

// nextBuffer returns the next buffer of at least min bytes, as a buffer
// holding one reference to the mapping (nil for an empty buffer).
func (l *batchLoader) nextBuffer(min int64) (*memory.Buffer, error) {
	if 2*l.buf+1 >= len(l.msg.bufs) {
		return nil, errLayout
	}
	off, n := l.msg.bufs[2*l.buf], l.msg.bufs[2*l.buf+1]
	l.buf++
	if off < 0 || n < 0 || off+n > int64(len(l.msg.body)) || off+n < off {
		return nil, fmt.Errorf("buffer [%d, %d) outside the %d-byte body", off, off+n, len(l.msg.body))
	}
	if n < min {
		return nil, fmt.Errorf("buffer of %d bytes, need %d", n, min)
	}
	if n == 0 {
		return nil, nil
	}
	l.m.acquire()
	return memory.NewBufferWithAllocator(l.msg.body[off:off+n:off+n], l.m), nil
}

func releaseBuffers(bufs []*memory.Buffer) {
	for _, b := range bufs {
		if b != nil {
			b.Release()
		}
	}
}

// load builds the array data of one column of type dt.
func (l *batchLoader) load(dt arrow.DataType) (arrow.ArrayData, error) {
	length, nulls, err := l.nextNode()
	if err != nil {
		return nil, err
	}
	var bufs []*memory.Buffer
	defer func() { releaseBuffers(bufs) }() // NewData retains what it keeps
	validityMin := int64(0)
	if nulls > 0 {
		validityMin = (length + 7) / 8
	}
	validity, err := l.nextBuffer(validityMin)
	if err != nil {
		return nil, err
	}
	if nulls == 0 && validity != nil {
		validity.Release() // all valid: Arrow wants no bitmap then
		validity = nil
	}
	bufs = append(bufs, validity)
	switch dt := dt.(type) {
	case *arrow.StringType, *arrow.BinaryType, *arrow.LargeStringType, *arrow.LargeBinaryType:
		width := int64(4)
		if dt.ID() == arrow.LARGE_STRING || dt.ID() == arrow.LARGE_BINARY {
			width = 8
		}
		offsets, err := l.nextBuffer(offsetsMin(length, width))
		bufs = append(bufs, offsets)
		if err != nil {
			return nil, err
		}
		values, err := l.nextBuffer(0)
		bufs = append(bufs, values)
		if err != nil {
			return nil, err
		}
		if err := checkOffsets(offsets, length, width, bufLen(values)); err != nil {
			return nil, err
		}
		return array.NewData(dt, int(length), bufs, nil, int(nulls), 0), nil
	case *arrow.ListType, *arrow.LargeListType:
		width := int64(4)
		if dt.ID() == arrow.LARGE_LIST {
			width = 8
		}
		offsets, err := l.nextBuffer(offsetsMin(length, width))
		bufs = append(bufs, offsets)
		if err != nil {
			return nil, err
		}
		child, err := l.load(dt.(arrow.ListLikeType).Elem())
		if err != nil {
			return nil, err
		}
		defer child.Release()
		if err := checkOffsets(offsets, length, width, int64(child.Len())); err != nil {
			return nil, err
		}
		return array.NewData(dt, int(length), bufs, []arrow.ArrayData{child}, int(nulls), 0), nil
	case *arrow.FixedSizeListType:
		child, err := l.load(dt.Elem())
		if err != nil {
			return nil, err
		}
		defer child.Release()
		if int64(child.Len()) < length*int64(dt.Len()) {
			return nil, fmt.Errorf("fixed-size list child has %d values, need %d", child.Len(), length*int64(dt.Len()))
		}
		return array.NewData(dt, int(length), bufs, []arrow.ArrayData{child}, int(nulls), 0), nil
	case *arrow.StructType:
		children := make([]arrow.ArrayData, 0, dt.NumFields())
		defer func() {
			for _, c := range children {
				c.Release()
			}
		}()
		for _, f := range dt.Fields() {
			c, err := l.load(f.Type)
			if err != nil {
				return nil, err
			}
			children = append(children, c)
			if int64(c.Len()) < length {
				return nil, fmt.Errorf("struct field %s has %d values, need %d", f.Name, c.Len(), length)
			}
		}
		return array.NewData(dt, int(length), bufs, children, int(nulls), 0), nil
	case arrow.FixedWidthDataType:
		values, err := l.nextBuffer((length*int64(dt.BitWidth()) + 7) / 8)
		bufs = append(bufs, values)
		if err != nil {
			return nil, err
		}
		return array.NewData(dt, int(length), bufs, nil, int(nulls), 0), nil
	}
	return nil, fmt.Errorf("type %s not supported by the zero-copy loader", dt)
}

func bufLen(b *memory.Buffer) int64 {
	if b == nil {
		return 0
	}
	return int64(b.Len())
}

func offsetsMin(length, width int64) int64 {
	if length == 0 {
		return 0
	}
	return (length + 1) * width
}

// checkOffsets verifies that length+1 offsets are non-decreasing, start at
// or above zero and end within limit: what makes later slicing safe.
func checkOffsets(offsets *memory.Buffer, length, width, limit int64) error {
	if length == 0 {
		return nil
	}
	b := offsets.Bytes()
	prev := int64(0)
	for i := int64(0); i <= length; i++ {
		var v int64
		if width == 4 {
			v = int64(int32(binary.LittleEndian.Uint32(b[4*i:])))
		} else {
			v = int64(binary.LittleEndian.Uint64(b[8*i:]))
		}
		if v < prev {
			return fmt.Errorf("offset %d at position %d is below its predecessor %d", v, i, prev)
		}
		prev = v
	}
	if prev > limit {
		return fmt.Errorf("last offset %d exceeds the %d bytes of values", prev, limit)
	}
	return nil
}

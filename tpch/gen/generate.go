package gen

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"time"

	"github.com/apache/arrow/go/v15/arrow"
	"golang.org/x/sync/errgroup"
)

// Options configure Generate.
type Options struct {
	// SF is the scale factor: SF1 is about 1 GB of raw data (6 million
	// lineitems). It must lie in [MinSF, MaxSF].
	SF float64
	// Dir is the output directory: it must not exist or be empty, unless
	// Force is set. Tables go to Dir/<table>/part-NNNNN.<ext>, the catalog
	// to Dir/catalog.json.
	Dir string
	// Format is the file format; empty means Parquet.
	Format Format
	// Partitions is the number of files per table (<= 0 means 1). Nation
	// and region are always one file, and no table gets more files than
	// it has rows (orders, for lineitem; parts, for partsupp). Arrow IPC
	// output is one file per table: the store reads an IPC table from a
	// single file.
	Partitions int
	// Tables lists the tables to generate; empty means all eight.
	Tables []string
	// Workers bounds the goroutines generating data; <= 0 means
	// runtime.GOMAXPROCS(0). The output does not depend on it.
	Workers int
	// Force allows a non-empty Dir: the files of the generated tables are
	// replaced (old part files of those tables are removed once the new
	// ones are complete) and catalog.json is rewritten.
	Force bool
	// Progress, when set, is called after each chunk is written with the
	// table and the number of rows just written. It may be called from
	// several goroutines at once and must be quick.
	Progress func(table string, rows int64)
}

// Result describes what Generate wrote.
type Result struct {
	// Catalog is the path of catalog.json.
	Catalog string
	// Tables are in the order of TableNames.
	Tables  []TableResult
	Elapsed time.Duration
}

// TableResult describes one generated table.
type TableResult struct {
	Name string
	Rows int64
	// Bytes is the total size of the table's files.
	Bytes int64
	// Files are the table's files, relative to the output directory.
	Files []string
}

// CatalogFile is the name of the catalog Generate writes in the output
// directory; store.LoadCatalogFile opens it.
const CatalogFile = "catalog.json"

type fileJob struct {
	t           *tableDef
	lo, hi      int64 // units
	rel         string
	path, tmp   string
	rows, bytes int64
}

// Generate writes the TPC-H tables. Files are written under temporary
// names and renamed when every file is complete, and catalog.json is
// written last, so a failed or cancelled run leaves no file that looks
// complete: its temporary files (and the directories it created) are
// removed, and a previous run's files survive.
//
// The bytes of a file depend only on (SF, table, format, partition,
// Partitions): not on Workers or the machine.
func Generate(ctx context.Context, opts Options) (*Result, error) {
	start := time.Now()
	s, err := newScale(opts.SF)
	if err != nil {
		return nil, err
	}
	format, err := ParseFormat(string(opts.Format))
	if err != nil {
		return nil, err
	}
	tables, err := selectTables(opts.Tables)
	if err != nil {
		return nil, err
	}
	if opts.Partitions > 1_000_000 {
		return nil, fmt.Errorf("%w: %d partitions is more than the 1,000,000 supported", ErrInvalid, opts.Partitions)
	}
	if format == IPC && opts.Partitions > 1 {
		return nil, fmt.Errorf("%w: Arrow IPC output is one file per table (the store opens an IPC table from one file); use one partition, or Parquet", ErrInvalid)
	}
	if opts.Dir == "" {
		return nil, fmt.Errorf("%w: no output directory", ErrInvalid)
	}
	workers := opts.Workers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}

	var cleanup cleaner
	if err := prepareDir(opts.Dir, opts.Force, &cleanup); err != nil {
		return nil, err
	}
	jobs, err := planFiles(s, tables, format, opts, &cleanup)
	if err != nil {
		cleanup.run()
		return nil, err
	}

	if err := runJobs(ctx, s, format, jobs, workers, opts.Progress); err != nil {
		cleanup.run()
		return nil, err
	}
	res, err := finish(opts, format, tables, jobs)
	if err != nil {
		cleanup.run()
		return nil, err
	}
	res.Elapsed = time.Since(start)
	return res, nil
}

func selectTables(names []string) ([]*tableDef, error) {
	if len(names) == 0 {
		return tableDefs, nil
	}
	want := map[string]bool{}
	for _, n := range names {
		t, err := lookupTable(n)
		if err != nil {
			return nil, err
		}
		want[t.name] = true
	}
	var out []*tableDef
	for _, t := range tableDefs {
		if want[t.name] {
			out = append(out, t)
		}
	}
	return out, nil
}

// cleaner undoes a failed run: it removes the temporary files and then
// the directories the run created, deepest first.
type cleaner struct {
	files []string
	dirs  []string
}

func (c *cleaner) run() {
	for _, f := range c.files {
		os.Remove(f)
	}
	for i := len(c.dirs) - 1; i >= 0; i-- {
		os.Remove(c.dirs[i]) // fails, harmlessly, when not empty
	}
}

// mkdir creates dir if missing, recording it for cleanup.
func (c *cleaner) mkdir(dir string) error {
	info, err := os.Stat(dir)
	if err == nil {
		if !info.IsDir() {
			return fmt.Errorf("%w: %s exists and is not a directory", ErrWrite, dir)
		}
		return nil
	}
	if parent := filepath.Dir(dir); parent != dir {
		if err := c.mkdir(parent); err != nil {
			return err
		}
	}
	if err := os.Mkdir(dir, 0o755); err != nil {
		return fmt.Errorf("%w: %v", ErrWrite, err)
	}
	c.dirs = append(c.dirs, dir)
	return nil
}

func prepareDir(dir string, force bool, c *cleaner) error {
	ents, err := os.ReadDir(dir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return c.mkdir(dir)
	case err != nil:
		var pe *fs.PathError
		if errors.As(err, &pe) && strings.Contains(pe.Err.Error(), "not a directory") {
			return fmt.Errorf("%w: %s exists and is not a directory", ErrWrite, dir)
		}
		return fmt.Errorf("%w: %v", ErrWrite, err)
	case len(ents) > 0 && !force:
		return fmt.Errorf("%w: %s holds %d entries", ErrExists, dir, len(ents))
	}
	return nil
}

func planFiles(s *scale, tables []*tableDef, format Format, opts Options, c *cleaner) ([]*fileJob, error) {
	var jobs []*fileJob
	for _, t := range tables {
		if err := c.mkdir(filepath.Join(opts.Dir, t.name)); err != nil {
			return nil, err
		}
		units := s.units(t)
		parts := int64(max(1, opts.Partitions))
		if t.fixed {
			parts = 1
		}
		parts = min(parts, units)
		for p := range parts {
			name := fmt.Sprintf("part-%05d%s", p, format.ext())
			j := &fileJob{
				t:   t,
				lo:  units * p / parts,
				hi:  units * (p + 1) / parts,
				rel: filepath.Join(t.name, name),
			}
			j.path = filepath.Join(opts.Dir, j.rel)
			j.tmp = filepath.Join(opts.Dir, t.name, "."+name+".tmp")
			c.files = append(c.files, j.tmp)
			jobs = append(jobs, j)
		}
	}
	return jobs, nil
}

// runJobs writes the files, biggest first, at most workers at a time;
// within a file, up to lookahead chunks are generated ahead of the
// writer. Generation holds one of workers CPU tokens; encoding does not
// (it overlaps with generation, and Go schedules the rest).
func runJobs(ctx context.Context, s *scale, format Format, jobs []*fileJob, workers int, progress func(string, int64)) error {
	order := slices.Clone(jobs)
	slices.SortStableFunc(order, func(a, b *fileJob) int {
		return int((b.hi-b.lo)*b.t.rowsPerUnit - (a.hi-a.lo)*a.t.rowsPerUnit)
	})
	cpu := make(chan struct{}, workers)
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(workers)
	for _, j := range order {
		g.Go(func() error { return writeFile(gctx, s, format, j, cpu, progress) })
	}
	if err := g.Wait(); err != nil {
		return err
	}
	// A cancellation that errgroup saw no error from (all files finished
	// as it arrived) still means the caller gave up.
	return ctx.Err()
}

const lookahead = 2

type chunkResult struct {
	rec arrow.Record
	err error
}

func writeFile(ctx context.Context, s *scale, format Format, j *fileJob, cpu chan struct{}, progress func(string, int64)) (err error) {
	if err := ctx.Err(); err != nil {
		return err
	}
	w, err := newRecordWriter(format, j.tmp, j.path, j.t.schema)
	if err != nil {
		return err
	}
	defer func() {
		if cerr := w.close(); err == nil {
			err = cerr
		}
		if err == nil {
			if info, serr := os.Stat(j.tmp); serr == nil {
				j.bytes = info.Size()
			}
		}
	}()
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()

	step := j.t.unitsPerChunk()
	nchunks := int((j.hi - j.lo + step - 1) / step)
	results := make([]chan chunkResult, nchunks)
	for k := range results {
		results[k] = make(chan chunkResult, 1)
	}
	window := make(chan struct{}, lookahead)
	go func() {
		for k := range nchunks {
			select {
			case window <- struct{}{}:
			case <-ctx.Done():
				return
			}
			select {
			case cpu <- struct{}{}:
			case <-ctx.Done():
				return
			}
			lo := j.lo + int64(k)*step
			hi := min(lo+step, j.hi)
			go func() {
				defer func() { <-cpu }()
				results[k] <- generateChunk(s, j.t, lo, hi)
			}()
		}
	}()
	for k := range nchunks {
		var r chunkResult
		select {
		case r = <-results[k]:
		case <-ctx.Done():
			return ctx.Err()
		}
		if r.err != nil {
			return r.err
		}
		err := w.write(r.rec)
		rows := r.rec.NumRows()
		r.rec.Release()
		if err != nil {
			return err
		}
		j.rows += rows
		<-window
		if progress != nil {
			progress(j.t.name, rows)
		}
	}
	return nil
}

// generateChunk produces the rows of units [lo, hi), turning a panic (a
// bug) into an error so that it does not cross the package boundary.
func generateChunk(s *scale, t *tableDef, lo, hi int64) (r chunkResult) {
	defer func() {
		if p := recover(); p != nil {
			r = chunkResult{err: fmt.Errorf("tpch/gen: internal error generating %s rows %d-%d: %v", t.name, lo, hi, p)}
		}
	}()
	return chunkResult{rec: t.gen(s, lo, hi)}
}

// catalogJSON is the layout store.LoadCatalogFile reads.
type catalogJSON struct {
	Tables map[string]catalogEntry `json:"tables"`
}

type catalogEntry struct {
	Path    string            `json:"path"`
	Format  string            `json:"format"`
	Options map[string]string `json:"options,omitempty"`
}

// finish renames the temporary files into place, removes the stale part
// files of regenerated tables and writes the catalog.
func finish(opts Options, format Format, tables []*tableDef, jobs []*fileJob) (*Result, error) {
	res := &Result{Catalog: filepath.Join(opts.Dir, CatalogFile)}
	byTable := map[string]*TableResult{}
	cat := catalogJSON{Tables: map[string]catalogEntry{}}
	for _, t := range tables {
		res.Tables = append(res.Tables, TableResult{Name: t.name})
		e := catalogEntry{Path: t.name, Format: format.catalogFormat()}
		switch format {
		case IPC:
			// The store opens an IPC table from one file, not a directory.
			e.Path = filepath.ToSlash(filepath.Join(t.name, "part-00000"+IPC.ext()))
		case CSV:
			e.Options = map[string]string{"header": "true", "schema": schemaString(t.schema)}
		}
		cat.Tables[t.name] = e
	}
	for i := range res.Tables {
		byTable[res.Tables[i].Name] = &res.Tables[i]
	}
	fresh := map[string]bool{}
	for _, j := range jobs {
		fresh[j.path] = true
	}
	if opts.Force {
		for _, t := range tables {
			if err := removeStale(filepath.Join(opts.Dir, t.name), fresh); err != nil {
				return nil, err
			}
		}
	}
	for _, j := range jobs {
		if err := os.Rename(j.tmp, j.path); err != nil {
			return nil, fmt.Errorf("%w: %v", ErrWrite, err)
		}
		tr := byTable[j.t.name]
		tr.Rows += j.rows
		tr.Bytes += j.bytes
		tr.Files = append(tr.Files, j.rel)
	}
	if opts.Force {
		keepOtherTables(res.Catalog, cat)
	}
	b, err := json.MarshalIndent(cat, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("tpch/gen: internal error encoding the catalog: %v", err)
	}
	tmp := filepath.Join(opts.Dir, "."+CatalogFile+".tmp")
	if err := os.WriteFile(tmp, append(b, '\n'), 0o644); err != nil {
		os.Remove(tmp)
		return nil, fmt.Errorf("%w: %v", ErrWrite, err)
	}
	if err := os.Rename(tmp, res.Catalog); err != nil {
		os.Remove(tmp)
		return nil, fmt.Errorf("%w: %v", ErrWrite, err)
	}
	return res, nil
}

// keepOtherTables copies into cat the entries of an existing catalog for
// tables this run did not generate, so regenerating some tables of a
// directory keeps the others listed. An unreadable catalog is replaced.
func keepOtherTables(path string, cat catalogJSON) {
	b, err := os.ReadFile(path)
	if err != nil {
		return
	}
	var old catalogJSON
	if json.Unmarshal(b, &old) != nil {
		return
	}
	for name, e := range old.Tables {
		if _, ok := cat.Tables[name]; !ok {
			cat.Tables[name] = e
		}
	}
}

// removeStale removes part files in dir that this run did not write (an
// earlier run's, perhaps with more partitions or another format), so the
// table directory holds exactly the new table.
func removeStale(dir string, fresh map[string]bool) error {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return fmt.Errorf("%w: %v", ErrWrite, err)
	}
	for _, e := range ents {
		n := e.Name()
		p := filepath.Join(dir, n)
		if e.IsDir() || !strings.HasPrefix(n, "part-") || fresh[p] {
			continue
		}
		switch filepath.Ext(n) {
		case Parquet.ext(), IPC.ext(), CSV.ext():
			if err := os.Remove(p); err != nil {
				return fmt.Errorf("%w: %v", ErrWrite, err)
			}
		}
	}
	return nil
}

// schemaString renders a schema as the CSV "schema" option of the store
// ("name type, ...").
func schemaString(s *arrow.Schema) string {
	parts := make([]string, len(s.Fields()))
	for i, f := range s.Fields() {
		parts[i] = f.Name + " " + f.Type.String()
	}
	return strings.Join(parts, ", ")
}

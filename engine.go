package dataflow

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"strings"
	"sync"

	"github.com/apache/arrow/go/v15/arrow"
	"github.com/apache/arrow/go/v15/arrow/memory"

	"github.com/dataflow-go/dataflow/exec"
	"github.com/dataflow-go/dataflow/optimizer"
	"github.com/dataflow-go/dataflow/plan"
	"github.com/dataflow-go/dataflow/store"
)

// Error categories a caller can test with errors.Is. Errors from the
// engine wrap one of these (or a package's own sentinel: plan.ErrPlan,
// exec.ErrExec, store.ErrNotFound, ...).
var (
	// ErrClosed reports use of an engine after Close.
	ErrClosed = errors.New("engine is closed")
	// ErrUsage is a mistake in how the API was called.
	ErrUsage = errors.New("invalid use")
)

// Options configure an Engine. The zero value is a sensible default.
type Options struct {
	// Parallelism is the number of pipelines a query may run at once;
	// 0 means runtime.GOMAXPROCS(0).
	Parallelism int
	// MemoryLimit bounds the memory each query's buffering operators
	// may hold, in bytes; 0 means no limit.
	MemoryLimit int64
	// Allocator allocates query buffers; nil means the Go allocator.
	Allocator memory.Allocator
	// DisabledRules names optimizer rules to skip (see
	// optimizer.RuleNames).
	DisabledRules []string
}

// Engine is an embedded dataflow instance: a catalog of tables and
// functions plus the machinery to run queries over them. It is safe for
// concurrent use by multiple goroutines.
type Engine struct {
	opts    Options
	catalog *store.Catalog

	mu     sync.RWMutex
	udfs   map[string]*plan.ScalarUDF
	udafs  map[string]*aggregateUDF
	closed bool
}

type aggregateUDF struct {
	args []arrow.DataType
	udf  *exec.AggregateUDF
}

// Open creates an engine.
func Open(opts Options) (*Engine, error) {
	if opts.Parallelism < 0 || opts.MemoryLimit < 0 {
		return nil, fmt.Errorf("%w: Parallelism and MemoryLimit must not be negative", ErrUsage)
	}
	if opts.Parallelism == 0 {
		opts.Parallelism = runtime.GOMAXPROCS(0)
	}
	if opts.Allocator == nil {
		opts.Allocator = memory.NewGoAllocator()
	}
	if err := optimizer.CheckRuleNames(opts.DisabledRules); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrUsage, err)
	}
	return &Engine{
		opts:    opts,
		catalog: store.NewCatalog(),
		udfs:    map[string]*plan.ScalarUDF{},
		udafs:   map[string]*aggregateUDF{},
	}, nil
}

// Close releases every registered table. Queries still running keep the
// data they already hold.
func (e *Engine) Close() error {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.closed {
		return nil
	}
	e.closed = true
	return e.catalog.Close()
}

func (e *Engine) check() error {
	e.mu.RLock()
	defer e.mu.RUnlock()
	if e.closed {
		return ErrClosed
	}
	return nil
}

// Catalog exposes the engine's table catalog.
func (e *Engine) Catalog() *store.Catalog { return e.catalog }

// RegisterFile registers a table stored in a file or a directory of
// partition files. The format comes from the extension (.parquet, .arrow,
// .ipc, .feather, .csv, .tbl) unless opts names one with "format"; other
// opts go to the source (for CSV: "header", "delimiter", "null").
func (e *Engine) RegisterFile(name, path string, opts ...map[string]string) error {
	if err := e.check(); err != nil {
		return err
	}
	o := map[string]string{}
	for _, m := range opts {
		for k, v := range m {
			o[k] = v
		}
	}
	format := o["format"]
	delete(o, "format")
	t, err := store.OpenTable(path, format, o)
	if err != nil {
		return fmt.Errorf("register %s: %w", name, err)
	}
	return e.register(name, t)
}

// register adds t under name. When the name is taken, t is closed, so a
// failed registration leaves no file open.
func (e *Engine) register(name string, t store.Table) error {
	if err := e.catalog.Register(name, t, false); err != nil {
		closeTable(t)
		return err
	}
	return nil
}

// RegisterCatalogFile registers every table a catalog file lists.
func (e *Engine) RegisterCatalogFile(path string) error {
	if err := e.check(); err != nil {
		return err
	}
	c, err := store.LoadCatalogFile(path)
	if err != nil {
		return err
	}
	names := c.Names()
	for i, name := range names {
		t, err := c.Lookup(name)
		if err == nil {
			err = e.register(name, t)
		}
		if err != nil {
			// The tables not registered yet are nobody's: close them.
			for _, rest := range names[i+1:] {
				if t, lerr := c.Lookup(rest); lerr == nil {
					closeTable(t)
				}
			}
			return err
		}
	}
	return nil
}

// RegisterRecords registers an in-memory table over records, which all
// must have schema. The engine retains the records; the caller may
// release its own references.
func (e *Engine) RegisterRecords(name string, schema *arrow.Schema, records []arrow.Record) error {
	if err := e.check(); err != nil {
		return err
	}
	t, err := store.NewMemTable(schema, records)
	if err != nil {
		return fmt.Errorf("register %s: %w", name, err)
	}
	return e.register(name, t)
}

// DropTable removes a table from the catalog.
func (e *Engine) DropTable(name string) error {
	if err := e.check(); err != nil {
		return err
	}
	t, err := e.catalog.Drop(name)
	if err != nil {
		return err
	}
	closeTable(t)
	return nil
}

func closeTable(t store.Table) {
	if c, ok := t.(interface{ Close() error }); ok {
		c.Close()
	}
}

// ScalarFunc is the signature of a Go scalar UDF: it receives one array
// per argument (all of the same length, already of the declared types)
// and returns an array of that length and of the declared result type,
// which the engine then owns. Returning an error or panicking fails the
// query with an error naming the function; the engine stays usable.
type ScalarFunc = exec.ScalarFunc

// RegisterScalarUDF makes a Go function callable in queries as name.
func (e *Engine) RegisterScalarUDF(name string, args []arrow.DataType, result arrow.DataType, fn ScalarFunc) error {
	if err := e.check(); err != nil {
		return err
	}
	if name == "" || fn == nil || result == nil {
		return fmt.Errorf("%w: a scalar UDF needs a name, a result type and a function", ErrUsage)
	}
	key := strings.ToLower(name)
	e.mu.Lock()
	defer e.mu.Unlock()
	if _, dup := e.udfs[key]; dup {
		return fmt.Errorf("%w: function %q is already registered", ErrUsage, name)
	}
	e.udfs[key] = &plan.ScalarUDF{Name: key, Args: append([]arrow.DataType(nil), args...), Result: result, Fn: fn}
	return nil
}

// Accumulator folds the rows of one group for a Go aggregate UDF.
type Accumulator = exec.Accumulator

// RegisterAggregateUDF makes a Go aggregate function callable as name.
// newAcc is called once per group.
func (e *Engine) RegisterAggregateUDF(name string, args []arrow.DataType, result arrow.DataType, newAcc func() Accumulator) error {
	if err := e.check(); err != nil {
		return err
	}
	if name == "" || newAcc == nil || result == nil {
		return fmt.Errorf("%w: an aggregate UDF needs a name, a result type and a constructor", ErrUsage)
	}
	key := strings.ToLower(name)
	e.mu.Lock()
	defer e.mu.Unlock()
	if _, dup := e.udafs[key]; dup {
		return fmt.Errorf("%w: aggregate %q is already registered", ErrUsage, name)
	}
	e.udafs[key] = &aggregateUDF{
		args: append([]arrow.DataType(nil), args...),
		udf:  &exec.AggregateUDF{Name: key, Result: result, New: newAcc},
	}
	return nil
}

// newContext builds the execution context of one query.
func (e *Engine) newContext(ctx context.Context) *exec.Context {
	ec := exec.NewContext(ctx, e.opts.Allocator)
	ec.Parallelism = e.opts.Parallelism
	ec.Budget = exec.NewBudget(e.opts.MemoryLimit)
	return ec
}

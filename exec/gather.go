package exec

import (
	"fmt"
	"io"
	"runtime/debug"
	"sync"

	"github.com/apache/arrow/go/v15/arrow"
)

// gatherBuffer is how many batches each input may have waiting for the
// consumer: enough to keep the producers busy, few enough to bound memory.
const gatherBuffer = 2

type gatherItem struct {
	rec arrow.Record
	err error
}

type gatherOp struct {
	children []Operator
	schema   *arrow.Schema
	ctx      *Context

	items    chan gatherItem
	stop     chan struct{}
	stopOnce sync.Once
	wg       sync.WaitGroup

	started  bool
	closed   bool
	closeErr error
	err      error // sticky outcome of Next
}

var _ Operator = (*gatherOp)(nil)

// NewGather returns an operator running each child in its own goroutine and
// passing on their batches in the order they arrive: the engine's
// parallelism primitive (the planner runs N copies of a pipeline fragment
// and gathers them). The children must agree on column types, as for
// NewUnion.
//
// Open opens every child and starts one goroutine per child, each pumping
// batches into a bounded buffer. The first error from any child stops the
// others and is what Next returns. Close stops every goroutine, waits for
// them, releases the batches still buffered and closes the children; it is
// safe in the middle of the stream (for example under a satisfied limit).
// A child panicking in its goroutine is reported as an ErrInternal error
// instead of bringing the process down.
func NewGather(children []Operator) (Operator, error) {
	schema, err := unionSchema("gather", children)
	if err != nil {
		return nil, err
	}
	return &gatherOp{children: children, schema: schema}, nil
}

func (g *gatherOp) Schema() *arrow.Schema { return g.schema }

func (g *gatherOp) Open(ctx *Context) error {
	if g.started || g.closed {
		return fmt.Errorf("%w: gather opened twice", ErrInternal)
	}
	g.ctx = ctx
	for _, c := range g.children {
		if err := c.Open(ctx); err != nil {
			return err
		}
	}
	g.items = make(chan gatherItem, gatherBuffer*len(g.children))
	g.stop = make(chan struct{})
	g.started = true
	g.wg.Add(len(g.children))
	for i, c := range g.children {
		go g.pump(i, c)
	}
	go func() {
		g.wg.Wait()
		close(g.items)
	}()
	return nil
}

// pump moves child's batches into the buffer until the child ends, fails
// or the gather is stopped.
func (g *gatherOp) pump(i int, child Operator) {
	defer g.wg.Done()
	defer func() {
		if p := recover(); p != nil {
			g.send(gatherItem{err: fmt.Errorf("%w: gather input %d panicked: %v\n%s", ErrInternal, i+1, p, debug.Stack())})
		}
	}()
	for {
		select {
		case <-g.stop:
			return
		default:
		}
		rec, err := child.Next()
		if err == io.EOF {
			return
		}
		if err != nil {
			g.send(gatherItem{err: err})
			return
		}
		if rec.NumRows() == 0 {
			rec.Release()
			continue
		}
		rec = relabel(g.schema, rec)
		if !g.send(gatherItem{rec: rec}) {
			rec.Release()
			return
		}
	}
}

// send hands it to the consumer; it reports false when the gather was
// stopped first.
func (g *gatherOp) send(it gatherItem) bool {
	select {
	case g.items <- it:
		return true
	case <-g.stop:
		return false
	}
}

func (g *gatherOp) halt() { g.stopOnce.Do(func() { close(g.stop) }) }

func (g *gatherOp) Next() (arrow.Record, error) {
	if g.err != nil {
		return nil, g.err
	}
	if !g.started {
		return nil, fmt.Errorf("%w: gather Next without Open", ErrInternal)
	}
	var canceled <-chan struct{}
	if g.ctx != nil && g.ctx.Ctx != nil {
		canceled = g.ctx.Ctx.Done()
	}
	select {
	case it, ok := <-g.items:
		switch {
		case !ok:
			g.err = io.EOF
		case it.err != nil:
			g.err = it.err
			g.halt()
		default:
			return it.rec, nil
		}
	case <-canceled:
		g.err = g.ctx.Err()
		g.halt()
	}
	return nil, g.err
}

func (g *gatherOp) Close() error {
	if g.closed {
		return g.closeErr
	}
	g.closed = true
	if g.started {
		g.halt()
		// items is closed once every pump has returned; what is left in it
		// was produced but never consumed.
		for it := range g.items {
			if it.rec != nil {
				it.rec.Release()
			}
		}
	}
	for _, c := range g.children {
		if err := c.Close(); err != nil && g.closeErr == nil {
			g.closeErr = err
		}
	}
	return g.closeErr
}

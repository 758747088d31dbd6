package dataflow

import (
	"context"
	"fmt"
	"strings"

	"github.com/dataflow-go/dataflow/exec"
	"github.com/dataflow-go/dataflow/optimizer"
	"github.com/dataflow-go/dataflow/plan"
)

// Query is a relational query under construction. Every method returns a
// new Query and leaves the receiver unchanged, so a Query can be reused
// as the base of several others. The first mistake (an unknown table or
// column, a type error) is remembered and reported by Plan, Collect and
// Stream; later calls are then no-ops.
type Query struct {
	eng    *Engine
	node   plan.Node
	groups []plan.Expr
	// grouped is set between GroupBy and Agg.
	grouped bool
	err     error
}

// From starts a query reading a registered table.
func (e *Engine) From(table string) *Query {
	return e.FromAs(table, "")
}

// FromAs starts a query reading a table under an alias, so its columns
// can be qualified as alias.column (needed for self-joins).
func (e *Engine) FromAs(table, alias string) *Query {
	q := &Query{eng: e}
	if err := e.check(); err != nil {
		q.err = err
		return q
	}
	t, err := e.catalog.Lookup(table)
	if err != nil {
		q.err = err
		return q
	}
	q.node = plan.NewScan(strings.ToLower(table), alias, t)
	return q
}

// FromPlan starts a query from a logical plan built elsewhere (the DSL,
// a Substrait import).
func (e *Engine) FromPlan(n plan.Node) *Query {
	q := &Query{eng: e, node: n}
	if err := e.check(); err != nil {
		q.err = err
	}
	return q
}

func (q *Query) with(fn func() (plan.Node, error)) *Query {
	if q.err != nil {
		return q
	}
	if q.grouped {
		return &Query{eng: q.eng, err: fmt.Errorf("%w: GroupBy must be followed by Agg", ErrUsage)}
	}
	n, err := fn()
	if err != nil {
		return &Query{eng: q.eng, err: err}
	}
	return &Query{eng: q.eng, node: n}
}

// Where keeps rows for which cond is true (after an Agg it filters
// groups, like HAVING).
func (q *Query) Where(cond Expr) *Query {
	return q.with(func() (plan.Node, error) {
		c, err := q.resolve(cond)
		if err != nil {
			return nil, err
		}
		return plan.NewFilter(q.node, c)
	})
}

// Select computes the output columns.
func (q *Query) Select(exprs ...Expr) *Query {
	return q.with(func() (plan.Node, error) {
		es, err := q.resolveAll(exprs)
		if err != nil {
			return nil, err
		}
		if len(es) == 0 {
			return nil, fmt.Errorf("%w: Select needs at least one expression", ErrUsage)
		}
		return plan.NewProject(q.node, es)
	})
}

// GroupBy sets the grouping keys for the Agg that must follow.
func (q *Query) GroupBy(keys ...Expr) *Query {
	if q.err != nil {
		return q
	}
	ks, err := q.resolveAll(keys)
	if err != nil {
		return &Query{eng: q.eng, err: err}
	}
	return &Query{eng: q.eng, node: q.node, groups: ks, grouped: true}
}

// Agg computes aggregates (Sum, Avg, Count, ...; name them with As) per
// group set by GroupBy, or over all rows without GroupBy. The output has
// the group columns, then the aggregates.
func (q *Query) Agg(aggs ...Expr) *Query {
	if q.err != nil {
		return q
	}
	groups := q.groups
	base := &Query{eng: q.eng, node: q.node}
	return base.with(func() (plan.Node, error) {
		as, err := q.resolveAll(aggs)
		if err != nil {
			return nil, err
		}
		return plan.NewAggregate(q.node, groups, as)
	})
}

// JoinType selects the rows a join keeps.
type JoinType = exec.JoinType

// Join types for Query.Join.
const (
	InnerJoin = exec.JoinInner
	LeftJoin  = exec.JoinLeft
	RightJoin = exec.JoinRight
	FullJoin  = exec.JoinFull
	SemiJoin  = exec.JoinSemi
	AntiJoin  = exec.JoinAnti
)

// Join combines q with other on cond. Equality conjuncts become hash-join
// keys; the rest is checked on each matching pair.
func (q *Query) Join(other *Query, cond Expr, typ JoinType) *Query {
	if other.err != nil {
		return &Query{eng: q.eng, err: other.err}
	}
	if other.grouped {
		return &Query{eng: q.eng, err: fmt.Errorf("%w: the joined query's GroupBy must be followed by Agg", ErrUsage)}
	}
	return q.with(func() (plan.Node, error) {
		var on plan.Expr
		if cond.e != nil || cond.err != nil {
			c, err := q.resolve(cond)
			if err != nil {
				return nil, err
			}
			on = c
		}
		return plan.NewJoin(q.node, other.node, typ, on)
	})
}

// OrderBy sorts the rows.
func (q *Query) OrderBy(keys ...SortKey) *Query {
	return q.with(func() (plan.Node, error) {
		ks := make([]plan.SortKey, len(keys))
		for i, k := range keys {
			e, err := q.resolve(k.expr)
			if err != nil {
				return nil, err
			}
			ks[i] = plan.SortKey{Expr: e, Desc: k.desc, NullsFirst: k.nullsFirst}
		}
		return plan.NewSort(q.node, ks)
	})
}

// Limit keeps at most n rows.
func (q *Query) Limit(n int64) *Query {
	return q.with(func() (plan.Node, error) { return plan.NewLimit(q.node, 0, n) })
}

// Offset skips n rows, then keeps at most limit (negative: all).
func (q *Query) Offset(n, limit int64) *Query {
	return q.with(func() (plan.Node, error) { return plan.NewLimit(q.node, n, limit) })
}

// Distinct removes duplicate rows.
func (q *Query) Distinct() *Query {
	return q.with(func() (plan.Node, error) { return plan.NewDistinct(q.node), nil })
}

// UnionAll appends the rows of others, which must have the same column
// types.
func (q *Query) UnionAll(others ...*Query) *Query {
	for _, o := range others {
		if o.err != nil {
			return &Query{eng: q.eng, err: o.err}
		}
	}
	return q.with(func() (plan.Node, error) {
		ins := []plan.Node{q.node}
		for _, o := range others {
			ins = append(ins, o.node)
		}
		return plan.NewUnion(ins...)
	})
}

// resolve binds function names to registered UDFs and reports the
// expression's construction error, if any.
func (q *Query) resolve(x Expr) (plan.Expr, error) {
	if x.err != nil {
		return nil, x.err
	}
	if x.e == nil {
		return nil, fmt.Errorf("%w: empty expression", ErrUsage)
	}
	return q.eng.bindFunctions(x.e)
}

func (q *Query) resolveAll(xs []Expr) ([]plan.Expr, error) {
	out := make([]plan.Expr, len(xs))
	for i, x := range xs {
		e, err := q.resolve(x)
		if err != nil {
			return nil, err
		}
		out[i] = e
	}
	return out, nil
}

// bindFunctions replaces calls of registered Go functions by UDF calls.
func (e *Engine) bindFunctions(x plan.Expr) (plan.Expr, error) {
	e.mu.RLock()
	defer e.mu.RUnlock()
	return plan.Transform(x, func(x plan.Expr) (plan.Expr, error) {
		switch f := x.(type) {
		case plan.Func:
			if u, ok := e.udfs[f.Name]; ok {
				return plan.UDFCall{UDF: u, Args: f.Args}, nil
			}
		case plan.AggCall:
			if f.Func == exec.AggUDF && f.UDF != nil && f.UDF.New == nil {
				u, ok := e.udafs[f.UDF.Name]
				if !ok {
					return nil, fmt.Errorf("%w: unknown aggregate function %q", plan.ErrPlan, f.UDF.Name)
				}
				f.UDF, f.UDFArgs = u.udf, u.args
				return f, nil
			}
		}
		return x, nil
	})
}

// Plan returns the query's logical plan, before optimization.
func (q *Query) Plan() (plan.Node, error) {
	if q.err != nil {
		return nil, q.err
	}
	if q.grouped {
		return nil, fmt.Errorf("%w: GroupBy must be followed by Agg", ErrUsage)
	}
	if q.node == nil {
		return nil, fmt.Errorf("%w: empty query (start with Engine.From)", ErrUsage)
	}
	return q.node, nil
}

// OptimizedPlan returns the plan after the optimizer's rules.
func (q *Query) OptimizedPlan() (plan.Node, error) {
	n, err := q.Plan()
	if err != nil {
		return nil, err
	}
	return optimizer.Optimize(n, optimizer.Options{Disabled: q.eng.opts.DisabledRules})
}

// Explain renders the logical and the optimized plan.
func (q *Query) Explain() (string, error) {
	n, err := q.Plan()
	if err != nil {
		return "", err
	}
	o, err := q.OptimizedPlan()
	if err != nil {
		return "", err
	}
	return "logical plan:\n" + plan.Explain(n) + "\noptimized plan:\n" + plan.Explain(o), nil
}

// Stream plans and starts the query, returning a reader of its result
// batches. The caller must Close the stream.
func (q *Query) Stream(ctx context.Context) (*Stream, error) {
	if err := q.eng.check(); err != nil {
		return nil, err
	}
	n, err := q.OptimizedPlan()
	if err != nil {
		return nil, err
	}
	op, err := optimizer.Physical(n, optimizer.PhysicalOptions{Parallelism: q.eng.opts.Parallelism})
	if err != nil {
		return nil, err
	}
	return startStream(q.eng.newContext(ctx), op, n.Schema())
}

// Collect runs the query and gathers its whole result in memory.
func (q *Query) Collect(ctx context.Context) (*Result, error) {
	s, err := q.Stream(ctx)
	if err != nil {
		return nil, err
	}
	defer s.Close()
	return s.Collect()
}

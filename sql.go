package dataflow

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/apache/arrow/go/v15/arrow"
	"github.com/apache/arrow/go/v15/arrow/array"
	"github.com/apache/arrow/go/v15/arrow/scalar"

	"github.com/dataflow-go/dataflow/dsl"
	"github.com/dataflow-go/dataflow/dsl/parser"
	"github.com/dataflow-go/dataflow/exec"
	"github.com/dataflow-go/dataflow/optimizer"
	"github.com/dataflow-go/dataflow/plan"
	"github.com/dataflow-go/dataflow/store"
)

// viewDef is a view created with CREATE VIEW.
type viewDef struct {
	view *dsl.View
}

// SQL runs one SQL statement in the engine's default session and returns
// its result: the rows of a query, one row of counts for INSERT, the plan
// text for EXPLAIN, the value for SHOW, and no columns for other
// statements. Release the result when done.
func (e *Engine) SQL(ctx context.Context, text string) (*Result, error) {
	return e.session().SQL(ctx, text)
}

// Exec runs a script of ;-separated statements in the engine's default
// session, stopping at the first error (which names the statement).
func (e *Engine) Exec(ctx context.Context, script string) error {
	return e.session().Exec(ctx, script)
}

// Query binds a SELECT to a builder Query, which can then be extended,
// explained, streamed or collected like any other. An error (a parse or
// bind error) is reported by the Query's Plan, Collect and Stream.
func (e *Engine) Query(sql string) *Query {
	return e.session().Query(sql)
}

func (e *Engine) session() *Session {
	return &Session{eng: e, box: e.sqlState().defaults}
}

// SQL runs exactly one statement; see Engine.SQL.
func (s *Session) SQL(ctx context.Context, text string) (*Result, error) {
	if err := s.eng.check(); err != nil {
		return nil, err
	}
	stmt, err := parser.Parse(text)
	if err != nil {
		return nil, err
	}
	return s.execStmt(ctx, stmt, text)
}

// Exec runs a script, releasing each statement's result.
func (s *Session) Exec(ctx context.Context, script string) error {
	return s.ExecEach(ctx, script, nil)
}

// ExecEach runs a script and hands each statement's result to fn (when fn
// is not nil) before releasing it.
func (s *Session) ExecEach(ctx context.Context, script string, fn func(stmt string, res *Result) error) error {
	if err := s.eng.check(); err != nil {
		return err
	}
	stmts, err := parser.ParseScript(script)
	if err != nil {
		return err
	}
	for _, st := range stmts {
		res, err := s.execStmt(ctx, st, script)
		if err != nil {
			return err
		}
		if fn != nil {
			err = fn(parser.Format(st), res)
		}
		res.Release()
		if err != nil {
			return err
		}
	}
	return nil
}

// Query binds a SELECT; see Engine.Query.
func (s *Session) Query(sql string) *Query {
	q := &Query{eng: s.eng}
	if err := s.eng.check(); err != nil {
		q.err = err
		return q
	}
	stmt, err := parser.Parse(sql)
	if err != nil {
		q.err = err
		return q
	}
	pq, ok := stmt.(*parser.Query)
	if !ok {
		q.err = fmt.Errorf("%w: Query takes a SELECT, got %s (use SQL or Exec)", ErrUsage, statementKind(stmt))
		return q
	}
	n, err := s.bind(pq, sql)
	if err != nil {
		q.err = err
		return q
	}
	q.node = n
	return q
}

func statementKind(st parser.Stmt) string {
	f := parser.Format(st)
	if i := strings.IndexAny(f, " ("); i > 0 {
		return strings.ToUpper(f[:i])
	}
	return strings.ToUpper(f)
}

func (s *Session) bind(q *parser.Query, src string) (plan.Node, error) {
	return dsl.Bind(q, src, sqlCatalog{e: s.eng, st: s.eng.sqlState()})
}

func (s *Session) execStmt(ctx context.Context, stmt parser.Stmt, src string) (*Result, error) {
	switch st := stmt.(type) {
	case *parser.Query:
		n, err := s.bind(st, src)
		if err != nil {
			return nil, err
		}
		return s.run(ctx, n)
	case *parser.Explain:
		return s.explain(ctx, st, src)
	case *parser.CreateTable:
		return s.createTable(ctx, st, src)
	case *parser.CreateView:
		return s.createView(st, src)
	case *parser.CreateExternalTable:
		return s.createExternal(st)
	case *parser.Insert:
		return s.insert(ctx, st, src)
	case *parser.Drop:
		return s.drop(st)
	case *parser.Set:
		if err := s.Set(st.Name, st.Value); err != nil {
			return nil, err
		}
		return s.empty(), nil
	case *parser.Show:
		v, err := s.Setting(st.Name)
		if err != nil {
			return nil, err
		}
		return s.textResult(st.Name, []string{v})
	case *parser.CreateFunction:
		return s.createFunction(st)
	}
	return nil, fmt.Errorf("%w: statement %s is not supported", ErrUsage, statementKind(stmt))
}

// optimize runs the optimizer with the session's settings.
func (s *Session) optimize(n plan.Node) (plan.Node, error) {
	return optimizer.Optimize(n, optimizer.Options{Disabled: s.current().disabled})
}

// start optimizes, plans and opens a query; wrap, when set, sees every
// physical operator (see optimizer.PhysicalOptions.Wrap).
func (s *Session) start(ctx context.Context, n plan.Node, wrap func(plan.Node, exec.Operator) exec.Operator) (*Stream, plan.Node, error) {
	st := s.current()
	opt, err := optimizer.Optimize(n, optimizer.Options{Disabled: st.disabled})
	if err != nil {
		return nil, nil, err
	}
	op, err := optimizer.Physical(opt, optimizer.PhysicalOptions{Parallelism: st.parallelism, Wrap: wrap})
	if err != nil {
		return nil, nil, err
	}
	ec := exec.NewContext(ctx, s.eng.opts.Allocator)
	ec.Parallelism = st.parallelism
	ec.Budget = exec.NewBudget(st.memoryLimit)
	stream, err := startStream(ec, op, opt.Schema())
	return stream, opt, err
}

func (s *Session) run(ctx context.Context, n plan.Node) (*Result, error) {
	stream, _, err := s.start(ctx, n, nil)
	if err != nil {
		return nil, err
	}
	defer stream.Close()
	return stream.Collect()
}

func (s *Session) empty() *Result {
	return &Result{Schema: arrow.NewSchema(nil, nil)}
}

// textResult is a one-column result of strings.
func (s *Session) textResult(column string, rows []string) (*Result, error) {
	b := array.NewStringBuilder(s.eng.opts.Allocator)
	defer b.Release()
	b.AppendValues(rows, nil)
	arr := b.NewArray()
	defer arr.Release()
	schema := arrow.NewSchema([]arrow.Field{{Name: column, Type: arrow.BinaryTypes.String}}, nil)
	return &Result{Schema: schema, Records: []arrow.Record{array.NewRecord(schema, []arrow.Array{arr}, int64(len(rows)))}}, nil
}

func (s *Session) countResult(n int64) *Result {
	b := array.NewInt64Builder(s.eng.opts.Allocator)
	defer b.Release()
	b.Append(n)
	arr := b.NewArray()
	defer arr.Release()
	schema := arrow.NewSchema([]arrow.Field{{Name: "count", Type: arrow.PrimitiveTypes.Int64}}, nil)
	return &Result{Schema: schema, Records: []arrow.Record{array.NewRecord(schema, []arrow.Array{arr}, 1)}}
}

func (s *Session) explain(ctx context.Context, st *parser.Explain, src string) (*Result, error) {
	q, ok := st.Stmt.(*parser.Query)
	if !ok {
		return nil, fmt.Errorf("%w: EXPLAIN takes a query, got %s", ErrUsage, statementKind(st.Stmt))
	}
	n, err := s.bind(q, src)
	if err != nil {
		return nil, err
	}
	var text string
	if st.Analyze {
		text, err = s.explainAnalyze(ctx, n)
	} else {
		text, err = s.explainPlans(n)
	}
	if err != nil {
		return nil, err
	}
	return s.textResult("plan", strings.Split(strings.TrimRight(text, "\n"), "\n"))
}

func (s *Session) tableSchema(cols []*parser.ColumnDef) (*arrow.Schema, error) {
	fields := make([]arrow.Field, len(cols))
	seen := map[string]bool{}
	for i, c := range cols {
		t, err := dsl.TypeOf(c.Type)
		if err != nil {
			return nil, err
		}
		name := strings.ToLower(c.Name)
		if seen[name] {
			return nil, fmt.Errorf("%w: column %q specified more than once", plan.ErrPlan, c.Name)
		}
		seen[name] = true
		fields[i] = arrow.Field{Name: c.Name, Type: t, Nullable: !c.NotNull}
	}
	return arrow.NewSchema(fields, nil), nil
}

func (s *Session) checkNewName(name string) error {
	if _, err := s.eng.catalog.Lookup(name); err == nil {
		return fmt.Errorf("%w: table %q already exists", store.ErrSchema, name)
	}
	st := s.eng.sqlState()
	st.mu.RLock()
	_, isView := st.views[strings.ToLower(name)]
	st.mu.RUnlock()
	if isView {
		return fmt.Errorf("%w: a view named %q already exists", store.ErrSchema, name)
	}
	return nil
}

func (s *Session) createTable(ctx context.Context, ct *parser.CreateTable, src string) (*Result, error) {
	if err := s.checkNewName(ct.Name); err != nil {
		if ct.IfNotExists {
			return s.empty(), nil
		}
		return nil, err
	}
	if ct.AsQuery == nil {
		schema, err := s.tableSchema(ct.Columns)
		if err != nil {
			return nil, err
		}
		t, err := store.NewMemTable(schema, nil)
		if err != nil {
			return nil, err
		}
		if err := s.eng.catalog.Register(ct.Name, t, false); err != nil {
			return nil, err
		}
		return s.empty(), nil
	}
	n, err := s.bind(ct.AsQuery, src)
	if err != nil {
		return nil, err
	}
	res, err := s.run(ctx, n)
	if err != nil {
		return nil, err
	}
	defer res.Release()
	fields := make([]arrow.Field, len(res.Schema.Fields()))
	for i, f := range res.Schema.Fields() {
		fields[i] = arrow.Field{Name: f.Name, Type: f.Type, Nullable: true}
	}
	schema := arrow.NewSchema(fields, nil)
	recs := make([]arrow.Record, len(res.Records))
	for i, r := range res.Records {
		recs[i] = array.NewRecord(schema, r.Columns(), r.NumRows())
	}
	t, err := store.NewMemTable(schema, recs)
	for _, r := range recs {
		r.Release()
	}
	if err != nil {
		return nil, err
	}
	if err := s.eng.catalog.Register(ct.Name, t, false); err != nil {
		t.Close()
		return nil, err
	}
	return s.countResult(t.NumRows()), nil
}

func (s *Session) createView(cv *parser.CreateView, src string) (*Result, error) {
	st := s.eng.sqlState()
	name := strings.ToLower(cv.Name)
	if _, err := s.eng.catalog.Lookup(name); err == nil {
		return nil, fmt.Errorf("%w: a table named %q already exists", store.ErrSchema, cv.Name)
	}
	// The view is stored as text so it binds against the catalog as it is
	// when used; binding it now reports mistakes at CREATE time.
	text := parser.Format(cv.Query)
	q, err := parser.Parse(text)
	if err != nil {
		return nil, fmt.Errorf("%w: view %s does not print back as SQL: %w", exec.ErrInternal, cv.Name, err)
	}
	view := &dsl.View{Query: q.(*parser.Query), SQL: text, Columns: cv.Columns}
	if _, err := s.bind(cv.Query, src); err != nil {
		return nil, err
	}
	st.mu.Lock()
	defer st.mu.Unlock()
	if _, exists := st.views[name]; exists && !cv.OrReplace {
		return nil, fmt.Errorf("%w: view %q already exists (use CREATE OR REPLACE VIEW)", store.ErrSchema, cv.Name)
	}
	st.views[name] = &viewDef{view: view}
	return s.empty(), nil
}

func (s *Session) createExternal(ce *parser.CreateExternalTable) (*Result, error) {
	if err := s.checkNewName(ce.Name); err != nil {
		if ce.IfNotExists {
			return s.empty(), nil
		}
		return nil, err
	}
	opts := map[string]string{}
	for _, o := range ce.Options {
		opts[strings.ToLower(o.Key)] = o.Value
	}
	if len(ce.Columns) > 0 {
		if ce.Format != "CSV" {
			return nil, fmt.Errorf("%w: column definitions are only used for CSV tables; %s files carry their schema", ErrUsage, ce.Format)
		}
		var parts []string
		for _, c := range ce.Columns {
			t, err := dsl.TypeOf(c.Type)
			if err != nil {
				return nil, err
			}
			parts = append(parts, c.Name+" "+storeTypeName(t))
		}
		opts["schema"] = strings.Join(parts, ", ")
	}
	t, err := store.OpenTable(ce.Location, strings.ToLower(ce.Format), opts)
	if err != nil {
		return nil, fmt.Errorf("CREATE EXTERNAL TABLE %s: %w", ce.Name, err)
	}
	if err := s.eng.catalog.Register(ce.Name, t, false); err != nil {
		closeTable(t)
		return nil, err
	}
	return s.empty(), nil
}

// storeTypeName spells a type the way store.ParseSchema reads it.
func storeTypeName(t arrow.DataType) string {
	switch t.ID() {
	case arrow.INT32:
		return "int32"
	case arrow.INT64:
		return "int64"
	case arrow.FLOAT64:
		return "float64"
	case arrow.STRING:
		return "utf8"
	case arrow.BOOL:
		return "bool"
	case arrow.DATE32:
		return "date"
	case arrow.DECIMAL128:
		d := t.(*arrow.Decimal128Type)
		return fmt.Sprintf("decimal(%d,%d)", d.Precision, d.Scale)
	}
	return t.String()
}

func (s *Session) insert(ctx context.Context, ins *parser.Insert, src string) (*Result, error) {
	t, err := s.eng.catalog.Lookup(ins.Table)
	if err != nil {
		return nil, err
	}
	mt, ok := t.(*store.MemTable)
	if !ok {
		return nil, fmt.Errorf("%w: INSERT needs an in-memory table (CREATE TABLE); %s is backed by files", ErrUsage, ins.Table)
	}
	schema := mt.Schema()
	n, err := s.bind(ins.Query, src)
	if err != nil {
		return nil, err
	}
	// Map the query's columns onto the table's, by the column list or by
	// position; missing columns get NULL.
	target := make([]int, len(schema.Fields())) // table column -> query column or -1
	for i := range target {
		target[i] = -1
	}
	if len(ins.Columns) > 0 {
		for qi, name := range ins.Columns {
			idx := schema.FieldIndices(name)
			if len(idx) == 0 {
				for i, f := range schema.Fields() {
					if strings.EqualFold(f.Name, name) {
						idx = []int{i}
					}
				}
			}
			if len(idx) == 0 {
				return nil, fmt.Errorf("%w: table %s has no column %q", plan.ErrPlan, ins.Table, name)
			}
			target[idx[0]] = qi
		}
		if len(ins.Columns) != len(n.Schema()) {
			return nil, fmt.Errorf("%w: INSERT names %d columns but the query gives %d", plan.ErrPlan, len(ins.Columns), len(n.Schema()))
		}
	} else {
		if len(n.Schema()) != len(schema.Fields()) {
			return nil, fmt.Errorf("%w: table %s has %d columns but the query gives %d", plan.ErrPlan, ins.Table, len(schema.Fields()), len(n.Schema()))
		}
		for i := range target {
			target[i] = i
		}
	}
	qs := n.Schema()
	exprs := make([]plan.Expr, len(target))
	for i, f := range schema.Fields() {
		var e plan.Expr
		if target[i] < 0 {
			e = plan.Cast{Expr: plan.Literal{Value: scalar.MakeNullScalar(arrow.Null)}, To: f.Type}
		} else {
			qf := qs[target[i]]
			e = plan.Column{Relation: qf.Relation, Name: qf.Name}
			if !arrow.TypeEqual(qf.Type, f.Type) {
				e = plan.Cast{Expr: e, To: f.Type}
			}
		}
		exprs[i] = plan.Alias{Expr: e, Name: fmt.Sprintf("$ins%d", i)}
	}
	p, err := plan.NewProject(n, exprs)
	if err != nil {
		return nil, fmt.Errorf("INSERT INTO %s: %w", ins.Table, err)
	}
	res, err := s.run(ctx, p)
	if err != nil {
		return nil, err
	}
	defer res.Release()
	recs := make([]arrow.Record, 0, len(res.Records))
	defer func() {
		for _, r := range recs {
			r.Release()
		}
	}()
	var rows int64
	for _, r := range res.Records {
		for i, f := range schema.Fields() {
			if !f.Nullable && r.Column(i).NullN() > 0 {
				return nil, fmt.Errorf("%w: NULL value in column %q violates its NOT NULL constraint", plan.ErrPlan, f.Name)
			}
		}
		recs = append(recs, array.NewRecord(schema, r.Columns(), r.NumRows()))
		rows += r.NumRows()
	}
	if err := mt.Append(recs...); err != nil {
		return nil, err
	}
	return s.countResult(rows), nil
}

func (s *Session) drop(d *parser.Drop) (*Result, error) {
	name := strings.ToLower(d.Name)
	switch d.Object {
	case "TABLE":
		if err := s.eng.DropTable(name); err != nil {
			if d.IfExists && errors.Is(err, store.ErrNotFound) {
				return s.empty(), nil
			}
			return nil, err
		}
	case "VIEW":
		st := s.eng.sqlState()
		st.mu.Lock()
		_, ok := st.views[name]
		delete(st.views, name)
		st.mu.Unlock()
		if !ok && !d.IfExists {
			return nil, fmt.Errorf("%w: view %q", store.ErrNotFound, d.Name)
		}
	case "FUNCTION":
		s.eng.mu.Lock()
		_, ok := s.eng.udfs[name]
		delete(s.eng.udfs, name)
		s.eng.mu.Unlock()
		if !ok {
			ok = s.dropTableFunction(name)
		}
		if !ok && !d.IfExists {
			return nil, fmt.Errorf("%w: function %q", store.ErrNotFound, d.Name)
		}
	default:
		return nil, fmt.Errorf("%w: DROP %s is not supported", ErrUsage, d.Object)
	}
	return s.empty(), nil
}

// createFunction binds a SQL name to a Go function registered with
// RegisterScalarUDF, checking that the declared signature is the Go
// function's.
func (s *Session) createFunction(cf *parser.CreateFunction) (*Result, error) {
	if cf.ReturnsTable != nil {
		return s.createTableFunction(cf)
	}
	impl := strings.ToLower(cf.As)
	name := strings.ToLower(cf.Name)
	s.eng.mu.Lock()
	defer s.eng.mu.Unlock()
	u, ok := s.eng.udfs[impl]
	if !ok {
		var names []string
		for n := range s.eng.udfs {
			names = append(names, n)
		}
		return nil, fmt.Errorf("%w: no Go function %q is registered (registered: %s)", plan.ErrPlan, cf.As, strings.Join(names, ", "))
	}
	if _, exists := s.eng.udfs[name]; exists && !cf.OrReplace {
		return nil, fmt.Errorf("%w: function %q already exists", plan.ErrPlan, cf.Name)
	}
	if len(cf.Args) != len(u.Args) {
		return nil, fmt.Errorf("%w: %s takes %d argument(s) but the declaration lists %d", plan.ErrPlan, cf.As, len(u.Args), len(cf.Args))
	}
	for i, a := range cf.Args {
		t, err := dsl.TypeOf(a.Type)
		if err != nil {
			return nil, err
		}
		if !arrow.TypeEqual(t, u.Args[i]) {
			return nil, fmt.Errorf("%w: argument %d of %s is %s, the declaration says %s", plan.ErrPlan, i+1, cf.As, plan.TypeName(u.Args[i]), plan.TypeName(t))
		}
	}
	rt, err := dsl.TypeOf(cf.Returns)
	if err != nil {
		return nil, err
	}
	if !arrow.TypeEqual(rt, u.Result) {
		return nil, fmt.Errorf("%w: %s returns %s, the declaration says %s", plan.ErrPlan, cf.As, plan.TypeName(u.Result), plan.TypeName(rt))
	}
	s.eng.udfs[name] = &plan.ScalarUDF{Name: name, Args: u.Args, Result: u.Result, Fn: u.Fn}
	return s.empty(), nil
}

// sqlCatalog shows the engine to the binder.
type sqlCatalog struct {
	e  *Engine
	st *sqlState
}

func (c sqlCatalog) Relation(name string) (dsl.Relation, error) {
	key := strings.ToLower(name)
	c.st.mu.RLock()
	v, ok := c.st.views[key]
	c.st.mu.RUnlock()
	if ok {
		return dsl.Relation{View: v.view}, nil
	}
	t, err := c.e.catalog.Lookup(name)
	if err != nil {
		return dsl.Relation{}, err
	}
	return dsl.Relation{Table: t}, nil
}

func (c sqlCatalog) ScalarFunction(name string) (*plan.ScalarUDF, bool) {
	c.e.mu.RLock()
	defer c.e.mu.RUnlock()
	u, ok := c.e.udfs[strings.ToLower(name)]
	return u, ok
}

func (c sqlCatalog) AggregateFunction(name string) (*exec.AggregateUDF, []arrow.DataType, bool) {
	c.e.mu.RLock()
	defer c.e.mu.RUnlock()
	u, ok := c.e.udafs[strings.ToLower(name)]
	if !ok {
		return nil, nil, false
	}
	return u.udf, u.args, true
}

// Explain renders the logical, optimized and physical plans of one query
// (with analyze, it runs the query and adds rows, bytes and time per
// operator).
func (s *Session) Explain(ctx context.Context, sql string, analyze bool) (string, error) {
	if err := s.eng.check(); err != nil {
		return "", err
	}
	stmt, err := parser.Parse(sql)
	if err != nil {
		return "", err
	}
	if ex, ok := stmt.(*parser.Explain); ok {
		stmt, analyze = ex.Stmt, analyze || ex.Analyze
	}
	q, ok := stmt.(*parser.Query)
	if !ok {
		return "", fmt.Errorf("%w: EXPLAIN takes a query, got %s", ErrUsage, statementKind(stmt))
	}
	n, err := s.bind(q, sql)
	if err != nil {
		return "", err
	}
	if analyze {
		return s.explainAnalyze(ctx, n)
	}
	return s.explainPlans(n)
}

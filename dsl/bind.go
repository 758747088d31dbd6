package dsl

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/apache/arrow/go/v15/arrow"
	"github.com/apache/arrow/go/v15/arrow/scalar"

	"github.com/dataflow-go/dataflow/dsl/parser"
	"github.com/dataflow-go/dataflow/exec"
	"github.com/dataflow-go/dataflow/plan"
)

// binder holds the state of binding one statement.
type binder struct {
	cat   Catalog
	src   string
	env   *cteEnv
	n     int
	types map[plan.Column]arrow.DataType
	// views guards against a view that (indirectly) reads itself.
	views map[string]bool
}

// Bind resolves a parsed query against cat and returns its logical plan,
// whose output columns carry the names the query gives them. src is the
// text q was parsed from; errors point into it.
func Bind(q *parser.Query, src string, cat Catalog) (plan.Node, error) {
	b := &binder{cat: cat, src: src, types: map[plan.Column]arrow.DataType{}, views: map[string]bool{}}
	node, names, err := b.bindQuery(q, nil, nil)
	if err != nil {
		return nil, err
	}
	return b.rename(node, names, q.Pos())
}

// rename projects node so its columns are called names.
func (b *binder) rename(node plan.Node, names []string, p parser.Pos) (plan.Node, error) {
	s := node.Schema()
	same := true
	for i, f := range s {
		same = same && f.Name == names[i]
	}
	if same {
		return node, nil
	}
	exprs := make([]plan.Expr, len(s))
	for i, f := range s {
		exprs[i] = plan.Alias{Expr: plan.Column{Relation: f.Relation, Name: f.Name}, Name: names[i]}
	}
	out, err := plan.NewProject(node, exprs)
	if err != nil {
		return nil, b.wrapAt(p, err)
	}
	return out, nil
}

func (b *binder) fresh(prefix string) string {
	b.n++
	return prefix + strconv.Itoa(b.n)
}

// typeName maps a SQL type name to an engine type.
func (b *binder) typeName(t *parser.TypeName) (arrow.DataType, error) {
	s := t.Name
	if len(t.Args) > 0 {
		args := make([]string, len(t.Args))
		for i, a := range t.Args {
			args[i] = strconv.Itoa(a)
		}
		s += "(" + strings.Join(args, ",") + ")"
	}
	typ, err := plan.ParseType(s)
	if err != nil {
		return nil, b.wrapAt(t.Pos(), err)
	}
	return typ, nil
}

// TypeOf maps a parsed SQL type name to an engine type.
func TypeOf(t *parser.TypeName) (arrow.DataType, error) {
	return (&binder{}).typeName(t)
}

// bindQuery binds a query nested in outer (nil at top level and for
// derived tables) and returns its plan and its output column names. The
// plan's columns have unique names (they may differ from the output
// names, which need not be unique).
func (b *binder) bindQuery(q *parser.Query, outer *scope, env *cteEnv) (plan.Node, []string, error) {
	saved := b.env
	defer func() { b.env = saved }()
	b.env = env
	for _, cte := range q.With {
		if q.Recursive {
			return nil, nil, b.errAt(q.Pos(), ErrNotSupported, "WITH RECURSIVE is not supported")
		}
		b.env = &cteEnv{name: cte.Name, def: cte, src: b.src, parent: b.env}
	}
	if sel, ok := q.Body.(*parser.Select); ok {
		return b.bindSelect(sel, q, outer)
	}
	node, names, err := b.bindSetExpr(q.Body, outer)
	if err != nil {
		return nil, nil, err
	}
	if len(q.OrderBy) > 0 {
		keys := make([]plan.SortKey, len(q.OrderBy))
		s := node.Schema()
		for i, o := range q.OrderBy {
			idx := -1
			switch x := o.Expr.(type) {
			case *parser.NumberLit:
				n, err := strconv.Atoi(x.Text)
				if err != nil || n < 1 || n > len(s) {
					return nil, nil, b.errAt(x.Pos(), nil, "ORDER BY position %s is not in the select list (1..%d)", x.Text, len(s))
				}
				idx = n - 1
			case *parser.ColumnRef:
				for j, name := range names {
					if x.Table == "" && strings.EqualFold(name, x.Name) {
						idx = j
						break
					}
				}
			}
			if idx < 0 {
				return nil, nil, b.errAt(o.Pos(), ErrNotSupported, "ORDER BY of a set operation must name an output column or its position")
			}
			keys[i] = sortKey(plan.Column{Relation: s[idx].Relation, Name: s[idx].Name}, o)
		}
		sorted, err := plan.NewSort(node, keys)
		if err != nil {
			return nil, nil, b.wrapAt(q.Pos(), err)
		}
		node = sorted
	}
	node, err = b.limit(node, q)
	return node, names, err
}

func sortKey(e plan.Expr, o *parser.OrderItem) plan.SortKey {
	k := plan.SortKey{Expr: e, Desc: o.Desc, NullsFirst: o.Desc}
	switch o.Nulls {
	case parser.NullsFirst:
		k.NullsFirst = true
	case parser.NullsLast:
		k.NullsFirst = false
	}
	return k
}

func (b *binder) limit(node plan.Node, q *parser.Query) (plan.Node, error) {
	if q.Limit == nil && q.Offset == nil {
		return node, nil
	}
	count, offset := int64(-1), int64(0)
	read := func(e parser.Expr) (int64, error) {
		c := &exprCtx{b: b, sc: newScope(nil, nil), clause: "LIMIT"}
		x, _, err := c.bind(e)
		if err != nil {
			return 0, err
		}
		v, err := evalConstant(x)
		if err != nil {
			return 0, b.wrapAt(e.Pos(), err)
		}
		if !v.IsValid() {
			return -1, nil
		}
		var n int64
		switch v := v.(type) {
		case *scalar.Int32:
			n = int64(v.Value)
		case *scalar.Int64:
			n = v.Value
		default:
			return 0, b.errAt(e.Pos(), nil, "LIMIT and OFFSET take an integer, got %s", plan.TypeName(v.DataType()))
		}
		if n < 0 {
			// As in PostgreSQL: a negative count is a mistake, not "all".
			return 0, b.errAt(e.Pos(), nil, "LIMIT and OFFSET must not be negative, got %d", n)
		}
		return n, nil
	}
	var err error
	if q.Limit != nil {
		if count, err = read(q.Limit); err != nil {
			return nil, err
		}
	}
	if q.Offset != nil {
		if offset, err = read(q.Offset); err != nil {
			return nil, err
		}
	}
	out, err := plan.NewLimit(node, max(offset, 0), count)
	if err != nil {
		return nil, b.wrapAt(q.Pos(), err)
	}
	return out, nil
}

func (b *binder) bindSetExpr(body parser.SetExpr, outer *scope) (plan.Node, []string, error) {
	switch x := body.(type) {
	case *parser.Select:
		return b.bindSelect(x, nil, outer)
	case *parser.Query:
		return b.bindQuery(x, outer, b.env)
	case *parser.Values:
		return b.bindValues(x)
	case *parser.SetOp:
		return b.bindSetOp(x, outer)
	}
	return nil, nil, b.errAt(body.Pos(), ErrNotSupported, "query form %T is not supported", body)
}

func (b *binder) bindSetOp(op *parser.SetOp, outer *scope) (plan.Node, []string, error) {
	left, names, err := b.bindSetExpr(op.Left, outer)
	if err != nil {
		return nil, nil, err
	}
	right, _, err := b.bindSetExpr(op.Right, outer)
	if err != nil {
		return nil, nil, err
	}
	ls, rs := left.Schema(), right.Schema()
	if len(ls) != len(rs) {
		return nil, nil, b.errAt(op.Pos(), nil, "each %s query must have the same number of columns: %d and %d", op.Op, len(ls), len(rs))
	}
	types := make([]arrow.DataType, len(ls))
	for i := range ls {
		t, err := exec.CommonType(ls[i].Type, rs[i].Type)
		if err != nil {
			return nil, nil, b.errAt(op.Pos(), nil, "%s column %d: %s and %s have no common type", op.Op, i+1, plan.TypeName(ls[i].Type), plan.TypeName(rs[i].Type))
		}
		types[i] = t
	}
	lnames := make([]string, len(ls))
	rnames := make([]string, len(ls))
	for i := range ls {
		lnames[i] = b.fresh("$u")
		rnames[i] = b.fresh("$u")
	}
	if left, err = b.conform(left, types, lnames, op.Pos()); err != nil {
		return nil, nil, err
	}
	if op.Op == "UNION" {
		if right, err = b.conform(right, types, lnames, op.Pos()); err != nil {
			return nil, nil, err
		}
		var out plan.Node
		out, err = plan.NewUnion(left, right)
		if err != nil {
			return nil, nil, b.wrapAt(op.Pos(), err)
		}
		if !op.All {
			out = plan.NewDistinct(out)
		}
		return out, names, nil
	}
	if op.All {
		return nil, nil, b.errAt(op.Pos(), ErrNotSupported, "%s ALL is not supported", op.Op)
	}
	if right, err = b.conform(right, types, rnames, op.Pos()); err != nil {
		return nil, nil, err
	}
	// INTERSECT and EXCEPT compare rows with NULLs equal: key each column
	// on (is null, coalesce(value, zero)) so a hash join can do it.
	var conds []plan.Expr
	for i, t := range types {
		l, r := plan.Column{Name: lnames[i]}, plan.Column{Name: rnames[i]}
		conds = append(conds,
			plan.Binary{Op: exec.OpEq, Left: plan.Unary{Op: plan.OpIsNull, Expr: l}, Right: plan.Unary{Op: plan.OpIsNull, Expr: r}},
			plan.Binary{Op: exec.OpEq, Left: plan.Func{Name: "coalesce", Args: []plan.Expr{l, zeroLiteral(t)}}, Right: plan.Func{Name: "coalesce", Args: []plan.Expr{r, zeroLiteral(t)}}})
	}
	typ := exec.JoinSemi
	if op.Op == "EXCEPT" {
		typ = exec.JoinAnti
	}
	j, err := plan.NewJoin(plan.NewDistinct(left), right, typ, conjoin(conds))
	if err != nil {
		return nil, nil, b.wrapAt(op.Pos(), err)
	}
	return j, names, nil
}

func conjoin(es []plan.Expr) plan.Expr {
	var out plan.Expr
	for _, e := range es {
		if out == nil {
			out = e
		} else {
			out = plan.Binary{Op: exec.OpAnd, Left: out, Right: e}
		}
	}
	return out
}

// conform projects node to the given types and names.
func (b *binder) conform(node plan.Node, types []arrow.DataType, names []string, p parser.Pos) (plan.Node, error) {
	s := node.Schema()
	exprs := make([]plan.Expr, len(s))
	for i, f := range s {
		var e plan.Expr = plan.Column{Relation: f.Relation, Name: f.Name}
		if !arrow.TypeEqual(f.Type, types[i]) {
			e = plan.Cast{Expr: e, To: types[i]}
		}
		exprs[i] = plan.Alias{Expr: e, Name: names[i]}
		b.types[plan.Column{Name: names[i]}] = types[i]
	}
	out, err := plan.NewProject(node, exprs)
	if err != nil {
		return nil, b.wrapAt(p, err)
	}
	return out, nil
}

func (b *binder) bindValues(v *parser.Values) (plan.Node, []string, error) {
	if len(v.Rows) == 0 {
		return nil, nil, b.errAt(v.Pos(), nil, "VALUES needs at least one row")
	}
	width := len(v.Rows[0])
	c := &exprCtx{b: b, sc: newScope(nil, nil), clause: "VALUES"}
	exprs := make([][]plan.Expr, len(v.Rows))
	types := make([]arrow.DataType, width)
	// A string literal in a column of dates is a date, as in comparisons.
	temporal := make([]arrow.DataType, width)
	for _, row := range v.Rows {
		for i, e := range row {
			if i < width {
				if _, isStr := e.(*parser.StringLit); !isStr {
					if x, t, err := c.bind(e); err == nil && x != nil && (t.ID() == arrow.DATE32 || t.ID() == arrow.TIMESTAMP) {
						temporal[i] = t
					}
				}
			}
		}
	}
	for r, row := range v.Rows {
		if len(row) != width {
			return nil, nil, b.errAt(v.Pos(), nil, "VALUES lists must all be the same length: row %d has %d values, row 1 has %d", r+1, len(row), width)
		}
		exprs[r] = make([]plan.Expr, width)
		for i, e := range row {
			x, t, err := c.bind(e)
			if err != nil {
				return nil, nil, err
			}
			if temporal[i] != nil && t.ID() == arrow.STRING {
				if _, ok := x.(plan.Literal); ok {
					x = castLiteral(x, temporal[i])
					t = temporal[i]
				}
			}
			exprs[r][i] = x
			if types[i] == nil {
				types[i] = t
				continue
			}
			ct, err := exec.CommonType(types[i], t)
			if err != nil {
				return nil, nil, b.errAt(e.Pos(), nil, "VALUES column %d mixes %s and %s", i+1, plan.TypeName(types[i]), plan.TypeName(t))
			}
			types[i] = ct
		}
	}
	names := make([]string, width)
	schema := make(plan.Schema, width)
	for i := range names {
		names[i] = fmt.Sprintf("column%d", i+1)
		if types[i].ID() == arrow.NULL {
			types[i] = arrow.PrimitiveTypes.Int32
		}
		schema[i] = plan.Field{Name: b.fresh("$v"), Type: types[i], Nullable: true}
		b.types[plan.Column{Name: schema[i].Name}] = types[i]
	}
	rows := make([][]scalar.Scalar, len(exprs))
	for r, row := range exprs {
		rows[r] = make([]scalar.Scalar, width)
		for i, x := range row {
			if t, _ := c.typeOf(x, v.Rows[r][i].Pos()); t == nil || !arrow.TypeEqual(t, types[i]) {
				x = plan.Cast{Expr: x, To: types[i]}
			}
			s, err := evalConstant(x)
			if err != nil {
				return nil, nil, b.wrapAt(v.Rows[r][i].Pos(), err)
			}
			rows[r][i] = s
		}
	}
	out, err := plan.NewValues(schema, rows)
	if err != nil {
		return nil, nil, b.wrapAt(v.Pos(), err)
	}
	return out, names, nil
}

// selectItem is one output of a SELECT after * expansion.
type selectItem struct {
	ast  parser.Expr
	name string // output name
	pos  parser.Pos
}

func (b *binder) expandItems(sel *parser.Select, sc *scope) ([]selectItem, error) {
	var out []selectItem
	for _, it := range sel.Items {
		star, ok := it.Expr.(*parser.Star)
		if !ok {
			out = append(out, selectItem{ast: it.Expr, name: outputName(it), pos: it.Pos()})
			continue
		}
		n := 0
		for _, c := range sc.cols {
			if c.usingDup && star.Table == "" {
				continue
			}
			if star.Table != "" && !strings.EqualFold(c.qual, star.Table) {
				continue
			}
			ref := &parser.ColumnRef{Table: c.qual, Name: c.name}
			ref.Position = star.Pos()
			out = append(out, selectItem{ast: ref, name: c.name, pos: star.Pos()})
			n++
		}
		if n == 0 && star.Table != "" {
			return nil, b.errAt(star.Pos(), nil, "missing FROM-clause entry for table %q", star.Table)
		}
		if n == 0 {
			return nil, b.errAt(star.Pos(), nil, "SELECT * with no tables specified is not valid")
		}
	}
	return out, nil
}

// outputName names an unaliased select item as PostgreSQL does.
func outputName(it *parser.SelectItem) string {
	if it.Alias != "" {
		return it.Alias
	}
	return exprName(it.Expr)
}

func exprName(e parser.Expr) string {
	switch e := e.(type) {
	case *parser.ColumnRef:
		return e.Name
	case *parser.FuncCall:
		return strings.ToLower(e.Name)
	case *parser.CastExpr:
		if _, ok := e.Expr.(*parser.ColumnRef); ok {
			return exprName(e.Expr)
		}
		return e.Type.Name
	case *parser.CaseExpr:
		return "case"
	case *parser.ExtractExpr:
		return "extract"
	case *parser.ExistsExpr:
		return "exists"
	}
	return "?column?"
}

// bindSelect binds one SELECT block; q, when not nil, supplies its ORDER
// BY, LIMIT and OFFSET.
func (b *binder) bindSelect(sel *parser.Select, q *parser.Query, outer *scope) (plan.Node, []string, error) {
	from, sc, err := b.bindFrom(sel.From, outer, sel.Pos())
	if err != nil {
		return nil, nil, err
	}
	var orderBy []*parser.OrderItem
	if q != nil {
		orderBy = q.OrderBy
	}
	// WHERE
	var whereApplies []pendingApply
	var where plan.Expr
	if sel.Where != nil {
		c := &exprCtx{b: b, sc: sc, clause: "WHERE", applies: &whereApplies}
		w, t, err := c.bind(sel.Where)
		if err != nil {
			return nil, nil, err
		}
		if t.ID() != arrow.BOOL && t.ID() != arrow.NULL {
			return nil, nil, b.errAt(sel.Where.Pos(), nil, "argument of WHERE must be boolean, not %s", plan.TypeName(t))
		}
		where = factorOr(w)
	}
	items, err := b.expandItems(sel, sc)
	if err != nil {
		return nil, nil, err
	}
	aggregated := len(sel.GroupBy) > 0 || (sel.Having != nil)
	for _, it := range items {
		aggregated = aggregated || b.containsAggregate(it.ast)
	}
	for _, o := range orderBy {
		aggregated = aggregated || b.containsAggregate(o.Expr)
	}
	var agg *aggState
	if aggregated {
		if agg, err = b.bindGroups(sel, items, sc); err != nil {
			return nil, nil, err
		}
	}
	// HAVING
	var havingApplies []pendingApply
	var having plan.Expr
	if sel.Having != nil {
		c := &exprCtx{b: b, sc: sc, clause: "HAVING", agg: agg, applies: &havingApplies}
		h, t, err := c.bind(sel.Having)
		if err != nil {
			return nil, nil, err
		}
		if t.ID() != arrow.BOOL && t.ID() != arrow.NULL {
			return nil, nil, b.errAt(sel.Having.Pos(), nil, "argument of HAVING must be boolean, not %s", plan.TypeName(t))
		}
		having = factorOr(h)
	}
	// SELECT list
	var selApplies []pendingApply
	sctx := &exprCtx{b: b, sc: sc, clause: "the select list", agg: agg, applies: &selApplies}
	exprs := make([]plan.Expr, len(items))
	names := make([]string, len(items))
	for i, it := range items {
		x, _, err := sctx.bind(it.ast)
		if err != nil {
			return nil, nil, err
		}
		exprs[i], names[i] = x, it.name
	}
	// ORDER BY: an output position, an output alias, or an expression
	// (matched against the outputs, else computed as a hidden column).
	type keyRef struct {
		out    int // index into exprs (hidden ones appended)
		parser *parser.OrderItem
	}
	var keys []keyRef
	octx := &exprCtx{b: b, sc: sc, clause: "ORDER BY", agg: agg, applies: &selApplies}
	hidden := 0
	for _, o := range orderBy {
		idx := -1
		switch x := o.Expr.(type) {
		case *parser.NumberLit:
			n, err := strconv.Atoi(x.Text)
			if err != nil || n < 1 || n > len(items) {
				return nil, nil, b.errAt(x.Pos(), nil, "ORDER BY position %s is not in the select list (1..%d)", x.Text, len(items))
			}
			idx = n - 1
		case *parser.ColumnRef:
			if x.Table == "" {
				for j, it := range items {
					if strings.EqualFold(it.name, x.Name) {
						if _, isRef := it.ast.(*parser.ColumnRef); !isRef || idx < 0 {
							idx = j
						}
						break
					}
				}
			}
		}
		if idx < 0 {
			e, _, err := octx.bind(o.Expr)
			if err != nil {
				return nil, nil, err
			}
			for j, x := range exprs {
				if x.String() == e.String() {
					idx = j
					break
				}
			}
			if idx < 0 {
				if sel.Distinct {
					return nil, nil, b.errAt(o.Pos(), nil, "for SELECT DISTINCT, ORDER BY expressions must appear in the select list")
				}
				idx = len(exprs)
				exprs = append(exprs, e)
				hidden++
			}
		}
		keys = append(keys, keyRef{out: idx, parser: o})
	}

	// Build the nodes. A correlated subquery reads its outer row through
	// an OuterRow leaf joined into its FROM.
	node := from
	if len(sc.corr.fields) > 0 {
		if node, err = plan.NewJoin(node, plan.NewOuterRow(sc.corr.fields), exec.JoinInner, nil); err != nil {
			return nil, nil, b.wrapAt(sel.Pos(), err)
		}
	}
	if node, err = b.attach(node, whereApplies); err != nil {
		return nil, nil, err
	}
	if where != nil {
		f, err := plan.NewFilter(node, where)
		if err != nil {
			return nil, nil, b.wrapAt(sel.Where.Pos(), err)
		}
		node = f
	}
	if agg != nil {
		a, err := plan.NewAggregate(node, agg.groups, agg.aggs)
		if err != nil {
			return nil, nil, b.wrapAt(sel.Pos(), err)
		}
		node = a
		if node, err = b.attach(node, havingApplies); err != nil {
			return nil, nil, err
		}
		if having != nil {
			f, err := plan.NewFilter(node, having)
			if err != nil {
				return nil, nil, b.wrapAt(sel.Having.Pos(), err)
			}
			node = f
		}
	}
	if node, err = b.attach(node, selApplies); err != nil {
		return nil, nil, err
	}
	// Project with unique column names so later clauses can refer to
	// them; output names are returned separately.
	used := map[string]bool{}
	proj := make([]plan.Expr, len(exprs))
	for i, x := range exprs {
		want := ""
		if i < len(names) {
			want = names[i]
		}
		if c, ok := x.(plan.Column); ok && strings.EqualFold(c.Name, want) && !used[strings.ToLower(c.Name)] {
			proj[i] = c
		} else if want != "" && !strings.HasPrefix(want, "$") && !used[strings.ToLower(want)] && !b.nameTaken(want) {
			proj[i] = plan.Alias{Expr: x, Name: want}
		} else {
			proj[i] = plan.Alias{Expr: x, Name: b.fresh("$c")}
		}
		used[strings.ToLower(plan.OutputName(proj[i]))] = true
	}
	p, err := plan.NewProject(node, proj)
	if err != nil {
		return nil, nil, b.wrapAt(sel.Pos(), err)
	}
	node = p
	ps := p.Schema()
	for i, f := range ps {
		t := f.Type
		b.types[plan.Column{Relation: f.Relation, Name: f.Name}] = t
		_ = i
	}
	if sel.Distinct {
		node = plan.NewDistinct(node)
	}
	if len(keys) > 0 {
		sk := make([]plan.SortKey, len(keys))
		for i, k := range keys {
			f := ps[k.out]
			sk[i] = sortKey(plan.Column{Relation: f.Relation, Name: f.Name}, k.parser)
		}
		s, err := plan.NewSort(node, sk)
		if err != nil {
			return nil, nil, b.wrapAt(orderBy[0].Pos(), err)
		}
		node = s
	}
	if hidden > 0 {
		cols := make([]plan.Expr, len(names))
		for i := range names {
			cols[i] = plan.Column{Relation: ps[i].Relation, Name: ps[i].Name}
		}
		if node, err = plan.NewProject(node, cols); err != nil {
			return nil, nil, b.wrapAt(sel.Pos(), err)
		}
	}
	if q != nil {
		if node, err = b.limit(node, q); err != nil {
			return nil, nil, err
		}
	}
	return node, names, nil
}

// nameTaken reports whether a plain output name could be confused with a
// column the binder named internally.
func (b *binder) nameTaken(name string) bool {
	return strings.Contains(name, ".")
}

// attach applies pending subqueries to node, in order.
func (b *binder) attach(node plan.Node, applies []pendingApply) (plan.Node, error) {
	for _, a := range applies {
		n, err := plan.NewApply(node, a.node, a.kind, a.in, a.name)
		if err != nil {
			return nil, b.wrapAt(a.pos, err)
		}
		node = n
	}
	return node, nil
}

// bindGroups binds GROUP BY: expressions over the FROM columns, output
// positions or output aliases.
func (b *binder) bindGroups(sel *parser.Select, items []selectItem, sc *scope) (*aggState, error) {
	agg := &aggState{aggIdx: map[string]int{}}
	c := &exprCtx{b: b, sc: sc, clause: "GROUP BY"}
	for _, g := range sel.GroupBy {
		ast := g
		switch x := g.(type) {
		case *parser.NumberLit:
			n, err := strconv.Atoi(x.Text)
			if err != nil || n < 1 || n > len(items) {
				return nil, b.errAt(x.Pos(), nil, "GROUP BY position %s is not in the select list (1..%d)", x.Text, len(items))
			}
			ast = items[n-1].ast
		case *parser.ColumnRef:
			if x.Table == "" && len(sc.find("", x.Name)) == 0 {
				for _, it := range items {
					if strings.EqualFold(it.name, x.Name) {
						ast = it.ast
						break
					}
				}
			}
		}
		if b.containsAggregate(ast) {
			return nil, b.errAt(g.Pos(), nil, "aggregate functions are not allowed in GROUP BY")
		}
		x, t, err := c.bind(ast)
		if err != nil {
			return nil, err
		}
		key := x.String()
		dup := false
		for _, k := range agg.groupKey {
			dup = dup || k == key
		}
		if dup {
			continue
		}
		ref, isCol := x.(plan.Column)
		group := x
		if !isCol {
			ref = plan.Column{Name: b.fresh("$g")}
			group = plan.Alias{Expr: x, Name: ref.Name}
		}
		b.types[ref] = t
		agg.groups = append(agg.groups, group)
		agg.groupKey = append(agg.groupKey, key)
		agg.groupRef = append(agg.groupRef, ref)
		agg.groupTyp = append(agg.groupTyp, t)
	}
	return agg, nil
}

// bindFrom binds a FROM list: its items cross-joined, in order.
func (b *binder) bindFrom(items []parser.TableExpr, outer *scope, p parser.Pos) (plan.Node, *scope, error) {
	if len(items) == 0 {
		v, err := plan.NewValues(plan.Schema{}, [][]scalar.Scalar{{}})
		if err != nil {
			return nil, nil, b.wrapAt(p, err)
		}
		return v, newScope(nil, outer), nil
	}
	var node plan.Node
	var cols []column
	for _, it := range items {
		n, c, err := b.bindTableExpr(it)
		if err != nil {
			return nil, nil, err
		}
		if err := b.checkQualifiers(cols, c, it.Pos()); err != nil {
			return nil, nil, err
		}
		cols = append(cols, c...)
		if node == nil {
			node = n
			continue
		}
		if node, err = plan.NewJoin(node, n, exec.JoinInner, nil); err != nil {
			return nil, nil, b.wrapAt(it.Pos(), err)
		}
	}
	return node, newScope(cols, outer), nil
}

func (b *binder) checkQualifiers(have, add []column, p parser.Pos) error {
	seen := map[string]bool{}
	for _, c := range have {
		seen[strings.ToLower(c.qual)] = true
	}
	for _, c := range add {
		if c.qual != "" && seen[strings.ToLower(c.qual)] {
			return b.errAt(p, nil, "table name %q specified more than once (use an alias)", c.qual)
		}
	}
	return nil
}

func (b *binder) bindTableExpr(t parser.TableExpr) (plan.Node, []column, error) {
	switch t := t.(type) {
	case *parser.TableName:
		return b.bindTableName(t)
	case *parser.DerivedTable:
		node, names, err := b.bindQuery(t.Query, nil, b.env)
		if err != nil {
			return nil, nil, err
		}
		qual := b.fresh("subquery")
		var colNames []string
		if t.Alias != nil {
			qual, colNames = t.Alias.Name, t.Alias.Columns
		}
		return b.derived(node, names, qual, colNames, t.Pos())
	case *parser.JoinExpr:
		return b.bindJoin(t)
	case *parser.TableFuncCall:
		return b.bindTableFunc(t)
	}
	return nil, nil, b.errAt(t.Pos(), ErrNotSupported, "FROM item %T is not supported", t)
}

func (b *binder) bindTableName(t *parser.TableName) (plan.Node, []column, error) {
	var alias string
	var colNames []string
	if t.Alias != nil {
		alias, colNames = t.Alias.Name, t.Alias.Columns
	}
	if t.Schema == "" {
		if cte := b.env.lookup(t.Name); cte != nil {
			saved, savedSrc := b.env, b.src
			b.env, b.src = cte.parent, cte.src
			node, names, err := b.bindQuery(cte.def.Query, nil, cte.parent)
			b.env, b.src = saved, savedSrc
			if err != nil {
				return nil, nil, err
			}
			if len(cte.def.Columns) > 0 && len(colNames) == 0 {
				colNames = cte.def.Columns
			}
			return b.derived(node, names, firstNonEmpty(alias, t.Name), colNames, t.Pos())
		}
	}
	rel, err := b.cat.Relation(t.Name)
	if err != nil {
		msg := err.Error()
		hint := ""
		if i := strings.Index(msg, "(did you mean "); i >= 0 {
			hint = " " + msg[i:]
		}
		e := b.errAt(t.Pos(), err, "unknown table %q%s", t.Name, hint)
		return nil, nil, e
	}
	if rel.View != nil {
		key := strings.ToLower(t.Name)
		if b.views[key] {
			return nil, nil, b.errAt(t.Pos(), nil, "view %q refers to itself", t.Name)
		}
		b.views[key] = true
		savedEnv, savedSrc := b.env, b.src
		b.env, b.src = nil, rel.View.SQL
		node, names, err := b.bindQuery(rel.View.Query, nil, nil)
		b.env, b.src = savedEnv, savedSrc
		delete(b.views, key)
		if err != nil {
			return nil, nil, fmt.Errorf("in view %s: %w", t.Name, err)
		}
		if len(colNames) == 0 {
			colNames = rel.View.Columns
		}
		return b.derived(node, names, firstNonEmpty(alias, t.Name), colNames, t.Pos())
	}
	name := strings.ToLower(t.Name)
	scan := plan.NewScan(name, alias, rel.Table)
	s := scan.Schema()
	if len(colNames) > 0 {
		return b.derived(scan, s.Names(), firstNonEmpty(alias, name), colNames, t.Pos())
	}
	cols := make([]column, len(s))
	for i, f := range s {
		cols[i] = column{qual: f.Relation, name: f.Name, col: plan.Column{Relation: f.Relation, Name: f.Name}, typ: f.Type}
		b.types[cols[i].col] = f.Type
	}
	return scan, cols, nil
}

func firstNonEmpty(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// derived renames the columns of a derived table, view or CTE to
// qual.name, so they cannot clash with any other relation's columns.
func (b *binder) derived(node plan.Node, names []string, qual string, colNames []string, p parser.Pos) (plan.Node, []column, error) {
	s := node.Schema()
	if len(colNames) > len(s) {
		return nil, nil, b.errAt(p, nil, "%s has %d columns available but %d columns specified", qual, len(s), len(colNames))
	}
	exprs := make([]plan.Expr, len(s))
	cols := make([]column, len(s))
	for i, f := range s {
		name := names[i]
		if i < len(colNames) {
			name = colNames[i]
		}
		internal := qual + "." + name
		for j := 0; j < i; j++ {
			if strings.EqualFold(cols[j].col.Name, internal) {
				internal = b.fresh(qual + "." + name + "$")
			}
		}
		exprs[i] = plan.Alias{Expr: plan.Column{Relation: f.Relation, Name: f.Name}, Name: internal}
		cols[i] = column{qual: qual, name: name, col: plan.Column{Name: internal}, typ: f.Type}
		b.types[cols[i].col] = f.Type
	}
	out, err := plan.NewProject(node, exprs)
	if err != nil {
		return nil, nil, b.wrapAt(p, err)
	}
	return out, cols, nil
}

func (b *binder) bindJoin(j *parser.JoinExpr) (plan.Node, []column, error) {
	left, lc, err := b.bindTableExpr(j.Left)
	if err != nil {
		return nil, nil, err
	}
	right, rc, err := b.bindTableExpr(j.Right)
	if err != nil {
		return nil, nil, err
	}
	if err := b.checkQualifiers(lc, rc, j.Right.Pos()); err != nil {
		return nil, nil, err
	}
	typ := map[parser.JoinKind]exec.JoinType{
		parser.JoinInner: exec.JoinInner, parser.JoinCross: exec.JoinInner,
		parser.JoinLeft: exec.JoinLeft, parser.JoinRight: exec.JoinRight, parser.JoinFull: exec.JoinFull,
	}[j.Kind]
	cols := append(append([]column{}, lc...), rc...)
	var on plan.Expr
	using := j.Using
	if j.Natural {
		for _, l := range lc {
			for _, r := range rc {
				if strings.EqualFold(l.name, r.name) {
					using = append(using, l.name)
				}
			}
		}
	}
	var merged [][2]column // FULL JOIN USING pairs, merged below
	if len(using) > 0 {
		var conds []plan.Expr
		for _, name := range using {
			var l, r *column
			for i := range lc {
				if strings.EqualFold(lc[i].name, name) && !lc[i].usingDup {
					l = &lc[i]
				}
			}
			for i := range rc {
				if strings.EqualFold(rc[i].name, name) && !rc[i].usingDup {
					r = &rc[i]
				}
			}
			if l == nil || r == nil {
				return nil, nil, b.errAt(j.Pos(), nil, "column %q named in USING does not exist on both sides of the join", name)
			}
			conds = append(conds, plan.Binary{Op: exec.OpEq, Left: l.col, Right: r.col})
			if typ == exec.JoinFull {
				merged = append(merged, [2]column{*l, *r})
			}
			for i := range cols {
				if cols[i].col == r.col && typ != exec.JoinRight {
					cols[i].usingDup = true
				}
				if cols[i].col == l.col && typ == exec.JoinRight {
					cols[i].usingDup = true
				}
			}
		}
		on = conjoin(conds)
	} else if j.On != nil {
		c := &exprCtx{b: b, sc: newScope(cols, nil), clause: "JOIN conditions"}
		x, t, err := c.bind(j.On)
		if err != nil {
			return nil, nil, err
		}
		if t.ID() != arrow.BOOL && t.ID() != arrow.NULL {
			return nil, nil, b.errAt(j.On.Pos(), nil, "argument of JOIN/ON must be boolean, not %s", plan.TypeName(t))
		}
		on = factorOr(x)
	} else if j.Kind != parser.JoinCross && j.Kind != parser.JoinInner {
		return nil, nil, b.errAt(j.Pos(), nil, "%s JOIN needs an ON or USING condition", j.Kind)
	}
	node, err := plan.NewJoin(left, right, typ, on)
	if err != nil {
		return nil, nil, b.wrapAt(j.Pos(), err)
	}
	if len(merged) > 0 {
		return b.mergeUsing(node, cols, merged, j.Pos())
	}
	return node, cols, nil
}

// mergeUsing gives a FULL JOIN's USING columns their SQL value,
// COALESCE(left, right): either side may be missing. The merged column is
// what the unqualified name resolves to; the two sides stay reachable
// qualified.
func (b *binder) mergeUsing(node plan.Node, cols []column, pairs [][2]column, p parser.Pos) (plan.Node, []column, error) {
	var exprs []plan.Expr
	for _, f := range node.Schema() {
		exprs = append(exprs, plan.Column{Relation: f.Relation, Name: f.Name})
	}
	out := append([]column(nil), cols...)
	for _, pr := range pairs {
		l, r := pr[0], pr[1]
		t, err := exec.CommonType(l.typ, r.typ)
		if err != nil {
			return nil, nil, b.errAt(p, nil, "USING column %q is %s on the left and %s on the right", l.name, plan.TypeName(l.typ), plan.TypeName(r.typ))
		}
		col := plan.Column{Name: b.fresh("$using")}
		exprs = append(exprs, plan.Alias{Expr: plan.Func{Name: "coalesce", Args: []plan.Expr{l.col, r.col}}, Name: col.Name})
		b.types[col] = t
		for i := range out {
			if out[i].col == l.col {
				out[i].usingDup = true
				out = append(out[:i], append([]column{{name: l.name, col: col, typ: t}}, out[i:]...)...)
				break
			}
		}
	}
	proj, err := plan.NewProject(node, exprs)
	if err != nil {
		return nil, nil, b.wrapAt(p, err)
	}
	return proj, out, nil
}

// IsNotSupported reports whether err says the SQL is valid but not
// supported by the engine.
func IsNotSupported(err error) bool { return errors.Is(err, ErrNotSupported) }

package parser

import (
	"strconv"
	"strings"
	"unicode/utf8"
)

// Format prints a node as canonical single-line SQL: keywords upper case,
// identifiers quoted only when they must be, and parentheses only where
// precedence needs them. Parsing the result gives back an equal tree
// (positions aside).
func Format(n Node) string {
	var w writer
	w.node(n)
	return w.String()
}

// FormatScript prints statements as a script, one per line, each ending in
// a semicolon.
func FormatScript(stmts []Stmt) string {
	var w writer
	for _, s := range stmts {
		w.node(s)
		w.WriteString(";\n")
	}
	return w.String()
}

type writer struct{ strings.Builder }

// QuoteIdent returns name as it must be written in SQL to read back as
// name: bare when it is a lower-case, non-reserved word, double-quoted
// otherwise.
func QuoteIdent(name string) string {
	if isBareIdent(name) && !reserved[upperASCII(name)] {
		return name
	}
	return `"` + strings.ReplaceAll(name, `"`, `""`) + `"`
}

// isBareIdent reports whether name lexes as one word whose folded value is
// name itself.
func isBareIdent(name string) bool {
	if name == "" {
		return false
	}
	for i, r := range name {
		if r == utf8.RuneError {
			return false
		}
		if i == 0 && !isIdentStart(r) || i > 0 && !isIdentPart(r) {
			return false
		}
	}
	return strings.ToLower(name) == name
}

// isUpperASCIIWord reports whether s is an upper-case ASCII word, which
// reads back as itself wherever a keyword-like field name is expected.
func isUpperASCIIWord(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('A' <= c && c <= 'Z' || c == '_' || i > 0 && '0' <= c && c <= '9') {
			return false
		}
	}
	return true
}

// QuoteString returns s as a SQL string literal.
func QuoteString(s string) string {
	return "'" + strings.ReplaceAll(s, "'", "''") + "'"
}

func (w *writer) ident(name string) { w.WriteString(QuoteIdent(name)) }

// label writes a name in a position where any word is accepted.
func (w *writer) label(name string) {
	if isBareIdent(name) {
		w.WriteString(name)
		return
	}
	w.ident(name)
}

func (w *writer) identList(names []string) {
	w.WriteByte('(')
	for i, n := range names {
		if i > 0 {
			w.WriteString(", ")
		}
		w.ident(n)
	}
	w.WriteByte(')')
}

func (w *writer) exprList(es []Expr) {
	for i, e := range es {
		if i > 0 {
			w.WriteString(", ")
		}
		w.expr(e)
	}
}

func (w *writer) node(n Node) {
	switch n := n.(type) {
	case Expr:
		w.expr(n)
	case *Query:
		w.query(n)
	case SetExpr:
		w.setExpr(n, 0)
	case TableExpr:
		w.tableExpr(n)
	case Stmt:
		w.stmt(n)
	case *TypeName:
		w.typeName(n)
	case *SelectItem:
		w.selectItem(n)
	case *OrderItem:
		w.orderItem(n)
	case *CTE:
		w.cte(n)
	case *When:
		w.WriteString("WHEN ")
		w.expr(n.Cond)
		w.WriteString(" THEN ")
		w.expr(n.Result)
	case *TableAlias:
		w.tableAlias(n)
	case *ColumnDef:
		w.columnDef(n)
	case *Option:
		w.WriteString(QuoteString(n.Key) + " " + QuoteString(n.Value))
	case *FuncArg:
		w.funcArg(n)
	case nil:
	default:
		w.WriteString("<?>")
	}
}

// ----------------------------------------------------------------- queries

func (w *writer) query(q *Query) {
	if len(q.With) > 0 {
		w.WriteString("WITH ")
		if q.Recursive {
			w.WriteString("RECURSIVE ")
		}
		for i, c := range q.With {
			if i > 0 {
				w.WriteString(", ")
			}
			w.cte(c)
		}
		w.WriteByte(' ')
	}
	w.setExpr(q.Body, 0)
	if len(q.OrderBy) > 0 {
		w.WriteString(" ORDER BY ")
		for i, o := range q.OrderBy {
			if i > 0 {
				w.WriteString(", ")
			}
			w.orderItem(o)
		}
	}
	if q.Limit != nil {
		w.WriteString(" LIMIT ")
		w.expr(q.Limit)
	}
	if q.Offset != nil {
		w.WriteString(" OFFSET ")
		w.expr(q.Offset)
	}
}

func (w *writer) cte(c *CTE) {
	w.ident(c.Name)
	if len(c.Columns) > 0 {
		w.WriteByte(' ')
		w.identList(c.Columns)
	}
	w.WriteString(" AS (")
	w.query(c.Query)
	w.WriteByte(')')
}

func (w *writer) orderItem(o *OrderItem) {
	w.expr(o.Expr)
	if o.Desc {
		w.WriteString(" DESC")
	}
	switch o.Nulls {
	case NullsFirst:
		w.WriteString(" NULLS FIRST")
	case NullsLast:
		w.WriteString(" NULLS LAST")
	}
}

func setPrec(s SetExpr) int {
	if op, ok := s.(*SetOp); ok {
		if op.Op == "INTERSECT" {
			return 2
		}
		return 1
	}
	return 3
}

// setExpr writes a set expression, parenthesised when its precedence is
// below min. A *Query operand always gets parentheses: it has clauses of
// its own.
func (w *writer) setExpr(s SetExpr, min int) {
	switch s := s.(type) {
	case *Select:
		w.selectBlock(s)
	case *Values:
		w.WriteString("VALUES ")
		for i, row := range s.Rows {
			if i > 0 {
				w.WriteString(", ")
			}
			w.WriteByte('(')
			w.exprList(row)
			w.WriteByte(')')
		}
	case *Query:
		w.WriteByte('(')
		w.query(s)
		w.WriteByte(')')
	case *SetOp:
		p := setPrec(s)
		if p < min {
			w.WriteByte('(')
			defer w.WriteByte(')')
		}
		w.setExpr(s.Left, p)
		w.WriteString(" " + s.Op + " ")
		if s.All {
			w.WriteString("ALL ")
		}
		w.setExpr(s.Right, p+1)
	}
}

func (w *writer) selectBlock(s *Select) {
	w.WriteString("SELECT ")
	if s.Distinct {
		w.WriteString("DISTINCT ")
	}
	for i, it := range s.Items {
		if i > 0 {
			w.WriteString(", ")
		}
		w.selectItem(it)
	}
	if len(s.From) > 0 {
		w.WriteString(" FROM ")
		for i, t := range s.From {
			if i > 0 {
				w.WriteString(", ")
			}
			w.tableExpr(t)
		}
	}
	if s.Where != nil {
		w.WriteString(" WHERE ")
		w.expr(s.Where)
	}
	if len(s.GroupBy) > 0 {
		w.WriteString(" GROUP BY ")
		w.exprList(s.GroupBy)
	}
	if s.Having != nil {
		w.WriteString(" HAVING ")
		w.expr(s.Having)
	}
}

func (w *writer) selectItem(it *SelectItem) {
	w.expr(it.Expr)
	if it.Alias != "" {
		w.WriteString(" AS ")
		w.ident(it.Alias)
	}
}

func (w *writer) tableAlias(a *TableAlias) {
	w.WriteString("AS ")
	w.ident(a.Name)
	if len(a.Columns) > 0 {
		w.WriteByte(' ')
		w.identList(a.Columns)
	}
}

func (w *writer) tableExpr(t TableExpr) {
	switch t := t.(type) {
	case *TableName:
		if t.Schema != "" {
			w.ident(t.Schema)
			w.WriteByte('.')
		}
		w.ident(t.Name)
		if t.Alias != nil {
			w.WriteByte(' ')
			w.tableAlias(t.Alias)
		}
	case *DerivedTable:
		w.WriteByte('(')
		w.query(t.Query)
		w.WriteByte(')')
		if t.Alias != nil {
			w.WriteByte(' ')
			w.tableAlias(t.Alias)
		}
	case *TableFuncCall:
		w.ident(t.Name)
		w.WriteByte('(')
		w.exprList(t.Args)
		w.WriteByte(')')
		if t.Alias != nil {
			w.WriteByte(' ')
			w.tableAlias(t.Alias)
		}
	case *JoinExpr:
		w.tableExpr(t.Left)
		w.WriteByte(' ')
		if t.Natural {
			w.WriteString("NATURAL ")
		}
		if t.Kind != JoinInner {
			w.WriteString(t.Kind.String())
			w.WriteByte(' ')
		}
		w.WriteString("JOIN ")
		if _, nested := t.Right.(*JoinExpr); nested {
			w.WriteByte('(')
			w.tableExpr(t.Right)
			w.WriteByte(')')
		} else {
			w.tableExpr(t.Right)
		}
		if t.On != nil {
			w.WriteString(" ON ")
			w.expr(t.On)
		}
		if len(t.Using) > 0 {
			w.WriteString(" USING ")
			w.identList(t.Using)
		}
	}
}

// ------------------------------------------------------------- expressions

var binaryPrec = map[string]int{
	"OR": precOr, "AND": precAnd,
	"=": precCmp, "<>": precCmp, "<": precCmp, "<=": precCmp, ">": precCmp, ">=": precCmp,
	"||": precConcat, "+": precAdd, "-": precAdd, "*": precMul, "/": precMul, "%": precMul,
	"^": precExp,
}

func exprPrec(e Expr) int {
	switch e := e.(type) {
	case *BinaryExpr:
		if p, ok := binaryPrec[e.Op]; ok {
			return p
		}
		return precOr
	case *UnaryExpr:
		if e.Op == "NOT" {
			return precNot
		}
		return precUnary
	case *IsExpr, *DistinctFromExpr:
		return precIs
	case *BetweenExpr, *InListExpr, *InSubqueryExpr, *LikeExpr:
		return precLike
	}
	return precPrimary
}

// exprIn writes e, parenthesised when it binds less tightly than min.
func (w *writer) exprIn(e Expr, min int) {
	if exprPrec(e) < min {
		w.WriteByte('(')
		w.expr(e)
		w.WriteByte(')')
		return
	}
	w.expr(e)
}

func (w *writer) not(not bool) {
	if not {
		w.WriteString(" NOT")
	}
}

func (w *writer) expr(e Expr) {
	switch e := e.(type) {
	case *ColumnRef:
		if e.Table != "" {
			w.ident(e.Table)
			w.WriteByte('.')
		}
		w.ident(e.Name)
	case *Star:
		if e.Table != "" {
			w.ident(e.Table)
			w.WriteByte('.')
		}
		w.WriteByte('*')
	case *NumberLit:
		w.WriteString(e.Text)
	case *StringLit:
		w.WriteString(QuoteString(e.Value))
	case *BoolLit:
		if e.Value {
			w.WriteString("TRUE")
		} else {
			w.WriteString("FALSE")
		}
	case *NullLit:
		w.WriteString("NULL")
	case *TypedLit:
		w.WriteString(strings.ToUpper(e.Type.Name))
		w.WriteByte(' ')
		w.WriteString(QuoteString(e.Value))
	case *IntervalLit:
		w.WriteString("INTERVAL ")
		w.WriteString(QuoteString(e.Value))
		if e.Unit != "" {
			w.WriteByte(' ')
			w.WriteString(e.Unit)
			if e.Precision >= 0 {
				w.WriteString(" (" + strconv.Itoa(e.Precision) + ")")
			}
		}
	case *UnaryExpr:
		if e.Op == "NOT" {
			w.WriteString("NOT ")
			w.exprIn(e.Expr, precNot)
			return
		}
		w.WriteString(e.Op)
		// -(-x), never --x, which would start a comment.
		w.exprIn(e.Expr, precUnary+1)
	case *BinaryExpr:
		p := exprPrec(e)
		w.exprIn(e.Left, p)
		w.WriteString(" " + e.Op + " ")
		w.exprIn(e.Right, p+1)
	case *IsExpr:
		w.exprIn(e.Expr, precIs)
		w.WriteString(" IS")
		w.not(e.Not)
		w.WriteString(" " + e.What)
	case *DistinctFromExpr:
		w.exprIn(e.Left, precIs)
		w.WriteString(" IS")
		w.not(e.Not)
		w.WriteString(" DISTINCT FROM ")
		w.exprIn(e.Right, precIs+1)
	case *BetweenExpr:
		w.exprIn(e.Expr, precLike)
		w.not(e.Not)
		w.WriteString(" BETWEEN ")
		w.exprIn(e.Low, precLike+1)
		w.WriteString(" AND ")
		w.exprIn(e.High, precLike+1)
	case *InListExpr:
		w.exprIn(e.Expr, precLike)
		w.not(e.Not)
		w.WriteString(" IN (")
		w.exprList(e.List)
		w.WriteByte(')')
	case *InSubqueryExpr:
		w.exprIn(e.Expr, precLike)
		w.not(e.Not)
		w.WriteString(" IN (")
		w.query(e.Query)
		w.WriteByte(')')
	case *LikeExpr:
		w.exprIn(e.Expr, precLike)
		w.not(e.Not)
		if e.CaseInsensitive {
			w.WriteString(" ILIKE ")
		} else {
			w.WriteString(" LIKE ")
		}
		w.exprIn(e.Pattern, precLike+1)
		if e.Escape != nil {
			w.WriteString(" ESCAPE ")
			w.exprIn(e.Escape, precLike+1)
		}
	case *ExistsExpr:
		w.WriteString("EXISTS (")
		w.query(e.Query)
		w.WriteByte(')')
	case *SubqueryExpr:
		w.WriteByte('(')
		w.query(e.Query)
		w.WriteByte(')')
	case *CaseExpr:
		w.WriteString("CASE")
		if e.Operand != nil {
			w.WriteByte(' ')
			w.expr(e.Operand)
		}
		for _, wh := range e.Whens {
			w.WriteString(" WHEN ")
			w.expr(wh.Cond)
			w.WriteString(" THEN ")
			w.expr(wh.Result)
		}
		if e.Else != nil {
			w.WriteString(" ELSE ")
			w.expr(e.Else)
		}
		w.WriteString(" END")
	case *CastExpr:
		w.WriteString("CAST(")
		w.expr(e.Expr)
		w.WriteString(" AS ")
		w.typeName(e.Type)
		w.WriteByte(')')
	case *ExtractExpr:
		w.WriteString("EXTRACT(")
		if isUpperASCIIWord(e.Field) {
			w.WriteString(e.Field)
		} else {
			w.WriteString(QuoteString(e.Field))
		}
		w.WriteString(" FROM ")
		w.expr(e.Expr)
		w.WriteByte(')')
	case *FuncCall:
		// substring( is read by its own rule, which needs at least one
		// plain argument; other calls of that name are quoted.
		plainSubstring := e.Name == "substring" && len(e.Args) > 0 && !e.Distinct && !e.Star
		if funcKeywords[upperASCII(e.Name)] || plainSubstring {
			w.WriteString(e.Name)
		} else {
			w.ident(e.Name)
		}
		w.WriteByte('(')
		switch {
		case e.Star:
			w.WriteByte('*')
		default:
			if e.Distinct {
				w.WriteString("DISTINCT ")
			}
			w.exprList(e.Args)
		}
		w.WriteByte(')')
	case *TupleExpr:
		w.WriteByte('(')
		w.exprList(e.Items)
		w.WriteByte(')')
	case nil:
	default:
		w.WriteString("<?>")
	}
}

func (w *writer) typeName(t *TypeName) {
	switch t.Name {
	case "double precision", "character varying":
		w.WriteString(t.Name)
	default:
		w.ident(t.Name)
	}
	if len(t.Args) > 0 {
		w.WriteByte('(')
		for i, a := range t.Args {
			if i > 0 {
				w.WriteString(", ")
			}
			w.WriteString(strconv.Itoa(a))
		}
		w.WriteByte(')')
	}
}

// -------------------------------------------------------------- statements

func (w *writer) columnDef(c *ColumnDef) {
	w.ident(c.Name)
	w.WriteByte(' ')
	w.typeName(c.Type)
	if c.NotNull {
		w.WriteString(" NOT NULL")
	}
}

func (w *writer) columnDefs(cols []*ColumnDef) {
	w.WriteByte('(')
	for i, c := range cols {
		if i > 0 {
			w.WriteString(", ")
		}
		w.columnDef(c)
	}
	w.WriteByte(')')
}

func (w *writer) funcArg(a *FuncArg) {
	if a.Name != "" {
		w.ident(a.Name)
		w.WriteByte(' ')
	}
	w.typeName(a.Type)
}

// settingName writes a dotted setting name; its parts accept any word.
func (w *writer) settingName(name string) {
	for i, part := range strings.Split(name, ".") {
		if i > 0 {
			w.WriteByte('.')
		}
		w.label(part)
	}
}

func (w *writer) stmt(s Stmt) {
	switch s := s.(type) {
	case *Query:
		w.query(s)
	case *CreateTable:
		w.WriteString("CREATE TABLE ")
		if s.IfNotExists {
			w.WriteString("IF NOT EXISTS ")
		}
		w.ident(s.Name)
		if s.AsQuery != nil {
			w.WriteString(" AS ")
			w.query(s.AsQuery)
			return
		}
		w.WriteByte(' ')
		w.columnDefs(s.Columns)
	case *CreateView:
		w.WriteString("CREATE ")
		if s.OrReplace {
			w.WriteString("OR REPLACE ")
		}
		w.WriteString("VIEW ")
		w.ident(s.Name)
		if len(s.Columns) > 0 {
			w.WriteByte(' ')
			w.identList(s.Columns)
		}
		w.WriteString(" AS ")
		w.query(s.Query)
	case *CreateExternalTable:
		w.WriteString("CREATE EXTERNAL TABLE ")
		if s.IfNotExists {
			w.WriteString("IF NOT EXISTS ")
		}
		w.ident(s.Name)
		if len(s.Columns) > 0 {
			w.WriteByte(' ')
			w.columnDefs(s.Columns)
		}
		w.WriteString(" STORED AS " + s.Format + " LOCATION " + QuoteString(s.Location))
		if len(s.Options) > 0 {
			w.WriteString(" OPTIONS (")
			for i, o := range s.Options {
				if i > 0 {
					w.WriteString(", ")
				}
				w.WriteString(QuoteString(o.Key) + " " + QuoteString(o.Value))
			}
			w.WriteByte(')')
		}
	case *Insert:
		w.WriteString("INSERT INTO ")
		w.ident(s.Table)
		if len(s.Columns) > 0 {
			w.WriteByte(' ')
			w.identList(s.Columns)
		}
		w.WriteByte(' ')
		w.query(s.Query)
	case *Drop:
		w.WriteString("DROP " + s.Object + " ")
		if s.IfExists {
			w.WriteString("IF EXISTS ")
		}
		w.ident(s.Name)
		if s.ArgTypes != nil {
			w.WriteByte('(')
			for i, t := range s.ArgTypes {
				if i > 0 {
					w.WriteString(", ")
				}
				w.typeName(t)
			}
			w.WriteByte(')')
		}
	case *Set:
		w.WriteString("SET ")
		w.settingName(s.Name)
		w.WriteString(" = ")
		w.WriteString(QuoteString(s.Value))
	case *Show:
		w.WriteString("SHOW ")
		w.settingName(s.Name)
	case *Explain:
		w.WriteString("EXPLAIN ")
		if s.Analyze {
			w.WriteString("ANALYZE ")
		}
		if s.Verbose {
			w.WriteString("VERBOSE ")
		}
		w.stmt(s.Stmt)
	case *CreateFunction:
		w.WriteString("CREATE ")
		if s.OrReplace {
			w.WriteString("OR REPLACE ")
		}
		w.WriteString("FUNCTION ")
		w.ident(s.Name)
		w.WriteByte('(')
		for i, a := range s.Args {
			if i > 0 {
				w.WriteString(", ")
			}
			w.funcArg(a)
		}
		w.WriteString(") RETURNS ")
		if s.Returns != nil {
			w.typeName(s.Returns)
		} else {
			w.WriteString("TABLE ")
			w.columnDefs(s.ReturnsTable)
		}
		w.WriteString(" AS " + QuoteString(s.As))
		if s.Language != "" {
			w.WriteString(" LANGUAGE ")
			w.label(s.Language)
		}
	}
}

// String methods: every node prints as SQL.

func (n *Query) String() string               { return Format(n) }
func (n *CTE) String() string                 { return Format(n) }
func (n *Select) String() string              { return Format(n) }
func (n *SelectItem) String() string          { return Format(n) }
func (n *Values) String() string              { return Format(n) }
func (n *SetOp) String() string               { return Format(n) }
func (n *OrderItem) String() string           { return Format(n) }
func (n *TableName) String() string           { return Format(n) }
func (n *TableAlias) String() string          { return Format(n) }
func (n *DerivedTable) String() string        { return Format(n) }
func (n *TableFuncCall) String() string       { return Format(n) }
func (n *JoinExpr) String() string            { return Format(n) }
func (n *ColumnRef) String() string           { return Format(n) }
func (n *Star) String() string                { return Format(n) }
func (n *NumberLit) String() string           { return Format(n) }
func (n *StringLit) String() string           { return Format(n) }
func (n *BoolLit) String() string             { return Format(n) }
func (n *NullLit) String() string             { return Format(n) }
func (n *TypedLit) String() string            { return Format(n) }
func (n *IntervalLit) String() string         { return Format(n) }
func (n *UnaryExpr) String() string           { return Format(n) }
func (n *BinaryExpr) String() string          { return Format(n) }
func (n *IsExpr) String() string              { return Format(n) }
func (n *DistinctFromExpr) String() string    { return Format(n) }
func (n *BetweenExpr) String() string         { return Format(n) }
func (n *InListExpr) String() string          { return Format(n) }
func (n *InSubqueryExpr) String() string      { return Format(n) }
func (n *LikeExpr) String() string            { return Format(n) }
func (n *ExistsExpr) String() string          { return Format(n) }
func (n *SubqueryExpr) String() string        { return Format(n) }
func (n *CaseExpr) String() string            { return Format(n) }
func (n *When) String() string                { return Format(n) }
func (n *CastExpr) String() string            { return Format(n) }
func (n *ExtractExpr) String() string         { return Format(n) }
func (n *FuncCall) String() string            { return Format(n) }
func (n *TupleExpr) String() string           { return Format(n) }
func (n *TypeName) String() string            { return Format(n) }
func (n *ColumnDef) String() string           { return Format(n) }
func (n *CreateTable) String() string         { return Format(n) }
func (n *CreateView) String() string          { return Format(n) }
func (n *Option) String() string              { return Format(n) }
func (n *CreateExternalTable) String() string { return Format(n) }
func (n *Insert) String() string              { return Format(n) }
func (n *Drop) String() string                { return Format(n) }
func (n *Set) String() string                 { return Format(n) }
func (n *Show) String() string                { return Format(n) }
func (n *Explain) String() string             { return Format(n) }
func (n *FuncArg) String() string             { return Format(n) }
func (n *CreateFunction) String() string      { return Format(n) }

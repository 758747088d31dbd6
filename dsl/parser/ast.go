package parser

// Node is any syntax tree node. Pos is where the node's first token starts
// (for BinaryExpr see also OpPos); String prints the node as SQL that parses
// back to an equal tree.
type Node interface {
	Pos() Pos
	String() string
}

// Stmt is a top-level statement.
type Stmt interface {
	Node
	stmtNode()
}

// Expr is a scalar expression.
type Expr interface {
	Node
	exprNode()
}

// SetExpr is the body of a query: *Select, *Values, *SetOp, or a
// parenthesised *Query that carries its own WITH, ORDER BY or LIMIT.
type SetExpr interface {
	Node
	setExprNode()
}

// TableExpr is an item of a FROM clause: *TableName, *DerivedTable,
// *TableFuncCall or *JoinExpr.
type TableExpr interface {
	Node
	tableExprNode()
}

// node carries the position every node has.
type node struct {
	Position Pos
}

// Pos returns where the node starts in the source.
func (n *node) Pos() Pos { return n.Position }

// ---------------------------------------------------------------- queries

// Query is a complete query expression: optional WITH, a body, and optional
// ORDER BY, LIMIT and OFFSET. FETCH FIRST n ROWS ONLY is read as LIMIT n.
type Query struct {
	node
	With      []*CTE
	Recursive bool
	Body      SetExpr
	OrderBy   []*OrderItem
	Limit     Expr // nil when absent or LIMIT ALL
	Offset    Expr // nil when absent
}

// CTE is one WITH item: name [(columns)] AS (query).
type CTE struct {
	node
	Name    string
	Columns []string
	Query   *Query
}

// Select is one SELECT block.
type Select struct {
	node
	Distinct bool
	Items    []*SelectItem
	From     []TableExpr // comma-separated items; joins nest inside one item
	Where    Expr
	GroupBy  []Expr
	Having   Expr
}

// SelectItem is an output expression with an optional alias. Expr is a *Star
// for * and t.*.
type SelectItem struct {
	node
	Expr  Expr
	Alias string
}

// Values is a VALUES list of rows.
type Values struct {
	node
	Rows [][]Expr
}

// SetOp combines two queries with UNION, INTERSECT or EXCEPT.
type SetOp struct {
	node
	Op    string // "UNION", "INTERSECT" or "EXCEPT"
	All   bool
	Left  SetExpr
	Right SetExpr
}

// NullsOrder says where NULLs sort in an ORDER BY item.
type NullsOrder int

// The NULLS placements; NullsDefault means none was written.
const (
	NullsDefault NullsOrder = iota
	NullsFirst
	NullsLast
)

// OrderItem is one ORDER BY key. An integer literal key is an ordinal and a
// bare name may be an output alias; telling them apart is the binder's job.
type OrderItem struct {
	node
	Expr  Expr
	Desc  bool
	Nulls NullsOrder
}

// TableName is a named table (or view or CTE) in FROM.
type TableName struct {
	node
	Schema string // "" when unqualified
	Name   string
	Alias  *TableAlias
}

// TableAlias is AS name [(col, ...)].
type TableAlias struct {
	node
	Name    string
	Columns []string
}

// DerivedTable is a parenthesised query in FROM.
type DerivedTable struct {
	node
	Query *Query
	Alias *TableAlias
}

// TableFuncCall is a table-valued function called in FROM:
// name(args) [AS alias [(columns)]].
type TableFuncCall struct {
	node
	Name  string
	Args  []Expr
	Alias *TableAlias
}

// JoinKind is the kind of a JoinExpr.
type JoinKind int

// The join kinds.
const (
	JoinInner JoinKind = iota
	JoinLeft
	JoinRight
	JoinFull
	JoinCross
)

var joinKindNames = [...]string{"INNER", "LEFT", "RIGHT", "FULL", "CROSS"}

// String names the join kind as SQL spells it.
func (k JoinKind) String() string {
	if int(k) < len(joinKindNames) {
		return joinKindNames[k]
	}
	return "JoinKind(?)"
}

// JoinExpr is an explicit join. At most one of On and Using is set; neither
// is for CROSS and NATURAL joins.
type JoinExpr struct {
	node
	Kind    JoinKind
	Natural bool
	Left    TableExpr
	Right   TableExpr
	On      Expr
	Using   []string
}

// ------------------------------------------------------------ expressions

// ColumnRef is a column name, optionally qualified by a table name.
type ColumnRef struct {
	node
	Table string
	Name  string
}

// Star is * or table.* (in a select list).
type Star struct {
	node
	Table string
}

// NumberLit is a numeric literal as written (digits, point, exponent).
type NumberLit struct {
	node
	Text string
}

// StringLit is a '...' literal, unescaped.
type StringLit struct {
	node
	Value string
}

// BoolLit is TRUE or FALSE.
type BoolLit struct {
	node
	Value bool
}

// NullLit is NULL.
type NullLit struct {
	node
}

// TypedLit is a type name followed by a string: DATE '1998-12-01',
// TIMESTAMP '...', TIME '...'.
type TypedLit struct {
	node
	Type  *TypeName
	Value string
}

// IntervalLit is INTERVAL 'value' [unit [(precision)]], e.g.
// interval '90' day (3) or interval '1 day'. Unit is upper case (YEAR,
// MONTH, DAY, HOUR, MINUTE, SECOND) or "" when none was written; Precision
// is -1 when none was written.
type IntervalLit struct {
	node
	Value     string
	Unit      string
	Precision int
}

// UnaryExpr is -x, +x or NOT x.
type UnaryExpr struct {
	node
	Op   string // "-", "+" or "NOT"
	Expr Expr
}

// BinaryExpr is an infix operation. Op is one of OR AND = <> < <= > >= ||
// + - * / % ^ (!= is read as <>).
type BinaryExpr struct {
	node
	Op    string
	OpPos Pos
	Left  Expr
	Right Expr
}

// IsExpr is x IS [NOT] NULL|TRUE|FALSE|UNKNOWN.
type IsExpr struct {
	node
	Expr Expr
	Not  bool
	What string // "NULL", "TRUE", "FALSE" or "UNKNOWN"
}

// DistinctFromExpr is x IS [NOT] DISTINCT FROM y.
type DistinctFromExpr struct {
	node
	Left  Expr
	Right Expr
	Not   bool
}

// BetweenExpr is x [NOT] BETWEEN low AND high.
type BetweenExpr struct {
	node
	Expr Expr
	Low  Expr
	High Expr
	Not  bool
}

// InListExpr is x [NOT] IN (a, b, ...).
type InListExpr struct {
	node
	Expr Expr
	List []Expr
	Not  bool
}

// InSubqueryExpr is x [NOT] IN (query).
type InSubqueryExpr struct {
	node
	Expr  Expr
	Query *Query
	Not   bool
}

// LikeExpr is x [NOT] LIKE|ILIKE pattern [ESCAPE esc].
type LikeExpr struct {
	node
	Expr            Expr
	Pattern         Expr
	Escape          Expr // nil when absent
	Not             bool
	CaseInsensitive bool // ILIKE
}

// ExistsExpr is EXISTS (query); NOT EXISTS is a UnaryExpr NOT around it.
type ExistsExpr struct {
	node
	Query *Query
}

// SubqueryExpr is a scalar subquery (query) used as a value.
type SubqueryExpr struct {
	node
	Query *Query
}

// CaseExpr is CASE [operand] WHEN ... THEN ... [ELSE ...] END. Operand is nil
// for the searched form.
type CaseExpr struct {
	node
	Operand Expr
	Whens   []*When
	Else    Expr
}

// When is one WHEN cond THEN result arm.
type When struct {
	node
	Cond   Expr
	Result Expr
}

// CastExpr is CAST(x AS type), also written x::type.
type CastExpr struct {
	node
	Expr Expr
	Type *TypeName
}

// ExtractExpr is EXTRACT(field FROM x); Field is upper case (YEAR, MONTH...).
type ExtractExpr struct {
	node
	Field string
	Expr  Expr
}

// FuncCall is name(args), name(DISTINCT args) or name(*). The SQL form
// substring(x FROM a FOR b) is read as substring(x, a, b).
type FuncCall struct {
	node
	Name     string
	Args     []Expr
	Distinct bool
	Star     bool
}

// TupleExpr is a row constructor (a, b, ...) with two or more items.
type TupleExpr struct {
	node
	Items []Expr
}

// TypeName is a SQL type: a lower-case name (multi-word names such as
// "double precision" joined by one space) and its integer arguments, as in
// decimal(15,2) or varchar(25). Synonyms are kept as written; mapping them
// to engine types is the binder's job.
type TypeName struct {
	node
	Name string
	Args []int
}

// ------------------------------------------------------------- statements

// ColumnDef is a column of CREATE TABLE: name type [NOT NULL | NULL].
type ColumnDef struct {
	node
	Name    string
	Type    *TypeName
	NotNull bool
}

// CreateTable is CREATE TABLE [IF NOT EXISTS] name (columns) or
// CREATE TABLE name AS query (then Columns is empty and AsQuery set).
type CreateTable struct {
	node
	Name        string
	IfNotExists bool
	Columns     []*ColumnDef
	AsQuery     *Query
}

// CreateView is CREATE [OR REPLACE] VIEW name [(columns)] AS query.
type CreateView struct {
	node
	Name      string
	OrReplace bool
	Columns   []string
	Query     *Query
}

// Option is one key 'value' pair of an OPTIONS list.
type Option struct {
	node
	Key   string
	Value string
}

// CreateExternalTable is DataFusion's CREATE EXTERNAL TABLE [IF NOT EXISTS]
// name [(columns)] STORED AS format LOCATION 'path' [OPTIONS (k 'v', ...)].
// Format is upper case: PARQUET, IPC, ARROW or CSV.
type CreateExternalTable struct {
	node
	Name        string
	IfNotExists bool
	Columns     []*ColumnDef
	Format      string
	Location    string
	Options     []*Option
}

// Insert is INSERT INTO table [(columns)] query, the query being VALUES or
// SELECT.
type Insert struct {
	node
	Table   string
	Columns []string
	Query   *Query
}

// Drop is DROP TABLE|VIEW|FUNCTION [IF EXISTS] name. For functions ArgTypes
// holds the optional signature.
type Drop struct {
	node
	Object   string // "TABLE", "VIEW" or "FUNCTION"
	IfExists bool
	Name     string
	ArgTypes []*TypeName
}

// Set is SET name = value or SET name TO value. Name may be dotted
// (placement.strategy) and is lower case; Value is the value's text (a
// string's content, a number as written, or a lower-cased word).
type Set struct {
	node
	Name  string
	Value string
}

// Show is SHOW name.
type Show struct {
	node
	Name string
}

// Explain is EXPLAIN [ANALYZE] [VERBOSE] statement.
type Explain struct {
	node
	Analyze bool
	Verbose bool
	Stmt    Stmt
}

// FuncArg is one parameter of CREATE FUNCTION: an optional name and a type.
type FuncArg struct {
	node
	Name string
	Type *TypeName
}

// CreateFunction is CREATE [OR REPLACE] FUNCTION name(args) RETURNS type
// AS 'implementation' [LANGUAGE lang], or RETURNS TABLE (columns) for a
// table-valued function (then Returns is nil and ReturnsTable is set).
// The implementation names a function registered with the engine from Go;
// Language is lower case ("" if absent).
type CreateFunction struct {
	node
	Name         string
	OrReplace    bool
	Args         []*FuncArg
	Returns      *TypeName
	ReturnsTable []*ColumnDef
	As           string
	Language     string
}

func (*Query) stmtNode()               {}
func (*CreateTable) stmtNode()         {}
func (*CreateView) stmtNode()          {}
func (*CreateExternalTable) stmtNode() {}
func (*Insert) stmtNode()              {}
func (*Drop) stmtNode()                {}
func (*Set) stmtNode()                 {}
func (*Show) stmtNode()                {}
func (*Explain) stmtNode()             {}
func (*CreateFunction) stmtNode()      {}

func (*Query) setExprNode()  {}
func (*Select) setExprNode() {}
func (*Values) setExprNode() {}
func (*SetOp) setExprNode()  {}

func (*TableName) tableExprNode()     {}
func (*DerivedTable) tableExprNode()  {}
func (*TableFuncCall) tableExprNode() {}
func (*JoinExpr) tableExprNode()      {}

func (*ColumnRef) exprNode()        {}
func (*Star) exprNode()             {}
func (*NumberLit) exprNode()        {}
func (*StringLit) exprNode()        {}
func (*BoolLit) exprNode()          {}
func (*NullLit) exprNode()          {}
func (*TypedLit) exprNode()         {}
func (*IntervalLit) exprNode()      {}
func (*UnaryExpr) exprNode()        {}
func (*BinaryExpr) exprNode()       {}
func (*IsExpr) exprNode()           {}
func (*DistinctFromExpr) exprNode() {}
func (*BetweenExpr) exprNode()      {}
func (*InListExpr) exprNode()       {}
func (*InSubqueryExpr) exprNode()   {}
func (*LikeExpr) exprNode()         {}
func (*ExistsExpr) exprNode()       {}
func (*SubqueryExpr) exprNode()     {}
func (*CaseExpr) exprNode()         {}
func (*CastExpr) exprNode()         {}
func (*ExtractExpr) exprNode()      {}
func (*FuncCall) exprNode()         {}
func (*TupleExpr) exprNode()        {}

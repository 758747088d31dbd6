package plan

import (
	"fmt"
	"strings"

	"github.com/apache/arrow/go/v15/arrow"
	"github.com/apache/arrow/go/v15/arrow/scalar"

	"github.com/dataflow-go/dataflow/exec"
)

// Expr is a logical expression. Expressions are immutable values; they
// name columns by (relation, name) and get their types from the schema
// they are evaluated against (see TypeOf).
type Expr interface {
	// String renders the expression as SQL-like text for EXPLAIN and
	// for naming unaliased output columns.
	String() string
	// Children lists the direct sub-expressions.
	Children() []Expr
	// WithChildren returns a copy with the sub-expressions replaced.
	WithChildren(children []Expr) Expr
}

// Column references an input column.
type Column struct {
	Relation string
	Name     string
}

// Literal is a constant. A typed null is a scalar whose IsValid is false.
type Literal struct{ Value scalar.Scalar }

// Binary applies an arithmetic, comparison, boolean or concatenation
// operator.
type Binary struct {
	Op          exec.BinaryOp
	Left, Right Expr
}

// UnaryOp is a one-operand operator.
type UnaryOp int

// The unary operators.
const (
	OpNot UnaryOp = iota
	OpNegate
	OpIsNull
	OpIsNotNull
)

// Unary applies a one-operand operator.
type Unary struct {
	Op   UnaryOp
	Expr Expr
}

// When is one WHEN ... THEN ... arm of a CASE.
type When struct{ Cond, Then Expr }

// Case is a searched CASE expression; Else may be nil (NULL).
type Case struct {
	Whens []When
	Else  Expr
}

// InList is expr [NOT] IN (list...).
type InList struct {
	Expr    Expr
	List    []Expr
	Negated bool
}

// Like is expr [NOT] [I]LIKE 'pattern' [ESCAPE 'c'].
type Like struct {
	Expr            Expr
	Pattern         string
	Escape          rune
	CaseInsensitive bool
	Negated         bool
}

// Cast converts to another type.
type Cast struct {
	Expr Expr
	To   arrow.DataType
}

// Func calls a built-in scalar function by name (see exec.NewFunction).
type Func struct {
	Name string
	Args []Expr
}

// ScalarUDF is a Go scalar function registered with the engine.
type ScalarUDF struct {
	Name string
	// Args are the declared argument types; calls are checked against
	// them and arguments cast where the conversion is lossless.
	Args   []arrow.DataType
	Result arrow.DataType
	Fn     exec.ScalarFunc
}

// UDFCall calls a registered Go scalar function.
type UDFCall struct {
	UDF  *ScalarUDF
	Args []Expr
}

// AggCall is an aggregate function call; it may only appear in the
// aggregate list of an Aggregate node.
type AggCall struct {
	Func exec.AggFunc
	Args []Expr
	// UDF is set for Func == exec.AggUDF.
	UDF *exec.AggregateUDF
	// UDFArgs are the declared argument types of a UDF aggregate.
	UDFArgs []arrow.DataType
}

// Alias names an expression's output column.
type Alias struct {
	Expr Expr
	Name string
}

func (Column) Children() []Expr   { return nil }
func (Literal) Children() []Expr  { return nil }
func (e Binary) Children() []Expr { return []Expr{e.Left, e.Right} }
func (e Unary) Children() []Expr  { return []Expr{e.Expr} }
func (e Case) Children() []Expr {
	out := make([]Expr, 0, 2*len(e.Whens)+1)
	for _, w := range e.Whens {
		out = append(out, w.Cond, w.Then)
	}
	if e.Else != nil {
		out = append(out, e.Else)
	}
	return out
}
func (e InList) Children() []Expr  { return append([]Expr{e.Expr}, e.List...) }
func (e Like) Children() []Expr    { return []Expr{e.Expr} }
func (e Cast) Children() []Expr    { return []Expr{e.Expr} }
func (e Func) Children() []Expr    { return e.Args }
func (e UDFCall) Children() []Expr { return e.Args }
func (e AggCall) Children() []Expr { return e.Args }
func (e Alias) Children() []Expr   { return []Expr{e.Expr} }

func (e Column) WithChildren([]Expr) Expr  { return e }
func (e Literal) WithChildren([]Expr) Expr { return e }
func (e Binary) WithChildren(c []Expr) Expr {
	e.Left, e.Right = c[0], c[1]
	return e
}
func (e Unary) WithChildren(c []Expr) Expr {
	e.Expr = c[0]
	return e
}
func (e Case) WithChildren(c []Expr) Expr {
	whens := make([]When, len(e.Whens))
	for i := range whens {
		whens[i] = When{Cond: c[2*i], Then: c[2*i+1]}
	}
	e.Whens = whens
	if e.Else != nil {
		e.Else = c[len(c)-1]
	}
	return e
}
func (e InList) WithChildren(c []Expr) Expr {
	e.Expr, e.List = c[0], append([]Expr(nil), c[1:]...)
	return e
}
func (e Like) WithChildren(c []Expr) Expr {
	e.Expr = c[0]
	return e
}
func (e Cast) WithChildren(c []Expr) Expr {
	e.Expr = c[0]
	return e
}
func (e Func) WithChildren(c []Expr) Expr {
	e.Args = append([]Expr(nil), c...)
	return e
}
func (e UDFCall) WithChildren(c []Expr) Expr {
	e.Args = append([]Expr(nil), c...)
	return e
}
func (e AggCall) WithChildren(c []Expr) Expr {
	e.Args = append([]Expr(nil), c...)
	return e
}
func (e Alias) WithChildren(c []Expr) Expr {
	e.Expr = c[0]
	return e
}

func (e Column) String() string {
	if e.Relation != "" {
		return e.Relation + "." + e.Name
	}
	return e.Name
}

func (e Literal) String() string {
	if e.Value == nil || !e.Value.IsValid() {
		return "NULL"
	}
	switch v := e.Value.(type) {
	case *scalar.String:
		return "'" + strings.ReplaceAll(v.String(), "'", "''") + "'"
	case *scalar.Date32:
		return "DATE '" + v.String() + "'"
	case *scalar.Decimal128:
		return exec.FormatDecimal(v.Value, v.Type.(*arrow.Decimal128Type).Scale)
	case *scalar.MonthDayNanoInterval:
		return formatInterval(v.Value)
	}
	return e.Value.String()
}

func formatInterval(v arrow.MonthDayNanoInterval) string {
	var parts []string
	if v.Months != 0 {
		parts = append(parts, fmt.Sprintf("%d months", v.Months))
	}
	if v.Days != 0 {
		parts = append(parts, fmt.Sprintf("%d days", v.Days))
	}
	if v.Nanoseconds != 0 || len(parts) == 0 {
		parts = append(parts, fmt.Sprintf("%d ns", v.Nanoseconds))
	}
	return "INTERVAL '" + strings.Join(parts, " ") + "'"
}

func (e Binary) String() string {
	return "(" + e.Left.String() + " " + e.Op.String() + " " + e.Right.String() + ")"
}

func (e Unary) String() string {
	switch e.Op {
	case OpNot:
		return "NOT " + e.Expr.String()
	case OpNegate:
		return "-" + e.Expr.String()
	case OpIsNull:
		return e.Expr.String() + " IS NULL"
	case OpIsNotNull:
		return e.Expr.String() + " IS NOT NULL"
	}
	return fmt.Sprintf("unary%d(%s)", e.Op, e.Expr)
}

func (e Case) String() string {
	var b strings.Builder
	b.WriteString("CASE")
	for _, w := range e.Whens {
		fmt.Fprintf(&b, " WHEN %s THEN %s", w.Cond, w.Then)
	}
	if e.Else != nil {
		fmt.Fprintf(&b, " ELSE %s", e.Else)
	}
	b.WriteString(" END")
	return b.String()
}

func (e InList) String() string {
	items := make([]string, len(e.List))
	for i, x := range e.List {
		items[i] = x.String()
	}
	not := ""
	if e.Negated {
		not = "NOT "
	}
	return fmt.Sprintf("%s %sIN (%s)", e.Expr, not, strings.Join(items, ", "))
}

func (e Like) String() string {
	op := "LIKE"
	if e.CaseInsensitive {
		op = "ILIKE"
	}
	if e.Negated {
		op = "NOT " + op
	}
	s := fmt.Sprintf("%s %s '%s'", e.Expr, op, strings.ReplaceAll(e.Pattern, "'", "''"))
	if e.Escape != 0 {
		s += fmt.Sprintf(" ESCAPE '%c'", e.Escape)
	}
	return s
}

func (e Cast) String() string { return fmt.Sprintf("CAST(%s AS %s)", e.Expr, TypeName(e.To)) }

func (e Func) String() string { return e.Name + "(" + joinExprs(e.Args) + ")" }

func (e UDFCall) String() string { return e.UDF.Name + "(" + joinExprs(e.Args) + ")" }

func (e AggCall) String() string {
	switch e.Func {
	case exec.AggCountStar:
		return "count(*)"
	case exec.AggCountDistinct:
		return "count(DISTINCT " + joinExprs(e.Args) + ")"
	case exec.AggUDF:
		return e.UDF.Name + "(" + joinExprs(e.Args) + ")"
	}
	return AggName(e.Func) + "(" + joinExprs(e.Args) + ")"
}

func (e Alias) String() string { return e.Expr.String() + " AS " + e.Name }

// AggName is the SQL name of a built-in aggregate function.
func AggName(f exec.AggFunc) string {
	switch f {
	case exec.AggCount, exec.AggCountStar, exec.AggCountDistinct:
		return "count"
	case exec.AggSum:
		return "sum"
	case exec.AggAvg:
		return "avg"
	case exec.AggMin:
		return "min"
	case exec.AggMax:
		return "max"
	}
	return fmt.Sprintf("agg%d", f)
}

func joinExprs(es []Expr) string {
	parts := make([]string, len(es))
	for i, e := range es {
		parts[i] = e.String()
	}
	return strings.Join(parts, ", ")
}

// OutputName is the column name an expression gets in a projection: its
// alias, the column's own name, or its text.
func OutputName(e Expr) string {
	switch e := e.(type) {
	case Alias:
		return e.Name
	case Column:
		return e.Name
	}
	return e.String()
}

// Unalias strips any Alias wrappers.
func Unalias(e Expr) Expr {
	for {
		a, ok := e.(Alias)
		if !ok {
			return e
		}
		e = a.Expr
	}
}

// Walk calls fn on e and every sub-expression, depth first, stopping a
// branch when fn returns false.
func Walk(e Expr, fn func(Expr) bool) {
	if e == nil || !fn(e) {
		return
	}
	for _, c := range e.Children() {
		Walk(c, fn)
	}
}

// Transform rebuilds e bottom-up, replacing each node by fn's result.
func Transform(e Expr, fn func(Expr) (Expr, error)) (Expr, error) {
	if e == nil {
		return nil, nil
	}
	children := e.Children()
	if len(children) > 0 {
		nc := make([]Expr, len(children))
		for i, c := range children {
			t, err := Transform(c, fn)
			if err != nil {
				return nil, err
			}
			nc[i] = t
		}
		e = e.WithChildren(nc)
	}
	return fn(e)
}

// ContainsAggregate reports whether e calls an aggregate function.
func ContainsAggregate(e Expr) bool {
	found := false
	Walk(e, func(x Expr) bool {
		if _, ok := x.(AggCall); ok {
			found = true
		}
		return !found
	})
	return found
}

// Columns lists the column references in e.
func Columns(e Expr) []Column {
	var out []Column
	Walk(e, func(x Expr) bool {
		if c, ok := x.(Column); ok {
			out = append(out, c)
		}
		return true
	})
	return out
}

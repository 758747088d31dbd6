package dsl

import (
	"sort"
	"strconv"
	"strings"

	"github.com/apache/arrow/go/v15/arrow"
	"github.com/apache/arrow/go/v15/arrow/scalar"

	"github.com/dataflow-go/dataflow/dsl/parser"
	"github.com/dataflow-go/dataflow/exec"
	"github.com/dataflow-go/dataflow/plan"
)

// tableFunction finds a table function: the catalog's first, then the
// built-ins.
func (b *binder) tableFunction(name string) (*plan.TableUDF, bool) {
	if tc, ok := b.cat.(TableFunctionCatalog); ok {
		if u, ok := tc.TableFunction(name); ok {
			return u, true
		}
	}
	return plan.BuiltinTableFunction(name)
}

func (b *binder) tableFunctionNames() []string {
	names := plan.BuiltinTableFunctionNames()
	if tc, ok := b.cat.(TableFunctionCatalog); ok {
		names = append(names, tc.TableFunctionNames()...)
	}
	sort.Strings(names)
	return names
}

// bindTableFunc binds name(args) [AS alias (columns)] in FROM. The
// arguments must be constants (there is no LATERAL); each is evaluated
// now and cast to the declared type when that widens it (int to bigint,
// bigint to double, a string literal to a date).
func (b *binder) bindTableFunc(t *parser.TableFuncCall) (plan.Node, []column, error) {
	name := strings.ToLower(t.Name)
	udf, ok := b.tableFunction(name)
	if !ok {
		if _, err := b.cat.Relation(name); err == nil {
			return nil, nil, b.errAt(t.Pos(), nil, "%q is a table or view, not a table function (drop the parentheses)", t.Name)
		}
		msg := "unknown table function " + name
		if sug := closest(name, b.tableFunctionNames()); sug != "" {
			msg += " (did you mean " + sug + "?)"
		}
		return nil, nil, b.errAt(t.Pos(), nil, "%s", msg)
	}
	if n := len(t.Args); n < udf.Required() || n > len(udf.Args) {
		return nil, nil, b.errAt(t.Pos(), nil, "table function %s takes %s argument(s), got %d", udf.Signature(), argCountText(udf), n)
	}
	args := make([]scalar.Scalar, len(t.Args))
	c := &exprCtx{b: b, sc: newScope(nil, nil), clause: "table function arguments"}
	for i, a := range t.Args {
		if err := b.checkConstantArg(a, name); err != nil {
			return nil, nil, err
		}
		x, typ, err := c.bind(a)
		if err != nil {
			return nil, nil, err
		}
		want := udf.Args[i]
		if !arrow.TypeEqual(typ, want) {
			x, err = b.widenArg(x, typ, want, a.Pos(), i, udf)
			if err != nil {
				return nil, nil, err
			}
		}
		v, err := evalConstant(x)
		if err != nil {
			return nil, nil, b.wrapAt(a.Pos(), err)
		}
		args[i] = v
	}
	rel := name
	var colNames []string
	if t.Alias != nil {
		rel, colNames = t.Alias.Name, t.Alias.Columns
	}
	node, err := plan.NewTableFunc(udf, rel, args, colNames)
	if err != nil {
		p := t.Pos()
		if t.Alias != nil {
			p = t.Alias.Pos()
		}
		return nil, nil, b.wrapAt(p, err)
	}
	s := node.Schema()
	cols := make([]column, len(s))
	for i, f := range s {
		cols[i] = column{qual: f.Relation, name: f.Name, col: plan.Column{Relation: f.Relation, Name: f.Name}, typ: f.Type}
		b.types[cols[i].col] = f.Type
	}
	return node, cols, nil
}

// checkConstantArg rejects column references and subqueries in a table
// function's arguments, which would need LATERAL.
func (b *binder) checkConstantArg(a parser.Expr, fn string) error {
	var bad parser.Expr
	walkExpr(a, func(e parser.Expr) bool {
		switch e.(type) {
		case *parser.ColumnRef, *parser.SubqueryExpr, *parser.ExistsExpr, *parser.InSubqueryExpr:
			if bad == nil {
				bad = e
			}
			return false
		}
		return bad == nil
	})
	if bad == nil {
		return nil
	}
	return b.errAt(bad.Pos(), ErrNotSupported, "arguments of table function %s must be constants: %s refers to a column or a subquery (LATERAL is not supported)", fn, bad)
}

// widenArg casts a constant argument of type got to the declared type
// want when the cast only widens it; a string literal passed for a date or
// timestamp is read as one.
func (b *binder) widenArg(x plan.Expr, got, want arrow.DataType, p parser.Pos, i int, udf *plan.TableUDF) (plan.Expr, error) {
	if got.ID() == arrow.NULL {
		return plan.Cast{Expr: x, To: want}, nil
	}
	if l, ok := x.(plan.Literal); ok && got.ID() == arrow.STRING && (want.ID() == arrow.DATE32 || want.ID() == arrow.TIMESTAMP) {
		return castLiteral(l, want), nil
	}
	common, err := exec.CommonType(got, want)
	if err != nil || !arrow.TypeEqual(common, want) {
		e := b.errAt(p, nil, "argument %d of table function %s must be %s, got %s", i+1, udf.Signature(), plan.TypeName(want), plan.TypeName(got))
		e.Hint = "only widening conversions are implicit: add an explicit CAST"
		return nil, e
	}
	return plan.Cast{Expr: x, To: want}, nil
}

func argCountText(u *plan.TableUDF) string {
	if u.Required() == len(u.Args) {
		return strconv.Itoa(len(u.Args))
	}
	return strconv.Itoa(u.Required()) + " to " + strconv.Itoa(len(u.Args))
}

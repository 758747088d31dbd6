package plan

import (
	"fmt"

	"github.com/apache/arrow/go/v15/arrow"

	"github.com/dataflow-go/dataflow/exec"
)

// Compile resolves e against schema and builds the physical expression that
// evaluates it. Type errors come back wrapping both ErrPlan and the
// underlying exec.ErrType, naming the offending expression.
func Compile(e Expr, schema Schema) (exec.Expr, error) {
	switch e := e.(type) {
	case Column:
		i, err := schema.Resolve(e.Relation, e.Name)
		if err != nil {
			return nil, err
		}
		return exec.NewColumn(i, e.String(), schema[i].Type), nil
	case Literal:
		if e.Value == nil {
			return nil, fmt.Errorf("%w: literal without a value", ErrPlan)
		}
		return exec.NewLiteral(e.Value), nil
	case Alias:
		return Compile(e.Expr, schema)
	case Binary:
		l, r, err := compile2(e.Left, e.Right, schema)
		if err != nil {
			return nil, err
		}
		return wrapType(exec.NewBinary(e.Op, l, r))(e)
	case Unary:
		x, err := Compile(e.Expr, schema)
		if err != nil {
			return nil, err
		}
		switch e.Op {
		case OpNot:
			return wrapType(exec.NewNot(x))(e)
		case OpNegate:
			return wrapType(exec.NewNegate(x))(e)
		case OpIsNull:
			return exec.NewIsNull(x, false), nil
		case OpIsNotNull:
			return exec.NewIsNull(x, true), nil
		}
		return nil, fmt.Errorf("%w: unknown unary operator %d", ErrPlan, e.Op)
	case Case:
		whens := make([]exec.WhenThen, len(e.Whens))
		for i, w := range e.Whens {
			c, t, err := compile2(w.Cond, w.Then, schema)
			if err != nil {
				return nil, err
			}
			whens[i] = exec.WhenThen{When: c, Then: t}
		}
		var els exec.Expr
		if e.Else != nil {
			var err error
			if els, err = Compile(e.Else, schema); err != nil {
				return nil, err
			}
		}
		return wrapType(exec.NewCase(whens, els))(e)
	case InList:
		x, err := Compile(e.Expr, schema)
		if err != nil {
			return nil, err
		}
		list, err := CompileAll(e.List, schema)
		if err != nil {
			return nil, err
		}
		return wrapType(exec.NewInList(x, list, e.Negated))(e)
	case Like:
		x, err := Compile(e.Expr, schema)
		if err != nil {
			return nil, err
		}
		return wrapType(exec.NewLike(x, e.Pattern, e.Escape, e.CaseInsensitive, e.Negated))(e)
	case Cast:
		x, err := Compile(e.Expr, schema)
		if err != nil {
			return nil, err
		}
		return wrapType(exec.NewCast(x, e.To))(e)
	case Func:
		args, err := CompileAll(e.Args, schema)
		if err != nil {
			return nil, err
		}
		return wrapType(exec.NewFunction(e.Name, args))(e)
	case UDFCall:
		return compileUDF(e, schema)
	case AggCall:
		return nil, fmt.Errorf("%w: aggregate %s is not allowed here (only in the aggregate list or HAVING)", ErrPlan, e)
	}
	return nil, fmt.Errorf("%w: cannot compile expression %T", ErrPlan, e)
}

// CompileAll compiles each expression against schema.
func CompileAll(es []Expr, schema Schema) ([]exec.Expr, error) {
	out := make([]exec.Expr, len(es))
	for i, e := range es {
		c, err := Compile(e, schema)
		if err != nil {
			return nil, err
		}
		out[i] = c
	}
	return out, nil
}

func compile2(a, b Expr, schema Schema) (exec.Expr, exec.Expr, error) {
	x, err := Compile(a, schema)
	if err != nil {
		return nil, nil, err
	}
	y, err := Compile(b, schema)
	if err != nil {
		return nil, nil, err
	}
	return x, y, nil
}

// wrapType turns a constructor's type error into a plan error that names
// the expression the user wrote.
func wrapType(x exec.Expr, err error) func(Expr) (exec.Expr, error) {
	return func(e Expr) (exec.Expr, error) {
		if err != nil {
			return nil, fmt.Errorf("%w: in %s: %w", ErrPlan, e, err)
		}
		return x, nil
	}
}

func compileUDF(e UDFCall, schema Schema) (exec.Expr, error) {
	u := e.UDF
	if len(e.Args) != len(u.Args) {
		return nil, fmt.Errorf("%w: function %s takes %d argument(s), got %d", ErrPlan, u.Name, len(u.Args), len(e.Args))
	}
	args, err := CompileAll(e.Args, schema)
	if err != nil {
		return nil, err
	}
	for i, a := range args {
		if arrow.TypeEqual(a.DataType(), u.Args[i]) {
			continue
		}
		// Only widening conversions happen implicitly: the declared type
		// must be the common type of the two.
		common, err := exec.CommonType(a.DataType(), u.Args[i])
		if err == nil && !arrow.TypeEqual(common, u.Args[i]) {
			err = fmt.Errorf("narrowing")
		}
		var c exec.Expr
		if err == nil {
			c, err = exec.NewCast(a, u.Args[i])
		}
		if err != nil {
			return nil, fmt.Errorf("%w: argument %d of %s is %s, want %s", ErrPlan, i+1, u.Name, TypeName(a.DataType()), TypeName(u.Args[i]))
		}
		args[i] = c
	}
	return exec.NewScalarUDF(u.Name, u.Fn, args, u.Result), nil
}

// TypeOf returns the type e has over schema.
func TypeOf(e Expr, schema Schema) (arrow.DataType, error) {
	if a, ok := Unalias(e).(AggCall); ok {
		return aggType(a, schema)
	}
	x, err := Compile(e, schema)
	if err != nil {
		return nil, err
	}
	return x.DataType(), nil
}

func aggType(a AggCall, schema Schema) (arrow.DataType, error) {
	if a.Func == exec.AggUDF {
		if a.UDF == nil {
			return nil, fmt.Errorf("%w: aggregate UDF call without a function", ErrPlan)
		}
		if len(a.Args) != len(a.UDFArgs) {
			return nil, fmt.Errorf("%w: aggregate %s takes %d argument(s), got %d", ErrPlan, a.UDF.Name, len(a.UDFArgs), len(a.Args))
		}
		return a.UDF.Result, nil
	}
	var arg arrow.DataType = arrow.Null
	if a.Func != exec.AggCountStar {
		if len(a.Args) != 1 {
			return nil, fmt.Errorf("%w: %s takes one argument, got %d", ErrPlan, AggName(a.Func), len(a.Args))
		}
		if ContainsAggregate(a.Args[0]) {
			return nil, fmt.Errorf("%w: aggregate calls cannot be nested: %s", ErrPlan, a)
		}
		t, err := TypeOf(a.Args[0], schema)
		if err != nil {
			return nil, err
		}
		arg = t
	}
	t, err := exec.AggResultType(a.Func, arg)
	if err != nil {
		return nil, fmt.Errorf("%w: in %s: %w", ErrPlan, a, err)
	}
	return t, nil
}

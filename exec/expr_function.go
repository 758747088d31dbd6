package exec

import (
	"fmt"
	"runtime/debug"
	"sort"
	"strings"

	"github.com/apache/arrow/go/v15/arrow"

	"github.com/dataflow-go/dataflow/internal/suggest"
)

// The registry of built-in scalar functions, by lower-case name. A
// function is a funcDef in its family's file (expr_func_*.go) plus one line
// in builtinFunctions.
//
// Date parts: both date_part('year', d) (field given as a string literal:
// year, quarter, month, day, dow, doy) and the one-argument shorthands
// extract_year / extract_month / extract_day exist; the binder may map
// EXTRACT(YEAR FROM d) to either. All return int64.

// funcDef describes one built-in function.
type funcDef struct {
	// resultType checks the argument types and returns the result type.
	resultType func(args []arrow.DataType) (arrow.DataType, error)
	// bind builds the expression over arguments that passed resultType;
	// it may read literal arguments (a date_part field).
	bind func(args []Expr, ret arrow.DataType) (Expr, error)
}

var builtinFunctions map[string]funcDef

func init() {
	builtinFunctions = map[string]funcDef{
		"substring":     substringFunc,
		"substr":        substringFunc,
		"upper":         upperFunc,
		"lower":         lowerFunc,
		"length":        lengthFunc,
		"char_length":   lengthFunc,
		"trim":          trimFunc(strings.Trim),
		"ltrim":         trimFunc(strings.TrimLeft),
		"rtrim":         trimFunc(strings.TrimRight),
		"concat":        concatFunc,
		"starts_with":   startsWithFunc,
		"strpos":        strposFunc,
		"position":      strposFunc,
		"abs":           absFunc,
		"round":         roundFunc,
		"ceil":          ceilFunc,
		"ceiling":       ceilFunc,
		"floor":         floorFunc,
		"coalesce":      coalesceFunc,
		"nullif":        nullifFunc,
		"date_part":     datePartFunc,
		"extract_year":  extractFunc("year"),
		"extract_month": extractFunc("month"),
		"extract_day":   extractFunc("day"),
	}
}

// FunctionResultType returns the type of name(args...), or an error
// wrapping ErrType: an unknown function (with the closest names), or
// arguments of the wrong number or types.
func FunctionResultType(name string, args []arrow.DataType) (arrow.DataType, error) {
	def, err := lookupFunction(name)
	if err != nil {
		return nil, err
	}
	return def.resultType(args)
}

// NewFunction returns the built-in function name applied to args.
func NewFunction(name string, args []Expr) (Expr, error) {
	def, err := lookupFunction(name)
	if err != nil {
		return nil, err
	}
	types := make([]arrow.DataType, len(args))
	for i, a := range args {
		if a == nil {
			return nil, fmt.Errorf("%w: %s: argument %d is missing", ErrType, name, i+1)
		}
		types[i] = a.DataType()
	}
	ret, err := def.resultType(types)
	if err != nil {
		return nil, err
	}
	return def.bind(args, ret)
}

func lookupFunction(name string) (funcDef, error) {
	def, ok := builtinFunctions[strings.ToLower(name)]
	if ok {
		return def, nil
	}
	if close := closeNames(strings.ToLower(name)); len(close) > 0 {
		return funcDef{}, fmt.Errorf("%w: unknown function %s (did you mean %s?)", ErrType, name, strings.Join(close, ", "))
	}
	return funcDef{}, fmt.Errorf("%w: unknown function %s", ErrType, name)
}

// closeNames lists registered names within a small edit distance of name,
// or sharing its prefix.
func closeNames(name string) []string {
	var out []string
	for n := range builtinFunctions {
		d := suggest.Distance(name, n)
		if d <= max(1, len(name)/3) || (len(name) >= 3 && strings.HasPrefix(n, name)) {
			out = append(out, n)
		}
	}
	sort.Strings(out)
	return out
}

// argError reports wrong arguments to a function, with its signature.
func argError(name, signature string, args []arrow.DataType) error {
	ts := make([]string, len(args))
	for i, t := range args {
		ts[i] = t.String()
	}
	return fmt.Errorf("%w: no function %s(%s); expected %s", ErrType, name, strings.Join(ts, ", "), signature)
}

// funcExpr is a function over eagerly evaluated arguments: built-ins and
// Go UDFs share it.
type funcExpr struct {
	name   string
	args   []Expr
	ret    arrow.DataType
	kernel ScalarFunc
	udf    bool
}

var _ Expr = (*funcExpr)(nil)

// kernelFunc binds a function whose kernel sees every argument evaluated.
func kernelFunc(name string, kernel func(ret arrow.DataType) ScalarFunc) func(args []Expr, ret arrow.DataType) (Expr, error) {
	return func(args []Expr, ret arrow.DataType) (Expr, error) {
		return &funcExpr{name: name, args: args, ret: ret, kernel: kernel(ret)}, nil
	}
}

func (e *funcExpr) DataType() arrow.DataType { return e.ret }

func (e *funcExpr) String() string {
	parts := make([]string, len(e.args))
	for i, a := range e.args {
		parts[i] = a.String()
	}
	return fmt.Sprintf("%s(%s)", e.name, strings.Join(parts, ", "))
}

func (e *funcExpr) Eval(ctx *Context, batch arrow.Record) (arrow.Array, error) {
	args := make([]arrow.Array, 0, len(e.args))
	defer func() {
		for _, a := range args {
			a.Release()
		}
	}()
	for _, a := range e.args {
		arr, err := a.Eval(ctx, batch)
		if err != nil {
			return nil, err
		}
		args = append(args, arr)
	}
	out, err := e.call(ctx, args)
	if err != nil {
		return nil, err
	}
	what := "function " + e.name
	if e.udf {
		what = "udf " + e.name
	}
	if out == nil {
		return nil, fmt.Errorf("%w: %s returned no array", ErrExec, what)
	}
	if out.Len() != int(batch.NumRows()) {
		n := out.Len()
		out.Release()
		return nil, fmt.Errorf("%w: %s returned %d values for %d rows", ErrExec, what, n, batch.NumRows())
	}
	if !arrow.TypeEqual(out.DataType(), e.ret) {
		t := out.DataType()
		out.Release()
		return nil, fmt.Errorf("%w: %s returned %s, declared %s", ErrExec, what, t, e.ret)
	}
	return out, nil
}

// call runs the kernel; a UDF's panic becomes an error.
func (e *funcExpr) call(ctx *Context, args []arrow.Array) (out arrow.Array, err error) {
	if e.udf {
		defer func() {
			if p := recover(); p != nil {
				out = nil
				err = fmt.Errorf("%w: udf %s panicked: %v\n%s", ErrExec, e.name, p, debug.Stack())
			}
		}()
	}
	out, err = e.kernel(ctx, args)
	if err != nil && e.udf {
		if out != nil {
			out.Release()
		}
		return nil, fmt.Errorf("%w: udf %s: %w", ErrExec, e.name, err)
	}
	return out, err
}

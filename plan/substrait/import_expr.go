package substrait

import (
	"fmt"
	"strings"

	"github.com/apache/arrow/go/v15/arrow/scalar"
	pb "github.com/substrait-io/substrait-go/proto"

	"github.com/dataflow-go/dataflow/exec"
	"github.com/dataflow-go/dataflow/plan"
)

// expr converts an expression over the columns of s.
func (m *importer) expr(e *pb.Expression, s plan.Schema) (plan.Expr, error) {
	switch k := e.GetRexType().(type) {
	case *pb.Expression_Literal_:
		v, err := m.literalFromProto(k.Literal)
		if err != nil {
			return nil, err
		}
		return plan.Literal{Value: v}, nil
	case *pb.Expression_Selection:
		return m.fieldRef(k.Selection, s)
	case *pb.Expression_ScalarFunction_:
		return m.scalarFunc(k.ScalarFunction, s)
	case *pb.Expression_IfThen_:
		it := k.IfThen
		if len(it.GetIfs()) == 0 {
			return nil, fmt.Errorf("%w: if-then without a clause", ErrInvalid)
		}
		c := plan.Case{Whens: make([]plan.When, len(it.GetIfs()))}
		for i, w := range it.GetIfs() {
			cond, err := m.expr(w.GetIf(), s)
			if err != nil {
				return nil, err
			}
			then, err := m.expr(w.GetThen(), s)
			if err != nil {
				return nil, err
			}
			c.Whens[i] = plan.When{Cond: cond, Then: then}
		}
		if it.GetElse() != nil {
			var err error
			if c.Else, err = m.expr(it.GetElse(), s); err != nil {
				return nil, err
			}
		}
		return c, nil
	case *pb.Expression_SingularOrList_:
		v, err := m.expr(k.SingularOrList.GetValue(), s)
		if err != nil {
			return nil, err
		}
		in := plan.InList{Expr: v}
		for _, o := range k.SingularOrList.GetOptions() {
			x, err := m.expr(o, s)
			if err != nil {
				return nil, err
			}
			in.List = append(in.List, x)
		}
		if len(in.List) == 0 {
			return nil, fmt.Errorf("%w: IN list without options", ErrInvalid)
		}
		return in, nil
	case *pb.Expression_Cast_:
		c := k.Cast
		if c.GetFailureBehavior() == pb.Expression_Cast_FAILURE_BEHAVIOR_RETURN_NULL {
			return nil, fmt.Errorf("%w: cast that returns NULL on failure (TRY_CAST)", ErrUnsupported)
		}
		v, err := m.expr(c.GetInput(), s)
		if err != nil {
			return nil, err
		}
		t, _, err := m.typeFromProto(c.GetType())
		if err != nil {
			return nil, fmt.Errorf("cast: %w", err)
		}
		return plan.Cast{Expr: v, To: t}, nil
	case nil:
		return nil, fmt.Errorf("%w: missing expression", ErrInvalid)
	}
	return nil, fmt.Errorf("%w: %s expressions", ErrUnsupported, kindName(e.GetRexType()))
}

func (m *importer) fieldRef(f *pb.Expression_FieldReference, s plan.Schema) (plan.Expr, error) {
	switch f.GetRootType().(type) {
	case *pb.Expression_FieldReference_RootReference_, nil:
	case *pb.Expression_FieldReference_OuterReference_:
		return nil, fmt.Errorf("%w: outer (correlated) field reference", ErrUnsupported)
	default:
		return nil, fmt.Errorf("%w: field reference into an expression", ErrUnsupported)
	}
	d := f.GetDirectReference()
	if d == nil {
		return nil, fmt.Errorf("%w: field reference that is not a direct reference", ErrUnsupported)
	}
	sf := d.GetStructField()
	if sf == nil {
		return nil, fmt.Errorf("%w: field reference that is not a struct field", ErrUnsupported)
	}
	if sf.GetChild() != nil {
		return nil, fmt.Errorf("%w: reference to a nested field", ErrUnsupported)
	}
	return columnAt(s, int(sf.GetField()))
}

// conjuncts converts a filter, splitting a top-level variadic and (how
// Export writes a scan's list of filters) into its arguments.
func (m *importer) conjuncts(e *pb.Expression, s plan.Schema) ([]plan.Expr, error) {
	if f := e.GetScalarFunction(); f != nil {
		if ref, ok := m.funcs[f.GetFunctionReference()]; ok && ref.file == fileBoolean && ref.name == "and" {
			args, err := m.args(f, s)
			if err != nil {
				return nil, err
			}
			out := make([]plan.Expr, 0, len(args))
			for _, a := range args {
				if a.isEnum {
					return nil, fmt.Errorf("%w: and with an enum argument", ErrInvalid)
				}
				out = append(out, a.expr)
			}
			if len(out) > 0 {
				return out, nil
			}
		}
	}
	x, err := m.expr(e, s)
	if err != nil {
		return nil, err
	}
	return []plan.Expr{x}, nil
}

// arg is an imported function argument: an expression or an enum.
type arg struct {
	expr   plan.Expr
	enum   string
	isEnum bool
}

type functionCall interface {
	GetArguments() []*pb.FunctionArgument
	GetArgs() []*pb.Expression
}

func (m *importer) args(f functionCall, s plan.Schema) ([]arg, error) {
	fargs := f.GetArguments()
	if len(fargs) == 0 {
		// The deprecated args field, still written by older producers.
		for _, e := range f.GetArgs() {
			fargs = append(fargs, &pb.FunctionArgument{ArgType: &pb.FunctionArgument_Value{Value: e}})
		}
	}
	out := make([]arg, len(fargs))
	for i, a := range fargs {
		switch k := a.GetArgType().(type) {
		case *pb.FunctionArgument_Value:
			e, err := m.expr(k.Value, s)
			if err != nil {
				return nil, err
			}
			out[i] = arg{expr: e}
		case *pb.FunctionArgument_Enum:
			out[i] = arg{enum: k.Enum, isEnum: true}
		default:
			return nil, fmt.Errorf("%w: function argument %d is a %s", ErrUnsupported, i+1, kindName(a.GetArgType()))
		}
	}
	return out, nil
}

// values returns the arguments as expressions, checking their number
// (want < 0: at least one).
func values(ref funcRef, args []arg, want int) ([]plan.Expr, error) {
	if (want >= 0 && len(args) != want) || (want < 0 && len(args) == 0) {
		n := fmt.Sprint(want)
		if want < 0 {
			n = "at least one"
		}
		return nil, fmt.Errorf("%w: function %s takes %s argument(s), got %d", ErrInvalid, ref, n, len(args))
	}
	out := make([]plan.Expr, len(args))
	for i, a := range args {
		if a.isEnum {
			return nil, fmt.Errorf("%w: argument %d of %s is an enum, a value was expected", ErrInvalid, i+1, ref)
		}
		out[i] = a.expr
	}
	return out, nil
}

// fold combines variadic operands left to right with op.
func fold(op exec.BinaryOp, xs []plan.Expr) plan.Expr {
	e := xs[0]
	for _, x := range xs[1:] {
		e = plan.Binary{Op: op, Left: e, Right: x}
	}
	return e
}

func option(f *pb.Expression_ScalarFunction, name string) string {
	for _, o := range f.GetOptions() {
		if o.GetName() == name && len(o.GetPreference()) > 0 {
			return o.GetPreference()[0]
		}
	}
	return ""
}

func (m *importer) scalarFunc(f *pb.Expression_ScalarFunction, s plan.Schema) (plan.Expr, error) {
	ref, ok := m.funcs[f.GetFunctionReference()]
	if !ok {
		return nil, fmt.Errorf("%w: function anchor %d is not declared", ErrInvalid, f.GetFunctionReference())
	}
	args, err := m.args(f, s)
	if err != nil {
		return nil, err
	}
	unknown := func() error {
		return fmt.Errorf("%w: unknown function %s", ErrUnsupported, ref)
	}
	switch ref.file {
	case fileArithmetic, fileArithmeticDecimal, fileDatetime, fileComparison, fileBoolean, fileString:
		if op, ok := binaryOps[ref.name]; ok && opFileMatches(op, ref.file) {
			want := 2
			if op == exec.OpAnd || op == exec.OpOr || op == exec.OpConcat {
				want = -1
			}
			xs, err := values(ref, args, want)
			if err != nil {
				return nil, err
			}
			return fold(op, xs), nil
		}
	}
	switch [2]string{ref.file, ref.name} {
	case [2]string{fileArithmetic, "negate"}, [2]string{fileArithmeticDecimal, "negate"}:
		return m.unary(ref, args, plan.OpNegate)
	case [2]string{fileComparison, "is_null"}:
		return m.unary(ref, args, plan.OpIsNull)
	case [2]string{fileComparison, "is_not_null"}:
		return m.unary(ref, args, plan.OpIsNotNull)
	case [2]string{fileBoolean, "not"}:
		x, err := m.unary(ref, args, plan.OpNot)
		if err != nil {
			return nil, err
		}
		// NOT LIKE and NOT IN are written as not(...): fold them back.
		switch in := x.(plan.Unary).Expr.(type) {
		case plan.Like:
			if !in.Negated {
				in.Negated = true
				return in, nil
			}
		case plan.InList:
			if !in.Negated {
				in.Negated = true
				return in, nil
			}
		}
		return x, nil
	case [2]string{fileString, "like"}, [2]string{fileDataflow, "like"}:
		return m.like(ref, f, args)
	case [2]string{fileDatetime, "extract"}:
		if len(args) != 2 || !args[0].isEnum || args[1].isEnum {
			return nil, fmt.Errorf("%w: extract takes a component and a value", ErrInvalid)
		}
		for field, comp := range extractFields {
			if strings.EqualFold(args[0].enum, comp) {
				return plan.Func{Name: "date_part", Args: []plan.Expr{plan.Literal{Value: scalar.NewStringScalar(field)}, args[1].expr}}, nil
			}
		}
		return nil, fmt.Errorf("%w: extract of %s", ErrUnsupported, args[0].enum)
	}
	if name, ok := importedFuncs[[2]string{ref.file, ref.name}]; ok {
		xs, err := values(ref, args, len(args))
		if err != nil {
			return nil, err
		}
		return plan.Func{Name: name, Args: xs}, nil
	}
	switch ref.file {
	case fileDataflow:
		xs, err := values(ref, args, len(args))
		if err != nil {
			return nil, err
		}
		return plan.Func{Name: ref.name, Args: xs}, nil
	case fileUDF:
		if m.udfs == nil {
			return nil, fmt.Errorf("%w: the plan calls UDF %s but the resolver knows no UDFs", ErrUnsupported, ref.name)
		}
		u, err := m.udfs.ScalarUDF(ref.name)
		if err != nil {
			return nil, fmt.Errorf("UDF %s: %w", ref.name, err)
		}
		xs, err := values(ref, args, len(args))
		if err != nil {
			return nil, err
		}
		return plan.UDFCall{UDF: u, Args: xs}, nil
	}
	return nil, unknown()
}

// opFileMatches reports whether a binary operator's function may come
// from file (add from functions_arithmetic or _datetime, but not "and"
// from functions_string).
func opFileMatches(op exec.BinaryOp, file string) bool {
	switch {
	case op.IsArithmetic():
		return file == fileArithmetic || file == fileArithmeticDecimal || file == fileDatetime
	case op.IsComparison():
		return file == fileComparison || (file == fileDatetime && op != exec.OpEq && op != exec.OpNotEq)
	case op == exec.OpConcat:
		return file == fileString
	}
	return file == fileBoolean
}

func (m *importer) unary(ref funcRef, args []arg, op plan.UnaryOp) (plan.Expr, error) {
	xs, err := values(ref, args, 1)
	if err != nil {
		return nil, err
	}
	return plan.Unary{Op: op, Expr: xs[0]}, nil
}

// like imports like(input, pattern[, escape]); the pattern and escape
// must be string literals, since dataflow compiles the pattern once.
func (m *importer) like(ref funcRef, f *pb.Expression_ScalarFunction, args []arg) (plan.Expr, error) {
	want := 2
	if ref.file == fileDataflow {
		want = 3
	}
	xs, err := values(ref, args, want)
	if err != nil {
		return nil, err
	}
	str := func(e plan.Expr, what string) (string, error) {
		if l, ok := e.(plan.Literal); ok && l.Value != nil && l.Value.IsValid() {
			if s, ok := l.Value.(*scalar.String); ok {
				return s.String(), nil
			}
		}
		return "", fmt.Errorf("%w: the %s of like must be a string literal, got %s", ErrUnsupported, what, e)
	}
	l := plan.Like{Expr: xs[0]}
	if l.Pattern, err = str(xs[1], "pattern"); err != nil {
		return nil, err
	}
	if want == 3 {
		esc, err := str(xs[2], "escape")
		if err != nil {
			return nil, err
		}
		r := []rune(esc)
		if len(r) != 1 {
			return nil, fmt.Errorf("%w: like escape %q must be one character", ErrInvalid, esc)
		}
		l.Escape = r[0]
	}
	switch c := option(f, "case_sensitivity"); c {
	case "", "CASE_SENSITIVE":
	case "CASE_INSENSITIVE", "CASE_INSENSITIVE_ASCII":
		l.CaseInsensitive = true
	default:
		return nil, fmt.Errorf("%w: like case_sensitivity %q", ErrUnsupported, c)
	}
	return l, nil
}

func (m *importer) aggCall(f *pb.AggregateFunction, s plan.Schema) (plan.Expr, error) {
	if f == nil {
		return nil, fmt.Errorf("%w: measure without an aggregate function", ErrInvalid)
	}
	ref, ok := m.funcs[f.GetFunctionReference()]
	if !ok {
		return nil, fmt.Errorf("%w: aggregate function anchor %d is not declared", ErrInvalid, f.GetFunctionReference())
	}
	switch f.GetPhase() {
	case pb.AggregationPhase_AGGREGATION_PHASE_UNSPECIFIED, pb.AggregationPhase_AGGREGATION_PHASE_INITIAL_TO_RESULT:
	default:
		return nil, fmt.Errorf("%w: aggregate %s in phase %s (only initial to result)", ErrUnsupported, ref.name, f.GetPhase())
	}
	if len(f.GetSorts()) > 0 {
		return nil, fmt.Errorf("%w: ordered aggregate %s", ErrUnsupported, ref.name)
	}
	args, err := m.args(f, s)
	if err != nil {
		return nil, err
	}
	xs, err := values(ref, args, len(args))
	if err != nil {
		return nil, err
	}
	distinct := f.GetInvocation() == pb.AggregateFunction_AGGREGATION_INVOCATION_DISTINCT
	switch {
	case ref.file == fileAggregateGeneric && ref.name == "count":
		switch {
		case len(xs) == 0 && !distinct:
			return plan.AggCall{Func: exec.AggCountStar}, nil
		case len(xs) == 1 && distinct:
			return plan.AggCall{Func: exec.AggCountDistinct, Args: xs}, nil
		case len(xs) == 1:
			return plan.AggCall{Func: exec.AggCount, Args: xs}, nil
		}
		return nil, fmt.Errorf("%w: count with %d arguments", ErrInvalid, len(xs))
	case ref.file == fileArithmetic || ref.file == fileArithmeticDecimal:
		fn, ok := aggByName[ref.name]
		if !ok {
			break
		}
		if len(xs) != 1 {
			return nil, fmt.Errorf("%w: %s takes one argument, got %d", ErrInvalid, ref.name, len(xs))
		}
		if distinct && (fn == exec.AggSum || fn == exec.AggAvg) {
			return nil, fmt.Errorf("%w: %s(DISTINCT ...)", ErrUnsupported, ref.name)
		}
		return plan.AggCall{Func: fn, Args: xs}, nil
	case ref.file == fileUDF:
		if m.udfs == nil {
			return nil, fmt.Errorf("%w: the plan calls aggregate UDF %s but the resolver knows no UDFs", ErrUnsupported, ref.name)
		}
		u, types, err := m.udfs.AggregateUDF(ref.name)
		if err != nil {
			return nil, fmt.Errorf("aggregate UDF %s: %w", ref.name, err)
		}
		if distinct {
			return nil, fmt.Errorf("%w: %s(DISTINCT ...)", ErrUnsupported, ref.name)
		}
		return plan.AggCall{Func: exec.AggUDF, Args: xs, UDF: u, UDFArgs: types}, nil
	}
	return nil, fmt.Errorf("%w: unknown aggregate function %s", ErrUnsupported, ref)
}

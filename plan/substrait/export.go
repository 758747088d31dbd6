package substrait

import (
	"fmt"
	"strings"

	"github.com/apache/arrow/go/v15/arrow"
	"github.com/apache/arrow/go/v15/arrow/scalar"
	pb "github.com/substrait-io/substrait-go/proto"
	extpb "github.com/substrait-io/substrait-go/proto/extensions"

	"github.com/dataflow-go/dataflow/exec"
	"github.com/dataflow-go/dataflow/plan"
)

// Version is the Substrait specification version the exported plans
// follow (that of substrait-go v0.4.2).
var Version = &pb.Version{MajorNumber: 0, MinorNumber: 29, Producer: "dataflow"}

// ExportOptions configure ExportWith.
type ExportOptions struct {
	// Hints apply to the whole plan.
	Hints *Hints
	// NodeHints apply to single relations, keyed by the plan node they
	// were given for.
	NodeHints map[plan.Node]*Hints
}

// Export converts a bound logical plan to a Substrait plan with one root
// relation, carrying hints (which may be nil) plan-wide.
func Export(n plan.Node, hints *Hints) (*pb.Plan, error) {
	return ExportWith(n, ExportOptions{Hints: hints})
}

// ExportWith converts a plan with plan-wide and per-relation hints.
func ExportWith(n plan.Node, opts ExportOptions) (*pb.Plan, error) {
	if n == nil {
		return nil, fmt.Errorf("%w: nil plan", ErrUnsupported)
	}
	x := newExporter()
	x.nodeHints = opts.NodeHints
	rel, err := x.rel(n)
	if err != nil {
		return nil, err
	}
	p := &pb.Plan{
		Version: Version,
		Relations: []*pb.PlanRel{{RelType: &pb.PlanRel_Root{Root: &pb.RelRoot{
			Input: rel, Names: n.Schema().Names(),
		}}}},
	}
	if !opts.Hints.empty() {
		ext := relExtension{hints: *opts.Hints}
		if p.AdvancedExtensions, err = x.advanced(&ext); err != nil {
			return nil, err
		}
	}
	p.ExtensionUris, p.Extensions = x.uris, x.decls
	if x.usesStruct {
		p.ExpectedTypeUrls = []string{structTypeURL}
	}
	return p, nil
}

const structTypeURL = "type.googleapis.com/google.protobuf.Struct"

func (x *exporter) advanced(ext *relExtension) (*extpb.AdvancedExtension, error) {
	a, err := ext.advanced()
	if a != nil {
		x.usesStruct = true
	}
	return a, err
}

// common builds a relation's RelCommon: its emit (nil: direct) and the
// dataflow extension.
func (x *exporter) common(n plan.Node, ext relExtension, emit []int32) (*pb.RelCommon, error) {
	if h := x.nodeHints[n]; h != nil {
		ext.hints = *h
	}
	c := &pb.RelCommon{EmitKind: &pb.RelCommon_Direct_{Direct: &pb.RelCommon_Direct{}}}
	if emit != nil {
		c.EmitKind = &pb.RelCommon_Emit_{Emit: &pb.RelCommon_Emit{OutputMapping: emit}}
	}
	var err error
	c.AdvancedExtension, err = x.advanced(&ext)
	return c, err
}

func (x *exporter) rel(n plan.Node) (*pb.Rel, error) {
	switch n := n.(type) {
	case *plan.Scan:
		return x.scan(n)
	case *plan.Filter:
		in, err := x.rel(n.Input)
		if err != nil {
			return nil, err
		}
		cond, err := x.expr(n.Predicate, n.Input.Schema())
		if err != nil {
			return nil, err
		}
		c, err := x.common(n, relExtension{}, nil)
		return &pb.Rel{RelType: &pb.Rel_Filter{Filter: &pb.FilterRel{Common: c, Input: in, Condition: cond}}}, err
	case *plan.Project:
		in, err := x.rel(n.Input)
		if err != nil {
			return nil, err
		}
		exprs, err := x.exprs(n.Exprs, n.Input.Schema())
		if err != nil {
			return nil, err
		}
		// A ProjectRel appends its expressions to the input columns;
		// the emit keeps only the expressions.
		emit := make([]int32, len(exprs))
		for i := range emit {
			emit[i] = int32(len(n.Input.Schema()) + i)
		}
		c, err := x.common(n, relExtension{names: n.Schema().Names()}, emit)
		return &pb.Rel{RelType: &pb.Rel_Project{Project: &pb.ProjectRel{Common: c, Input: in, Expressions: exprs}}}, err
	case *plan.Aggregate:
		return x.aggregate(n)
	case *plan.Distinct:
		in, err := x.rel(n.Input)
		if err != nil {
			return nil, err
		}
		keys := make([]*pb.Expression, len(n.Input.Schema()))
		for i := range keys {
			keys[i] = fieldRef(i)
		}
		c, err := x.common(n, relExtension{}, nil)
		return &pb.Rel{RelType: &pb.Rel_Aggregate{Aggregate: &pb.AggregateRel{
			Common: c, Input: in, Groupings: []*pb.AggregateRel_Grouping{{GroupingExpressions: keys}},
		}}}, err
	case *plan.Join:
		return x.join(n)
	case *plan.Sort:
		in, err := x.rel(n.Input)
		if err != nil {
			return nil, err
		}
		sorts := make([]*pb.SortField, len(n.Keys))
		for i, k := range n.Keys {
			e, err := x.expr(k.Expr, n.Input.Schema())
			if err != nil {
				return nil, err
			}
			sorts[i] = &pb.SortField{Expr: e, SortKind: &pb.SortField_Direction{Direction: sortDirection(k)}}
		}
		c, err := x.common(n, relExtension{}, nil)
		return &pb.Rel{RelType: &pb.Rel_Sort{Sort: &pb.SortRel{Common: c, Input: in, Sorts: sorts}}}, err
	case *plan.Limit:
		in, err := x.rel(n.Input)
		if err != nil {
			return nil, err
		}
		count := n.Count
		if count < 0 {
			count = -1
		}
		c, err := x.common(n, relExtension{}, nil)
		return &pb.Rel{RelType: &pb.Rel_Fetch{Fetch: &pb.FetchRel{Common: c, Input: in, Offset: n.Offset, Count: count}}}, err
	case *plan.Union:
		ins := make([]*pb.Rel, len(n.Inputs))
		for i, c := range n.Inputs {
			r, err := x.rel(c)
			if err != nil {
				return nil, err
			}
			ins[i] = r
		}
		c, err := x.common(n, relExtension{}, nil)
		return &pb.Rel{RelType: &pb.Rel_Set{Set: &pb.SetRel{Common: c, Inputs: ins, Op: pb.SetRel_SET_OP_UNION_ALL}}}, err
	case *plan.Values:
		return x.values(n)
	case *plan.TableFunc:
		return nil, fmt.Errorf("%w: table function %s: it runs Go code registered with one engine, which a Substrait plan cannot carry (materialize its rows into a table first)", ErrUnsupported, n.UDF.Name)
	case *plan.Apply, *plan.OuterRow:
		return nil, fmt.Errorf("%w: plan node %T: export the plan after optimizer.Optimize, whose decorrelation turns subqueries into joins", ErrUnsupported, n)
	case nil:
		return nil, fmt.Errorf("%w: nil plan node", ErrUnsupported)
	}
	return nil, fmt.Errorf("%w: plan node %T", ErrUnsupported, n)
}

func sortDirection(k plan.SortKey) pb.SortField_SortDirection {
	switch {
	case k.Desc && k.NullsFirst:
		return pb.SortField_SORT_DIRECTION_DESC_NULLS_FIRST
	case k.Desc:
		return pb.SortField_SORT_DIRECTION_DESC_NULLS_LAST
	case k.NullsFirst:
		return pb.SortField_SORT_DIRECTION_ASC_NULLS_FIRST
	}
	return pb.SortField_SORT_DIRECTION_ASC_NULLS_LAST
}

// scan writes a ReadRel over the named table: the full table schema as
// base schema, the projection as a mask and the filters, which refer to
// the projected columns by name, as one conjunction over the base schema.
func (x *exporter) scan(n *plan.Scan) (*pb.Rel, error) {
	if n.Source == nil {
		return nil, fmt.Errorf("%w: scan of %s without a table", ErrUnsupported, n.Table)
	}
	rel := n.Alias
	if rel == "" {
		rel = n.Table
	}
	full := plan.SchemaFromArrow(rel, n.Source.Schema())
	base, err := x.namedStruct(full)
	if err != nil {
		return nil, fmt.Errorf("table %s: %w", n.Table, err)
	}
	read := &pb.ReadRel{
		BaseSchema: base,
		ReadType:   &pb.ReadRel_NamedTable_{NamedTable: &pb.ReadRel_NamedTable{Names: []string{n.Table}}},
	}
	if n.Projection != nil {
		items := make([]*pb.Expression_MaskExpression_StructItem, len(n.Projection))
		for i, c := range n.Projection {
			items[i] = &pb.Expression_MaskExpression_StructItem{Field: int32(c)}
		}
		read.Projection = &pb.Expression_MaskExpression{
			Select: &pb.Expression_MaskExpression_StructSelect{StructItems: items}, MaintainSingularStruct: true,
		}
	}
	switch len(n.Filters) {
	case 0:
	case 1:
		if read.Filter, err = x.expr(n.Filters[0], full); err != nil {
			return nil, err
		}
	default:
		args := make([]callArg, len(n.Filters))
		for i, f := range n.Filters {
			e, err := x.expr(f, full)
			if err != nil {
				return nil, err
			}
			args[i] = callArg{value: e, typ: arrow.FixedWidthTypes.Boolean}
		}
		read.Filter = x.call(fileBoolean, "and", args, arrow.FixedWidthTypes.Boolean, nil)
	}
	read.Common, err = x.common(n, relExtension{alias: n.Alias, hasAlias: true}, nil)
	return &pb.Rel{RelType: &pb.Rel_Read{Read: read}}, err
}

func (x *exporter) values(n *plan.Values) (*pb.Rel, error) {
	base, err := x.namedStruct(n.Schema())
	if err != nil {
		return nil, fmt.Errorf("VALUES: %w", err)
	}
	rows := make([]*pb.Expression_Literal_Struct, len(n.Rows))
	for r, row := range n.Rows {
		lits := make([]*pb.Expression_Literal, len(row))
		for c, v := range row {
			if lits[c], err = x.literalToProto(v); err != nil {
				return nil, fmt.Errorf("VALUES row %d column %d: %w", r+1, c+1, err)
			}
		}
		rows[r] = &pb.Expression_Literal_Struct{Fields: lits}
	}
	var ext relExtension
	for _, f := range n.Schema() {
		if f.Relation != "" {
			ext.relations = make([]string, len(n.Schema()))
			for i, f := range n.Schema() {
				ext.relations[i] = f.Relation
			}
			break
		}
	}
	c, err := x.common(n, ext, nil)
	return &pb.Rel{RelType: &pb.Rel_Read{Read: &pb.ReadRel{
		Common: c, BaseSchema: base, ReadType: &pb.ReadRel_VirtualTable_{VirtualTable: &pb.ReadRel_VirtualTable{Values: rows}},
	}}}, err
}

func (x *exporter) aggregate(n *plan.Aggregate) (*pb.Rel, error) {
	in, err := x.rel(n.Input)
	if err != nil {
		return nil, err
	}
	s := n.Input.Schema()
	agg := &pb.AggregateRel{Input: in}
	if len(n.Groups) > 0 {
		keys, err := x.exprs(n.Groups, s)
		if err != nil {
			return nil, err
		}
		agg.Groupings = []*pb.AggregateRel_Grouping{{GroupingExpressions: keys}}
	}
	for _, a := range n.Aggs {
		m, err := x.measure(a, s)
		if err != nil {
			return nil, err
		}
		agg.Measures = append(agg.Measures, m)
	}
	agg.Common, err = x.common(n, relExtension{names: n.Schema().Names()}, nil)
	return &pb.Rel{RelType: &pb.Rel_Aggregate{Aggregate: agg}}, err
}

func (x *exporter) measure(a plan.Expr, s plan.Schema) (*pb.AggregateRel_Measure, error) {
	call, ok := plan.Unalias(a).(plan.AggCall)
	if !ok {
		return nil, fmt.Errorf("%w: aggregate list entry %s is not an aggregate call", ErrUnsupported, a)
	}
	out, err := plan.TypeOf(call, s)
	if err != nil {
		return nil, err
	}
	outType, err := x.typeToProto(out, true)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", call, err)
	}
	args, err := x.callArgs(call.Args, s)
	if err != nil {
		return nil, err
	}
	f := &pb.AggregateFunction{
		OutputType: outType, Phase: pb.AggregationPhase_AGGREGATION_PHASE_INITIAL_TO_RESULT,
		Invocation: pb.AggregateFunction_AGGREGATION_INVOCATION_ALL,
	}
	file, name := fileAggregateGeneric, "count"
	switch call.Func {
	case exec.AggCount, exec.AggCountStar:
	case exec.AggCountDistinct:
		f.Invocation = pb.AggregateFunction_AGGREGATION_INVOCATION_DISTINCT
	case exec.AggSum, exec.AggAvg, exec.AggMin, exec.AggMax:
		file, name = fileArithmetic, aggFuncs[call.Func]
		if len(args) == 1 && isDecimal(args[0].typ) {
			file = fileArithmeticDecimal
		}
	case exec.AggUDF:
		if call.UDF == nil {
			return nil, fmt.Errorf("%w: aggregate UDF call %s without a function", ErrUnsupported, call)
		}
		file, name = fileUDF, call.UDF.Name
	default:
		return nil, fmt.Errorf("%w: aggregate function %s", ErrUnsupported, call)
	}
	f.FunctionReference = x.funcAnchor(file, compoundName(name, args))
	for _, arg := range args {
		f.Arguments = append(f.Arguments, &pb.FunctionArgument{ArgType: &pb.FunctionArgument_Value{Value: arg.value}})
	}
	return &pb.AggregateRel_Measure{Measure: f}, nil
}

func (x *exporter) join(n *plan.Join) (*pb.Rel, error) {
	left, err := x.rel(n.Left)
	if err != nil {
		return nil, err
	}
	right, err := x.rel(n.Right)
	if err != nil {
		return nil, err
	}
	if n.Type == exec.JoinInner && n.On == nil {
		c, err := x.common(n, relExtension{}, nil)
		return &pb.Rel{RelType: &pb.Rel_Cross{Cross: &pb.CrossRel{Common: c, Left: left, Right: right}}}, err
	}
	j := &pb.JoinRel{Left: left, Right: right}
	both := append(append(plan.Schema{}, n.Left.Schema()...), n.Right.Schema()...)
	if n.On != nil {
		if j.Expression, err = x.expr(n.On, both); err != nil {
			return nil, err
		}
	} else {
		// JoinRel requires a condition; true is what a missing one means.
		j.Expression = &pb.Expression{RexType: &pb.Expression_Literal_{Literal: &pb.Expression_Literal{
			LiteralType: &pb.Expression_Literal_Boolean{Boolean: true},
		}}}
	}
	switch n.Type {
	case exec.JoinInner:
		j.Type = pb.JoinRel_JOIN_TYPE_INNER
	case exec.JoinLeft:
		j.Type = pb.JoinRel_JOIN_TYPE_LEFT
	case exec.JoinRight:
		j.Type = pb.JoinRel_JOIN_TYPE_RIGHT
	case exec.JoinFull:
		j.Type = pb.JoinRel_JOIN_TYPE_OUTER
	case exec.JoinSemi:
		j.Type = pb.JoinRel_JOIN_TYPE_SEMI
	case exec.JoinAnti:
		j.Type = pb.JoinRel_JOIN_TYPE_ANTI
	case exec.JoinSingle:
		j.Type = pb.JoinRel_JOIN_TYPE_SINGLE
	case exec.JoinMark:
		// No Substrait join type adds a match column: a semi join whose
		// enhancement (which consumers may not ignore) makes it a mark
		// join.
		j.Type = pb.JoinRel_JOIN_TYPE_SEMI
		ext := relExtension{join: "mark"}
		a, err := ext.toAny()
		if err != nil {
			return nil, err
		}
		x.usesStruct = true
		j.AdvancedExtension = &extpb.AdvancedExtension{Enhancement: a}
	default:
		return nil, fmt.Errorf("%w: join type %s", ErrUnsupported, n.Type)
	}
	j.Common, err = x.common(n, relExtension{}, nil)
	return &pb.Rel{RelType: &pb.Rel_Join{Join: j}}, err
}

// fieldRef is a direct reference to column i of the input.
func fieldRef(i int) *pb.Expression {
	return &pb.Expression{RexType: &pb.Expression_Selection{Selection: &pb.Expression_FieldReference{
		ReferenceType: &pb.Expression_FieldReference_DirectReference{DirectReference: &pb.Expression_ReferenceSegment{
			ReferenceType: &pb.Expression_ReferenceSegment_StructField_{StructField: &pb.Expression_ReferenceSegment_StructField{Field: int32(i)}},
		}},
		RootType: &pb.Expression_FieldReference_RootReference_{RootReference: &pb.Expression_FieldReference_RootReference{}},
	}}}
}

// callArg is one function argument: a value of type typ, or an enum.
type callArg struct {
	value *pb.Expression
	typ   arrow.DataType
	enum  string
}

func (x *exporter) callArgs(es []plan.Expr, s plan.Schema) ([]callArg, error) {
	out := make([]callArg, len(es))
	for i, e := range es {
		v, err := x.expr(e, s)
		if err != nil {
			return nil, err
		}
		t, err := plan.TypeOf(e, s)
		if err != nil {
			return nil, err
		}
		out[i] = callArg{value: v, typ: t}
	}
	return out, nil
}

// compoundName is name with its argument types ("add:i64_i64"), the form
// Substrait uses to pick one of a function's overloads.
func compoundName(name string, args []callArg) string {
	if len(args) == 0 {
		return name
	}
	var sig []string
	for _, a := range args {
		if a.value == nil {
			sig = append(sig, "req")
		} else {
			sig = append(sig, shortName(a.typ))
		}
		if variadic[name] {
			break
		}
	}
	return name + ":" + strings.Join(sig, "_")
}

// call builds a scalar function call; out is its result type.
func (x *exporter) call(file, name string, args []callArg, out arrow.DataType, opts []*pb.FunctionOption) *pb.Expression {
	f := &pb.Expression_ScalarFunction{FunctionReference: x.funcAnchor(file, compoundName(name, args)), Options: opts}
	if t, err := x.typeToProto(out, true); err == nil {
		f.OutputType = t
	}
	for _, a := range args {
		if a.value == nil {
			f.Arguments = append(f.Arguments, &pb.FunctionArgument{ArgType: &pb.FunctionArgument_Enum{Enum: a.enum}})
		} else {
			f.Arguments = append(f.Arguments, &pb.FunctionArgument{ArgType: &pb.FunctionArgument_Value{Value: a.value}})
		}
	}
	return &pb.Expression{RexType: &pb.Expression_ScalarFunction_{ScalarFunction: f}}
}

func (x *exporter) exprs(es []plan.Expr, s plan.Schema) ([]*pb.Expression, error) {
	out := make([]*pb.Expression, len(es))
	for i, e := range es {
		v, err := x.expr(e, s)
		if err != nil {
			return nil, err
		}
		out[i] = v
	}
	return out, nil
}

var boolType = arrow.FixedWidthTypes.Boolean

// expr converts an expression over schema s.
func (x *exporter) expr(e plan.Expr, s plan.Schema) (*pb.Expression, error) {
	switch e := e.(type) {
	case plan.Column:
		i, err := s.Resolve(e.Relation, e.Name)
		if err != nil {
			return nil, err
		}
		return fieldRef(i), nil
	case plan.Literal:
		l, err := x.literalToProto(e.Value)
		if err != nil {
			return nil, err
		}
		return &pb.Expression{RexType: &pb.Expression_Literal_{Literal: l}}, nil
	case plan.Alias:
		// Output names travel in the relation's extension.
		return x.expr(e.Expr, s)
	case plan.Binary:
		name, ok := binaryFuncs[e.Op]
		if !ok {
			return nil, fmt.Errorf("%w: operator %s", ErrUnsupported, e.Op)
		}
		return x.callOf(e, s, func(args []callArg) string { return binaryFile(e.Op, args[0].typ, args[1].typ) }, name, e.Left, e.Right)
	case plan.Unary:
		switch e.Op {
		case plan.OpNot:
			return x.callOf(e, s, constFile(fileBoolean), "not", e.Expr)
		case plan.OpNegate:
			return x.callOf(e, s, func(args []callArg) string {
				if isDecimal(args[0].typ) {
					return fileArithmeticDecimal
				}
				return fileArithmetic
			}, "negate", e.Expr)
		case plan.OpIsNull:
			return x.callOf(e, s, constFile(fileComparison), "is_null", e.Expr)
		case plan.OpIsNotNull:
			return x.callOf(e, s, constFile(fileComparison), "is_not_null", e.Expr)
		}
		return nil, fmt.Errorf("%w: unary operator %d", ErrUnsupported, e.Op)
	case plan.Case:
		ifs := make([]*pb.Expression_IfThen_IfClause, len(e.Whens))
		for i, w := range e.Whens {
			c, err := x.expr(w.Cond, s)
			if err != nil {
				return nil, err
			}
			t, err := x.expr(w.Then, s)
			if err != nil {
				return nil, err
			}
			ifs[i] = &pb.Expression_IfThen_IfClause{If: c, Then: t}
		}
		it := &pb.Expression_IfThen{Ifs: ifs}
		if e.Else != nil {
			var err error
			if it.Else, err = x.expr(e.Else, s); err != nil {
				return nil, err
			}
		}
		return &pb.Expression{RexType: &pb.Expression_IfThen_{IfThen: it}}, nil
	case plan.InList:
		v, err := x.expr(e.Expr, s)
		if err != nil {
			return nil, err
		}
		opts, err := x.exprs(e.List, s)
		if err != nil {
			return nil, err
		}
		in := &pb.Expression{RexType: &pb.Expression_SingularOrList_{SingularOrList: &pb.Expression_SingularOrList{Value: v, Options: opts}}}
		if e.Negated {
			return x.call(fileBoolean, "not", []callArg{{value: in, typ: boolType}}, boolType, nil), nil
		}
		return in, nil
	case plan.Like:
		return x.like(e, s)
	case plan.Cast:
		v, err := x.expr(e.Expr, s)
		if err != nil {
			return nil, err
		}
		t, err := x.typeToProto(e.To, true)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", e, err)
		}
		return &pb.Expression{RexType: &pb.Expression_Cast_{Cast: &pb.Expression_Cast{
			Type: t, Input: v, FailureBehavior: pb.Expression_Cast_FAILURE_BEHAVIOR_THROW_EXCEPTION,
		}}}, nil
	case plan.Func:
		return x.function(e, s)
	case plan.UDFCall:
		if e.UDF == nil {
			return nil, fmt.Errorf("%w: UDF call without a function", ErrUnsupported)
		}
		return x.callOf(e, s, constFile(fileUDF), e.UDF.Name, e.Args...)
	case plan.AggCall:
		return nil, fmt.Errorf("%w: aggregate %s outside an aggregation", ErrUnsupported, e)
	case nil:
		return nil, fmt.Errorf("%w: missing expression", ErrUnsupported)
	}
	return nil, fmt.Errorf("%w: expression %T (%s)", ErrUnsupported, e, e)
}

func constFile(f string) func([]callArg) string { return func([]callArg) string { return f } }

// callOf converts a call of name over args, typing the call e as a whole;
// file picks the extension file from the typed arguments.
func (x *exporter) callOf(e plan.Expr, s plan.Schema, file func([]callArg) string, name string, args ...plan.Expr) (*pb.Expression, error) {
	out, err := plan.TypeOf(e, s)
	if err != nil {
		return nil, err
	}
	as, err := x.callArgs(args, s)
	if err != nil {
		return nil, err
	}
	return x.call(file(as), name, as, out, nil), nil
}

func (x *exporter) function(e plan.Func, s plan.Schema) (*pb.Expression, error) {
	name := strings.ToLower(e.Name)
	field := ""
	switch name {
	case "extract_year", "extract_month", "extract_day":
		field = strings.TrimPrefix(name, "extract_")
	case "date_part":
		if len(e.Args) == 2 {
			if l, ok := e.Args[0].(plan.Literal); ok && l.Value != nil && l.Value.IsValid() {
				if str, ok := l.Value.(*scalar.String); ok {
					field = strings.ToLower(strings.TrimSpace(str.String()))
				}
			}
		}
	}
	if comp, ok := extractFields[field]; ok {
		out, err := plan.TypeOf(e, s)
		if err != nil {
			return nil, err
		}
		arg, err := x.callArgs(e.Args[len(e.Args)-1:], s)
		if err != nil {
			return nil, err
		}
		return x.call(fileDatetime, "extract", []callArg{{enum: comp}, arg[0]}, out, nil), nil
	}
	if std, ok := standardFuncs[name]; ok {
		return x.callOf(e, s, constFile(std.file), std.name, e.Args...)
	}
	return x.callOf(e, s, constFile(fileDataflow), name, e.Args...)
}

// like writes LIKE as the standard like (with the case_sensitivity option
// for ILIKE), or as dataflow's three-argument like when there is an ESCAPE
// character, which the standard function lacks.
func (x *exporter) like(e plan.Like, s plan.Schema) (*pb.Expression, error) {
	in, err := x.callArgs([]plan.Expr{e.Expr}, s)
	if err != nil {
		return nil, err
	}
	str := arrow.BinaryTypes.String
	lit := func(v string) callArg {
		return callArg{typ: str, value: &pb.Expression{RexType: &pb.Expression_Literal_{Literal: &pb.Expression_Literal{
			LiteralType: &pb.Expression_Literal_String_{String_: v},
		}}}}
	}
	args := []callArg{in[0], lit(e.Pattern)}
	file := fileString
	if e.Escape != 0 {
		file = fileDataflow
		args = append(args, lit(string(e.Escape)))
	}
	var opts []*pb.FunctionOption
	if e.CaseInsensitive {
		opts = []*pb.FunctionOption{{Name: "case_sensitivity", Preference: []string{"CASE_INSENSITIVE"}}}
	}
	like := x.call(file, "like", args, boolType, opts)
	if e.Negated {
		return x.call(fileBoolean, "not", []callArg{{value: like, typ: boolType}}, boolType, nil), nil
	}
	return like, nil
}

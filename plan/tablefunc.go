package plan

import (
	"fmt"
	"strings"

	"github.com/apache/arrow/go/v15/arrow"
	"github.com/apache/arrow/go/v15/arrow/scalar"

	"github.com/dataflow-go/dataflow/exec"
)

// TableUDF is a table-valued function: built in (see BuiltinTableFunction)
// or a Go function registered with the engine.
type TableUDF struct {
	Name string
	// Args are the declared argument types. Calls are checked against
	// them; constant arguments are cast where the conversion widens.
	Args []arrow.DataType
	// MinArgs is how many leading arguments a call must give; the rest
	// are optional and left out of the function's args when omitted.
	// Zero means all of them.
	MinArgs int
	// Schema is the declared output.
	Schema *arrow.Schema
	Fn     exec.TableFunc
}

// Required is the number of arguments a call must give.
func (u *TableUDF) Required() int {
	if u.MinArgs <= 0 || u.MinArgs > len(u.Args) {
		return len(u.Args)
	}
	return u.MinArgs
}

// Signature renders the function's parameters as SQL types, optional ones
// in brackets: generate_series(bigint, bigint[, bigint]).
func (u *TableUDF) Signature() string {
	var b strings.Builder
	b.WriteString(u.Name)
	b.WriteByte('(')
	req := u.Required()
	for i, t := range u.Args {
		if i == req {
			b.WriteByte('[')
		}
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(TypeName(t))
	}
	if req < len(u.Args) {
		b.WriteByte(']')
	}
	b.WriteByte(')')
	return b.String()
}

// CheckTableUDF checks a table function's declaration: a name, a
// function, and an output of at least one column with distinct names.
func CheckTableUDF(u *TableUDF) error {
	if u == nil || u.Name == "" || u.Fn == nil {
		return fmt.Errorf("%w: a table function needs a name and a function", ErrPlan)
	}
	if u.Schema == nil || len(u.Schema.Fields()) == 0 {
		return fmt.Errorf("%w: table function %s must declare at least one output column", ErrPlan, u.Name)
	}
	seen := map[string]bool{}
	for _, f := range u.Schema.Fields() {
		key := strings.ToLower(f.Name)
		if f.Name == "" || seen[key] {
			return fmt.Errorf("%w: table function %s: output column names must be distinct and not empty (%q)", ErrPlan, u.Name, f.Name)
		}
		seen[key] = true
	}
	for i, t := range u.Args {
		if t == nil {
			return fmt.Errorf("%w: table function %s: argument %d has no type", ErrPlan, u.Name, i+1)
		}
	}
	return nil
}

var builtinTableFuncs = map[string]*TableUDF{
	"generate_series": {
		Name:    "generate_series",
		Args:    []arrow.DataType{arrow.PrimitiveTypes.Int64, arrow.PrimitiveTypes.Int64, arrow.PrimitiveTypes.Int64},
		MinArgs: 2,
		Schema:  exec.GenerateSeriesSchema,
		Fn:      exec.GenerateSeries,
	},
}

// BuiltinTableFunction returns the built-in table function called name
// (case-insensitive), or false.
func BuiltinTableFunction(name string) (*TableUDF, bool) {
	u, ok := builtinTableFuncs[strings.ToLower(name)]
	return u, ok
}

// BuiltinTableFunctionNames lists the built-in table functions.
func BuiltinTableFunctionNames() []string {
	out := make([]string, 0, len(builtinTableFuncs))
	for n := range builtinTableFuncs {
		out = append(out, n)
	}
	return out
}

// TableFunc is a call of a table function in FROM: a leaf whose rows the
// function produces when the query runs. Its arguments are constants,
// already of the declared types.
type TableFunc struct {
	UDF  *TableUDF
	Args []scalar.Scalar
	// Relation qualifies the output columns (the alias, or the function's
	// name).
	Relation string
	schema   Schema
}

// NewTableFunc checks a call (argument count and types, NULLs allowed
// anywhere) and names its output relation.column; columns, when given,
// rename the first len(columns) output columns.
func NewTableFunc(udf *TableUDF, relation string, args []scalar.Scalar, columns []string) (*TableFunc, error) {
	if err := CheckTableUDF(udf); err != nil {
		return nil, err
	}
	if n := len(args); n < udf.Required() || n > len(udf.Args) {
		return nil, fmt.Errorf("%w: %s takes %s argument(s), got %d", ErrPlan, udf.Signature(), argCount(udf), n)
	}
	for i, a := range args {
		if a == nil {
			return nil, fmt.Errorf("%w: %s: argument %d is missing", ErrPlan, udf.Name, i+1)
		}
		if a.IsValid() && !arrow.TypeEqual(a.DataType(), udf.Args[i]) {
			return nil, fmt.Errorf("%w: argument %d of %s must be %s, got %s", ErrPlan, i+1, udf.Signature(), TypeName(udf.Args[i]), TypeName(a.DataType()))
		}
	}
	fields := udf.Schema.Fields()
	if len(columns) > len(fields) {
		return nil, fmt.Errorf("%w: %s returns %d column(s) but %d column alias(es) are given", ErrPlan, udf.Name, len(fields), len(columns))
	}
	if relation == "" {
		relation = udf.Name
	}
	schema := make(Schema, len(fields))
	seen := map[string]bool{}
	for i, f := range fields {
		name := f.Name
		if i < len(columns) {
			name = columns[i]
		}
		if seen[strings.ToLower(name)] {
			return nil, fmt.Errorf("%w: column name %q appears twice in the output of %s", ErrPlan, name, relation)
		}
		seen[strings.ToLower(name)] = true
		schema[i] = Field{Relation: relation, Name: name, Type: f.Type, Nullable: f.Nullable}
	}
	return &TableFunc{UDF: udf, Args: args, Relation: relation, schema: schema}, nil
}

func argCount(u *TableUDF) string {
	if u.Required() == len(u.Args) {
		return fmt.Sprint(len(u.Args))
	}
	return fmt.Sprintf("%d to %d", u.Required(), len(u.Args))
}

func (t *TableFunc) Schema() Schema   { return t.schema }
func (t *TableFunc) Children() []Node { return nil }
func (t *TableFunc) WithChildren(c []Node) (Node, error) {
	return t, checkArity(t, c, 0)
}

func (t *TableFunc) Describe() string {
	args := make([]string, len(t.Args))
	for i, a := range t.Args {
		args[i] = Literal{Value: a}.String()
	}
	return fmt.Sprintf("TableFunction: %s(%s) AS %s(%s)", t.UDF.Name, strings.Join(args, ", "), t.Relation, strings.Join(t.schema.Names(), ", "))
}

package dataflow

import (
	"fmt"
	"sort"
	"strings"

	"github.com/apache/arrow/go/v15/arrow"

	"github.com/dataflow-go/dataflow/dsl"
	"github.com/dataflow-go/dataflow/dsl/parser"
	"github.com/dataflow-go/dataflow/exec"
	"github.com/dataflow-go/dataflow/plan"
)

// TableFunc is the signature of a Go table-valued UDF: called once per
// query with the call's constant arguments (scalars of the declared
// types; a NULL is a scalar whose IsValid is false), it returns an
// array.RecordReader of its rows. The engine releases the reader exactly
// once; a record from Record is the reader's and stays valid until the
// next Next or Release. Every record must have the declared schema's
// column count and types. An error, a panic, or a record of another
// schema fails the query with an error naming the function; the engine
// stays usable. See exec.TableFunc for the full contract.
type TableFunc = exec.TableFunc

// RegisterTableUDF makes a Go table function callable in FROM as name:
//
//	SELECT * FROM name(1, 'abc') AS t(a, b) JOIN other ON ...
//
// args are the declared argument types (calls are checked against them;
// constant arguments of a narrower type are widened) and schema the
// declared output, whose column names a query may rename with an alias
// list. The name must not be a built-in table function
// (generate_series).
func (e *Engine) RegisterTableUDF(name string, args []arrow.DataType, schema *arrow.Schema, fn TableFunc) error {
	if err := e.check(); err != nil {
		return err
	}
	key := strings.ToLower(name)
	u := &plan.TableUDF{Name: key, Args: append([]arrow.DataType(nil), args...), Schema: schema, Fn: fn}
	if err := plan.CheckTableUDF(u); err != nil {
		return fmt.Errorf("%w: %w", ErrUsage, err)
	}
	if _, builtin := plan.BuiltinTableFunction(key); builtin {
		return fmt.Errorf("%w: %q is a built-in table function", ErrUsage, name)
	}
	st := e.sqlState()
	st.mu.Lock()
	defer st.mu.Unlock()
	if _, dup := st.tableFuncs[key]; dup {
		return fmt.Errorf("%w: table function %q is already registered", ErrUsage, name)
	}
	st.tableFuncs[key] = u
	return nil
}

// TableFunction implements dsl.TableFunctionCatalog.
func (c sqlCatalog) TableFunction(name string) (*plan.TableUDF, bool) {
	c.st.mu.RLock()
	defer c.st.mu.RUnlock()
	u, ok := c.st.tableFuncs[strings.ToLower(name)]
	return u, ok
}

// TableFunctionNames implements dsl.TableFunctionCatalog.
func (c sqlCatalog) TableFunctionNames() []string {
	c.st.mu.RLock()
	defer c.st.mu.RUnlock()
	out := make([]string, 0, len(c.st.tableFuncs))
	for n := range c.st.tableFuncs {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

var _ dsl.TableFunctionCatalog = sqlCatalog{}

// createTableFunction binds a SQL name to a table function (registered
// with RegisterTableUDF, or built in) for CREATE FUNCTION ... RETURNS
// TABLE (...). The declared argument and column types must be the Go
// function's; the declared column names (and NOT NULL) become the
// function's output.
func (s *Session) createTableFunction(cf *parser.CreateFunction) (*Result, error) {
	impl := strings.ToLower(cf.As)
	name := strings.ToLower(cf.Name)
	st := s.eng.sqlState()
	st.mu.Lock()
	defer st.mu.Unlock()
	u, ok := st.tableFuncs[impl]
	if !ok {
		u, ok = plan.BuiltinTableFunction(impl)
	}
	if !ok {
		names := plan.BuiltinTableFunctionNames()
		for n := range st.tableFuncs {
			names = append(names, n)
		}
		sort.Strings(names)
		return nil, fmt.Errorf("%w: no Go table function %q is registered (registered: %s)", plan.ErrPlan, cf.As, strings.Join(names, ", "))
	}
	if _, builtin := plan.BuiltinTableFunction(name); builtin {
		return nil, fmt.Errorf("%w: %q is a built-in table function", plan.ErrPlan, cf.Name)
	}
	if _, exists := st.tableFuncs[name]; exists && !cf.OrReplace {
		return nil, fmt.Errorf("%w: table function %q already exists", plan.ErrPlan, cf.Name)
	}
	if n := len(cf.Args); n < u.Required() || n > len(u.Args) {
		return nil, fmt.Errorf("%w: %s takes %d to %d argument(s) but the declaration lists %d", plan.ErrPlan, u.Signature(), u.Required(), len(u.Args), n)
	}
	args := make([]arrow.DataType, len(cf.Args))
	for i, a := range cf.Args {
		t, err := dsl.TypeOf(a.Type)
		if err != nil {
			return nil, err
		}
		if !arrow.TypeEqual(t, u.Args[i]) {
			return nil, fmt.Errorf("%w: argument %d of %s is %s, the declaration says %s", plan.ErrPlan, i+1, cf.As, plan.TypeName(u.Args[i]), plan.TypeName(t))
		}
		args[i] = t
	}
	have := u.Schema.Fields()
	if len(cf.ReturnsTable) != len(have) {
		return nil, fmt.Errorf("%w: %s returns %d column(s), the declaration lists %d", plan.ErrPlan, cf.As, len(have), len(cf.ReturnsTable))
	}
	fields := make([]arrow.Field, len(have))
	for i, c := range cf.ReturnsTable {
		t, err := dsl.TypeOf(c.Type)
		if err != nil {
			return nil, err
		}
		if !arrow.TypeEqual(t, have[i].Type) {
			return nil, fmt.Errorf("%w: column %d of %s is %s, the declaration says %s", plan.ErrPlan, i+1, cf.As, plan.TypeName(have[i].Type), plan.TypeName(t))
		}
		fields[i] = arrow.Field{Name: c.Name, Type: t, Nullable: !c.NotNull}
	}
	nu := &plan.TableUDF{Name: name, Args: args, MinArgs: len(args), Schema: arrow.NewSchema(fields, nil), Fn: u.Fn}
	if err := plan.CheckTableUDF(nu); err != nil {
		return nil, err
	}
	st.tableFuncs[name] = nu
	return s.empty(), nil
}

// dropTableFunction removes a table function, reporting whether it
// existed.
func (s *Session) dropTableFunction(name string) bool {
	st := s.eng.sqlState()
	st.mu.Lock()
	defer st.mu.Unlock()
	_, ok := st.tableFuncs[name]
	delete(st.tableFuncs, name)
	return ok
}

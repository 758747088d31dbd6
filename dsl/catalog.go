package dsl

import (
	"github.com/apache/arrow/go/v15/arrow"

	"github.com/dataflow-go/dataflow/dsl/parser"
	"github.com/dataflow-go/dataflow/exec"
	"github.com/dataflow-go/dataflow/plan"
	"github.com/dataflow-go/dataflow/store"
)

// Catalog is what the binder needs to know about the engine: its tables,
// views and Go functions. Implementations must be safe to call from the
// goroutine that binds; the binder calls them only while binding.
type Catalog interface {
	// Relation returns the table or view a FROM clause names. An unknown
	// name returns an error (with a "did you mean" suggestion where one
	// is close), typically wrapping store.ErrNotFound.
	Relation(name string) (Relation, error)
	// ScalarFunction returns a registered Go scalar function, or false.
	ScalarFunction(name string) (*plan.ScalarUDF, bool)
	// AggregateFunction returns a registered Go aggregate function and its
	// declared argument types, or false.
	AggregateFunction(name string) (*exec.AggregateUDF, []arrow.DataType, bool)
}

// Relation is a table or a view. Exactly one of Table and View is set.
type Relation struct {
	Table store.Table
	View  *View
}

// View is a stored query: its parsed text, the SQL it was parsed from (for
// error messages) and optional column names.
type View struct {
	Query   *parser.Query
	SQL     string
	Columns []string
}

// TableFunctionCatalog is implemented by catalogs that also hold Go
// table-valued functions. The binder looks a FROM-clause call up there
// first, then among the built-in table functions
// (plan.BuiltinTableFunction); a Catalog without this method sees only
// the built-ins.
type TableFunctionCatalog interface {
	// TableFunction returns the table function called name, or false.
	TableFunction(name string) (*plan.TableUDF, bool)
	// TableFunctionNames lists the registered names, for suggestions.
	TableFunctionNames() []string
}

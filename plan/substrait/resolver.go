package substrait

import (
	"fmt"
	"strings"

	"github.com/apache/arrow/go/v15/arrow"

	"github.com/dataflow-go/dataflow/exec"
	"github.com/dataflow-go/dataflow/plan"
	"github.com/dataflow-go/dataflow/store"
)

// Resolver finds the tables a Substrait plan reads. Names is a ReadRel's
// named_table names (dataflow writes one element, the table name; other
// producers may qualify it with a schema).
type Resolver interface {
	Table(names []string) (store.Table, error)
}

// UDFResolver is implemented by Resolvers that also know Go UDFs, which
// plans call as functions under URIUDF. Without it, a plan calling a UDF
// fails to import with an error naming the function.
type UDFResolver interface {
	// ScalarUDF returns the registered scalar UDF name.
	ScalarUDF(name string) (*plan.ScalarUDF, error)
	// AggregateUDF returns the registered aggregate UDF name and its
	// declared argument types.
	AggregateUDF(name string) (*exec.AggregateUDF, []arrow.DataType, error)
}

// TableFunc adapts a function to Resolver.
type TableFunc func(names []string) (store.Table, error)

// Table calls f.
func (f TableFunc) Table(names []string) (store.Table, error) { return f(names) }

// AggregateUDF is a registered Go aggregate with its argument types.
type AggregateUDF struct {
	UDF  *exec.AggregateUDF
	Args []arrow.DataType
}

// Catalog resolves tables in a store.Catalog and UDFs from maps keyed by
// lower-case name. It implements Resolver and UDFResolver.
type Catalog struct {
	Tables        *store.Catalog
	ScalarUDFs    map[string]*plan.ScalarUDF
	AggregateUDFs map[string]AggregateUDF
}

// Table looks up the dotted name, then its last part alone (so that
// schema-qualified names from other producers resolve).
func (c *Catalog) Table(names []string) (store.Table, error) {
	if len(names) == 0 {
		return nil, fmt.Errorf("%w: read of a named table without a name", ErrInvalid)
	}
	if c.Tables == nil {
		return nil, fmt.Errorf("%w: no catalog to find table %q in", ErrInvalid, strings.Join(names, "."))
	}
	t, err := c.Tables.Lookup(strings.Join(names, "."))
	if err != nil && len(names) > 1 {
		if t2, err2 := c.Tables.Lookup(names[len(names)-1]); err2 == nil {
			return t2, nil
		}
	}
	return t, err
}

// ScalarUDF implements UDFResolver.
func (c *Catalog) ScalarUDF(name string) (*plan.ScalarUDF, error) {
	if u, ok := c.ScalarUDFs[strings.ToLower(name)]; ok {
		return u, nil
	}
	return nil, fmt.Errorf("%w: unknown scalar UDF %q", ErrUnsupported, name)
}

// AggregateUDF implements UDFResolver.
func (c *Catalog) AggregateUDF(name string) (*exec.AggregateUDF, []arrow.DataType, error) {
	if u, ok := c.AggregateUDFs[strings.ToLower(name)]; ok {
		return u.UDF, u.Args, nil
	}
	return nil, nil, fmt.Errorf("%w: unknown aggregate UDF %q", ErrUnsupported, name)
}

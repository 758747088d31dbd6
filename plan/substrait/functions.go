package substrait

import (
	"fmt"
	"strings"

	"github.com/apache/arrow/go/v15/arrow"
	"github.com/substrait-io/substrait-go/extensions"
	extpb "github.com/substrait-io/substrait-go/proto/extensions"

	"github.com/dataflow-go/dataflow/exec"
	"github.com/dataflow-go/dataflow/plan"
)

// The extension URIs dataflow declares its own functions and types under.
const (
	dataflowURIPrefix = "https://github.com/dataflow-go/dataflow/blob/main/plan/substrait/extensions/"
	// URIFunctions declares dataflow's built-in scalar functions that have
	// no standard Substrait counterpart, under their dataflow names.
	URIFunctions = dataflowURIPrefix + "functions_dataflow.yaml"
	// URIUDF declares Go UDFs (scalar and aggregate) by the name they are
	// registered under.
	URIUDF = dataflowURIPrefix + "functions_udf.yaml"
	// URITypes declares the user-defined types interval_month_day_nano
	// and null.
	URITypes = dataflowURIPrefix + "types_dataflow.yaml"
)

// The standard extension files, by the file name the importer matches
// URIs on (producers differ in the URI prefix they use).
const (
	fileArithmetic        = "functions_arithmetic.yaml"
	fileArithmeticDecimal = "functions_arithmetic_decimal.yaml"
	fileComparison        = "functions_comparison.yaml"
	fileBoolean           = "functions_boolean.yaml"
	fileString            = "functions_string.yaml"
	fileDatetime          = "functions_datetime.yaml"
	fileRounding          = "functions_rounding.yaml"
	fileAggregateGeneric  = "functions_aggregate_generic.yaml"
	fileDataflow          = "functions_dataflow.yaml"
	fileUDF               = "functions_udf.yaml"
	fileTypes             = "types_dataflow.yaml"
)

// uriOf returns the URI to declare a file under.
func uriOf(file string) string {
	switch file {
	case fileDataflow, fileUDF, fileTypes:
		return dataflowURIPrefix + file
	}
	return extensions.SubstraitDefaultURIPrefix + file
}

// fileOf is the last path element of a URI.
func fileOf(uri string) string {
	return uri[strings.LastIndexAny(uri, "/:")+1:]
}

// simpleName strips a compound name's signature ("add:i64_i64" -> "add").
func simpleName(name string) string {
	if i := strings.IndexByte(name, ':'); i >= 0 {
		return name[:i]
	}
	return name
}

// binaryFuncs names the Substrait function of each binary operator; the
// file depends on the operand types (see binaryFile).
var binaryFuncs = map[exec.BinaryOp]string{
	exec.OpAdd: "add", exec.OpSub: "subtract", exec.OpMul: "multiply", exec.OpDiv: "divide", exec.OpMod: "modulus",
	exec.OpEq: "equal", exec.OpNotEq: "not_equal", exec.OpLt: "lt", exec.OpLtEq: "lte", exec.OpGt: "gt", exec.OpGtEq: "gte",
	exec.OpAnd: "and", exec.OpOr: "or", exec.OpConcat: "concat",
}

// binaryOps inverts binaryFuncs for the importer.
var binaryOps = func() map[string]exec.BinaryOp {
	m := map[string]exec.BinaryOp{}
	for op, name := range binaryFuncs {
		m[name] = op
	}
	return m
}()

func isTemporal(t arrow.DataType) bool {
	switch t.ID() {
	case arrow.DATE32, arrow.TIMESTAMP, arrow.INTERVAL_MONTH_DAY_NANO:
		return true
	}
	return false
}

func isDecimal(t arrow.DataType) bool { return t.ID() == arrow.DECIMAL128 }

// binaryFile picks the extension file of op over operands l and r.
func binaryFile(op exec.BinaryOp, l, r arrow.DataType) string {
	switch {
	case op.IsArithmetic() && (isTemporal(l) || isTemporal(r)):
		return fileDatetime
	case op.IsArithmetic() && (isDecimal(l) || isDecimal(r)):
		return fileArithmeticDecimal
	case op.IsArithmetic():
		return fileArithmetic
	case op.IsComparison():
		return fileComparison
	case op == exec.OpConcat:
		return fileString
	}
	return fileBoolean
}

// standardFuncs maps dataflow built-in function names to standard
// Substrait functions with the same arguments and meaning. Built-ins not
// listed (and date_part fields extract has no equivalent for) are declared
// under URIFunctions.
var standardFuncs = map[string]struct{ file, name string }{
	"substring":   {fileString, "substring"},
	"substr":      {fileString, "substring"},
	"upper":       {fileString, "upper"},
	"lower":       {fileString, "lower"},
	"length":      {fileString, "char_length"},
	"char_length": {fileString, "char_length"},
	"trim":        {fileString, "trim"},
	"ltrim":       {fileString, "ltrim"},
	"rtrim":       {fileString, "rtrim"},
	"starts_with": {fileString, "starts_with"},
	"strpos":      {fileString, "strpos"},
	"position":    {fileString, "strpos"},
	"abs":         {fileArithmetic, "abs"},
	"round":       {fileRounding, "round"},
	"ceil":        {fileRounding, "ceil"},
	"ceiling":     {fileRounding, "ceil"},
	"floor":       {fileRounding, "floor"},
	"coalesce":    {fileComparison, "coalesce"},
	"nullif":      {fileComparison, "nullif"},
}

// importedFuncs maps standard (file, name) pairs back to dataflow
// built-in names. Every standard name in standardFuncs is also a dataflow
// name, so the pair maps to its own name.
var importedFuncs = func() map[[2]string]string {
	m := map[[2]string]string{}
	for _, std := range standardFuncs {
		m[[2]string{std.file, std.name}] = std.name
	}
	return m
}()

// extractFields maps date_part fields to the components of the standard
// extract function that mean the same.
var extractFields = map[string]string{
	"year": "YEAR", "quarter": "QUARTER", "month": "MONTH", "day": "DAY", "doy": "DAY_OF_YEAR",
}

// variadic functions get one argument type in their compound name.
var variadic = map[string]bool{"and": true, "or": true, "concat": true, "coalesce": true}

// aggFuncs names the built-in aggregates in functions_arithmetic(_decimal).
var aggFuncs = map[exec.AggFunc]string{exec.AggSum: "sum", exec.AggAvg: "avg", exec.AggMin: "min", exec.AggMax: "max"}

var aggByName = map[string]exec.AggFunc{"sum": exec.AggSum, "avg": exec.AggAvg, "min": exec.AggMin, "max": exec.AggMax}

// exporter collects the extension declarations a plan needs while its
// relations are converted; anchors are handed out in order of first use,
// so exporting the same plan twice gives identical output.
type exporter struct {
	uriAnchors  map[string]uint32
	uris        []*extpb.SimpleExtensionURI
	funcAnchors map[[2]string]uint32
	typeAnchors map[string]uint32
	decls       []*extpb.SimpleExtensionDeclaration
	usesStruct  bool
	nodeHints   map[plan.Node]*Hints
}

func newExporter() *exporter {
	return &exporter{uriAnchors: map[string]uint32{}, funcAnchors: map[[2]string]uint32{}, typeAnchors: map[string]uint32{}}
}

func (x *exporter) uriAnchor(file string) uint32 {
	uri := uriOf(file)
	if a, ok := x.uriAnchors[uri]; ok {
		return a
	}
	a := uint32(len(x.uris) + 1)
	x.uriAnchors[uri] = a
	x.uris = append(x.uris, &extpb.SimpleExtensionURI{ExtensionUriAnchor: a, Uri: uri})
	return a
}

// funcAnchor declares function name (simple or compound) from file.
func (x *exporter) funcAnchor(file, name string) uint32 {
	key := [2]string{file, name}
	if a, ok := x.funcAnchors[key]; ok {
		return a
	}
	a := uint32(len(x.funcAnchors) + 1)
	x.funcAnchors[key] = a
	x.decls = append(x.decls, &extpb.SimpleExtensionDeclaration{MappingType: &extpb.SimpleExtensionDeclaration_ExtensionFunction_{
		ExtensionFunction: &extpb.SimpleExtensionDeclaration_ExtensionFunction{
			ExtensionUriReference: x.uriAnchor(file), FunctionAnchor: a, Name: name,
		},
	}})
	return a
}

// typeAnchor declares one of dataflow's user-defined types.
func (x *exporter) typeAnchor(name string) uint32 {
	if a, ok := x.typeAnchors[name]; ok {
		return a
	}
	a := uint32(len(x.typeAnchors) + 1)
	x.typeAnchors[name] = a
	x.decls = append(x.decls, &extpb.SimpleExtensionDeclaration{MappingType: &extpb.SimpleExtensionDeclaration_ExtensionType_{
		ExtensionType: &extpb.SimpleExtensionDeclaration_ExtensionType{
			ExtensionUriReference: x.uriAnchor(fileTypes), TypeAnchor: a, Name: name,
		},
	}})
	return a
}

// funcRef is a declared function: its extension file and simple name.
type funcRef struct{ uri, file, name string }

func (f funcRef) String() string { return fmt.Sprintf("%s (from %s)", f.name, f.uri) }

// declarations reads a plan's extension declarations, checking that
// every anchor is unique and refers to a declared URI.
func (m *importer) declarations(uris []*extpb.SimpleExtensionURI, decls []*extpb.SimpleExtensionDeclaration) error {
	byAnchor := map[uint32]string{}
	for _, u := range uris {
		if _, dup := byAnchor[u.GetExtensionUriAnchor()]; dup {
			return fmt.Errorf("%w: extension URI anchor %d is declared twice", ErrInvalid, u.GetExtensionUriAnchor())
		}
		byAnchor[u.GetExtensionUriAnchor()] = u.GetUri()
	}
	uriOfRef := func(ref uint32, what string) (string, error) {
		u, ok := byAnchor[ref]
		if !ok {
			return "", fmt.Errorf("%w: %s refers to extension URI anchor %d, which is not declared", ErrInvalid, what, ref)
		}
		return u, nil
	}
	for _, d := range decls {
		switch k := d.GetMappingType().(type) {
		case *extpb.SimpleExtensionDeclaration_ExtensionFunction_:
			f := k.ExtensionFunction
			uri, err := uriOfRef(f.GetExtensionUriReference(), "function "+f.GetName())
			if err != nil {
				return err
			}
			if _, dup := m.funcs[f.GetFunctionAnchor()]; dup {
				return fmt.Errorf("%w: function anchor %d is declared twice", ErrInvalid, f.GetFunctionAnchor())
			}
			m.funcs[f.GetFunctionAnchor()] = funcRef{uri: uri, file: fileOf(uri), name: simpleName(f.GetName())}
		case *extpb.SimpleExtensionDeclaration_ExtensionType_:
			t := k.ExtensionType
			uri, err := uriOfRef(t.GetExtensionUriReference(), "type "+t.GetName())
			if err != nil {
				return err
			}
			if _, dup := m.types[t.GetTypeAnchor()]; dup {
				return fmt.Errorf("%w: type anchor %d is declared twice", ErrInvalid, t.GetTypeAnchor())
			}
			m.types[t.GetTypeAnchor()] = funcRef{uri: uri, file: fileOf(uri), name: t.GetName()}
		default:
			// Type variations only qualify types; dataflow ignores them.
		}
	}
	return nil
}

// typeName returns the name of a user-defined type dataflow knows.
func (m *importer) typeName(anchor uint32) (string, error) {
	t, ok := m.types[anchor]
	if !ok {
		return "", fmt.Errorf("%w: type anchor %d is not declared", ErrInvalid, anchor)
	}
	if t.file != fileTypes {
		return "", fmt.Errorf("%w: user-defined type %s", ErrUnsupported, t)
	}
	return t.name, nil
}

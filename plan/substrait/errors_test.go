package substrait_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/apache/arrow/go/v15/arrow"
	pb "github.com/substrait-io/substrait-go/proto"
	"github.com/substrait-io/substrait-go/proto/extensions"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/known/anypb"
	"google.golang.org/protobuf/types/known/wrapperspb"

	"github.com/dataflow-go/dataflow/exec"
	"github.com/dataflow-go/dataflow/plan"
	"github.com/dataflow-go/dataflow/plan/substrait"
	"github.com/dataflow-go/dataflow/store"
)

// firstScalarFunction finds the first scalar function call in a plan.
func firstScalarFunction(m proto.Message) *pb.Expression_ScalarFunction {
	var found *pb.Expression_ScalarFunction
	var walk func(proto.Message)
	walk = func(m proto.Message) {
		if found != nil {
			return
		}
		if f, ok := m.(*pb.Expression_ScalarFunction); ok {
			found = f
			return
		}
		m.ProtoReflect().Range(func(fd protoreflect.FieldDescriptor, v protoreflect.Value) bool {
			switch {
			case fd.IsList() && fd.Message() != nil:
				for i := 0; i < v.List().Len(); i++ {
					walk(v.List().Get(i).Message().Interface())
				}
			case fd.Message() != nil && !fd.IsMap():
				walk(v.Message().Interface())
			}
			return found == nil
		})
	}
	walk(m)
	return found
}

func TestImportErrors(t *testing.T) {
	cat := testCatalog(t)
	filtered := func() *pb.Plan {
		T := scanOf(t, cat, "t", "")
		return mustExport(t, must(plan.NewFilter(T, bin(exec.OpGt, col("t", "id"), i64l(2)))))
	}
	read := func(p *pb.Plan) *pb.ReadRel {
		return p.Relations[0].GetRoot().GetInput().GetFilter().GetInput().GetRead()
	}
	for _, c := range []struct {
		name     string
		plan     func() *pb.Plan
		resolver substrait.Resolver
		sentinel error
		want     string
	}{
		{"nil plan", func() *pb.Plan { return nil }, cat, substrait.ErrInvalid, "nil plan"},
		{"no root", func() *pb.Plan { return &pb.Plan{} }, cat, substrait.ErrInvalid, "no root relation"},
		{"unknown function anchor", func() *pb.Plan {
			p := filtered()
			firstScalarFunction(p).FunctionReference = 999
			return p
		}, cat, substrait.ErrInvalid, "function anchor 999 is not declared"},
		{"unknown function", func() *pb.Plan {
			p := filtered()
			p.Extensions[0].GetExtensionFunction().Name = "frobnicate:i64_i64"
			return p
		}, cat, substrait.ErrUnsupported, "unknown function frobnicate"},
		{"function from an unknown extension", func() *pb.Plan {
			p := filtered()
			p.ExtensionUris[0].Uri = "https://example.com/functions_mine.yaml"
			return p
		}, cat, substrait.ErrUnsupported, "functions_mine.yaml"},
		{"undeclared URI anchor", func() *pb.Plan {
			p := filtered()
			p.Extensions[0].GetExtensionFunction().ExtensionUriReference = 42
			return p
		}, cat, substrait.ErrInvalid, "extension URI anchor 42"},
		{"duplicate function anchor", func() *pb.Plan {
			p := filtered()
			p.Extensions = append(p.Extensions, p.Extensions[0])
			return p
		}, cat, substrait.ErrInvalid, "declared twice"},
		{"field index out of range", func() *pb.Plan {
			p := filtered()
			args := firstScalarFunction(p).Arguments
			args[0].GetValue().GetSelection().GetDirectReference().GetStructField().Field = 42
			return p
		}, cat, substrait.ErrInvalid, "field reference 42 out of range: the input has 8 columns"},
		{"negative field index", func() *pb.Plan {
			p := filtered()
			args := firstScalarFunction(p).Arguments
			args[0].GetValue().GetSelection().GetDirectReference().GetStructField().Field = -1
			return p
		}, cat, substrait.ErrInvalid, "field reference -1 out of range"},
		{"wrong argument count", func() *pb.Plan {
			p := filtered()
			f := firstScalarFunction(p)
			f.Arguments = f.Arguments[:1]
			return p
		}, cat, substrait.ErrInvalid, "takes 2 argument(s), got 1"},
		{"unknown table", func() *pb.Plan {
			p := filtered()
			read(p).GetNamedTable().Names = []string{"nope"}
			return p
		}, cat, substrait.ErrInvalid, `table "nope"`},
		{"base schema disagrees with the catalog", func() *pb.Plan {
			p := filtered()
			read(p).BaseSchema.Names[1] = "b"
			return p
		}, cat, substrait.ErrInvalid, `column 1 of table "t" is "b" in the plan but "a" in the catalog`},
		{"base schema type disagrees", func() *pb.Plan {
			p := filtered()
			read(p).BaseSchema.Struct.Types[1] = read(p).BaseSchema.Struct.Types[0]
			return p
		}, cat, substrait.ErrInvalid, "column a of table \"t\" is bigint in the plan but integer in the catalog"},
		{"projection out of range", func() *pb.Plan {
			p := mustExport(t, must(scanOf(t, cat, "t", "").WithProjection([]int{0})))
			p.Relations[0].GetRoot().GetInput().GetRead().Projection.Select.StructItems[0].Field = 8
			return p
		}, cat, substrait.ErrInvalid, "projection of field 8, but the table has 8 columns"},
		{"no resolver", filtered, nil, substrait.ErrInvalid, "no resolver"},
		{"unknown relation", func() *pb.Plan {
			p := filtered()
			p.Relations[0].GetRoot().Input = &pb.Rel{RelType: &pb.Rel_ExtensionLeaf{ExtensionLeaf: &pb.ExtensionLeafRel{}}}
			return p
		}, cat, substrait.ErrUnsupported, "relation Rel_ExtensionLeaf"},
		{"unknown set operation", func() *pb.Plan {
			p := filtered()
			in := p.Relations[0].GetRoot().Input
			p.Relations[0].GetRoot().Input = &pb.Rel{RelType: &pb.Rel_Set{Set: &pb.SetRel{Inputs: []*pb.Rel{in, in}, Op: pb.SetRel_SET_OP_MINUS_PRIMARY}}}
			return p
		}, cat, substrait.ErrUnsupported, "SET_OP_MINUS_PRIMARY"},
		{"unknown enhancement", func() *pb.Plan {
			p := filtered()
			enh, _ := anypb.New(wrapperspb.String("x"))
			p.Relations[0].GetRoot().GetInput().GetFilter().Common.AdvancedExtension = &extensions.AdvancedExtension{Enhancement: enh}
			return p
		}, cat, substrait.ErrUnsupported, "FilterRel carries an enhancement (type.googleapis.com/google.protobuf.StringValue)"},
		{"udf without a udf resolver", func() *pb.Plan {
			return mustExport(t, must(plan.NewProject(scanOf(t, cat, "t", ""), []plan.Expr{plan.UDFCall{UDF: twiceUDF, Args: []plan.Expr{col("t", "id")}}})))
		}, substrait.TableFunc(func(names []string) (store.Table, error) { return cat.Table(names) }), substrait.ErrUnsupported, "UDF twice"},
		{"unknown udf", func() *pb.Plan {
			p := mustExport(t, must(plan.NewProject(scanOf(t, cat, "t", ""), []plan.Expr{plan.UDFCall{UDF: twiceUDF, Args: []plan.Expr{col("t", "id")}}})))
			p.Extensions[0].GetExtensionFunction().Name = "thrice:i64"
			return p
		}, cat, substrait.ErrUnsupported, `unknown scalar UDF "thrice"`},
		{"correlated reference", func() *pb.Plan {
			p := filtered()
			sel := firstScalarFunction(p).Arguments[0].GetValue().GetSelection()
			sel.RootType = &pb.Expression_FieldReference_OuterReference_{OuterReference: &pb.Expression_FieldReference_OuterReference{}}
			return p
		}, cat, substrait.ErrUnsupported, "outer (correlated) field reference"},
		{"bad decimal literal", func() *pb.Plan {
			p := mustExport(t, must(plan.NewProject(scanOf(t, cat, "t", ""), []plan.Expr{decl("1.5", 4, 2)})))
			p.Relations[0].GetRoot().GetInput().GetProject().Expressions[0].GetLiteral().GetDecimal().Value = []byte{1, 2}
			return p
		}, cat, substrait.ErrInvalid, "decimal literal has 2 bytes, want 16"},
		{"emit out of range", func() *pb.Plan {
			p := mustExport(t, must(plan.NewProject(scanOf(t, cat, "t", ""), []plan.Expr{col("t", "id")})))
			p.Relations[0].GetRoot().GetInput().GetProject().Common.GetEmit().OutputMapping[0] = 99
			return p
		}, cat, substrait.ErrInvalid, "emit of field 99, but the relation has 9 columns"},
		{"grouping sets", func() *pb.Plan {
			p := mustExport(t, must(plan.NewAggregate(scanOf(t, cat, "t", ""), []plan.Expr{col("t", "ok")}, nil)))
			a := p.Relations[0].GetRoot().GetInput().GetAggregate()
			a.Groupings = append(a.Groupings, a.Groupings[0])
			return p
		}, cat, substrait.ErrUnsupported, "2 grouping sets"},
		{"type mismatch caught by the plan", func() *pb.Plan {
			p := filtered()
			// id > 'x': the literal becomes a string.
			firstScalarFunction(p).Arguments[1].GetValue().GetLiteral().LiteralType = &pb.Expression_Literal_String_{String_: "x"}
			return p
		}, cat, plan.ErrPlan, "cannot apply > to int64 and utf8"},
	} {
		t.Run(strings.ReplaceAll(c.name, " ", "_"), func(t *testing.T) {
			_, err := substrait.Import(c.plan(), c.resolver)
			if err == nil {
				t.Fatalf("no error, want one containing %q", c.want)
			}
			if !errors.Is(err, c.sentinel) || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("got %v, want an error wrapping %v containing %q", err, c.sentinel, c.want)
			}
			if !errors.Is(err, substrait.ErrInvalid) && !errors.Is(err, substrait.ErrUnsupported) {
				t.Fatalf("%v wraps neither ErrInvalid nor ErrUnsupported", err)
			}
		})
	}
}

func TestDecodeErrors(t *testing.T) {
	cat := testCatalog(t)
	for name, c := range map[string]struct {
		data   string
		decode func([]byte, substrait.Resolver) (*substrait.Imported, error)
	}{
		"truncated protobuf": {"\x1a\x05\x12\x03", substrait.ImportProto},
		"not protobuf":       {"\xff\xff\xff\xff", substrait.ImportProto},
		"not JSON":           {"{relations: [", substrait.ImportJSON},
		"unknown JSON field": {`{"relationz": []}`, substrait.ImportJSON},
	} {
		if _, err := c.decode([]byte(c.data), cat); !errors.Is(err, substrait.ErrInvalid) {
			t.Errorf("%s: got %v, want ErrInvalid", name, err)
		}
	}
}

func TestExportErrors(t *testing.T) {
	ns := arrow.NewSchema([]arrow.Field{{Name: "t", Type: &arrow.TimestampType{Unit: arrow.Nanosecond}}}, nil)
	tab, err := store.NewMemTable(ns, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := substrait.Export(plan.NewScan("ns", "", tab), nil); !errors.Is(err, substrait.ErrUnsupported) || !strings.Contains(err.Error(), "column ns.t") {
		t.Errorf("nanosecond timestamps: got %v", err)
	}
	if _, err := substrait.Export(nil, nil); !errors.Is(err, substrait.ErrUnsupported) {
		t.Errorf("nil plan: got %v", err)
	}
	cat := testCatalog(t)
	bad := must(plan.NewProject(scanOf(t, cat, "t", ""), []plan.Expr{col("t", "id")}))
	bad.(*plan.Project).Exprs[0] = col("t", "missing")
	if _, err := substrait.Export(bad, nil); !errors.Is(err, plan.ErrPlan) || !strings.Contains(err.Error(), "missing") {
		t.Errorf("unknown column: got %v", err)
	}
	apply := must(plan.NewApply(scanOf(t, cat, "t", ""), scanOf(t, cat, "u", ""), plan.SubqueryExists, nil, "e"))
	if _, err := substrait.Export(apply, nil); !errors.Is(err, substrait.ErrUnsupported) || !strings.Contains(err.Error(), "decorrelation") {
		t.Errorf("Apply: got %v", err)
	}
}

package substrait

import (
	"fmt"

	"github.com/apache/arrow/go/v15/arrow"
	pb "github.com/substrait-io/substrait-go/proto"

	"github.com/dataflow-go/dataflow/plan"
)

// The user-defined types dataflow declares under URITypes.
const (
	// typeInterval is Arrow's month-day-nanosecond interval, which
	// neither interval_year nor interval_day can hold in general.
	typeInterval = "interval_month_day_nano"
	// typeNull is the type of an untyped NULL literal.
	typeNull = "null"
)

func nullability(nullable bool) pb.Type_Nullability {
	if nullable {
		return pb.Type_NULLABILITY_NULLABLE
	}
	return pb.Type_NULLABILITY_REQUIRED
}

// typeToProto converts an Arrow type. Timestamps must be in microseconds
// (Substrait's unit); one with a time zone is an instant (timestamp_tz).
func (x *exporter) typeToProto(t arrow.DataType, nullable bool) (*pb.Type, error) {
	n := nullability(nullable)
	switch t.ID() {
	case arrow.BOOL:
		return &pb.Type{Kind: &pb.Type_Bool{Bool: &pb.Type_Boolean{Nullability: n}}}, nil
	case arrow.INT8:
		return &pb.Type{Kind: &pb.Type_I8_{I8: &pb.Type_I8{Nullability: n}}}, nil
	case arrow.INT16:
		return &pb.Type{Kind: &pb.Type_I16_{I16: &pb.Type_I16{Nullability: n}}}, nil
	case arrow.INT32:
		return &pb.Type{Kind: &pb.Type_I32_{I32: &pb.Type_I32{Nullability: n}}}, nil
	case arrow.INT64:
		return &pb.Type{Kind: &pb.Type_I64_{I64: &pb.Type_I64{Nullability: n}}}, nil
	case arrow.FLOAT32:
		return &pb.Type{Kind: &pb.Type_Fp32{Fp32: &pb.Type_FP32{Nullability: n}}}, nil
	case arrow.FLOAT64:
		return &pb.Type{Kind: &pb.Type_Fp64{Fp64: &pb.Type_FP64{Nullability: n}}}, nil
	case arrow.STRING:
		return &pb.Type{Kind: &pb.Type_String_{String_: &pb.Type_String{Nullability: n}}}, nil
	case arrow.BINARY:
		return &pb.Type{Kind: &pb.Type_Binary_{Binary: &pb.Type_Binary{Nullability: n}}}, nil
	case arrow.DATE32:
		return &pb.Type{Kind: &pb.Type_Date_{Date: &pb.Type_Date{Nullability: n}}}, nil
	case arrow.DECIMAL128:
		d := t.(*arrow.Decimal128Type)
		return &pb.Type{Kind: &pb.Type_Decimal_{Decimal: &pb.Type_Decimal{Precision: d.Precision, Scale: d.Scale, Nullability: n}}}, nil
	case arrow.TIMESTAMP:
		ts := t.(*arrow.TimestampType)
		if ts.Unit != arrow.Microsecond {
			return nil, fmt.Errorf("%w: type %s: Substrait timestamps are in microseconds", ErrUnsupported, t)
		}
		if ts.TimeZone != "" {
			return &pb.Type{Kind: &pb.Type_TimestampTz{TimestampTz: &pb.Type_TimestampTZ{Nullability: n}}}, nil
		}
		return &pb.Type{Kind: &pb.Type_Timestamp_{Timestamp: &pb.Type_Timestamp{Nullability: n}}}, nil
	case arrow.INTERVAL_MONTH_DAY_NANO:
		return x.userType(typeInterval, n), nil
	case arrow.NULL:
		return x.userType(typeNull, pb.Type_NULLABILITY_NULLABLE), nil
	}
	return nil, fmt.Errorf("%w: type %s has no Substrait equivalent", ErrUnsupported, t)
}

func (x *exporter) userType(name string, n pb.Type_Nullability) *pb.Type {
	return &pb.Type{Kind: &pb.Type_UserDefined_{UserDefined: &pb.Type_UserDefined{
		TypeReference: x.typeAnchor(name), Nullability: n,
	}}}
}

// shortName is a type's short name in compound function names
// ("add:i64_i64").
func shortName(t arrow.DataType) string {
	switch t.ID() {
	case arrow.BOOL:
		return "bool"
	case arrow.INT8:
		return "i8"
	case arrow.INT16:
		return "i16"
	case arrow.INT32:
		return "i32"
	case arrow.INT64:
		return "i64"
	case arrow.FLOAT32:
		return "fp32"
	case arrow.FLOAT64:
		return "fp64"
	case arrow.STRING:
		return "str"
	case arrow.BINARY:
		return "vbin"
	case arrow.DATE32:
		return "date"
	case arrow.DECIMAL128:
		return "dec"
	case arrow.TIMESTAMP:
		if t.(*arrow.TimestampType).TimeZone != "" {
			return "tstz"
		}
		return "ts"
	case arrow.INTERVAL_MONTH_DAY_NANO:
		return "u!" + typeInterval
	case arrow.NULL:
		return "u!" + typeNull
	}
	return "any"
}

// typeFromProto converts a Substrait type to Arrow, with its nullability.
func (m *importer) typeFromProto(t *pb.Type) (arrow.DataType, bool, error) {
	if t == nil {
		return nil, false, fmt.Errorf("%w: missing type", ErrInvalid)
	}
	nullable := func(n pb.Type_Nullability) bool { return n != pb.Type_NULLABILITY_REQUIRED }
	switch k := t.GetKind().(type) {
	case *pb.Type_Bool:
		return arrow.FixedWidthTypes.Boolean, nullable(k.Bool.GetNullability()), nil
	case *pb.Type_I8_:
		return arrow.PrimitiveTypes.Int8, nullable(k.I8.GetNullability()), nil
	case *pb.Type_I16_:
		return arrow.PrimitiveTypes.Int16, nullable(k.I16.GetNullability()), nil
	case *pb.Type_I32_:
		return arrow.PrimitiveTypes.Int32, nullable(k.I32.GetNullability()), nil
	case *pb.Type_I64_:
		return arrow.PrimitiveTypes.Int64, nullable(k.I64.GetNullability()), nil
	case *pb.Type_Fp32:
		return arrow.PrimitiveTypes.Float32, nullable(k.Fp32.GetNullability()), nil
	case *pb.Type_Fp64:
		return arrow.PrimitiveTypes.Float64, nullable(k.Fp64.GetNullability()), nil
	case *pb.Type_String_:
		return arrow.BinaryTypes.String, nullable(k.String_.GetNullability()), nil
	case *pb.Type_Varchar:
		return arrow.BinaryTypes.String, nullable(k.Varchar.GetNullability()), nil
	case *pb.Type_FixedChar_:
		return arrow.BinaryTypes.String, nullable(k.FixedChar.GetNullability()), nil
	case *pb.Type_Binary_:
		return arrow.BinaryTypes.Binary, nullable(k.Binary.GetNullability()), nil
	case *pb.Type_Date_:
		return arrow.FixedWidthTypes.Date32, nullable(k.Date.GetNullability()), nil
	case *pb.Type_Decimal_:
		p, s := k.Decimal.GetPrecision(), k.Decimal.GetScale()
		if p < 1 || p > 38 || s < 0 || s > p {
			return nil, false, fmt.Errorf("%w: decimal(%d,%d): precision must be 1..38 and scale 0..precision", ErrInvalid, p, s)
		}
		return &arrow.Decimal128Type{Precision: p, Scale: s}, nullable(k.Decimal.GetNullability()), nil
	case *pb.Type_Timestamp_:
		return &arrow.TimestampType{Unit: arrow.Microsecond}, nullable(k.Timestamp.GetNullability()), nil
	case *pb.Type_TimestampTz:
		return &arrow.TimestampType{Unit: arrow.Microsecond, TimeZone: "UTC"}, nullable(k.TimestampTz.GetNullability()), nil
	case *pb.Type_IntervalYear_:
		return arrow.FixedWidthTypes.MonthDayNanoInterval, nullable(k.IntervalYear.GetNullability()), nil
	case *pb.Type_IntervalDay_:
		return arrow.FixedWidthTypes.MonthDayNanoInterval, nullable(k.IntervalDay.GetNullability()), nil
	case *pb.Type_UserDefined_:
		name, err := m.typeName(k.UserDefined.GetTypeReference())
		if err != nil {
			return nil, false, err
		}
		switch name {
		case typeInterval:
			return arrow.FixedWidthTypes.MonthDayNanoInterval, nullable(k.UserDefined.GetNullability()), nil
		case typeNull:
			return arrow.Null, true, nil
		}
		return nil, false, fmt.Errorf("%w: user-defined type %q", ErrUnsupported, name)
	case nil:
		return nil, false, fmt.Errorf("%w: type without a kind", ErrInvalid)
	}
	return nil, false, fmt.Errorf("%w: type %s has no dataflow equivalent", ErrUnsupported, kindName(t.GetKind()))
}

// kindName names a oneof case for error messages ("*proto.Type_Uuid" ->
// "Type_Uuid").
func kindName(v any) string {
	s := fmt.Sprintf("%T", v)
	for i := len(s) - 1; i >= 0; i-- {
		if s[i] == '.' {
			return s[i+1:]
		}
	}
	return s
}

// namedStruct converts a plan schema to a NamedStruct.
func (x *exporter) namedStruct(s plan.Schema) (*pb.NamedStruct, error) {
	ns := &pb.NamedStruct{Names: make([]string, len(s)), Struct: &pb.Type_Struct{
		Types: make([]*pb.Type, len(s)), Nullability: pb.Type_NULLABILITY_REQUIRED,
	}}
	for i, f := range s {
		t, err := x.typeToProto(f.Type, f.Nullable)
		if err != nil {
			return nil, fmt.Errorf("column %s: %w", f.QualifiedName(), err)
		}
		ns.Names[i], ns.Struct.Types[i] = f.Name, t
	}
	return ns, nil
}

// schemaOf converts a NamedStruct to an (unqualified) plan schema.
func (m *importer) schemaOf(ns *pb.NamedStruct) (plan.Schema, error) {
	if ns == nil || ns.GetStruct() == nil {
		return nil, fmt.Errorf("%w: relation without a base schema", ErrInvalid)
	}
	types := ns.GetStruct().GetTypes()
	if len(ns.GetNames()) != len(types) {
		return nil, fmt.Errorf("%w: base schema has %d names for %d types (nested types are not supported)", ErrInvalid, len(ns.GetNames()), len(types))
	}
	out := make(plan.Schema, len(types))
	for i, t := range types {
		at, nullable, err := m.typeFromProto(t)
		if err != nil {
			return nil, fmt.Errorf("column %q: %w", ns.GetNames()[i], err)
		}
		out[i] = plan.Field{Name: ns.GetNames()[i], Type: at, Nullable: nullable}
	}
	return out, nil
}

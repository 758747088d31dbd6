package substrait

import (
	"encoding/binary"
	"fmt"
	"math"
	"strconv"

	"github.com/apache/arrow/go/v15/arrow"
	"github.com/apache/arrow/go/v15/arrow/decimal128"
	"github.com/apache/arrow/go/v15/arrow/memory"
	"github.com/apache/arrow/go/v15/arrow/scalar"
	pb "github.com/substrait-io/substrait-go/proto"
	"google.golang.org/protobuf/types/known/structpb"
)

// literalToProto converts a scalar. A null scalar becomes a typed null.
func (x *exporter) literalToProto(v scalar.Scalar) (*pb.Expression_Literal, error) {
	if v == nil {
		return nil, fmt.Errorf("%w: literal without a value", ErrUnsupported)
	}
	if !v.IsValid() {
		t, err := x.typeToProto(v.DataType(), true)
		if err != nil {
			return nil, err
		}
		return &pb.Expression_Literal{LiteralType: &pb.Expression_Literal_Null{Null: t}, Nullable: true}, nil
	}
	var out pb.Expression_Literal
	switch s := v.(type) {
	case *scalar.Boolean:
		out.LiteralType = &pb.Expression_Literal_Boolean{Boolean: s.Value}
	case *scalar.Int8:
		out.LiteralType = &pb.Expression_Literal_I8{I8: int32(s.Value)}
	case *scalar.Int16:
		out.LiteralType = &pb.Expression_Literal_I16{I16: int32(s.Value)}
	case *scalar.Int32:
		out.LiteralType = &pb.Expression_Literal_I32{I32: s.Value}
	case *scalar.Int64:
		out.LiteralType = &pb.Expression_Literal_I64{I64: s.Value}
	case *scalar.Float32:
		out.LiteralType = &pb.Expression_Literal_Fp32{Fp32: s.Value}
	case *scalar.Float64:
		out.LiteralType = &pb.Expression_Literal_Fp64{Fp64: s.Value}
	case *scalar.String:
		out.LiteralType = &pb.Expression_Literal_String_{String_: s.String()}
	case *scalar.Binary:
		out.LiteralType = &pb.Expression_Literal_Binary{Binary: append([]byte(nil), s.Data()...)}
	case *scalar.Date32:
		out.LiteralType = &pb.Expression_Literal_Date{Date: int32(s.Value)}
	case *scalar.Decimal128:
		t := s.Type.(*arrow.Decimal128Type)
		out.LiteralType = &pb.Expression_Literal_Decimal_{Decimal: &pb.Expression_Literal_Decimal{
			Value: decimalBytes(s.Value), Precision: t.Precision, Scale: t.Scale,
		}}
	case *scalar.Timestamp:
		t := s.Type.(*arrow.TimestampType)
		if t.Unit != arrow.Microsecond {
			return nil, fmt.Errorf("%w: timestamp literal in %s: Substrait timestamps are in microseconds", ErrUnsupported, t.Unit)
		}
		if t.TimeZone != "" {
			out.LiteralType = &pb.Expression_Literal_TimestampTz{TimestampTz: int64(s.Value)}
		} else {
			out.LiteralType = &pb.Expression_Literal_Timestamp{Timestamp: int64(s.Value)}
		}
	case *scalar.MonthDayNanoInterval:
		return x.intervalToProto(s.Value)
	default:
		return nil, fmt.Errorf("%w: literal of type %s has no Substrait equivalent", ErrUnsupported, v.DataType())
	}
	return &out, nil
}

// decimalBytes is the 16-byte little-endian two's complement form
// Substrait uses for decimal literals.
func decimalBytes(n decimal128.Num) []byte {
	b := make([]byte, 16)
	binary.LittleEndian.PutUint64(b[:8], n.LowBits())
	binary.LittleEndian.PutUint64(b[8:], uint64(n.HighBits()))
	return b
}

// intervalToProto uses the standard interval literals when the value fits
// one of them (months only, or days and whole microseconds), and the
// dataflow interval type otherwise.
func (x *exporter) intervalToProto(v arrow.MonthDayNanoInterval) (*pb.Expression_Literal, error) {
	if v.Days == 0 && v.Nanoseconds == 0 {
		return &pb.Expression_Literal{LiteralType: &pb.Expression_Literal_IntervalYearToMonth_{IntervalYearToMonth: &pb.Expression_Literal_IntervalYearToMonth{Months: v.Months}}}, nil
	}
	secs, micros := v.Nanoseconds/1e9, (v.Nanoseconds%1e9)/1e3
	if v.Months == 0 && v.Nanoseconds%1e3 == 0 && secs >= math.MinInt32 && secs <= math.MaxInt32 {
		return &pb.Expression_Literal{LiteralType: &pb.Expression_Literal_IntervalDayToSecond_{IntervalDayToSecond: &pb.Expression_Literal_IntervalDayToSecond{
			Days: v.Days, Seconds: int32(secs), Microseconds: int32(micros),
		}}}, nil
	}
	body, err := newAny(&structpb.Struct{Fields: map[string]*structpb.Value{
		"months":      structpb.NewNumberValue(float64(v.Months)),
		"days":        structpb.NewNumberValue(float64(v.Days)),
		"nanoseconds": structpb.NewStringValue(strconv.FormatInt(v.Nanoseconds, 10)),
	}})
	if err != nil {
		return nil, fmt.Errorf("%w: interval literal: %w", ErrUnsupported, err)
	}
	return &pb.Expression_Literal{LiteralType: &pb.Expression_Literal_UserDefined_{UserDefined: &pb.Expression_Literal_UserDefined{
		TypeReference: x.typeAnchor(typeInterval), Value: body,
	}}}, nil
}

// literalFromProto converts a Substrait literal to a scalar.
func (m *importer) literalFromProto(l *pb.Expression_Literal) (scalar.Scalar, error) {
	if l == nil {
		return nil, fmt.Errorf("%w: missing literal", ErrInvalid)
	}
	switch k := l.GetLiteralType().(type) {
	case *pb.Expression_Literal_Boolean:
		return scalar.NewBooleanScalar(k.Boolean), nil
	case *pb.Expression_Literal_I8:
		return scalar.NewInt8Scalar(int8(k.I8)), nil
	case *pb.Expression_Literal_I16:
		return scalar.NewInt16Scalar(int16(k.I16)), nil
	case *pb.Expression_Literal_I32:
		return scalar.NewInt32Scalar(k.I32), nil
	case *pb.Expression_Literal_I64:
		return scalar.NewInt64Scalar(k.I64), nil
	case *pb.Expression_Literal_Fp32:
		return scalar.NewFloat32Scalar(k.Fp32), nil
	case *pb.Expression_Literal_Fp64:
		return scalar.NewFloat64Scalar(k.Fp64), nil
	case *pb.Expression_Literal_String_:
		return scalar.NewStringScalar(k.String_), nil
	case *pb.Expression_Literal_VarChar_:
		return scalar.NewStringScalar(k.VarChar.GetValue()), nil
	case *pb.Expression_Literal_FixedChar:
		return scalar.NewStringScalar(k.FixedChar), nil
	case *pb.Expression_Literal_Binary:
		return scalar.NewBinaryScalar(memory.NewBufferBytes(append([]byte(nil), k.Binary...)), arrow.BinaryTypes.Binary), nil
	case *pb.Expression_Literal_Date:
		return scalar.NewDate32Scalar(arrow.Date32(k.Date)), nil
	case *pb.Expression_Literal_Timestamp:
		return scalar.NewTimestampScalar(arrow.Timestamp(k.Timestamp), &arrow.TimestampType{Unit: arrow.Microsecond}), nil
	case *pb.Expression_Literal_TimestampTz:
		return scalar.NewTimestampScalar(arrow.Timestamp(k.TimestampTz), &arrow.TimestampType{Unit: arrow.Microsecond, TimeZone: "UTC"}), nil
	case *pb.Expression_Literal_Decimal_:
		d := k.Decimal
		if len(d.GetValue()) != 16 {
			return nil, fmt.Errorf("%w: decimal literal has %d bytes, want 16", ErrInvalid, len(d.GetValue()))
		}
		p, s := d.GetPrecision(), d.GetScale()
		if p < 1 || p > 38 || s < 0 || s > p {
			return nil, fmt.Errorf("%w: decimal literal (%d,%d): precision must be 1..38 and scale 0..precision", ErrInvalid, p, s)
		}
		b := d.GetValue()
		n := decimal128.New(int64(binary.LittleEndian.Uint64(b[8:])), binary.LittleEndian.Uint64(b[:8]))
		if !n.FitsInPrecision(p) {
			return nil, fmt.Errorf("%w: decimal literal does not fit decimal(%d,%d)", ErrInvalid, p, s)
		}
		return scalar.NewDecimal128Scalar(n, &arrow.Decimal128Type{Precision: p, Scale: s}), nil
	case *pb.Expression_Literal_IntervalYearToMonth_:
		months := int64(k.IntervalYearToMonth.GetYears())*12 + int64(k.IntervalYearToMonth.GetMonths())
		if months < math.MinInt32 || months > math.MaxInt32 {
			return nil, fmt.Errorf("%w: interval of %d months is out of range", ErrInvalid, months)
		}
		return scalar.NewMonthDayNanoIntervalScalar(arrow.MonthDayNanoInterval{Months: int32(months)}), nil
	case *pb.Expression_Literal_IntervalDayToSecond_:
		v := k.IntervalDayToSecond
		nanos := int64(v.GetSeconds())*1e9 + int64(v.GetMicroseconds())*1e3
		return scalar.NewMonthDayNanoIntervalScalar(arrow.MonthDayNanoInterval{Days: v.GetDays(), Nanoseconds: nanos}), nil
	case *pb.Expression_Literal_UserDefined_:
		return m.userLiteral(k.UserDefined)
	case *pb.Expression_Literal_Null:
		t, _, err := m.typeFromProto(k.Null)
		if err != nil {
			return nil, fmt.Errorf("null literal: %w", err)
		}
		if t.ID() == arrow.NULL {
			return scalar.ScalarNull, nil
		}
		return scalar.MakeNullScalar(t), nil
	case nil:
		return nil, fmt.Errorf("%w: literal without a value", ErrInvalid)
	}
	return nil, fmt.Errorf("%w: %s literal", ErrUnsupported, kindName(l.GetLiteralType()))
}

func (m *importer) userLiteral(u *pb.Expression_Literal_UserDefined) (scalar.Scalar, error) {
	name, err := m.typeName(u.GetTypeReference())
	if err != nil {
		return nil, err
	}
	if name != typeInterval {
		return nil, fmt.Errorf("%w: literal of user-defined type %q", ErrUnsupported, name)
	}
	var s structpb.Struct
	if u.GetValue() == nil || !u.GetValue().MessageIs(&s) {
		return nil, fmt.Errorf("%w: %s literal must hold a google.protobuf.Struct", ErrInvalid, typeInterval)
	}
	if err := u.GetValue().UnmarshalTo(&s); err != nil {
		return nil, fmt.Errorf("%w: %s literal: %w", ErrInvalid, typeInterval, err)
	}
	f := s.GetFields()
	months, okM := f["months"].GetKind().(*structpb.Value_NumberValue)
	days, okD := f["days"].GetKind().(*structpb.Value_NumberValue)
	nanos, okN := f["nanoseconds"].GetKind().(*structpb.Value_StringValue)
	if !okM || !okD || !okN {
		return nil, fmt.Errorf("%w: %s literal needs numbers months and days and a string nanoseconds", ErrInvalid, typeInterval)
	}
	ns, err := strconv.ParseInt(nanos.StringValue, 10, 64)
	if err != nil || !isInt32(months.NumberValue) || !isInt32(days.NumberValue) {
		return nil, fmt.Errorf("%w: %s literal out of range", ErrInvalid, typeInterval)
	}
	v := arrow.MonthDayNanoInterval{Months: int32(months.NumberValue), Days: int32(days.NumberValue), Nanoseconds: ns}
	return scalar.NewMonthDayNanoIntervalScalar(v), nil
}

func isInt32(f float64) bool {
	return f == math.Trunc(f) && f >= math.MinInt32 && f <= math.MaxInt32
}

package substrait

import (
	"bytes"
	"encoding/json"
	"fmt"

	pb "github.com/substrait-io/substrait-go/proto"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
)

// MarshalProto encodes a plan in the protobuf binary form,
// deterministically: the same plan gives the same bytes.
func MarshalProto(p *pb.Plan) ([]byte, error) {
	b, err := proto.MarshalOptions{Deterministic: true}.Marshal(p)
	if err != nil {
		return nil, fmt.Errorf("%w: encoding plan: %w", ErrUnsupported, err)
	}
	return b, nil
}

// MarshalJSON encodes a plan in Substrait's JSON form (protojson, field
// names in lowerCamelCase), indented by two spaces. protojson varies its
// whitespace from run to run on purpose; the output is re-indented so that
// the same plan always gives the same text.
func MarshalJSON(p *pb.Plan) ([]byte, error) {
	b, err := protojson.Marshal(p)
	if err != nil {
		return nil, fmt.Errorf("%w: encoding plan as JSON: %w", ErrUnsupported, err)
	}
	var compact, out bytes.Buffer
	if err := json.Compact(&compact, b); err != nil {
		return nil, fmt.Errorf("%w: compacting plan JSON: %w", ErrUnsupported, err)
	}
	if err := json.Indent(&out, compact.Bytes(), "", "  "); err != nil {
		return nil, fmt.Errorf("%w: indenting plan JSON: %w", ErrUnsupported, err)
	}
	out.WriteByte('\n')
	return out.Bytes(), nil
}

// UnmarshalProto decodes a plan from its protobuf binary form.
func UnmarshalProto(data []byte) (*pb.Plan, error) {
	var p pb.Plan
	if err := proto.Unmarshal(data, &p); err != nil {
		return nil, fmt.Errorf("%w: decoding protobuf: %w", ErrInvalid, err)
	}
	return &p, nil
}

// UnmarshalJSON decodes a plan from its JSON form. Unknown fields are
// rejected, so a misspelt field does not silently change the plan.
func UnmarshalJSON(data []byte) (*pb.Plan, error) {
	var p pb.Plan
	if err := protojson.Unmarshal(data, &p); err != nil {
		return nil, fmt.Errorf("%w: decoding JSON: %w", ErrInvalid, err)
	}
	return &p, nil
}

// ImportProto decodes and imports a protobuf-encoded plan.
func ImportProto(data []byte, tables Resolver) (*Imported, error) {
	p, err := UnmarshalProto(data)
	if err != nil {
		return nil, err
	}
	return Import(p, tables)
}

// ImportJSON decodes and imports a JSON-encoded plan.
func ImportJSON(data []byte, tables Resolver) (*Imported, error) {
	p, err := UnmarshalJSON(data)
	if err != nil {
		return nil, err
	}
	return Import(p, tables)
}

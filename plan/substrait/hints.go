package substrait

import (
	"fmt"
	"maps"
	"slices"

	"github.com/substrait-io/substrait-go/proto/extensions"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/anypb"
	"google.golang.org/protobuf/types/known/structpb"
)

// Hints are placement and resource hints for a whole plan or one
// relation. They do not change a plan's meaning, so they travel as
// Substrait optimizations that other consumers may ignore.
type Hints struct {
	// PlacementStrategy names how the placement solver should spread the
	// work ("spread", "pack", "local", ...); empty means no preference.
	PlacementStrategy string
	// Resources are amounts by resource name ("cpu", "memory_bytes",
	// "gpu"): what the plan or relation is expected to need.
	Resources map[string]float64
}

func (h *Hints) empty() bool {
	return h == nil || (h.PlacementStrategy == "" && len(h.Resources) == 0)
}

// extensionKey is the single member of the google.protobuf.Struct that
// dataflow's extensions are wrapped in, so that a Struct put there by
// another producer is recognisably not ours.
const extensionKey = "dataflow.v1"

// relExtension is what dataflow records about one relation (or, with only
// the hint fields, about the plan).
type relExtension struct {
	hints Hints
	// alias is a scan's alias; hasAlias says the member was present
	// (dataflow writes it, empty or not, for every scan, so that an
	// importer knows not to invent aliases for plans that had none).
	alias    string
	hasAlias bool
	// names are the output column names of a project, aggregate or
	// inline table; relations the inline table's column qualifiers.
	names     []string
	relations []string
	// join is the enhancement of a join type Substrait lacks ("mark").
	join string
}

func (r *relExtension) empty() bool {
	return r.hints.empty() && !r.hasAlias && r.names == nil && r.relations == nil && r.join == ""
}

func stringList(ss []string) *structpb.Value {
	vs := make([]*structpb.Value, len(ss))
	for i, s := range ss {
		vs[i] = structpb.NewStringValue(s)
	}
	return structpb.NewListValue(&structpb.ListValue{Values: vs})
}

// toAny encodes r as an Any holding a google.protobuf.Struct.
func (r *relExtension) toAny() (*anypb.Any, error) {
	fields := map[string]*structpb.Value{}
	if r.hints.PlacementStrategy != "" {
		fields["placement"] = structpb.NewStringValue(r.hints.PlacementStrategy)
	}
	if len(r.hints.Resources) > 0 {
		res := map[string]*structpb.Value{}
		for _, k := range slices.Sorted(maps.Keys(r.hints.Resources)) {
			res[k] = structpb.NewNumberValue(r.hints.Resources[k])
		}
		fields["resources"] = structpb.NewStructValue(&structpb.Struct{Fields: res})
	}
	if r.hasAlias {
		fields["alias"] = structpb.NewStringValue(r.alias)
	}
	if r.names != nil {
		fields["names"] = stringList(r.names)
	}
	if r.relations != nil {
		fields["relations"] = stringList(r.relations)
	}
	if r.join != "" {
		fields["join"] = structpb.NewStringValue(r.join)
	}
	s := &structpb.Struct{Fields: map[string]*structpb.Value{
		extensionKey: structpb.NewStructValue(&structpb.Struct{Fields: fields}),
	}}
	a, err := newAny(s)
	if err != nil {
		return nil, fmt.Errorf("%w: encoding the dataflow extension: %w", ErrUnsupported, err)
	}
	return a, nil
}

// advanced returns the AdvancedExtension carrying r as an optimization, or
// nil when there is nothing to carry.
func (r *relExtension) advanced() (*extensions.AdvancedExtension, error) {
	if r.empty() {
		return nil, nil
	}
	a, err := r.toAny()
	if err != nil {
		return nil, err
	}
	return &extensions.AdvancedExtension{Optimization: a}, nil
}

// parseExtension decodes a dataflow extension. ok is false when the Any
// holds something else (another producer's optimization), which callers
// may ignore; err is set when it is ours but malformed.
func parseExtension(a *anypb.Any) (ext relExtension, ok bool, err error) {
	if a == nil {
		return ext, false, nil
	}
	var s structpb.Struct
	if !a.MessageIs(&s) {
		return ext, false, nil
	}
	if err := a.UnmarshalTo(&s); err != nil {
		return ext, false, fmt.Errorf("%w: dataflow extension: %w", ErrInvalid, err)
	}
	v, found := s.GetFields()[extensionKey]
	if !found {
		return ext, false, nil
	}
	body := v.GetStructValue()
	if body == nil {
		return ext, false, fmt.Errorf("%w: dataflow extension %q is not an object", ErrInvalid, extensionKey)
	}
	for k, v := range body.GetFields() {
		switch k {
		case "placement":
			ext.hints.PlacementStrategy, err = stringValue(k, v)
		case "alias":
			ext.alias, err = stringValue(k, v)
			ext.hasAlias = true
		case "join":
			ext.join, err = stringValue(k, v)
		case "names":
			ext.names, err = stringValues(k, v)
		case "relations":
			ext.relations, err = stringValues(k, v)
		case "resources":
			res := v.GetStructValue()
			if res == nil {
				return ext, false, fmt.Errorf("%w: dataflow extension: resources must be an object", ErrInvalid)
			}
			ext.hints.Resources = map[string]float64{}
			for name, amount := range res.GetFields() {
				n, isNum := amount.GetKind().(*structpb.Value_NumberValue)
				if !isNum {
					return ext, false, fmt.Errorf("%w: dataflow extension: resource %q must be a number", ErrInvalid, name)
				}
				ext.hints.Resources[name] = n.NumberValue
			}
		default:
			// Later versions may add members; older readers skip them.
		}
		if err != nil {
			return ext, false, err
		}
	}
	return ext, true, nil
}

func stringValue(key string, v *structpb.Value) (string, error) {
	s, ok := v.GetKind().(*structpb.Value_StringValue)
	if !ok {
		return "", fmt.Errorf("%w: dataflow extension: %s must be a string", ErrInvalid, key)
	}
	return s.StringValue, nil
}

func stringValues(key string, v *structpb.Value) ([]string, error) {
	l := v.GetListValue()
	if l == nil {
		return nil, fmt.Errorf("%w: dataflow extension: %s must be a list of strings", ErrInvalid, key)
	}
	out := make([]string, len(l.GetValues()))
	for i, x := range l.GetValues() {
		s, err := stringValue(key, x)
		if err != nil {
			return nil, err
		}
		out[i] = s
	}
	return out, nil
}

func (r *relExtension) hintsOrNil() *Hints {
	if r.hints.empty() {
		return nil
	}
	h := r.hints
	return &h
}

// newAny packs m deterministically (a Struct's members are a map), so
// that exporting the same plan always gives the same bytes.
func newAny(m proto.Message) (*anypb.Any, error) {
	a := &anypb.Any{}
	if err := anypb.MarshalFrom(a, m, proto.MarshalOptions{Deterministic: true}); err != nil {
		return nil, err
	}
	return a, nil
}

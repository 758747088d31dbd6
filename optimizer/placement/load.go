package placement

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/goccy/go-yaml"
)

// LoadCluster reads a cluster description from a YAML (.yaml, .yml) or JSON
// (.json) file:
//
//	nodes:
//	  - id: n1
//	    address: 10.0.0.1:7070
//	    resources: {cpu: 16, memory: 68719476736, gpu: 1}
//	    labels: {rack: r1, zone: us-east-1a}
//	tables:
//	  - name: lineitem
//	    partitions:
//	      - {bytes: 134217728, replicas: [n1, n2]}
//
// The result is validated: node ids are unique and replicas name known nodes.
func LoadCluster(path string) (*Cluster, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("%w: reading cluster file: %v", ErrInvalid, err)
	}
	return ParseCluster(data, filepath.Ext(path))
}

// ParseCluster decodes a cluster description; format is "json" or "yaml"
// (a leading dot is ignored, "yml" is accepted).
func ParseCluster(data []byte, format string) (*Cluster, error) {
	var cl Cluster
	switch strings.TrimPrefix(strings.ToLower(format), ".") {
	case "json":
		dec := json.NewDecoder(strings.NewReader(string(data)))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&cl); err != nil {
			return nil, fmt.Errorf("%w: cluster JSON: %v", ErrInvalid, err)
		}
	case "yaml", "yml":
		if err := yaml.UnmarshalWithOptions(data, &cl, yaml.Strict()); err != nil {
			return nil, fmt.Errorf("%w: cluster YAML: %v", ErrInvalid, err)
		}
	default:
		return nil, fmt.Errorf("%w: cluster file format %q (valid: yaml, yml, json)", ErrInvalid, format)
	}
	// Validate through the problem compiler, which owns the rules.
	if _, err := compile(&Problem{Cluster: cl}, DefaultOptions()); err != nil {
		return nil, err
	}
	return &cl, nil
}

package placement

import (
	"fmt"
	"math"
	"sort"
)

// Well-known resource names. Any other name is a custom resource and is
// matched by name only.
const (
	ResourceCPU    = "cpu"
	ResourceMemory = "memory"
	ResourceGPU    = "gpu"
)

// Resources maps a resource name to an amount (cores, bytes, devices or a
// custom unit). A missing name means zero.
type Resources map[string]float64

// String renders resources sorted by name, e.g. "cpu=4 gpu=1".
func (r Resources) String() string {
	names := make([]string, 0, len(r))
	for n := range r {
		names = append(names, n)
	}
	sort.Strings(names)
	s := ""
	for i, n := range names {
		if i > 0 {
			s += " "
		}
		s += fmt.Sprintf("%s=%s", n, formatAmount(r[n]))
	}
	return s
}

// Node is one machine of the cluster.
type Node struct {
	ID        string            `json:"id" yaml:"id"`
	Address   string            `json:"address,omitempty" yaml:"address,omitempty"`
	Resources Resources         `json:"resources,omitempty" yaml:"resources,omitempty"`
	Labels    map[string]string `json:"labels,omitempty" yaml:"labels,omitempty"`
}

// Partition is one piece of a table with the nodes holding a replica of it.
type Partition struct {
	Bytes    int64    `json:"bytes" yaml:"bytes"`
	Replicas []string `json:"replicas" yaml:"replicas"`
}

// Table is a named table split into partitions.
type Table struct {
	Name       string      `json:"name" yaml:"name"`
	Partitions []Partition `json:"partitions" yaml:"partitions"`
}

// Cluster is the set of nodes and the tables stored on them.
type Cluster struct {
	Nodes  []Node  `json:"nodes" yaml:"nodes"`
	Tables []Table `json:"tables,omitempty" yaml:"tables,omitempty"`
}

// PartitionRef names one partition of a table.
type PartitionRef struct {
	Table     string
	Partition int
}

// Task is one unit of a stage. Inputs are the partitions it scans; a task
// placed on a node holding a replica reads them locally.
type Task struct {
	Inputs []PartitionRef
}

// LabelConstraint restricts a stage to nodes carrying Key=Value (affinity)
// or to nodes not carrying it (Anti). A Soft constraint is a preference: each
// task placed against it costs Options.SoftWeight.
type LabelConstraint struct {
	Key   string
	Value string
	Anti  bool
	Soft  bool
}

func (l LabelConstraint) String() string {
	op := "="
	if l.Anti {
		op = "!="
	}
	kind := "hard"
	if l.Soft {
		kind = "soft"
	}
	return fmt.Sprintf("%s label %s%s%s", kind, l.Key, op, l.Value)
}

// Variant is one way to run a stage's tasks, e.g. on a GPU or on CPUs. Penalty
// is the loss of utility per task choosing it, in the objective's unit
// (bytes), so a slower CPU variant can be made less attractive than a GPU one
// without forbidding it.
type Variant struct {
	Name    string
	Demand  Resources
	Penalty float64
}

// Stage is a set of k = len(Tasks) equivalent tasks to place.
type Stage struct {
	Name  string
	Tasks []Task
	// Demand is the per-task resource demand, used when Variants is empty.
	Demand Resources
	// Variants are alternative demands; each task runs as exactly one.
	Variants []Variant
	// Strategy is the Ray-style placement strategy of the stage's tasks;
	// StrategyAuto defers to Options.Strategy.
	Strategy Strategy
	// Labels are affinity and anti-affinity constraints on node labels.
	Labels []LabelConstraint
}

// K returns the number of tasks of the stage.
func (s *Stage) K() int { return len(s.Tasks) }

func (s *Stage) variants() []Variant {
	if len(s.Variants) > 0 {
		return s.Variants
	}
	return []Variant{{Name: "default", Demand: s.Demand}}
}

// EdgeKind says how bytes travel along an edge between two stages.
type EdgeKind int

const (
	// EdgeShuffle sends every producer task's output evenly to all
	// consumer tasks (hash repartitioning).
	EdgeShuffle EdgeKind = iota
	// EdgeForward sends producer task i's output to consumer task i; both
	// stages must have the same number of tasks.
	EdgeForward
	// EdgeCombine feeds partial aggregates to a final aggregation. Producer
	// tasks sharing a node are merged by a per-node combiner, so the node
	// ships one partial (Bytes/k of the producer) instead of one per task.
	EdgeCombine
)

func (k EdgeKind) String() string {
	switch k {
	case EdgeShuffle:
		return "shuffle"
	case EdgeForward:
		return "forward"
	case EdgeCombine:
		return "combine"
	}
	return fmt.Sprintf("EdgeKind(%d)", int(k))
}

// Edge is a plan edge between two stages (indexes into Problem.Stages) with
// the estimated bytes the producer stage sends in total (for EdgeCombine: the
// total of all per-task partials, before combining).
type Edge struct {
	From, To int
	Bytes    int64
	Kind     EdgeKind
}

// Problem is the input of Solve: a cluster and a stage graph to place on it.
type Problem struct {
	Cluster Cluster
	Stages  []Stage
	Edges   []Edge
}

func formatAmount(v float64) string {
	if v == float64(int64(v)) {
		return fmt.Sprintf("%d", int64(v))
	}
	return fmt.Sprintf("%g", v)
}

// formatBytes renders a byte count with a binary unit.
func formatBytes(b float64) string {
	const unit = 1024
	if math.Abs(b) < 0.5 {
		return "0 B"
	}
	if b < 0 {
		return "-" + formatBytes(-b)
	}
	if b < unit {
		return fmt.Sprintf("%.0f B", b)
	}
	units := []string{"KiB", "MiB", "GiB", "TiB", "PiB"}
	v := b / unit
	i := 0
	for v >= unit && i < len(units)-1 {
		v /= unit
		i++
	}
	return fmt.Sprintf("%.1f %s", v, units[i])
}

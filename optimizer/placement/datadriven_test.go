package placement

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/cockroachdb/datadriven"
)

// The command language of testdata/*:
//
//	cluster                         one node per line: id, resources as
//	n1 cpu=4 gpu=1 rack:r1          key=number, labels as key:value
//	----
//
//	table name=T [partitions=N size=S rf=R]   generated round robin, or
//	0 size=1MiB on=n1,n2                      one partition per line
//
//	place [strategy=S] [node-limit=N] [time-limit=D] [imbalance=W] [soft=W]
//	      [baselines] [dot] [combine-off]
//	stage NAME tasks=K [reads=T] [cpu=..] [gpu=..] [strategy=S]
//	      [label=k:v] [anti=k:v] [soft-label=k:v] [soft-anti=k:v]
//	      [variant=name/res=amt/.../penalty=S]
//	edge FROM -> TO bytes=S [kind=shuffle|forward|combine]
//
// place prints the solver's explanation (or its error), and with
// `baselines` one line per baseline; it fails the test if any feasible
// baseline ranks before the solver (Metrics.Better) or, when imbalance is
// not priced and the problem has no soft preference, moves fewer bytes.
func TestDataDriven(t *testing.T) {
	datadriven.Walk(t, "testdata", func(t *testing.T, path string) {
		var cl Cluster
		datadriven.RunTest(t, path, func(t *testing.T, d *datadriven.TestData) string {
			switch d.Cmd {
			case "cluster":
				cl = Cluster{}
				nodes, err := parseNodes(d.Input)
				if err != nil {
					return "error: " + err.Error()
				}
				cl.Nodes = nodes
				return fmt.Sprintf("%d nodes", len(nodes))
			case "table":
				tab, err := parseTable(d, cl.Nodes)
				if err != nil {
					return "error: " + err.Error()
				}
				cl.Tables = append(cl.Tables, tab)
				return fmt.Sprintf("table %s: %d partitions", tab.Name, len(tab.Partitions))
			case "place":
				return runPlace(t, d, cl)
			}
			return "unknown command " + d.Cmd
		})
	})
}

func runPlace(t *testing.T, d *datadriven.TestData, cl Cluster) string {
	opts := DefaultOptions()
	var showBaselines, showDOT, combineOff bool
	for _, arg := range d.CmdArgs {
		val := ""
		if len(arg.Vals) > 0 {
			val = arg.Vals[0]
		}
		var err error
		switch arg.Key {
		case "strategy":
			opts.Strategy, err = ParseStrategy(val)
		case "node-limit":
			opts.NodeLimit, err = strconv.Atoi(val)
		case "time-limit":
			opts.TimeLimit, err = time.ParseDuration(val)
		case "imbalance":
			opts.ImbalanceWeight, err = parseSize(val)
		case "soft":
			opts.SoftWeight, err = parseSize(val)
		case "baselines":
			showBaselines = true
		case "dot":
			showDOT = true
		case "combine-off":
			combineOff = true
		default:
			err = fmt.Errorf("unknown argument %q", arg.Key)
		}
		if err != nil {
			return "error: " + err.Error()
		}
	}
	p, err := parseStages(d.Input, cl)
	if err != nil {
		return "error: " + err.Error()
	}
	res, err := Solve(p, &opts)
	if err != nil {
		return "error: " + err.Error()
	}
	var b strings.Builder
	b.WriteString(res.Explanation.String())
	if showBaselines {
		for _, name := range BaselineNames {
			bp, err := Baseline(p, name, 1, opts)
			if err != nil {
				fmt.Fprintf(&b, "baseline %s: %v\n", name, err)
				continue
			}
			bp.Combine = !combineOff
			m, err := EvaluateWith(p, bp, opts)
			if err != nil {
				t.Fatal(err)
			}
			fmt.Fprintf(&b, "baseline %s: moved %s, to final %s, objective %s, feasible %v\n", name,
				formatBytes(m.BytesMoved), formatBytes(m.BytesToFinal), formatBytes(m.Objective), m.Feasible())
			if m.Feasible() && m.Better(res.Metrics) {
				t.Errorf("%s: baseline %s (objective %v, imbalance %v) beats solver (%v, %v)", d.Pos, name,
					m.Objective, m.Imbalance, res.Metrics.Objective, res.Metrics.Imbalance)
			}
			if m.Feasible() && bytesFirst(p, opts) && m.BytesMoved < res.Metrics.BytesMoved-1e-6 {
				t.Errorf("%s: baseline %s moves %v bytes, fewer than the solver's %v", d.Pos, name, m.BytesMoved, res.Metrics.BytesMoved)
			}
		}
	}
	if !res.Metrics.Feasible() {
		t.Errorf("%s: solver placement breaks hard constraints: %v", d.Pos, res.Metrics.HardViolations)
	}
	if !math.IsNaN(res.Explanation.Bound) && res.Explanation.Bound > res.Metrics.Objective+1e-6 {
		t.Errorf("%s: bound %v above objective %v", d.Pos, res.Explanation.Bound, res.Metrics.Objective)
	}
	if showDOT {
		dot, err := DOT(p, res.Placement)
		if err != nil {
			t.Fatal(err)
		}
		b.WriteString(dot)
	}
	return b.String()
}

func parseNodes(input string) ([]Node, error) {
	var nodes []Node
	for _, line := range nonEmptyLines(input) {
		f := strings.Fields(line)
		n := Node{ID: f[0], Resources: Resources{}, Labels: map[string]string{}}
		for _, tok := range f[1:] {
			if k, v, ok := strings.Cut(tok, "="); ok {
				x, err := parseSize(v)
				if err != nil {
					return nil, err
				}
				n.Resources[k] = x
			} else if k, v, ok := strings.Cut(tok, ":"); ok {
				n.Labels[k] = v
			} else {
				return nil, fmt.Errorf("node %s: cannot read %q", f[0], tok)
			}
		}
		nodes = append(nodes, n)
	}
	return nodes, nil
}

func parseTable(d *datadriven.TestData, nodes []Node) (Table, error) {
	var tab Table
	parts, rf := 0, 1
	size := 0.0
	for _, arg := range d.CmdArgs {
		v := arg.Vals[0]
		var err error
		switch arg.Key {
		case "name":
			tab.Name = v
		case "partitions":
			parts, err = strconv.Atoi(v)
		case "size":
			size, err = parseSize(v)
		case "rf":
			rf, err = strconv.Atoi(v)
		default:
			err = fmt.Errorf("unknown argument %q", arg.Key)
		}
		if err != nil {
			return tab, err
		}
	}
	for i := 0; i < parts; i++ {
		var reps []string
		for r := 0; r < rf && r < len(nodes); r++ {
			reps = append(reps, nodes[(i+r)%len(nodes)].ID)
		}
		tab.Partitions = append(tab.Partitions, Partition{Bytes: int64(size), Replicas: reps})
	}
	for _, line := range nonEmptyLines(d.Input) {
		var p Partition
		for _, tok := range strings.Fields(line)[1:] {
			k, v, _ := strings.Cut(tok, "=")
			switch k {
			case "size":
				x, err := parseSize(v)
				if err != nil {
					return tab, err
				}
				p.Bytes = int64(x)
			case "on":
				p.Replicas = strings.Split(v, ",")
			default:
				return tab, fmt.Errorf("partition: cannot read %q", tok)
			}
		}
		tab.Partitions = append(tab.Partitions, p)
	}
	return tab, nil
}

func parseStages(input string, cl Cluster) (*Problem, error) {
	p := &Problem{Cluster: cl}
	index := map[string]int{}
	parts := map[string]int{}
	for _, t := range cl.Tables {
		parts[t.Name] = len(t.Partitions)
	}
	for _, line := range nonEmptyLines(input) {
		f := strings.Fields(line)
		switch f[0] {
		case "stage":
			if len(f) < 2 {
				return nil, fmt.Errorf("stage needs a name")
			}
			st := Stage{Name: f[1], Demand: Resources{}}
			k := 0
			for _, tok := range f[2:] {
				key, v, _ := strings.Cut(tok, "=")
				var err error
				switch key {
				case "tasks":
					k, err = strconv.Atoi(v)
				case "reads":
					n, ok := parts[v]
					if !ok {
						return nil, fmt.Errorf("unknown table %q", v)
					}
					if k == 0 {
						k = n
					}
					st.Tasks = make([]Task, k)
					for i := 0; i < n; i++ {
						st.Tasks[i%k].Inputs = append(st.Tasks[i%k].Inputs, PartitionRef{Table: v, Partition: i})
					}
				case "strategy":
					st.Strategy, err = ParseStrategy(v)
				case "label", "anti", "soft-label", "soft-anti":
					lk, lv, _ := strings.Cut(v, ":")
					st.Labels = append(st.Labels, LabelConstraint{Key: lk, Value: lv,
						Anti: strings.HasSuffix(key, "anti"), Soft: strings.HasPrefix(key, "soft")})
				case "variant":
					fs := strings.Split(v, "/")
					vr := Variant{Name: fs[0], Demand: Resources{}}
					for _, kv := range fs[1:] {
						rk, rv, _ := strings.Cut(kv, "=")
						x, err := parseSize(rv)
						if err != nil {
							return nil, err
						}
						if rk == "penalty" {
							vr.Penalty = x
						} else {
							vr.Demand[rk] = x
						}
					}
					st.Variants = append(st.Variants, vr)
				default:
					var x float64
					x, err = parseSize(v)
					st.Demand[key] = x
				}
				if err != nil {
					return nil, err
				}
			}
			if st.Tasks == nil {
				st.Tasks = make([]Task, k)
			}
			index[st.Name] = len(p.Stages)
			p.Stages = append(p.Stages, st)
		case "edge":
			if len(f) < 4 || f[2] != "->" {
				return nil, fmt.Errorf("edge: want `edge FROM -> TO bytes=S`")
			}
			from, ok1 := index[f[1]]
			to, ok2 := index[f[3]]
			if !ok1 || !ok2 {
				return nil, fmt.Errorf("edge %s -> %s: unknown stage", f[1], f[3])
			}
			e := Edge{From: from, To: to}
			for _, tok := range f[4:] {
				key, v, _ := strings.Cut(tok, "=")
				switch key {
				case "bytes":
					x, err := parseSize(v)
					if err != nil {
						return nil, err
					}
					e.Bytes = int64(x)
				case "kind":
					switch v {
					case "shuffle":
						e.Kind = EdgeShuffle
					case "forward":
						e.Kind = EdgeForward
					case "combine":
						e.Kind = EdgeCombine
					default:
						return nil, fmt.Errorf("unknown edge kind %q", v)
					}
				default:
					return nil, fmt.Errorf("edge: cannot read %q", tok)
				}
			}
			p.Edges = append(p.Edges, e)
		default:
			return nil, fmt.Errorf("cannot read %q", line)
		}
	}
	return p, nil
}

func parseSize(s string) (float64, error) {
	mult := 1.0
	for _, u := range []struct {
		suffix string
		m      float64
	}{{"KiB", 1 << 10}, {"MiB", 1 << 20}, {"GiB", 1 << 30}, {"TiB", 1 << 40}} {
		if strings.HasSuffix(s, u.suffix) {
			s, mult = strings.TrimSuffix(s, u.suffix), u.m
			break
		}
	}
	x, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return 0, fmt.Errorf("cannot read number %q", s)
	}
	return x * mult, nil
}

func nonEmptyLines(s string) []string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if l = strings.TrimSpace(l); l != "" && !strings.HasPrefix(l, "#") {
			out = append(out, l)
		}
	}
	return out
}

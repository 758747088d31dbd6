package placement

import (
	"fmt"
	"sort"
	"strings"
)

// DOT renders a placed stage graph for Graphviz: every cluster node is a
// subgraph, each stage running there is a box inside it ("stage x tasks"),
// and every plan edge is drawn between the boxes it connects, labelled with
// the bytes it carries (dashed when the bytes stay on one node).
func DOT(p *Problem, pl *Placement) (string, error) {
	c, err := compile(p, DefaultOptions())
	if err != nil {
		return "", err
	}
	a, err := c.assignmentOf(pl)
	if err != nil {
		return "", err
	}
	cnt := make([][]float64, len(c.stages))
	for s := range c.stages {
		cnt[s] = c.counts(a, s)
	}
	id := func(s, n int) string { return fmt.Sprintf("\"s%d@%s\"", s, c.p.Cluster.Nodes[n].ID) }
	var b strings.Builder
	b.WriteString("digraph placement {\n  rankdir=LR;\n  node [shape=box];\n")
	for n, node := range c.p.Cluster.Nodes {
		var boxes []string
		for s := range c.stages {
			if cnt[s][n] > 0 {
				boxes = append(boxes, fmt.Sprintf("    %s [label=\"%s x%d\"];\n", id(s, n), dotEscape(c.p.Stages[s].Name), int(cnt[s][n])))
			}
		}
		if len(boxes) == 0 {
			continue
		}
		fmt.Fprintf(&b, "  subgraph \"cluster_%s\" {\n    label=\"%s\";\n", dotEscape(node.ID), dotEscape(node.ID))
		b.WriteString(strings.Join(boxes, ""))
		b.WriteString("  }\n")
	}
	for _, e := range c.p.Edges {
		flows := c.edgeFlows(e, a, cnt)
		keys := make([][2]int, 0, len(flows))
		for k := range flows {
			keys = append(keys, k)
		}
		sort.Slice(keys, func(i, j int) bool {
			if keys[i][0] != keys[j][0] {
				return keys[i][0] < keys[j][0]
			}
			return keys[i][1] < keys[j][1]
		})
		for _, k := range keys {
			style := ""
			if k[0] == k[1] {
				style = ", style=dashed"
			}
			fmt.Fprintf(&b, "  %s -> %s [label=\"%s %s\"%s];\n", id(e.From, k[0]), id(e.To, k[1]), e.Kind, formatBytes(flows[k]), style)
		}
	}
	b.WriteString("}\n")
	return b.String(), nil
}

// edgeFlows splits the bytes of edge e by (producer node, consumer node).
func (c *compiled) edgeFlows(e Edge, a *assignment, cnt [][]float64) map[[2]int]float64 {
	B := float64(e.Bytes)
	kf, kt := float64(c.stages[e.From].k), float64(c.stages[e.To].k)
	flows := map[[2]int]float64{}
	switch e.Kind {
	case EdgeForward:
		for t, n := range a.node[e.From] {
			flows[[2]int{n, a.node[e.To][t]}] += B / kf
		}
	default:
		for n, x := range cnt[e.From] {
			if x == 0 {
				continue
			}
			out := B * x / kf
			if e.Kind == EdgeCombine && a.combine {
				out = B / kf
			}
			for m, y := range cnt[e.To] {
				if y > 0 {
					flows[[2]int{n, m}] += out * y / kt
				}
			}
		}
	}
	return flows
}

func dotEscape(s string) string {
	return strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(s)
}

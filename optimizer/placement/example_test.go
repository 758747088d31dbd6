package placement_test

import (
	"fmt"

	"github.com/dataflow-go/dataflow/optimizer/placement"
)

func ExampleSolve() {
	p := &placement.Problem{
		Cluster: placement.Cluster{
			Nodes: []placement.Node{
				{ID: "n1", Resources: placement.Resources{"cpu": 4}},
				{ID: "n2", Resources: placement.Resources{"cpu": 4}},
			},
			Tables: []placement.Table{{Name: "lineitem", Partitions: []placement.Partition{
				{Bytes: 1 << 20, Replicas: []string{"n1"}},
				{Bytes: 1 << 20, Replicas: []string{"n2"}},
			}}},
		},
		Stages: []placement.Stage{
			{Name: "scan", Demand: placement.Resources{"cpu": 1}, Tasks: []placement.Task{
				{Inputs: []placement.PartitionRef{{Table: "lineitem", Partition: 0}}},
				{Inputs: []placement.PartitionRef{{Table: "lineitem", Partition: 1}}},
			}},
		},
	}
	res, err := placement.Solve(p, nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	for t, tp := range res.Placement.Tasks[0] {
		fmt.Printf("scan task %d on %s\n", t, tp.Node)
	}
	fmt.Printf("bytes moved: %.0f\n", res.Metrics.BytesMoved)
	// Output:
	// scan task 0 on n1
	// scan task 1 on n2
	// bytes moved: 0
}

func ExampleParseStrategy() {
	_, err := placement.ParseStrategy("diagonal")
	fmt.Println(err)
	// Output:
	// placement: invalid input: unknown placement strategy "diagonal" (valid: auto, pack, spread, strict_pack, strict_spread)
}

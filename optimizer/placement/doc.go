// Package placement decides on which cluster node every task of a stage
// graph runs. It is the "n choose k" placement step of the optimizer: a stage
// asks for k task slots out of an equivalence set of n nodes (the nodes that
// hold its input partitions, that have a GPU, or that carry a label), under
// per-node capacities and Ray-style placement constraints (PACK, SPREAD,
// STRICT_PACK, STRICT_SPREAD, label affinity and anti-affinity, resource
// demands), minimising
//
//	bytes moved across nodes + SoftWeight*unmet soft preferences + variant penalties
//	                         (+ ImbalanceWeight*imbalance, 0 by default)
//
// and, among placements of equal objective, the load imbalance
// (Metrics.Better). The default objective is bytes first and scale-free:
// no constant converts load into bytes, so the same problem with all its
// bytes scaled places the same way, and balance never costs a byte. With
// DefaultOptions and a problem without soft preferences (every stage
// StrategyAuto, STRICT_PACK or STRICT_SPREAD, no soft label, no variant
// penalty) the objective is exactly the bytes moved, so Solve never moves
// more bytes than any feasible placement it compares with, the baselines
// included; capacities and hard constraints still spread the load. Soft
// preferences are the exception, as the user priced them: a soft SPREAD
// (Options.Strategy or a Stage's StrategySpread, as SET placement.strategy
// = 'spread' asks) or PACK, a soft label or a variant penalty may cost
// bytes, up to SoftWeight per unit of preference kept (the penalty itself
// for a variant); a baseline that ignores them can then move fewer bytes
// at a higher objective.
//
// # Input
//
// A Problem is self-contained: a Cluster (nodes with resources and labels,
// tables split into partitions with replica locations), Stages (k tasks each,
// the partitions each task reads, per-task resource demands, constraints) and
// Edges between stages with estimated bytes. An Edge of kind EdgeCombine marks
// the producers of an aggregation feeding its final (combine) stage: producers
// that share a node are merged by a per-node combiner, so a node ships one
// partial instead of one per task. The package does not import the plan
// package; the plan owner converts physical plans into a Problem.
//
// # Solver
//
// Solve follows TetriSched (EuroSys'16). Nodes that are indistinguishable for
// the problem (same resources, labels and local task counts per stage) are
// folded into equivalence classes, so the integer program has variables per
// (stage, variant, class) and its size grows with stages x options x classes,
// not with nodes; past 48 rows the classes are coarsened, down to one. Per
// stage a concentration variable bounds the largest share of its tasks on
// one node: a shuffle keeps at most the concentration of either end local,
// and a stage concentrates only by reading remotely or by splitting forward
// pairs, which is what makes the LP bound see the price of co-locating a
// shuffle. The LP relaxation is solved with gonum's lp.Simplex (the root
// always, for its bound); a branch and bound with node and time limits
// looks for an integral class-level solution, which is decoded to concrete
// nodes by a quota-guided greedy pass (a large program coarsened to one
// class is not branched: its counts cannot guide the decoding).
// A greedy fallback (also once more with imbalance priced at 1/64 of the
// problem's mean bytes per task, a scale-free guide that only adds a
// candidate) and the baselines are always evaluated as candidate
// incumbents, so Solve always answers when the problem is feasible and never
// returns a placement ranked after (by the exact objective of Evaluate,
// then imbalance) any of them; a local search (task moves, whole-stage
// moves, swaps towards a task's data, free moves to less loaded nodes)
// priced by exact incremental costs then improves the two best, and the
// better wins.
// The LP value of the best open branch is a valid lower bound on the
// objective (the LP carries every priced term, imbalance only when
// ImbalanceWeight is positive); the explanation reports it with the
// optimality gap.
//
// Heuristics never scan every node for every task: they score candidate
// nodes (those holding the task's input, hosting neighbouring stages' tasks,
// and per group of interchangeable nodes the least loaded one, kept in a
// heap), which picks what a full scan would, at a cost of tasks x
// candidates.
//
// Requests that cannot be met fail before any search with an error wrapping
// ErrInfeasible that names the stage, the constraint and the short resource.
//
// # Output
//
// A Placement maps every task to a node (and a resource variant). Evaluate
// computes its Metrics exactly, whichever algorithm produced it, so the solver
// and the baselines (Random, RoundRobin, GreedyPack, GreedyLocality) compare
// on one scale. Explain renders per-stage decisions (chosen nodes, bytes kept
// local and moved, the runner-up option and why it lost, the LP bound and the
// gap) as text, and DOT renders the placed DAG for Graphviz.
//
// LoadCluster reads a cluster description from YAML or JSON.
//
// This package must not import the plan, exec, dsl, cluster, shuffle or store
// packages: it is a pure function from a Problem to a Placement.
package placement

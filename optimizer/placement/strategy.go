package placement

import (
	"fmt"
	"strings"
	"time"
)

// Strategy is a Ray-style placement strategy for the tasks of a stage.
type Strategy int

const (
	// StrategyAuto lets the cost model decide (bytes moved, balance). On a
	// Stage it defers to Options.Strategy.
	StrategyAuto Strategy = iota
	// StrategyPack prefers as few nodes as possible (soft).
	StrategyPack
	// StrategySpread prefers tasks spread evenly over nodes (soft).
	StrategySpread
	// StrategyStrictPack requires all tasks of the stage on one node.
	StrategyStrictPack
	// StrategyStrictSpread requires every task on a different node.
	StrategyStrictSpread
)

var strategyNames = []string{"auto", "pack", "spread", "strict_pack", "strict_spread"}

func (s Strategy) String() string {
	if s >= 0 && int(s) < len(strategyNames) {
		return strategyNames[s]
	}
	return fmt.Sprintf("Strategy(%d)", int(s))
}

// rayName is the name Ray uses for the strategy.
func (s Strategy) rayName() string { return strings.ToUpper(s.String()) }

// ParseStrategy reads a strategy name as written in a session setting
// (SET placement.strategy = 'spread'). Names are case-insensitive and accept
// Ray's spelling (STRICT_PACK) as well as a dash (strict-pack).
func ParseStrategy(name string) (Strategy, error) {
	n := strings.ReplaceAll(strings.ToLower(strings.TrimSpace(name)), "-", "_")
	for i, s := range strategyNames {
		if n == s {
			return Strategy(i), nil
		}
	}
	return StrategyAuto, fmt.Errorf("%w: unknown placement strategy %q (valid: %s)",
		ErrInvalid, name, strings.Join(strategyNames, ", "))
}

// Options tune Solve. Start from DefaultOptions; the zero value of a limit
// means its default.
type Options struct {
	// Strategy applies to every stage whose own Strategy is StrategyAuto.
	Strategy Strategy
	// NodeLimit bounds the LP relaxations the branch and bound solves
	// (the root counts as one). 0 means DefaultNodeLimit.
	NodeLimit int
	// TimeLimit bounds the branch and bound's wall time; the greedy
	// fallback still runs after it. 0 means DefaultTimeLimit.
	TimeLimit time.Duration
	// ImbalanceWeight is the cost, in bytes, of one unit of load imbalance
	// (max node load minus mean node load, load = sum of the cpu demand of
	// the node's tasks, or 1 per task without a cpu demand). 0, the
	// default, keeps imbalance out of the objective: placements are
	// compared by objective first and by imbalance only when their
	// objectives tie (see Metrics.Better), so balance never costs a byte
	// and the choice does not depend on the scale of the data. A positive
	// weight trades bytes for balance at that fixed price.
	ImbalanceWeight float64
	// SoftWeight is the cost, in bytes, of one unit of unmet soft
	// preference: one task against a soft label, one node beyond the
	// fewest possible under PACK, one task beyond the even share under
	// SPREAD. Soft preferences are what the user asked for, so they are
	// priced against bytes: a soft SPREAD or PACK may move more bytes
	// than a placement that ignores it, when that saves more than
	// SoftWeight per unit of preference kept.
	SoftWeight float64
	// MaxClasses caps the number of node equivalence classes in the
	// integer program; more distinct nodes are merged into coarser (still
	// relaxing) classes. 0 means DefaultMaxClasses.
	MaxClasses int
}

// Defaults used when an Options field is zero (limits) or by DefaultOptions.
const (
	DefaultNodeLimit  = 64
	DefaultTimeLimit  = 60 * time.Millisecond
	DefaultMaxClasses = 3
)

// DefaultOptions returns the options Solve uses when given nil. Its
// objective is bytes first: with no soft preference in the problem (no
// PACK or SPREAD strategy, no soft label, no variant penalty) the
// objective is exactly the bytes moved and load imbalance only breaks
// ties, so Solve never moves more bytes than any placement it compares
// with, the baselines included; hard constraints and capacities still
// spread the load.
func DefaultOptions() Options {
	return Options{
		Strategy:        StrategyAuto,
		NodeLimit:       DefaultNodeLimit,
		TimeLimit:       DefaultTimeLimit,
		ImbalanceWeight: 0,        // imbalance only breaks ties
		SoftWeight:      64 << 20, // 64 MiB per unmet soft preference
		MaxClasses:      DefaultMaxClasses,
	}
}

func (o Options) withDefaults() Options {
	if o.NodeLimit == 0 {
		o.NodeLimit = DefaultNodeLimit
	}
	if o.TimeLimit == 0 {
		o.TimeLimit = DefaultTimeLimit
	}
	if o.MaxClasses <= 0 {
		o.MaxClasses = DefaultMaxClasses
	}
	return o
}

package dataflow

import (
	"fmt"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"weak"

	"github.com/dataflow-go/dataflow/exec"
	"github.com/dataflow-go/dataflow/optimizer"
	"github.com/dataflow-go/dataflow/optimizer/placement"
	"github.com/dataflow-go/dataflow/plan"
)

// Session runs SQL with its own settings (SET/SHOW): parallelism,
// memory_limit, optimizer.disabled_rules and placement.strategy start as
// the engine's options and change only for this session. Tables, views
// and functions are the engine's, shared by all sessions. A Session is
// safe for concurrent use; a SET applies to statements started after it.
type Session struct {
	eng *Engine
	box *settingsBox
}

type settingsBox struct {
	mu       sync.Mutex
	settings sessionSettings
}

type sessionSettings struct {
	parallelism int
	memoryLimit int64
	disabled    []string
	strategy    placement.Strategy
}

// NewSession starts a session with the engine's options as its settings.
func (e *Engine) NewSession() *Session {
	return &Session{eng: e, box: e.defaultSettings()}
}

func (e *Engine) defaultSettings() *settingsBox {
	return &settingsBox{settings: sessionSettings{
		parallelism: e.opts.Parallelism,
		memoryLimit: e.opts.MemoryLimit,
		disabled:    append([]string(nil), e.opts.DisabledRules...),
		strategy:    placement.StrategyAuto,
	}}
}

func (s *Session) current() sessionSettings {
	s.box.mu.Lock()
	defer s.box.mu.Unlock()
	st := s.box.settings
	st.disabled = append([]string(nil), st.disabled...)
	return st
}

// settingNames lists the settings SET and SHOW know, sorted.
var settingNames = []string{"memory_limit", "optimizer.disabled_rules", "parallelism", "placement.strategy"}

// Set changes a setting. Values are checked: parallelism is a positive
// integer (or 0 for the number of CPUs), memory_limit a size such as
// 512MiB or 0 for none, optimizer.disabled_rules a comma-separated list
// of rule names, placement.strategy a strategy placement.ParseStrategy
// knows.
func (s *Session) Set(name, value string) error {
	name = strings.ToLower(strings.TrimSpace(name))
	value = strings.TrimSpace(value)
	s.box.mu.Lock()
	defer s.box.mu.Unlock()
	switch name {
	case "parallelism", "threads":
		n, err := strconv.Atoi(value)
		if err != nil || n < 0 {
			return fmt.Errorf("%w: parallelism must be a non-negative integer, got %q", ErrUsage, value)
		}
		if n == 0 {
			n = runtime.GOMAXPROCS(0)
		}
		s.box.settings.parallelism = n
	case "memory_limit":
		n, err := ParseBytes(value)
		if err != nil {
			return fmt.Errorf("%w: memory_limit: %w", ErrUsage, err)
		}
		s.box.settings.memoryLimit = n
	case "optimizer.disabled_rules":
		var rules []string
		for _, r := range strings.Split(value, ",") {
			if r = strings.TrimSpace(r); r != "" {
				rules = append(rules, r)
			}
		}
		if err := optimizer.CheckRuleNames(rules); err != nil {
			return fmt.Errorf("%w: %w", ErrUsage, err)
		}
		s.box.settings.disabled = rules
	case "placement.strategy":
		st, err := placement.ParseStrategy(value)
		if err != nil {
			return fmt.Errorf("%w: %w", ErrUsage, err)
		}
		s.box.settings.strategy = st
	default:
		return fmt.Errorf("%w: unknown setting %q (settings: %s)", ErrUsage, name, strings.Join(settingNames, ", "))
	}
	return nil
}

// Setting returns a setting's current value as SHOW prints it.
func (s *Session) Setting(name string) (string, error) {
	st := s.current()
	switch strings.ToLower(strings.TrimSpace(name)) {
	case "parallelism", "threads":
		return strconv.Itoa(st.parallelism), nil
	case "memory_limit":
		if st.memoryLimit == 0 {
			return "0", nil
		}
		return exec.FormatBytes(st.memoryLimit), nil
	case "optimizer.disabled_rules":
		return strings.Join(st.disabled, ","), nil
	case "placement.strategy":
		return st.strategy.String(), nil
	}
	return "", fmt.Errorf("%w: unknown setting %q (settings: %s)", ErrUsage, name, strings.Join(settingNames, ", "))
}

// ParseBytes reads a size such as 512MiB, 2GiB, 1.5GB or a plain number
// of bytes; "" and "0" mean 0.
func ParseBytes(s string) (int64, error) {
	if s == "" {
		return 0, nil
	}
	units := []struct {
		suffix string
		mult   float64
	}{
		{"KIB", 1 << 10}, {"MIB", 1 << 20}, {"GIB", 1 << 30}, {"TIB", 1 << 40},
		{"KB", 1e3}, {"MB", 1e6}, {"GB", 1e9}, {"TB", 1e12}, {"B", 1},
	}
	u := strings.ToUpper(strings.TrimSpace(s))
	mult := 1.0
	for _, x := range units {
		if strings.HasSuffix(u, x.suffix) {
			u, mult = strings.TrimSpace(strings.TrimSuffix(u, x.suffix)), x.mult
			break
		}
	}
	v, err := strconv.ParseFloat(u, 64)
	if err != nil || v < 0 {
		return 0, fmt.Errorf("%q is not a size (examples: 512MiB, 2GiB, 1000000)", s)
	}
	return int64(v * mult), nil
}

// sqlState is what SQL adds to an engine: views, SQL names of Go
// functions and the session Engine.SQL uses. It lives beside the Engine
// (keyed weakly, so a dropped engine's state goes with it).
type sqlState struct {
	mu    sync.RWMutex
	views map[string]*viewDef
	// tableFuncs are the table-valued functions: Go functions registered
	// with RegisterTableUDF and SQL names bound to them by CREATE FUNCTION.
	tableFuncs map[string]*plan.TableUDF
	// defaults are the settings of the session Engine.SQL runs in.
	defaults *settingsBox
}

var sqlStates sync.Map // weak.Pointer[Engine] -> *sqlState

func (e *Engine) sqlState() *sqlState {
	key := weak.Make(e)
	if st, ok := sqlStates.Load(key); ok {
		return st.(*sqlState)
	}
	st := &sqlState{views: map[string]*viewDef{}, tableFuncs: map[string]*plan.TableUDF{}, defaults: e.defaultSettings()}
	actual, loaded := sqlStates.LoadOrStore(key, st)
	if !loaded {
		runtime.AddCleanup(e, func(k weak.Pointer[Engine]) { sqlStates.Delete(k) }, key)
	}
	return actual.(*sqlState)
}

func (st *sqlState) viewNames() []string {
	st.mu.RLock()
	defer st.mu.RUnlock()
	var out []string
	for n := range st.views {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

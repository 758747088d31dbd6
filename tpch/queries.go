package tpch

import (
	"embed"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/dataflow-go/dataflow"
)

// ErrQuery reports a query list or query name that does not name TPC-H
// queries, or a query the engine cannot run.
var ErrQuery = errors.New("tpch query")

//go:embed queries/*.sql
var queryFiles embed.FS

// Query is one TPC-H query: its SQL text and, for some queries, the same
// query written with the Go builder.
type Query struct {
	// Number is the query's number, 1 to 22.
	Number int
	// Name is "q01" to "q22", the stem of its SQL and answer files.
	Name string
	// SQL is the query text.
	SQL string
	// Build writes the query with the fluent builder; nil when the query
	// exists only as SQL.
	Build func(*dataflow.Engine) *dataflow.Query
}

// NumQueries is the number of TPC-H queries.
const NumQueries = 22

// builders are the queries that have a Go-builder form.
var builders = map[int]func(*dataflow.Engine) *dataflow.Query{
	1: BuildQ1,
	6: BuildQ6,
}

// Queries returns all 22 queries in order.
func Queries() []Query {
	out := make([]Query, 0, NumQueries)
	for n := 1; n <= NumQueries; n++ {
		q, err := Lookup(n)
		if err != nil {
			// The files are embedded at build time; a missing one is a
			// broken build, which the package's tests catch.
			continue
		}
		out = append(out, q)
	}
	return out
}

// Lookup returns query n (1 to 22).
func Lookup(n int) (Query, error) {
	if n < 1 || n > NumQueries {
		return Query{}, fmt.Errorf("%w: there is no query %d (TPC-H has queries 1 to %d)", ErrQuery, n, NumQueries)
	}
	name := fmt.Sprintf("q%02d", n)
	b, err := queryFiles.ReadFile("queries/" + name + ".sql")
	if err != nil {
		return Query{}, fmt.Errorf("%w: %s.sql is not embedded: %v", ErrQuery, name, err)
	}
	return Query{Number: n, Name: name, SQL: string(b), Build: builders[n]}, nil
}

// ParseList reads a query list such as "1,6,3" or "q1,q06" or "1-5,22"
// ("" or "all" is every query), keeping the given order and dropping
// repeats.
func ParseList(s string) ([]Query, error) {
	s = strings.TrimSpace(s)
	if s == "" || strings.EqualFold(s, "all") {
		return Queries(), nil
	}
	var nums []int
	seen := map[int]bool{}
	add := func(n int) {
		if !seen[n] {
			seen[n] = true
			nums = append(nums, n)
		}
	}
	for _, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		lo, hi, isRange := strings.Cut(part, "-")
		a, err := parseNumber(lo)
		if err != nil {
			return nil, err
		}
		b := a
		if isRange {
			if b, err = parseNumber(hi); err != nil {
				return nil, err
			}
			if b < a {
				return nil, fmt.Errorf("%w: range %q runs backwards", ErrQuery, part)
			}
		}
		for n := a; n <= b; n++ {
			add(n)
		}
	}
	if len(nums) == 0 {
		return nil, fmt.Errorf("%w: the list %q names no queries", ErrQuery, s)
	}
	out := make([]Query, len(nums))
	for i, n := range nums {
		q, err := Lookup(n)
		if err != nil {
			return nil, err
		}
		out[i] = q
	}
	return out, nil
}

func parseNumber(s string) (int, error) {
	t := strings.TrimPrefix(strings.ToLower(strings.TrimSpace(s)), "q")
	n, err := strconv.Atoi(t)
	if err != nil {
		return 0, fmt.Errorf("%w: %q is not a query number (want 1 to %d, e.g. --queries 1,6 or 1-5)", ErrQuery, s, NumQueries)
	}
	if n < 1 || n > NumQueries {
		return 0, fmt.Errorf("%w: there is no query %d (TPC-H has queries 1 to %d)", ErrQuery, n, NumQueries)
	}
	return n, nil
}

// BuilderQueries lists the numbers of the queries that have a Go-builder
// form, in order.
func BuilderQueries() []int {
	out := make([]int, 0, len(builders))
	for n := range builders {
		out = append(out, n)
	}
	sort.Ints(out)
	return out
}

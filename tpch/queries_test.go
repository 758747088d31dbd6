package tpch

import (
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
)

func TestQueries(t *testing.T) {
	qs := Queries()
	if len(qs) != NumQueries {
		t.Fatalf("%d queries embedded, want %d", len(qs), NumQueries)
	}
	for i, q := range qs {
		if q.Number != i+1 {
			t.Errorf("query %d is numbered %d", i+1, q.Number)
		}
		if q.Name != fmt.Sprintf("q%02d", i+1) || !strings.Contains(strings.ToLower(q.SQL), "select") {
			t.Errorf("query %d: name %q, text %.40q", i+1, q.Name, q.SQL)
		}
	}
	if got := BuilderQueries(); !reflect.DeepEqual(got, []int{1, 6}) {
		t.Errorf("builder queries %v, want [1 6]", got)
	}
}

func TestParseList(t *testing.T) {
	for _, c := range []struct {
		in   string
		want []int
		err  bool
	}{
		{"", seq(1, 22), false},
		{"all", seq(1, 22), false},
		{"1,6", []int{1, 6}, false},
		{"q6, Q01 ,6", []int{6, 1}, false},
		{"1-3,22", []int{1, 2, 3, 22}, false},
		{"q20-q22", []int{20, 21, 22}, false},
		{"0", nil, true},
		{"23", nil, true},
		{"x", nil, true},
		{"3-1", nil, true},
		{",", nil, true},
		{"1-", nil, true},
	} {
		qs, err := ParseList(c.in)
		if c.err {
			if err == nil || !errors.Is(err, ErrQuery) {
				t.Errorf("ParseList(%q): got %v, want an ErrQuery", c.in, err)
			}
			continue
		}
		if err != nil {
			t.Errorf("ParseList(%q): %v", c.in, err)
			continue
		}
		var got []int
		for _, q := range qs {
			got = append(got, q.Number)
		}
		if !reflect.DeepEqual(got, c.want) {
			t.Errorf("ParseList(%q) = %v, want %v", c.in, got, c.want)
		}
	}
}

func seq(lo, hi int) []int {
	var out []int
	for n := lo; n <= hi; n++ {
		out = append(out, n)
	}
	return out
}

// Package tpchcheck compares query results with the TPC-H reference
// answers: decimals and integers exactly, floating-point values to the
// precision the answer prints, strings and dates as text. Tests and the
// benchmark runner share it; it imports nothing from the engine.
package tpchcheck

import (
	"bufio"
	"fmt"
	"math"
	"math/big"
	"os"
	"strings"
)

// Answer is a reference answer: a header and rows of text.
type Answer struct {
	Columns []string
	Rows    [][]string
}

// ReadAnswer reads a '|'-separated answer file with a header line.
func ReadAnswer(path string) (*Answer, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	a := &Answer{}
	for sc.Scan() {
		line := sc.Text()
		if a.Columns == nil {
			a.Columns = strings.Split(line, "|")
			continue
		}
		if line == "" && len(a.Columns) > 1 {
			continue
		}
		a.Rows = append(a.Rows, strings.Split(line, "|"))
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	if a.Columns == nil {
		return nil, fmt.Errorf("%s: empty answer file", path)
	}
	return a, nil
}

// Compare checks got (rows of text, NULL for null) against the answer, in
// order, and describes the first difference ("" when they match).
func (a *Answer) Compare(got [][]string) string {
	if len(got) != len(a.Rows) {
		return fmt.Sprintf("got %d rows, want %d", len(got), len(a.Rows))
	}
	for i, want := range a.Rows {
		if len(got[i]) != len(want) {
			return fmt.Sprintf("row %d: got %d columns, want %d", i, len(got[i]), len(want))
		}
		for c := range want {
			if !Equal(got[i][c], want[c]) {
				return fmt.Sprintf("row %d column %s: got %q, want %q\n got row: %v\nwant row: %v", i, a.Columns[c], got[i][c], want[c], got[i], want)
			}
		}
	}
	return ""
}

// Equal reports whether a result value matches an answer value. Numbers
// compare by value; when the answer has more than 4 digits after the point
// (a floating-point average) the result may differ by one unit in the
// answer's last printed digit.
func Equal(got, want string) bool {
	if got == want {
		return true
	}
	if want == "" && got == "NULL" {
		return true
	}
	g, gok := new(big.Rat).SetString(got)
	w, wok := new(big.Rat).SetString(want)
	if !gok || !wok {
		return false
	}
	if g.Cmp(w) == 0 {
		return true
	}
	digits := 0
	if i := strings.IndexByte(want, '.'); i >= 0 {
		digits = len(want) - i - 1
	}
	if digits <= 4 {
		return false
	}
	gf, _ := g.Float64()
	wf, _ := w.Float64()
	return math.Abs(gf-wf) <= math.Pow10(-digits)
}

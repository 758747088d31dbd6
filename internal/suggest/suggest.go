// Package suggest measures how far a misspelt name is from the names a
// user could have meant, for the "did you mean ...?" hints in parse, bind,
// plan and catalog errors. It imports nothing, so every layer may use it.
package suggest

// Distance is the optimal-string-alignment distance between a and b,
// counted in runes: insertions, deletions, substitutions and swaps of two
// adjacent runes cost one each (so FORM is one edit from FROM, and
// l_shipdaet one from l_shipdate). Comparison is exact; callers fold case
// first where case does not matter.
func Distance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	// Three rows of the dynamic program: two back for transpositions.
	prev2 := make([]int, len(rb)+1)
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && ra[i-1] == rb[j-2] && ra[i-2] == rb[j-1] {
				cur[j] = min(cur[j], prev2[j-2]+1)
			}
		}
		prev2, prev, cur = prev, cur, prev2
	}
	return prev[len(rb)]
}

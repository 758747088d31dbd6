package exec

import (
	"math/rand"
	"testing"
)

// TestStringConstEquals checks the word-at-a-time string comparison
// against Go's, for values of every length up to 20 bytes at every
// position of a buffer, including the last bytes, where a full word
// cannot be loaded.
func TestStringConstEquals(t *testing.T) {
	rng := rand.New(rand.NewSource(3))
	alphabet := []byte("ab")
	word := func(n int) string {
		b := make([]byte, n)
		for i := range b {
			b[i] = alphabet[rng.Intn(len(alphabet))]
		}
		return string(b)
	}
	for iter := 0; iter < 2000; iter++ {
		data := []byte(word(rng.Intn(40)))
		k := newStringConst(word(rng.Intn(21)))
		for lo := 0; lo <= len(data); lo++ {
			for hi := lo; hi <= len(data) && hi-lo <= 20; hi++ {
				want := string(data[lo:hi]) == k.s
				if got := k.equals(data, int32(lo), int32(hi)); got != want {
					t.Fatalf("%q == %q: got %v", data[lo:hi], k.s, got)
				}
			}
		}
	}
}

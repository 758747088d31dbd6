package gen

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow/go/v15/arrow"
	"github.com/apache/arrow/go/v15/arrow/array"
)

func TestAppendDate(t *testing.T) {
	for d := int32(-800); d < 30000; d += 7 {
		want := time.Unix(int64(d)*86400, 0).UTC().Format("2006-01-02")
		if got := string(appendDate(nil, d)); got != want {
			t.Fatalf("day %d: %s, want %s", d, got, want)
		}
	}
	if got := string(appendDate(nil, currentDate)); got != "1995-06-17" {
		t.Errorf("currentDate is %s", got)
	}
	if got := string(appendDate(nil, maxOrderDate)); got != "1998-08-02" {
		t.Errorf("maxOrderDate is %s", got)
	}
}

func TestAppendCents(t *testing.T) {
	for v, want := range map[int64]string{0: "0.00", 5: "0.05", 100: "1.00", 123456: "1234.56", -99999: "-999.99", -7: "-0.07"} {
		if got := string(appendCents(nil, uint64(v))); got != want {
			t.Errorf("%d cents: %s, want %s", v, got, want)
		}
	}
}

func TestAppendCSVString(t *testing.T) {
	for in, want := range map[string]string{
		"plain": "plain", "a, b": `"a, b"`, `say "hi"`: `"say ""hi"""`, " lead": " lead",
	} {
		if got := string(appendCSVString(nil, in)); got != want {
			t.Errorf("%q: %s, want %s", in, got, want)
		}
	}
}

func TestOrderKeys(t *testing.T) {
	want := []int64{1, 2, 3, 4, 5, 6, 7, 32, 33, 34, 35, 36, 37, 38, 39, 64}
	for i, w := range want {
		if k := orderKey(int64(i)); k != w {
			t.Errorf("order %d: key %d, want %d", i, k, w)
		}
	}
	if k := orderKey(1_500_000 - 1); k != 6_000_000 {
		t.Errorf("last SF1 order key %d, want 6000000", k)
	}
}

// The customer drawn for an order is never a multiple of 3, and every
// other customer can be drawn.
func TestOrderCustomers(t *testing.T) {
	for _, customers := range []int64{4, 5, 6, 7, 150, 1500} {
		valid := customers - customers/3
		seen := map[int64]bool{}
		for k := range valid {
			c := 3*(k/2) + k%2 + 1
			if c%3 == 0 || c < 1 || c > customers || seen[c] {
				t.Fatalf("%d customers: index %d maps to %d", customers, k, c)
			}
			seen[c] = true
		}
		if int64(len(seen)) != valid {
			t.Fatalf("%d customers: %d reachable, want %d", customers, len(seen), valid)
		}
	}
}

func TestPartSuppliersDistinct(t *testing.T) {
	// The specification's formula, untouched where it works.
	for _, p := range []int64{1, 2, 77, 1999, 2000} {
		for i := range int64(suppliersPerPart) {
			if got, want := partSupplier(p, i, 100), (p+i*(25+(p-1)/100))%100+1; got != want {
				t.Errorf("part %d supplier %d: %d, formula %d", p, i, got, want)
			}
		}
	}
	for _, s := range []int64{10, 11, 12, 50, 60, 100, 120, 150, 228, 500, 10_000} {
		for p := int64(1); p <= 20*s; p += 7 {
			seen := map[int64]bool{}
			for i := range int64(suppliersPerPart) {
				k := partSupplier(p, i, s)
				if k < 1 || k > s || seen[k] {
					t.Fatalf("S=%d part %d: supplier %d (%d) repeated or out of range", s, p, i, k)
				}
				seen[k] = true
			}
		}
	}
}

func TestAppendWithCustomer(t *testing.T) {
	r := seedRow(1, 1)
	for range 1000 {
		c := text(&r, textPool(), 25, 100)
		out := string(appendWithCustomer([]byte("x"), &r, c, "Complaints"))
		if len(out) != len(c)+1 || out[0] != 'x' {
			t.Fatalf("%q from %q", out, c)
		}
		i := strings.Index(out, "Customer ")
		if i < 0 || !strings.Contains(out[i:], "Complaints") {
			t.Fatalf("%q does not match %%Customer%%Complaints%%", out)
		}
	}
}

// Q16 excludes suppliers whose comment matches '%Customer%Complaints%':
// five per 10,000 on average.
func TestSupplierComplaints(t *testing.T) {
	var complaints, recommends int
	err := Records(context.Background(), "supplier", 1, 0, 1, func(rec arrow.Record) error {
		c := rec.Column(6).(*array.String)
		for i := range c.Len() {
			s := c.Value(i)
			if j := strings.Index(s, "Customer "); j >= 0 {
				switch {
				case strings.Contains(s[j:], "Complaints"):
					complaints++
				case strings.Contains(s[j:], "Recommends"):
					recommends++
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	// Poisson(5): within [1, 12] but for one run in a thousand; the
	// output is deterministic, so this either always passes or never.
	if complaints < 1 || complaints > 12 || recommends < 1 || recommends > 12 {
		t.Errorf("SF1 suppliers: %d complaints, %d recommends, want about 5 each", complaints, recommends)
	}
}

func TestTextPoolGrammar(t *testing.T) {
	vocab := map[string]bool{"the": true}
	for _, d := range []*weighted{&nouns, &verbs, &adjectives, &adverbs, &prepositions, &auxiliaries} {
		for _, w := range d.words {
			for _, f := range strings.Fields(w) {
				vocab[f] = true
			}
		}
	}
	words := strings.Fields(string(textPool()[:1<<16]))
	for _, w := range words[1 : len(words)-1] { // the ends may be cut
		w = strings.TrimRight(w, ".;:?!-,")
		if !vocab[w] {
			t.Fatalf("%q is not a word of the grammar", w)
		}
	}
	if len(textPool()) != textPoolSize {
		t.Errorf("pool of %d bytes", len(textPool()))
	}
}

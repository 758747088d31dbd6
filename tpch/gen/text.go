package gen

import "sync"

// textPoolSize is the size of the text pool that comments are cut from.
// The specification (4.2.2.10) builds a 300 MB pool from the grammar and
// takes every comment as a random substring of it. We build a 1 MiB
// pool: it takes milliseconds to build instead of seconds, and it stays
// in the CPU's cache, which matters: with a 16 MiB pool, the cache misses
// of copying ten million comments from random offsets took 1.5 s of
// CPU at SF1. The words, the grammar and the length distribution of
// comments (what LIKE predicates such as Q13's '%special%requests%' and
// Q16's '%Customer%Complaints%' see) are the same; a 1 MiB pool still
// offers 1M offsets times ~30 lengths per comment column, and no TPC-H
// query depends on how often two comments coincide.
const textPoolSize = 1 << 20

var (
	poolOnce sync.Once
	pool     []byte
)

// textPool returns the shared text pool, building it on first use. It is
// the same for every run: it has its own fixed random stream.
func textPool() []byte {
	poolOnce.Do(func() { pool = buildTextPool(textPoolSize) })
	return pool
}

// buildTextPool writes sentences of the comment grammar, separated by
// single spaces, until size bytes are filled.
func buildTextPool(size int) []byte {
	r := seedRow(streamTextPool, 0)
	b := make([]byte, 0, size+256)
	for len(b) < size {
		b = appendSentence(b, &r)
		b = append(b, ' ')
	}
	return b[:size]
}

func appendSentence(b []byte, r *rng) []byte {
	for i, c := range sentences.pick(r) {
		switch c {
		case 'N':
			b = appendWordSep(b, i)
			b = appendNounPhrase(b, r)
		case 'V':
			b = appendWordSep(b, i)
			b = appendVerbPhrase(b, r)
		case 'P':
			b = appendWordSep(b, i)
			b = append(b, prepositions.pick(r)...)
			b = append(b, " the "...)
			b = appendNounPhrase(b, r)
		case 'T':
			// The terminator follows the last word directly.
			b = append(b, terminators.pick(r)...)
		}
	}
	return b
}

func appendWordSep(b []byte, i int) []byte {
	if i > 0 {
		b = append(b, ' ')
	}
	return b
}

func appendNounPhrase(b []byte, r *rng) []byte {
	for i, c := range nounPhrases.pick(r) {
		switch c {
		case ',':
			b = append(b, ',')
			continue
		case 'N':
			b = appendWordSep(b, i)
			b = append(b, nouns.pick(r)...)
		case 'J':
			b = appendWordSep(b, i)
			b = append(b, adjectives.pick(r)...)
		case 'D':
			b = appendWordSep(b, i)
			b = append(b, adverbs.pick(r)...)
		}
	}
	return b
}

func appendVerbPhrase(b []byte, r *rng) []byte {
	for i, c := range verbPhrases.pick(r) {
		b = appendWordSep(b, i)
		switch c {
		case 'V':
			b = append(b, verbs.pick(r)...)
		case 'X':
			b = append(b, auxiliaries.pick(r)...)
		case 'D':
			b = append(b, adverbs.pick(r)...)
		}
	}
	return b
}

// textRange returns the bounds of a comment of average length avg: the
// specification's TEXT(avg) has a length uniform in [0.4*avg, 1.6*avg].
func textRange(avg int) (lo, hi int64) { return int64(avg * 4 / 10), int64(avg * 16 / 10) }

// text returns a random substring of the pool with a length in [lo, hi].
func text(r *rng, p []byte, lo, hi int64) []byte {
	n := r.intn(lo, hi)
	off := r.intn(0, int64(len(p))-n)
	return p[off : off+n]
}

// alphaNum is the alphabet of random strings (addresses): 64 characters,
// so one random number gives ten of them.
const alphaNum = "0123456789abcdefghijklmnopqrstuvwxyz ABCDEFGHIJKLMNOPQRSTUVWXYZ,"

// appendRandomString appends a random alphanumeric string with a length
// uniform in [lo, hi] (the specification's V-string, 4.2.2.7).
func appendRandomString(b []byte, r *rng, lo, hi int64) []byte {
	n := int(r.intn(lo, hi))
	for n > 0 {
		x := r.next()
		for k := 0; k < 10 && n > 0; k++ {
			b = append(b, alphaNum[x&63])
			x >>= 6
			n--
		}
	}
	return b
}

// appendPhone appends a phone number of a nation (4.2.2.9):
// CC-LLL-LLL-LLLL with country code 10+nationkey.
func appendPhone(b []byte, r *rng, nation int32) []byte {
	cc := int(nation) + 10
	a, c, d := r.intn(100, 999), r.intn(100, 999), r.intn(1000, 9999)
	b = append(b, byte('0'+cc/10), byte('0'+cc%10), '-')
	b = appendDigits(b, a, 3)
	b = append(b, '-')
	b = appendDigits(b, c, 3)
	b = append(b, '-')
	return appendDigits(b, d, 4)
}

// appendDigits appends v zero-padded to width digits.
func appendDigits(b []byte, v int64, width int) []byte {
	var buf [20]byte
	i := len(buf)
	for v > 0 || i > len(buf)-width {
		i--
		buf[i] = byte('0' + v%10)
		v /= 10
	}
	return append(b, buf[i:]...)
}

// appendKeyName appends prefix and the key zero-padded to nine digits
// ("Customer#000000001").
func appendKeyName(b []byte, prefix string, key int64) []byte {
	return appendDigits(append(b, prefix...), key, 9)
}

package exec

import (
	"fmt"
	"strings"
	"unicode/utf8"
	"unsafe"

	"github.com/apache/arrow/go/v15/arrow"
	"github.com/apache/arrow/go/v15/arrow/array"
)

// [NOT] [I]LIKE with % (any run of characters) and _ (one character). The
// pattern is compiled once into segments split at %, and the common
// shapes get a direct string test: 'abc' (equality), 'abc%' (prefix),
// '%abc' (suffix), '%abc%' (substring search). Everything else runs a
// small greedy matcher: the first segment anchored at the start, the last
// at the end, each middle one at its leftmost occurrence — which is exact
// for % patterns because a % can absorb anything the greedy choice skips.
// No regular expressions, no per-row allocation for ASCII data.

type likeKind int

const (
	likeAll      likeKind = iota // '%': every non-null string
	likeExact                    // no wildcards
	likePrefix                   // 'abc%'
	likeSuffix                   // '%abc'
	likeContains                 // '%abc%'
	likeGeneral
)

// likeAtom is a run of literal text, or (lit == "") a count of _.
type likeAtom struct {
	lit string
	any int
}

type likeSegment struct {
	atoms    []likeAtom
	literal  string // the whole segment when it has no _
	hasAny   bool
	runeLen  int // characters the segment matches
	firstLit string
}

type likePattern struct {
	kind                   likeKind
	lit                    string // for the direct kinds
	segs                   []likeSegment
	anchorStart, anchorEnd bool
	caseInsensitive        bool
}

// compileLike parses pattern with the given escape rune (0 for none).
func compileLike(pattern string, escape rune, caseInsensitive bool) (*likePattern, error) {
	if caseInsensitive {
		pattern = strings.ToLower(pattern)
		if escape != 0 {
			escape = []rune(strings.ToLower(string(escape)))[0]
		}
	}
	p := &likePattern{caseInsensitive: caseInsensitive}
	var segs []likeSegment
	var cur likeSegment
	var lit strings.Builder
	flushLit := func() {
		if lit.Len() > 0 {
			cur.atoms = append(cur.atoms, likeAtom{lit: lit.String()})
			lit.Reset()
		}
	}
	flushSeg := func() {
		flushLit()
		segs = append(segs, cur)
		cur = likeSegment{}
	}
	percents := 0
	for i := 0; i < len(pattern); {
		r, size := utf8.DecodeRuneInString(pattern[i:])
		i += size
		switch {
		case escape != 0 && r == escape:
			if i >= len(pattern) {
				return nil, fmt.Errorf("%w: LIKE pattern %q ends with the escape character", ErrType, pattern)
			}
			r2, size2 := utf8.DecodeRuneInString(pattern[i:])
			i += size2
			lit.WriteRune(r2)
		case r == '%':
			percents++
			flushSeg()
		case r == '_':
			flushLit()
			if n := len(cur.atoms); n > 0 && cur.atoms[n-1].lit == "" {
				cur.atoms[n-1].any++
			} else {
				cur.atoms = append(cur.atoms, likeAtom{any: 1})
			}
		default:
			lit.WriteRune(r)
		}
	}
	flushSeg()
	// segs has percents+1 entries; empty first/last mean unanchored.
	p.anchorStart = len(segs[0].atoms) > 0
	p.anchorEnd = len(segs[len(segs)-1].atoms) > 0
	for i := range segs {
		s := &segs[i]
		var b strings.Builder
		for _, a := range s.atoms {
			if a.lit == "" {
				s.hasAny = true
				s.runeLen += a.any
			} else {
				b.WriteString(a.lit)
				s.runeLen += utf8.RuneCountInString(a.lit)
			}
		}
		if !s.hasAny {
			s.literal = b.String()
		}
		if len(s.atoms) > 0 && s.atoms[0].lit != "" {
			s.firstLit = s.atoms[0].lit
		}
	}
	// Drop the empty segments (from leading, trailing and repeated %).
	var kept []likeSegment
	for _, s := range segs {
		if len(s.atoms) > 0 {
			kept = append(kept, s)
		}
	}
	p.segs = kept
	noAny := true
	for _, s := range kept {
		noAny = noAny && !s.hasAny
	}
	switch {
	case len(kept) == 0 && percents > 0:
		p.kind = likeAll
	case len(kept) == 0:
		p.kind, p.lit = likeExact, ""
	case percents == 0 && noAny:
		p.kind, p.lit = likeExact, kept[0].literal
	case len(kept) == 1 && noAny && p.anchorStart && !p.anchorEnd:
		p.kind, p.lit = likePrefix, kept[0].literal
	case len(kept) == 1 && noAny && !p.anchorStart && p.anchorEnd:
		p.kind, p.lit = likeSuffix, kept[0].literal
	case len(kept) == 1 && noAny && !p.anchorStart && !p.anchorEnd:
		p.kind, p.lit = likeContains, kept[0].literal
	default:
		p.kind = likeGeneral
	}
	return p, nil
}

// match reports whether s matches the pattern.
func (p *likePattern) match(s string) bool {
	switch p.kind {
	case likeAll:
		return true
	case likeExact:
		return s == p.lit
	case likePrefix:
		return strings.HasPrefix(s, p.lit)
	case likeSuffix:
		return strings.HasSuffix(s, p.lit)
	case likeContains:
		return strings.Contains(s, p.lit)
	}
	return p.matchGeneral(s)
}

func (p *likePattern) matchGeneral(s string) bool {
	segs := p.segs
	pos, end := 0, len(s)
	if p.anchorStart {
		e, ok := segs[0].matchAt(s, 0)
		if !ok {
			return false
		}
		if len(segs) == 1 && p.anchorEnd {
			return e == len(s) // no % at all: the whole string
		}
		pos = e
		segs = segs[1:]
	}
	if p.anchorEnd {
		last := segs[len(segs)-1]
		start, ok := last.suffixStart(s)
		if !ok || start < pos {
			return false
		}
		if e, ok := last.matchAt(s, start); !ok || e != len(s) {
			return false
		}
		end = start
		segs = segs[:len(segs)-1]
	}
	for _, seg := range segs {
		e, ok := seg.find(s[:end], pos)
		if !ok {
			return false
		}
		pos = e
	}
	return true
}

// matchAt matches the segment at byte offset pos and returns where the
// match ends.
func (g *likeSegment) matchAt(s string, pos int) (int, bool) {
	for _, a := range g.atoms {
		if a.lit != "" {
			if !strings.HasPrefix(s[pos:], a.lit) {
				return 0, false
			}
			pos += len(a.lit)
			continue
		}
		for k := 0; k < a.any; k++ {
			if pos >= len(s) {
				return 0, false
			}
			if s[pos] < utf8.RuneSelf {
				pos++
			} else {
				_, size := utf8.DecodeRuneInString(s[pos:])
				pos += size
			}
		}
	}
	return pos, true
}

// suffixStart returns the byte offset where the segment would start if it
// ended at the end of s.
func (g *likeSegment) suffixStart(s string) (int, bool) {
	if !g.hasAny {
		if !strings.HasSuffix(s, g.literal) {
			return 0, false
		}
		return len(s) - len(g.literal), true
	}
	pos := len(s)
	for k := 0; k < g.runeLen; k++ {
		if pos == 0 {
			return 0, false
		}
		_, size := utf8.DecodeLastRuneInString(s[:pos])
		pos -= size
	}
	return pos, true
}

// find returns the end of the leftmost match of the segment at or after
// byte offset from.
func (g *likeSegment) find(s string, from int) (int, bool) {
	if !g.hasAny {
		i := strings.Index(s[from:], g.literal)
		if i < 0 {
			return 0, false
		}
		return from + i + len(g.literal), true
	}
	for pos := from; pos <= len(s); {
		if g.firstLit != "" {
			i := strings.Index(s[pos:], g.firstLit)
			if i < 0 {
				return 0, false
			}
			pos += i
		}
		if e, ok := g.matchAt(s, pos); ok {
			return e, true
		}
		if pos == len(s) {
			break
		}
		_, size := utf8.DecodeRuneInString(s[pos:])
		pos += size
	}
	return 0, false
}

type likeExpr struct {
	e       Expr
	pattern string
	escape  rune
	negated bool
	p       *likePattern
}

var _ Expr = (*likeExpr)(nil)

// NewLike returns e [NOT] LIKE pattern (ILIKE when caseInsensitive). escape
// is the escape character, 0 for none. e must be a string.
func NewLike(e Expr, pattern string, escape rune, caseInsensitive, negated bool) (Expr, error) {
	if t := e.DataType(); t.ID() != arrow.STRING && !isNullType(t) {
		return nil, fmt.Errorf("%w: LIKE needs a string, got %s (CAST it to varchar)", ErrType, t)
	}
	p, err := compileLike(pattern, escape, caseInsensitive)
	if err != nil {
		return nil, err
	}
	ce, err := NewCast(e, typString)
	if err != nil {
		return nil, err
	}
	return &likeExpr{e: ce, pattern: pattern, escape: escape, negated: negated, p: p}, nil
}

func (e *likeExpr) DataType() arrow.DataType { return typBool }

func (e *likeExpr) String() string {
	op := "LIKE"
	if e.p.caseInsensitive {
		op = "ILIKE"
	}
	if e.negated {
		op = "NOT " + op
	}
	s := fmt.Sprintf("(%s %s '%s'", e.e, op, strings.ReplaceAll(e.pattern, "'", "''"))
	if e.escape != 0 {
		s += fmt.Sprintf(" ESCAPE '%c'", e.escape)
	}
	return s + ")"
}

func (e *likeExpr) Eval(ctx *Context, batch arrow.Record) (arrow.Array, error) {
	a, err := e.e.Eval(ctx, batch)
	if err != nil {
		return nil, err
	}
	defer a.Release()
	mem := allocator(ctx)
	n := a.Len()
	strs := a.(*array.String)
	buf := newBuffer(mem, (n+7)/8)
	out := buf.Bytes()
	flip := b2u8(e.negated)
	if e.p.caseInsensitive {
		var scratch []byte
		for i := 0; i < n; i++ {
			var s string
			s, scratch = lowerInto(scratch, strs.Value(i))
			out[i>>3] |= (b2u8(e.p.match(s)) ^ flip) << (i & 7)
		}
	} else {
		likeLoop(e.p, strs, out, flip, n)
	}
	validity, nulls := copyValidity(mem, a)
	return fixedArray(typBool, n, validity, nulls, buf), nil
}

// likeLoop is the case-sensitive loop, with the direct kinds inlined.
func likeLoop(p *likePattern, strs *array.String, out []byte, flip byte, n int) {
	lit := p.lit
	switch p.kind {
	case likeContains:
		for i := 0; i < n; i++ {
			out[i>>3] |= (b2u8(strings.Contains(strs.Value(i), lit)) ^ flip) << (i & 7)
		}
	case likePrefix:
		for i := 0; i < n; i++ {
			out[i>>3] |= (b2u8(strings.HasPrefix(strs.Value(i), lit)) ^ flip) << (i & 7)
		}
	default:
		for i := 0; i < n; i++ {
			out[i>>3] |= (b2u8(p.match(strs.Value(i))) ^ flip) << (i & 7)
		}
	}
}

// lowerInto lower-cases s, reusing scratch for ASCII strings (the result
// aliases scratch until the next call).
func lowerInto(scratch []byte, s string) (string, []byte) {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return strings.ToLower(s), scratch
		}
	}
	scratch = append(scratch[:0], s...)
	for i, c := range scratch {
		if 'A' <= c && c <= 'Z' {
			scratch[i] = c + 'a' - 'A'
		}
	}
	if len(scratch) == 0 {
		return "", scratch
	}
	return unsafe.String(&scratch[0], len(scratch)), scratch
}

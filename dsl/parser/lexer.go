package parser

import (
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Pos is a position in the source text: a byte offset from the start and a
// 1-based line and column (the column counts characters, not bytes).
type Pos struct {
	Offset int
	Line   int
	Col    int
}

// String renders the position as line:column.
func (p Pos) String() string {
	return strconv.Itoa(p.Line) + ":" + strconv.Itoa(p.Col)
}

type tokenKind int

const (
	tokEOF    tokenKind = iota
	tokWord             // identifier or keyword, unquoted
	tokQIdent           // "quoted identifier"
	tokString           // 'string'
	tokNumber           // 123, 1.5, .5e3
	tokOp               // punctuation and operators
)

// token is one lexeme. text is the raw source slice; val is the processed
// value: the lower-cased word, the unescaped string or identifier, or the
// operator spelling (with != normalised to <>); kw is the upper-cased word
// for words (keywords are recognised by the parser in context), else "".
type token struct {
	kind tokenKind
	text string
	val  string
	kw   string
	pos  Pos
}

// lexer splits the whole source into tokens up front; the parser then moves
// over a slice, which makes lookahead trivial.
type lexer struct {
	src  string
	off  int
	line int
	col  int
}

func lex(src string) ([]token, error) {
	lx := &lexer{src: src, line: 1, col: 1}
	toks := make([]token, 0, len(src)/6+1)
	for {
		if err := lx.skipSpaceAndComments(); err != nil {
			return nil, err
		}
		start := lx.pos()
		if lx.off >= len(lx.src) {
			toks = append(toks, token{kind: tokEOF, pos: start})
			return toks, nil
		}
		t, err := lx.next(start)
		if err != nil {
			return nil, err
		}
		toks = append(toks, t)
	}
}

func (lx *lexer) pos() Pos { return Pos{Offset: lx.off, Line: lx.line, Col: lx.col} }

func (lx *lexer) peekByte(ahead int) byte {
	if lx.off+ahead < len(lx.src) {
		return lx.src[lx.off+ahead]
	}
	return 0
}

// advance moves over one character, keeping line and column up to date.
func (lx *lexer) advance() {
	if c := lx.src[lx.off]; c < utf8.RuneSelf {
		lx.off++
		if c == '\n' {
			lx.line++
			lx.col = 1
		} else {
			lx.col++
		}
		return
	}
	r, size := utf8.DecodeRuneInString(lx.src[lx.off:])
	lx.off += size
	if r == '\n' {
		lx.line++
		lx.col = 1
	} else {
		lx.col++
	}
}

func (lx *lexer) errAt(p Pos, tok, format string, args ...any) *Error {
	return newError(lx.src, p, tok, format, args...)
}

func (lx *lexer) skipSpaceAndComments() error {
	for lx.off < len(lx.src) {
		c := lx.src[lx.off]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v':
			lx.advance()
		case c == '-' && lx.peekByte(1) == '-':
			for lx.off < len(lx.src) && lx.src[lx.off] != '\n' {
				lx.advance()
			}
		case c == '/' && lx.peekByte(1) == '*':
			start := lx.pos()
			lx.advance()
			lx.advance()
			depth := 1 // block comments nest, as in PostgreSQL
			for depth > 0 {
				if lx.off >= len(lx.src) {
					return lx.errAt(start, "/*", "unterminated /* comment")
				}
				switch {
				case lx.src[lx.off] == '*' && lx.peekByte(1) == '/':
					depth--
					lx.advance()
					lx.advance()
				case lx.src[lx.off] == '/' && lx.peekByte(1) == '*':
					depth++
					lx.advance()
					lx.advance()
				default:
					lx.advance()
				}
			}
		default:
			return nil
		}
	}
	return nil
}

func isIdentStart(r rune) bool {
	return r == '_' || (r < utf8.RuneSelf && ('a' <= r && r <= 'z' || 'A' <= r && r <= 'Z')) ||
		(r >= utf8.RuneSelf && r != utf8.RuneError && unicode.IsLetter(r))
}

func isIdentPart(r rune) bool {
	return isIdentStart(r) || r == '$' || ('0' <= r && r <= '9') ||
		(r >= utf8.RuneSelf && r != utf8.RuneError && (unicode.IsDigit(r) || unicode.IsMark(r)))
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

func (lx *lexer) next(start Pos) (token, error) {
	c := lx.src[lx.off]
	r, _ := utf8.DecodeRuneInString(lx.src[lx.off:])
	switch {
	case isIdentStart(r):
		for lx.off < len(lx.src) {
			if c := lx.src[lx.off]; c < utf8.RuneSelf {
				// ASCII fast path: no decoding, no newline possible.
				if !(c == '_' || c == '$' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9') {
					break
				}
				lx.off++
				lx.col++
				continue
			}
			r, _ := utf8.DecodeRuneInString(lx.src[lx.off:])
			if !isIdentPart(r) {
				break
			}
			lx.advance()
		}
		text := lx.src[start.Offset:lx.off]
		up := upperASCII(text)
		val, ok := reservedLower[up]
		if !ok {
			val = strings.ToLower(text)
		}
		return token{kind: tokWord, text: text, val: val, kw: up, pos: start}, nil
	case isDigit(c) || (c == '.' && isDigit(lx.peekByte(1))):
		return lx.number(start), nil
	case c == '\'':
		s, err := lx.quoted('\'', start, "string")
		if err != nil {
			return token{}, err
		}
		return token{kind: tokString, text: lx.src[start.Offset:lx.off], val: s, pos: start}, nil
	case c == '"':
		s, err := lx.quoted('"', start, "quoted identifier")
		if err != nil {
			return token{}, err
		}
		if s == "" {
			return token{}, lx.errAt(start, `""`, "zero-length quoted identifier")
		}
		return token{kind: tokQIdent, text: lx.src[start.Offset:lx.off], val: s, pos: start}, nil
	}
	// Operators: longest match first.
	two := ""
	if lx.off+1 < len(lx.src) {
		two = lx.src[lx.off : lx.off+2]
	}
	switch two {
	case "<>", "!=", "<=", ">=", "||", "::":
		lx.off += 2
		lx.col += 2
		val := two
		if val == "!=" {
			val = "<>"
		}
		return token{kind: tokOp, text: two, val: val, pos: start}, nil
	}
	switch c {
	case '(', ')', ',', ';', '.', '*', '+', '-', '/', '%', '^', '=', '<', '>':
		lx.advance()
		s := lx.src[start.Offset:lx.off]
		return token{kind: tokOp, text: s, val: s, pos: start}, nil
	}
	_, size := utf8.DecodeRuneInString(lx.src[lx.off:])
	bad := lx.src[lx.off : lx.off+size]
	return token{}, lx.errAt(start, bad, "unexpected character %q", bad)
}

func (lx *lexer) number(start Pos) token {
	for lx.off < len(lx.src) && isDigit(lx.src[lx.off]) {
		lx.advance()
	}
	if lx.off < len(lx.src) && lx.src[lx.off] == '.' && lx.peekByte(1) != '.' {
		lx.advance()
		for lx.off < len(lx.src) && isDigit(lx.src[lx.off]) {
			lx.advance()
		}
	}
	if c := lx.peekByte(0); c == 'e' || c == 'E' {
		// Only an exponent when digits follow; "1e" is the number 1 and a word.
		d := 1
		if s := lx.peekByte(1); s == '+' || s == '-' {
			d = 2
		}
		if isDigit(lx.peekByte(d)) {
			for i := 0; i < d; i++ {
				lx.advance()
			}
			for lx.off < len(lx.src) && isDigit(lx.src[lx.off]) {
				lx.advance()
			}
		}
	}
	text := lx.src[start.Offset:lx.off]
	return token{kind: tokNumber, text: text, val: text, pos: start}
}

// quoted reads a quote-delimited string in which the quote is escaped by
// doubling it, returning the unescaped content.
func (lx *lexer) quoted(q byte, start Pos, what string) (string, error) {
	lx.advance()
	var b strings.Builder
	from := lx.off
	for {
		if lx.off >= len(lx.src) {
			return "", lx.errAt(start, string(q), "unterminated %s", what)
		}
		if lx.src[lx.off] == q {
			b.WriteString(lx.src[from:lx.off])
			lx.advance()
			if lx.off < len(lx.src) && lx.src[lx.off] == q {
				b.WriteByte(q)
				lx.advance()
				from = lx.off
				continue
			}
			return b.String(), nil
		}
		lx.advance()
	}
}

package parser

import (
	"strings"

	"github.com/dataflow-go/dataflow/internal/suggest"
)

// reserved holds the words that cannot be used as a bare (unquoted) column
// name, table name or alias, because the grammar would be ambiguous with
// them. Every other word, keywords such as YEAR, DATE or VALUE included, is
// an ordinary identifier where an identifier is expected.
var reserved = map[string]bool{
	"ALL": true, "AND": true, "ANY": true, "AS": true, "ASC": true,
	"BETWEEN": true, "BY": true, "CASE": true, "CAST": true, "CREATE": true,
	"CROSS": true, "DESC": true, "DISTINCT": true, "DROP": true, "ELSE": true,
	"END": true, "ESCAPE": true, "EXCEPT": true, "EXISTS": true, "EXTRACT": true,
	"FALSE": true, "FETCH": true, "FOR": true, "FROM": true, "FULL": true,
	"GROUP": true, "HAVING": true, "ILIKE": true, "IN": true, "INNER": true,
	"INTERSECT": true, "INTO": true, "IS": true, "JOIN": true, "LEFT": true,
	"LIKE": true, "LIMIT": true, "NATURAL": true, "NOT": true, "NULL": true,
	"OFFSET": true, "ON": true, "OR": true, "ORDER": true, "OUTER": true,
	"RIGHT": true, "SELECT": true, "SOME": true, "SUBSTRING": true, "TABLE": true,
	"THEN": true, "TRUE": true, "UNION": true, "USING": true, "VALUES": true,
	"WHEN": true, "WHERE": true, "WITH": true,
}

// reservedLower maps each reserved word to its lower-case spelling, so that
// lexing upper-case keywords does not allocate.
var reservedLower = func() map[string]string {
	m := make(map[string]string, len(reserved))
	for w := range reserved {
		m[w] = strings.ToLower(w)
	}
	return m
}()

// funcKeywords are reserved words that may still name a function when
// followed by "(" (left(s, n), right(s, n)).
var funcKeywords = map[string]bool{"LEFT": true, "RIGHT": true}

// suggestable are the keywords a misspelling is compared against.
var suggestable = []string{
	"SELECT", "FROM", "WHERE", "GROUP BY", "HAVING", "ORDER BY", "LIMIT",
	"OFFSET", "UNION", "INTERSECT", "EXCEPT", "JOIN", "INNER", "LEFT", "RIGHT",
	"FULL", "OUTER", "CROSS", "NATURAL", "USING", "DISTINCT", "VALUES",
	"INSERT", "INTO", "CREATE", "TABLE", "VIEW", "DROP", "EXPLAIN", "ANALYZE",
	"BETWEEN", "EXISTS", "CASE", "WHEN", "THEN", "ELSE", "NULL", "LIKE",
	"ILIKE", "ESCAPE", "EXTERNAL", "LOCATION", "STORED", "OPTIONS", "FUNCTION",
	"RETURNS", "LANGUAGE", "INTERVAL", "EXTRACT", "SUBSTRING", "CAST",
	"HAVING", "NULLS", "FIRST", "LAST", "FETCH", "WITH", "RECURSIVE",
	"UNION ALL", "LEFT JOIN", "INNER JOIN", "CROSS JOIN", "IS NOT", "NOT IN",
	"NOT NULL", "NOT EXISTS", "NOT LIKE",
}

// suggestKeyword returns the keyword a word most likely misspells, or "" when
// the word is not an obvious misspelling (it is itself a keyword, too short,
// or too far from every keyword).
func suggestKeyword(word string) string {
	up := upperASCII(word)
	if len(up) < 4 || reserved[up] {
		return ""
	}
	best, bestDist := "", 3
	for _, kw := range suggestable {
		plain := removeSpaces(kw)
		if plain == up {
			if kw != up {
				return kw // GROUPBY -> GROUP BY
			}
			return ""
		}
		limit := 1
		if len(plain) >= 6 {
			limit = 2
		}
		if d := suggest.Distance(up, plain); d <= limit && d < bestDist {
			best, bestDist = kw, d
		}
	}
	return best
}

func upperASCII(s string) string {
	hasLower := false
	for i := 0; i < len(s); i++ {
		if 'a' <= s[i] && s[i] <= 'z' {
			hasLower = true
			break
		}
	}
	if !hasLower {
		return s
	}
	b := []byte(s)
	for i, c := range b {
		if 'a' <= c && c <= 'z' {
			b[i] = c - 'a' + 'A'
		}
	}
	return string(b)
}

func removeSpaces(s string) string {
	b := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		if s[i] != ' ' {
			b = append(b, s[i])
		}
	}
	return string(b)
}

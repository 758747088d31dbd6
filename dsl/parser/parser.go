package parser

import (
	"strconv"
	"strings"
)

// maxDepth bounds the nesting of expressions and queries so that hostile
// input gets an error instead of exhausting the stack.
const maxDepth = 500

// Parse parses exactly one statement; a trailing semicolon is allowed.
func Parse(src string) (Stmt, error) {
	var stmt Stmt
	err := run(src, func(p *parser) {
		p.skipSemicolons()
		stmt = p.parseStmt()
		p.skipSemicolons()
		if !p.at(tokEOF) {
			p.failExpected("end of input")
		}
	})
	if err != nil {
		return nil, err
	}
	return stmt, nil
}

// ParseScript parses a sequence of statements separated by semicolons.
// Empty statements are skipped; an empty script yields no statements.
func ParseScript(src string) ([]Stmt, error) {
	var stmts []Stmt
	err := run(src, func(p *parser) {
		for {
			p.skipSemicolons()
			if p.at(tokEOF) {
				return
			}
			stmts = append(stmts, p.parseStmt())
			if !p.at(tokEOF) && !p.isOp(";") {
				p.failExpected(`";" or end of input`)
			}
		}
	})
	if err != nil {
		return nil, err
	}
	return stmts, nil
}

// ParseExpr parses a single scalar expression.
func ParseExpr(src string) (Expr, error) {
	var e Expr
	err := run(src, func(p *parser) {
		e = p.parseExpr()
		if !p.at(tokEOF) {
			p.failExpected("end of expression")
		}
	})
	if err != nil {
		return nil, err
	}
	return e, nil
}

type parser struct {
	src   string
	toks  []token
	i     int
	depth int
	// aliasAt is the index of the last word read as an alias without AS;
	// a syntax error right after it is most likely a misspelled keyword
	// (SELECT a FORM t reads FORM as an alias of a).
	aliasAt int
}

// bailout carries a syntax error up the recursive descent to run.
type bailout struct{ err *Error }

func run(src string, f func(p *parser)) (err error) {
	toks, lerr := lex(src)
	if lerr != nil {
		return lerr
	}
	p := &parser{src: src, toks: toks, aliasAt: -1}
	defer func() {
		if r := recover(); r != nil {
			if b, ok := r.(bailout); ok {
				err = b.err
				return
			}
			// A bug in the parser must not crash the caller; report it
			// as an error at the current token instead.
			t := p.peek()
			err = newError(src, t.pos, t.text, "internal error: %v", r)
		}
	}()
	f(p)
	return nil
}

// ------------------------------------------------------------ token access

func (p *parser) peek() token { return p.toks[p.i] }

func (p *parser) peekAt(n int) token {
	if p.i+n < len(p.toks) {
		return p.toks[p.i+n]
	}
	return p.toks[len(p.toks)-1]
}

func (p *parser) next() token {
	t := p.toks[p.i]
	if t.kind != tokEOF {
		p.i++
	}
	return t
}

func (p *parser) at(k tokenKind) bool { return p.toks[p.i].kind == k }

func isKw(t token, kw string) bool { return t.kind == tokWord && t.kw == kw }

func isOpTok(t token, op string) bool { return t.kind == tokOp && t.val == op }

func (p *parser) isKw(kw string) bool { return isKw(p.peek(), kw) }

func (p *parser) isOp(op string) bool { return isOpTok(p.peek(), op) }

func (p *parser) acceptKw(kw string) bool {
	if p.isKw(kw) {
		p.i++
		return true
	}
	return false
}

func (p *parser) acceptOp(op string) bool {
	if p.isOp(op) {
		p.i++
		return true
	}
	return false
}

func (p *parser) expectKw(kw string) token {
	if !p.isKw(kw) {
		p.failExpected(kw)
	}
	return p.next()
}

func (p *parser) expectOp(op string) token {
	if !p.isOp(op) {
		p.failExpected(strconv.Quote(op))
	}
	return p.next()
}

func (p *parser) skipSemicolons() {
	for p.acceptOp(";") {
	}
}

func (p *parser) enter() {
	p.depth++
	if p.depth > maxDepth {
		p.failAt(p.peek(), "statement nested too deeply (more than %d levels)", maxDepth)
	}
}

func (p *parser) leave() { p.depth-- }

// ------------------------------------------------------------------ errors

func describe(t token) string {
	if t.kind == tokEOF {
		return "end of input"
	}
	return strconv.Quote(t.text)
}

func (p *parser) failAt(t token, format string, args ...any) {
	e := newError(p.src, t.pos, t.text, format, args...)
	if t.kind == tokWord {
		if s := suggestKeyword(t.text); s != "" {
			e.Hint = "did you mean " + s + "?"
		}
	}
	panic(bailout{e})
}

// failExpected reports that what was expected at the current token. When the
// token before it was taken as an implicit alias but looks like a misspelled
// keyword, the error points at that word instead.
func (p *parser) failExpected(what string) {
	if p.aliasAt >= 0 && p.aliasAt == p.i-1 {
		prev := p.toks[p.aliasAt]
		if s := suggestKeyword(prev.text); s != "" {
			e := newError(p.src, prev.pos, prev.text, "expected %s, found %s", s, describe(prev))
			e.Hint = "did you mean " + s + "?"
			panic(bailout{e})
		}
	}
	t := p.peek()
	p.failAt(t, "expected %s, found %s", what, describe(t))
}

// -------------------------------------------------------------- identifiers

// parseIdent reads an identifier: a word that is not reserved, or a quoted
// identifier. Unquoted words are folded to lower case.
func (p *parser) parseIdent(what string) string {
	t := p.peek()
	switch {
	case t.kind == tokQIdent:
		p.i++
		return t.val
	case t.kind == tokWord && !reserved[t.kw]:
		p.i++
		return t.val
	}
	if t.kind == tokWord {
		p.failAt(t, "expected %s, found reserved word %s (quote it as \"%s\" to use it as a name)", what, t.kw, t.val)
	}
	p.failExpected(what)
	return ""
}

// parseLabel reads a name after AS, where any word, reserved or not, is
// allowed.
func (p *parser) parseLabel(what string) string {
	t := p.peek()
	if t.kind == tokQIdent || t.kind == tokWord {
		p.i++
		return t.val
	}
	p.failExpected(what)
	return ""
}

func (p *parser) parseIdentList(what string) []string {
	p.expectOp("(")
	var names []string
	for {
		names = append(names, p.parseIdent(what))
		if !p.acceptOp(",") {
			break
		}
	}
	p.expectOp(")")
	return names
}

// isIdentStartTok reports whether t can begin an identifier.
func isIdentTok(t token) bool {
	return t.kind == tokQIdent || (t.kind == tokWord && !reserved[t.kw])
}

// startsQuery reports whether t begins a query (SELECT, VALUES or WITH).
func startsQuery(t token) bool {
	return isKw(t, "SELECT") || isKw(t, "VALUES") || isKw(t, "WITH")
}

// ---------------------------------------------------------------- types

func (p *parser) parseType() *TypeName {
	t := p.peek()
	tn := &TypeName{node: node{t.pos}}
	switch {
	case isKw(t, "DOUBLE") && isKw(p.peekAt(1), "PRECISION"):
		p.i += 2
		tn.Name = "double precision"
	case isKw(t, "CHARACTER") && isKw(p.peekAt(1), "VARYING"):
		p.i += 2
		tn.Name = "character varying"
	default:
		tn.Name = p.parseIdent("type name")
	}
	if p.acceptOp("(") {
		for {
			tn.Args = append(tn.Args, p.parseSmallInt("type argument"))
			if !p.acceptOp(",") {
				break
			}
		}
		p.expectOp(")")
	}
	return tn
}

// parseSmallInt reads an unsigned integer literal that fits an int32.
func (p *parser) parseSmallInt(what string) int {
	t := p.peek()
	if t.kind != tokNumber {
		p.failExpected(what)
	}
	n, err := strconv.ParseInt(t.text, 10, 32)
	if err != nil {
		p.failAt(t, "%s must be an integer, found %s", what, describe(t))
	}
	p.i++
	return int(n)
}

// ---------------------------------------------------------------- statements

func (p *parser) parseStmt() Stmt {
	t := p.peek()
	switch {
	case startsQuery(t) || isOpTok(t, "("):
		return p.parseQuery()
	case isKw(t, "CREATE"):
		return p.parseCreate()
	case isKw(t, "INSERT"):
		return p.parseInsert()
	case isKw(t, "DROP"):
		return p.parseDrop()
	case isKw(t, "SET"):
		return p.parseSet()
	case isKw(t, "SHOW"):
		p.i++
		return &Show{node: node{t.pos}, Name: p.parseSettingName()}
	case isKw(t, "EXPLAIN"):
		p.i++
		ex := &Explain{node: node{t.pos}}
		ex.Analyze = p.acceptKw("ANALYZE")
		ex.Verbose = p.acceptKw("VERBOSE")
		ex.Stmt = p.parseStmt()
		return ex
	}
	p.failExpected("a statement (SELECT, VALUES, WITH, CREATE, INSERT, DROP, SET, SHOW or EXPLAIN)")
	return nil
}

func (p *parser) parseCreate() Stmt {
	start := p.expectKw("CREATE")
	orReplace := false
	if p.acceptKw("OR") {
		p.expectKw("REPLACE")
		orReplace = true
	}
	switch {
	case p.isKw("VIEW"):
		p.i++
		v := &CreateView{node: node{start.pos}, OrReplace: orReplace}
		v.Name = p.parseIdent("view name")
		if p.isOp("(") {
			v.Columns = p.parseIdentList("column name")
		}
		p.expectKw("AS")
		v.Query = p.parseQuery()
		return v
	case p.isKw("FUNCTION"):
		p.i++
		return p.parseCreateFunction(start, orReplace)
	}
	if orReplace {
		p.failExpected("VIEW or FUNCTION after CREATE OR REPLACE")
	}
	switch {
	case p.isKw("TABLE"):
		p.i++
		ct := &CreateTable{node: node{start.pos}}
		ct.IfNotExists = p.parseIfNotExists()
		ct.Name = p.parseIdent("table name")
		if p.acceptKw("AS") {
			ct.AsQuery = p.parseQuery()
			return ct
		}
		if !p.isOp("(") {
			p.failExpected(`"(" or AS`)
		}
		ct.Columns = p.parseColumnDefs()
		return ct
	case p.isKw("EXTERNAL"):
		p.i++
		p.expectKw("TABLE")
		return p.parseCreateExternal(start)
	}
	p.failExpected("TABLE, EXTERNAL TABLE, VIEW or FUNCTION after CREATE")
	return nil
}

func (p *parser) parseIfNotExists() bool {
	if p.acceptKw("IF") {
		p.expectKw("NOT")
		p.expectKw("EXISTS")
		return true
	}
	return false
}

func (p *parser) parseColumnDefs() []*ColumnDef {
	p.expectOp("(")
	var cols []*ColumnDef
	for {
		t := p.peek()
		c := &ColumnDef{node: node{t.pos}}
		c.Name = p.parseIdent("column name")
		c.Type = p.parseType()
		if p.acceptKw("NOT") {
			p.expectKw("NULL")
			c.NotNull = true
		} else {
			p.acceptKw("NULL")
		}
		cols = append(cols, c)
		if !p.acceptOp(",") {
			break
		}
	}
	p.expectOp(")")
	return cols
}

// externalFormats are the STORED AS formats the engine can read.
var externalFormats = map[string]bool{"PARQUET": true, "IPC": true, "ARROW": true, "CSV": true}

func (p *parser) parseCreateExternal(start token) Stmt {
	ct := &CreateExternalTable{node: node{start.pos}}
	ct.IfNotExists = p.parseIfNotExists()
	ct.Name = p.parseIdent("table name")
	if p.isOp("(") {
		ct.Columns = p.parseColumnDefs()
	}
	// DataFusion accepts the clauses in any order, each once.
	seenOptions := false
	for {
		t := p.peek()
		switch {
		case isKw(t, "STORED") && ct.Format == "":
			p.i++
			p.expectKw("AS")
			f := p.peek()
			if f.kind != tokWord || !externalFormats[f.kw] {
				p.failAt(f, "expected PARQUET, IPC, ARROW or CSV after STORED AS, found %s", describe(f))
			}
			p.i++
			ct.Format = f.kw
			continue
		case isKw(t, "LOCATION") && ct.Location == "":
			p.i++
			s := p.peek()
			if s.kind != tokString {
				p.failExpected("a quoted path after LOCATION")
			}
			if s.val == "" {
				p.failAt(s, "LOCATION must not be empty")
			}
			p.i++
			ct.Location = s.val
			continue
		case isKw(t, "OPTIONS") && !seenOptions:
			p.i++
			seenOptions = true
			ct.Options = p.parseOptions()
			continue
		}
		break
	}
	if ct.Format == "" {
		p.failExpected("STORED AS")
	}
	if ct.Location == "" {
		p.failExpected("LOCATION")
	}
	return ct
}

func (p *parser) parseOptions() []*Option {
	p.expectOp("(")
	var opts []*Option
	for {
		t := p.peek()
		o := &Option{node: node{t.pos}}
		switch {
		case t.kind == tokString:
			p.i++
			o.Key = t.val
		default:
			o.Key = p.parseSettingName()
		}
		v := p.peek()
		switch v.kind {
		case tokString, tokNumber:
			o.Value = v.val
		case tokWord:
			o.Value = v.val
		default:
			p.failExpected("an option value")
		}
		p.i++
		opts = append(opts, o)
		if !p.acceptOp(",") {
			break
		}
	}
	p.expectOp(")")
	return opts
}

func (p *parser) parseCreateFunction(start token, orReplace bool) Stmt {
	f := &CreateFunction{node: node{start.pos}, OrReplace: orReplace}
	f.Name = p.parseIdent("function name")
	p.expectOp("(")
	if !p.isOp(")") {
		for {
			t := p.peek()
			a := &FuncArg{node: node{t.pos}}
			// "name type" or just "type"; double precision and character
			// varying are two-word types, not a name and a type.
			t1 := p.peekAt(1)
			named := isIdentTok(t) && isIdentTok(t1) &&
				!(isKw(t, "DOUBLE") && isKw(t1, "PRECISION")) &&
				!(isKw(t, "CHARACTER") && isKw(t1, "VARYING"))
			if named {
				a.Name = p.parseIdent("parameter name")
			}
			a.Type = p.parseType()
			f.Args = append(f.Args, a)
			if !p.acceptOp(",") {
				break
			}
		}
	}
	p.expectOp(")")
	p.expectKw("RETURNS")
	if p.isKw("TABLE") {
		p.i++
		f.ReturnsTable = p.parseColumnDefs()
	} else {
		f.Returns = p.parseType()
	}
	seenLang := false
	for {
		switch {
		case p.isKw("AS") && f.As == "":
			p.i++
			s := p.peek()
			if s.kind != tokString || s.val == "" {
				p.failExpected("the quoted name of a registered Go function after AS")
			}
			p.i++
			f.As = s.val
			continue
		case p.isKw("LANGUAGE") && !seenLang:
			p.i++
			seenLang = true
			if t := p.peek(); t.kind == tokString {
				p.i++
				f.Language = t.val
			} else {
				f.Language = p.parseLabel("language name")
			}
			continue
		}
		break
	}
	if f.As == "" {
		p.failExpected("AS 'registered_function_name'")
	}
	return f
}

func (p *parser) parseInsert() Stmt {
	start := p.expectKw("INSERT")
	p.expectKw("INTO")
	ins := &Insert{node: node{start.pos}}
	ins.Table = p.parseIdent("table name")
	if p.isOp("(") && !startsQuery(p.peekAt(1)) && !isOpTok(p.peekAt(1), "(") {
		ins.Columns = p.parseIdentList("column name")
	}
	if t := p.peek(); !startsQuery(t) && !isOpTok(t, "(") {
		p.failExpected("VALUES or SELECT")
	}
	ins.Query = p.parseQuery()
	return ins
}

func (p *parser) parseDrop() Stmt {
	start := p.expectKw("DROP")
	d := &Drop{node: node{start.pos}}
	t := p.peek()
	switch {
	case isKw(t, "TABLE"), isKw(t, "VIEW"), isKw(t, "FUNCTION"):
		p.i++
		d.Object = t.kw
	default:
		p.failExpected("TABLE, VIEW or FUNCTION after DROP")
	}
	if p.acceptKw("IF") {
		p.expectKw("EXISTS")
		d.IfExists = true
	}
	d.Name = p.parseIdent(strings.ToLower(d.Object) + " name")
	if d.Object == "FUNCTION" && p.acceptOp("(") {
		d.ArgTypes = []*TypeName{}
		if !p.isOp(")") {
			for {
				d.ArgTypes = append(d.ArgTypes, p.parseType())
				if !p.acceptOp(",") {
					break
				}
			}
		}
		p.expectOp(")")
	}
	return d
}

// parseSettingName reads a possibly dotted name such as placement.strategy.
// Any word is allowed in each part, keywords included.
func (p *parser) parseSettingName() string {
	var parts []string
	for {
		if t := p.peek(); t.kind == tokQIdent && (t.val == "" || strings.Contains(t.val, ".")) {
			p.failAt(t, "a part of a setting name cannot contain \".\"")
		}
		parts = append(parts, p.parseLabel("a setting name"))
		if !p.acceptOp(".") {
			break
		}
	}
	return strings.Join(parts, ".")
}

func (p *parser) parseSet() Stmt {
	start := p.expectKw("SET")
	s := &Set{node: node{start.pos}}
	s.Name = p.parseSettingName()
	if !p.acceptOp("=") && !p.acceptKw("TO") {
		p.failExpected(`"=" or TO`)
	}
	neg := p.acceptOp("-")
	t := p.peek()
	switch {
	case t.kind == tokNumber:
		s.Value = t.val
		if neg {
			s.Value = "-" + s.Value
		}
	case neg:
		p.failExpected("a number after -")
	case t.kind == tokString || t.kind == tokWord || t.kind == tokQIdent:
		s.Value = t.val
	default:
		p.failExpected("a value")
	}
	p.i++
	return s
}

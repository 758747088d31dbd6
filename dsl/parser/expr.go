package parser

// Operator precedence, loosest first, following PostgreSQL:
// OR < AND < NOT < IS < comparison < BETWEEN/IN/LIKE < || < + - < * / % < ^
// < unary minus < :: and primaries.
const (
	precOr      = 1
	precAnd     = 2
	precNot     = 3
	precIs      = 4
	precCmp     = 5
	precLike    = 6 // BETWEEN, IN, LIKE, ILIKE
	precConcat  = 7
	precAdd     = 8
	precMul     = 9
	precExp     = 10
	precUnary   = 11
	precPrimary = 100
)

// binaryOp returns the operator spelling and precedence of an infix
// operator token, or 0 when t is not one.
func binaryOp(t token) (string, int) {
	switch t.kind {
	case tokWord:
		switch t.kw {
		case "OR":
			return "OR", precOr
		case "AND":
			return "AND", precAnd
		}
	case tokOp:
		switch t.val {
		case "=", "<>", "<", "<=", ">", ">=":
			return t.val, precCmp
		case "||":
			return t.val, precConcat
		case "+", "-":
			return t.val, precAdd
		case "*", "/", "%":
			return t.val, precMul
		case "^":
			return t.val, precExp
		}
	}
	return "", 0
}

func (p *parser) parseExpr() Expr { return p.parseBinary(precOr) }

// parseBinary is a precedence climber: it reads operators whose precedence
// is at least minPrec, each left-associative.
func (p *parser) parseBinary(minPrec int) Expr {
	p.enter()
	defer p.leave()
	left := p.parseUnary()
	for {
		t := p.peek()
		if op, prec := binaryOp(t); prec > 0 {
			if prec < minPrec {
				return left
			}
			p.i++
			right := p.parseBinary(prec + 1)
			left = &BinaryExpr{node: node{left.Pos()}, Op: op, OpPos: t.pos, Left: left, Right: right}
			continue
		}
		if isKw(t, "IS") {
			if precIs < minPrec {
				return left
			}
			left = p.parseIs(left)
			continue
		}
		not := false
		opTok := t
		if isKw(t, "NOT") {
			n := p.peekAt(1)
			if !(isKw(n, "IN") || isKw(n, "LIKE") || isKw(n, "ILIKE") || isKw(n, "BETWEEN")) {
				return left
			}
			not, opTok = true, n
		}
		if !(isKw(opTok, "IN") || isKw(opTok, "LIKE") || isKw(opTok, "ILIKE") || isKw(opTok, "BETWEEN")) {
			return left
		}
		if precLike < minPrec {
			return left
		}
		if not {
			p.i++
		}
		p.i++
		switch opTok.kw {
		case "IN":
			left = p.parseIn(left, not)
		case "LIKE", "ILIKE":
			l := &LikeExpr{node: node{left.Pos()}, Expr: left, Not: not, CaseInsensitive: opTok.kw == "ILIKE"}
			l.Pattern = p.parseBinary(precLike + 1)
			if p.acceptKw("ESCAPE") {
				l.Escape = p.parseBinary(precLike + 1)
			}
			left = l
		case "BETWEEN":
			b := &BetweenExpr{node: node{left.Pos()}, Expr: left, Not: not}
			b.Low = p.parseBinary(precLike + 1)
			p.expectKw("AND")
			b.High = p.parseBinary(precLike + 1)
			left = b
		}
	}
}

func (p *parser) parseIs(left Expr) Expr {
	p.expectKw("IS")
	not := p.acceptKw("NOT")
	t := p.peek()
	switch {
	case isKw(t, "NULL"), isKw(t, "TRUE"), isKw(t, "FALSE"), isKw(t, "UNKNOWN"):
		p.i++
		return &IsExpr{node: node{left.Pos()}, Expr: left, Not: not, What: t.kw}
	case isKw(t, "DISTINCT"):
		p.i++
		p.expectKw("FROM")
		right := p.parseBinary(precIs + 1)
		return &DistinctFromExpr{node: node{left.Pos()}, Left: left, Right: right, Not: not}
	}
	p.failExpected("NULL, TRUE, FALSE, UNKNOWN or DISTINCT FROM after IS")
	return nil
}

func (p *parser) parseIn(left Expr, not bool) Expr {
	p.expectOp("(")
	if startsQuery(p.peek()) {
		q := p.parseQuery()
		p.expectOp(")")
		return &InSubqueryExpr{node: node{left.Pos()}, Expr: left, Query: q, Not: not}
	}
	in := &InListExpr{node: node{left.Pos()}, Expr: left, Not: not}
	first := p.parseExpr()
	if sq, ok := first.(*SubqueryExpr); ok && isQueryTailStart(p.peek()) {
		// x IN ((SELECT ...) UNION ...): a subquery after all.
		q := p.continueQuery(sq.Query)
		p.expectOp(")")
		return &InSubqueryExpr{node: node{left.Pos()}, Expr: left, Query: q, Not: not}
	}
	in.List = append(in.List, first)
	for p.acceptOp(",") {
		in.List = append(in.List, p.parseExpr())
	}
	p.expectOp(")")
	return in
}

func (p *parser) parseUnary() Expr {
	t := p.peek()
	switch {
	case isOpTok(t, "-"), isOpTok(t, "+"):
		p.i++
		p.enter()
		operand := p.parseUnary()
		p.leave()
		return &UnaryExpr{node: node{t.pos}, Op: t.val, Expr: operand}
	case isKw(t, "NOT"):
		p.i++
		operand := p.parseBinary(precNot)
		return &UnaryExpr{node: node{t.pos}, Op: "NOT", Expr: operand}
	}
	e := p.parsePrimary()
	for p.isOp("::") {
		p.i++
		e = &CastExpr{node: node{e.Pos()}, Expr: e, Type: p.parseType()}
	}
	return e
}

// intervalUnits are the units an interval literal may carry.
var intervalUnits = map[string]bool{
	"YEAR": true, "MONTH": true, "DAY": true, "HOUR": true, "MINUTE": true, "SECOND": true,
}

func (p *parser) parsePrimary() Expr {
	t := p.peek()
	switch t.kind {
	case tokNumber:
		p.i++
		return &NumberLit{node: node{t.pos}, Text: t.text}
	case tokString:
		p.i++
		return &StringLit{node: node{t.pos}, Value: t.val}
	case tokOp:
		if t.val == "(" {
			return p.parseParen()
		}
	case tokQIdent:
		return p.parseNameOrCall()
	case tokWord:
		next := p.peekAt(1)
		switch t.kw {
		case "NULL":
			p.i++
			return &NullLit{node: node{t.pos}}
		case "TRUE", "FALSE":
			p.i++
			return &BoolLit{node: node{t.pos}, Value: t.kw == "TRUE"}
		case "CASE":
			return p.parseCase()
		case "CAST":
			p.i++
			p.expectOp("(")
			c := &CastExpr{node: node{t.pos}}
			c.Expr = p.parseExpr()
			p.expectKw("AS")
			c.Type = p.parseType()
			p.expectOp(")")
			return c
		case "EXISTS":
			p.i++
			p.expectOp("(")
			q := p.parseQuery()
			p.expectOp(")")
			return &ExistsExpr{node: node{t.pos}, Query: q}
		case "EXTRACT":
			return p.parseExtract()
		case "SUBSTRING":
			if isOpTok(next, "(") {
				return p.parseSubstring()
			}
		case "DATE", "TIME", "TIMESTAMP":
			if next.kind == tokString {
				p.i += 2
				return &TypedLit{node: node{t.pos}, Type: &TypeName{node: node{t.pos}, Name: t.val}, Value: next.val}
			}
		case "INTERVAL":
			if next.kind == tokString {
				return p.parseInterval()
			}
		}
		if !reserved[t.kw] || (funcKeywords[t.kw] && isOpTok(next, "(")) {
			return p.parseNameOrCall()
		}
	}
	p.failExpected("an expression")
	return nil
}

// parseParen reads what starts with "(": a scalar subquery, a row
// constructor, or a parenthesised expression (parentheses leave no node).
func (p *parser) parseParen() Expr {
	open := p.expectOp("(")
	if startsQuery(p.peek()) {
		q := p.parseQuery()
		p.expectOp(")")
		return &SubqueryExpr{node: node{open.pos}, Query: q}
	}
	e := p.parseExpr()
	if sq, ok := e.(*SubqueryExpr); ok && isQueryTailStart(p.peek()) {
		// ((SELECT ...) UNION ...): the inner subquery was the first
		// operand of a longer query.
		q := p.continueQuery(sq.Query)
		p.expectOp(")")
		return &SubqueryExpr{node: node{open.pos}, Query: q}
	}
	if p.isOp(",") {
		tup := &TupleExpr{node: node{open.pos}, Items: []Expr{e}}
		for p.acceptOp(",") {
			tup.Items = append(tup.Items, p.parseExpr())
		}
		p.expectOp(")")
		return tup
	}
	p.expectOp(")")
	return e
}

func (p *parser) parseNameOrCall() Expr {
	t := p.next()
	name := t.val
	if p.isOp("(") {
		return p.parseCall(t)
	}
	if p.acceptOp(".") {
		if s := p.peek(); isOpTok(s, "*") {
			p.i++
			return &Star{node: node{t.pos}, Table: name}
		}
		col := p.parseLabel("column name")
		return &ColumnRef{node: node{t.pos}, Table: name, Name: col}
	}
	return &ColumnRef{node: node{t.pos}, Name: name}
}

func (p *parser) parseCall(name token) Expr {
	p.expectOp("(")
	if upperASCII(name.val) == "POSITION" && name.kind == tokWord {
		if f := p.parsePositionIn(name); f != nil {
			return f
		}
	}
	f := &FuncCall{node: node{name.pos}, Name: name.val}
	switch {
	case p.isOp("*"):
		p.i++
		f.Star = true
	case p.isOp(")"):
	default:
		if p.acceptKw("DISTINCT") {
			f.Distinct = true
		} else {
			p.acceptKw("ALL")
		}
		for {
			f.Args = append(f.Args, p.parseExpr())
			if !p.acceptOp(",") {
				break
			}
		}
	}
	p.expectOp(")")
	return f
}

// parsePositionIn reads the SQL form position(needle IN haystack) as the
// call strpos(haystack, needle); it returns nil, having read nothing, when
// the arguments are not in that form. The needle is read above IN's
// precedence so that IN ends it.
func (p *parser) parsePositionIn(name token) Expr {
	start, alias := p.i, p.aliasAt
	if p.isOp(")") {
		return nil
	}
	needle := p.parseBinary(precLike + 1)
	if !p.acceptKw("IN") {
		p.i, p.aliasAt = start, alias
		return nil
	}
	haystack := p.parseBinary(precLike + 1)
	p.expectOp(")")
	return &FuncCall{node: node{name.pos}, Name: "strpos", Args: []Expr{haystack, needle}}
}

func (p *parser) parseCase() Expr {
	start := p.expectKw("CASE")
	c := &CaseExpr{node: node{start.pos}}
	if !p.isKw("WHEN") {
		c.Operand = p.parseExpr()
	}
	for p.isKw("WHEN") {
		w := &When{node: node{p.next().pos}}
		w.Cond = p.parseExpr()
		p.expectKw("THEN")
		w.Result = p.parseExpr()
		c.Whens = append(c.Whens, w)
	}
	if len(c.Whens) == 0 {
		p.failExpected("WHEN")
	}
	if p.acceptKw("ELSE") {
		c.Else = p.parseExpr()
	}
	p.expectKw("END")
	return c
}

func (p *parser) parseExtract() Expr {
	start := p.expectKw("EXTRACT")
	p.expectOp("(")
	x := &ExtractExpr{node: node{start.pos}}
	f := p.peek()
	switch f.kind {
	case tokWord, tokString:
		p.i++
		x.Field = upperASCII(f.val)
	default:
		p.failExpected("a date field such as YEAR")
	}
	p.expectKw("FROM")
	x.Expr = p.parseExpr()
	p.expectOp(")")
	return x
}

// parseSubstring reads substring(x FROM a [FOR b]), substring(x FOR b) or
// the plain call form, all as the call substring(x, a[, b]).
func (p *parser) parseSubstring() Expr {
	name := p.expectKw("SUBSTRING")
	p.expectOp("(")
	f := &FuncCall{node: node{name.pos}, Name: "substring"}
	f.Args = append(f.Args, p.parseExpr())
	switch {
	case p.isKw("FROM"):
		p.i++
		f.Args = append(f.Args, p.parseExpr())
		if p.acceptKw("FOR") {
			f.Args = append(f.Args, p.parseExpr())
		}
	case p.isKw("FOR"):
		forTok := p.next()
		f.Args = append(f.Args, &NumberLit{node: node{forTok.pos}, Text: "1"}, p.parseExpr())
	default:
		for p.acceptOp(",") {
			f.Args = append(f.Args, p.parseExpr())
		}
	}
	p.expectOp(")")
	return f
}

func (p *parser) parseInterval() Expr {
	start := p.expectKw("INTERVAL")
	v := p.next()
	iv := &IntervalLit{node: node{start.pos}, Value: v.val, Precision: -1}
	if u := p.peek(); u.kind == tokWord && intervalUnits[u.kw] {
		p.i++
		iv.Unit = u.kw
		if p.isOp("(") && p.peekAt(1).kind == tokNumber && isOpTok(p.peekAt(2), ")") {
			p.i++
			iv.Precision = p.parseSmallInt("interval precision")
			p.expectOp(")")
		}
	}
	return iv
}

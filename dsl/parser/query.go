package parser

// parseQuery reads [WITH ...] body [ORDER BY ...] [LIMIT/OFFSET/FETCH].
func (p *parser) parseQuery() *Query {
	p.enter()
	defer p.leave()
	start := p.peek()
	q := &Query{node: node{start.pos}}
	if p.acceptKw("WITH") {
		q.Recursive = p.acceptKw("RECURSIVE")
		for {
			t := p.peek()
			c := &CTE{node: node{t.pos}}
			c.Name = p.parseIdent("common table expression name")
			if p.isOp("(") {
				c.Columns = p.parseIdentList("column name")
			}
			p.expectKw("AS")
			p.expectOp("(")
			c.Query = p.parseQuery()
			p.expectOp(")")
			q.With = append(q.With, c)
			if !p.acceptOp(",") {
				break
			}
		}
	}
	q.Body = p.parseSetExpr(p.parseSetOperand(), 0)
	p.parseQueryTail(q)
	return q
}

// continueQuery finishes a query whose first set operand was already read
// (a parenthesised subquery met where an expression was expected).
func (p *parser) continueQuery(first *Query) *Query {
	q := &Query{node: node{first.Position}}
	q.Body = p.parseSetExpr(operandOf(first), 0)
	p.parseQueryTail(q)
	return q
}

// operandOf unwraps a parenthesised query used as a set operand when it
// carries nothing of its own beyond the body.
func operandOf(q *Query) SetExpr {
	if len(q.With) == 0 && len(q.OrderBy) == 0 && q.Limit == nil && q.Offset == nil {
		return q.Body
	}
	return q
}

func isQueryTailStart(t token) bool {
	return isKw(t, "UNION") || isKw(t, "INTERSECT") || isKw(t, "EXCEPT") ||
		isKw(t, "ORDER") || isKw(t, "LIMIT") || isKw(t, "OFFSET") || isKw(t, "FETCH")
}

func setOpPrec(t token) int {
	switch {
	case isKw(t, "UNION"), isKw(t, "EXCEPT"):
		return 1
	case isKw(t, "INTERSECT"):
		return 2 // INTERSECT binds tighter, as in the standard
	}
	return 0
}

func (p *parser) parseSetExpr(left SetExpr, minPrec int) SetExpr {
	for {
		t := p.peek()
		prec := setOpPrec(t)
		if prec == 0 || prec < minPrec {
			return left
		}
		p.i++
		all := p.acceptKw("ALL")
		if !all {
			p.acceptKw("DISTINCT")
		}
		p.enter()
		right := p.parseSetExpr(p.parseSetOperand(), prec+1)
		p.leave()
		left = &SetOp{node: node{left.Pos()}, Op: t.kw, All: all, Left: left, Right: right}
	}
}

func (p *parser) parseSetOperand() SetExpr {
	t := p.peek()
	switch {
	case isKw(t, "SELECT"):
		return p.parseSelect()
	case isKw(t, "VALUES"):
		return p.parseValues()
	case isOpTok(t, "("):
		p.i++
		q := p.parseQuery()
		p.expectOp(")")
		return operandOf(q)
	}
	p.failExpected("SELECT, VALUES or (")
	return nil
}

func (p *parser) parseQueryTail(q *Query) {
	if p.isKw("ORDER") {
		p.i++
		p.expectKw("BY")
		for {
			q.OrderBy = append(q.OrderBy, p.parseOrderItem())
			if !p.acceptOp(",") {
				break
			}
		}
	}
	seenLimit, seenOffset := false, false
	for {
		t := p.peek()
		switch {
		case isKw(t, "LIMIT") && !seenLimit:
			p.i++
			seenLimit = true
			if !p.acceptKw("ALL") {
				q.Limit = p.parseExpr()
			}
		case isKw(t, "OFFSET") && !seenOffset:
			p.i++
			seenOffset = true
			q.Offset = p.parseExpr()
			if !p.acceptKw("ROWS") {
				p.acceptKw("ROW")
			}
		case isKw(t, "FETCH") && !seenLimit:
			p.i++
			seenLimit = true
			if !p.acceptKw("FIRST") && !p.acceptKw("NEXT") {
				p.failExpected("FIRST or NEXT")
			}
			if n := p.peek(); isKw(n, "ROW") || isKw(n, "ROWS") {
				q.Limit = &NumberLit{node: node{n.pos}, Text: "1"}
			} else {
				q.Limit = p.parseExpr()
			}
			if !p.acceptKw("ROWS") && !p.acceptKw("ROW") {
				p.failExpected("ROWS")
			}
			p.expectKw("ONLY")
		case isKw(t, "LIMIT"), isKw(t, "FETCH"):
			p.failAt(t, "a query can have only one LIMIT or FETCH clause")
		case isKw(t, "OFFSET"):
			p.failAt(t, "a query can have only one OFFSET clause")
		default:
			return
		}
	}
}

func (p *parser) parseOrderItem() *OrderItem {
	t := p.peek()
	o := &OrderItem{node: node{t.pos}}
	o.Expr = p.parseExpr()
	if p.acceptKw("DESC") {
		o.Desc = true
	} else {
		p.acceptKw("ASC")
	}
	if p.acceptKw("NULLS") {
		switch {
		case p.acceptKw("FIRST"):
			o.Nulls = NullsFirst
		case p.acceptKw("LAST"):
			o.Nulls = NullsLast
		default:
			p.failExpected("FIRST or LAST")
		}
	}
	return o
}

func (p *parser) parseValues() *Values {
	start := p.expectKw("VALUES")
	v := &Values{node: node{start.pos}}
	for {
		row := p.peek()
		p.expectOp("(")
		var items []Expr
		for {
			items = append(items, p.parseExpr())
			if !p.acceptOp(",") {
				break
			}
		}
		p.expectOp(")")
		if len(v.Rows) > 0 && len(items) != len(v.Rows[0]) {
			p.failAt(row, "VALUES rows must all have the same length: this row has %d, the first has %d",
				len(items), len(v.Rows[0]))
		}
		v.Rows = append(v.Rows, items)
		if !p.acceptOp(",") {
			break
		}
	}
	return v
}

func (p *parser) parseSelect() *Select {
	start := p.expectKw("SELECT")
	s := &Select{node: node{start.pos}}
	if p.acceptKw("DISTINCT") {
		s.Distinct = true
	} else {
		p.acceptKw("ALL")
	}
	for {
		s.Items = append(s.Items, p.parseSelectItem())
		if !p.acceptOp(",") {
			break
		}
	}
	if p.acceptKw("FROM") {
		for {
			s.From = append(s.From, p.parseJoinedTable())
			if !p.acceptOp(",") {
				break
			}
		}
	}
	if p.acceptKw("WHERE") {
		s.Where = p.parseExpr()
	}
	if p.isKw("GROUP") {
		p.i++
		p.expectKw("BY")
		for {
			s.GroupBy = append(s.GroupBy, p.parseExpr())
			if !p.acceptOp(",") {
				break
			}
		}
	}
	if p.acceptKw("HAVING") {
		s.Having = p.parseExpr()
	}
	return s
}

func (p *parser) parseSelectItem() *SelectItem {
	t := p.peek()
	item := &SelectItem{node: node{t.pos}}
	if isOpTok(t, "*") {
		p.i++
		item.Expr = &Star{node: node{t.pos}}
		return item
	}
	item.Expr = p.parseExpr()
	if _, ok := item.Expr.(*Star); ok {
		return item
	}
	item.Alias = p.parseOptionalAlias()
	return item
}

// parseOptionalAlias reads [AS] name, returning "" when there is none.
func (p *parser) parseOptionalAlias() string {
	if p.acceptKw("AS") {
		return p.parseLabel("alias")
	}
	if t := p.peek(); isIdentTok(t) {
		p.aliasAt = p.i
		p.i++
		return t.val
	}
	return ""
}

func (p *parser) parseTableAlias() *TableAlias {
	t := p.peek()
	hasAS := isKw(t, "AS")
	if !hasAS && !isIdentTok(t) {
		return nil
	}
	a := &TableAlias{node: node{t.pos}}
	if hasAS {
		p.i++
		a.Name = p.parseIdent("alias")
	} else {
		a.Name = p.parseOptionalAlias()
	}
	if p.isOp("(") {
		a.Columns = p.parseIdentList("column alias")
	}
	return a
}

func (p *parser) parseJoinedTable() TableExpr {
	p.enter()
	defer p.leave()
	left := p.parseTablePrimary()
	for {
		natural := p.acceptKw("NATURAL")
		kind := JoinInner
		switch {
		case p.acceptKw("CROSS"):
			if natural {
				p.failAt(p.toks[p.i-1], "NATURAL CROSS JOIN is not a join")
			}
			kind = JoinCross
		case p.acceptKw("INNER"):
		case p.acceptKw("LEFT"):
			kind = JoinLeft
			p.acceptKw("OUTER")
		case p.acceptKw("RIGHT"):
			kind = JoinRight
			p.acceptKw("OUTER")
		case p.acceptKw("FULL"):
			kind = JoinFull
			p.acceptKw("OUTER")
		case p.isKw("JOIN"):
		default:
			if natural {
				p.failExpected("JOIN")
			}
			return left
		}
		p.expectKw("JOIN")
		j := &JoinExpr{node: node{left.Pos()}, Kind: kind, Natural: natural, Left: left}
		j.Right = p.parseTablePrimary()
		if kind != JoinCross && !natural {
			switch {
			case p.acceptKw("ON"):
				j.On = p.parseExpr()
			case p.isKw("USING"):
				p.i++
				j.Using = p.parseIdentList("column name")
			default:
				p.failExpected("ON or USING")
			}
		}
		left = j
	}
}

func (p *parser) parseTablePrimary() TableExpr {
	t := p.peek()
	if isOpTok(t, "(") {
		// A derived table or a parenthesised join: look past any further
		// parentheses for the word that starts a query.
		k := 1
		for isOpTok(p.peekAt(k), "(") {
			k++
		}
		if startsQuery(p.peekAt(k)) {
			p.i++
			d := &DerivedTable{node: node{t.pos}}
			d.Query = p.parseQuery()
			p.expectOp(")")
			d.Alias = p.parseTableAlias()
			return d
		}
		p.i++
		inner := p.parseJoinedTable()
		p.expectOp(")")
		return inner
	}
	tn := &TableName{node: node{t.pos}}
	tn.Name = p.parseIdent("table name")
	if p.isOp("(") {
		return p.parseTableFuncCall(tn)
	}
	if p.acceptOp(".") {
		tn.Schema = tn.Name
		tn.Name = p.parseIdent("table name")
	}
	tn.Alias = p.parseTableAlias()
	return tn
}

// parseTableFuncCall reads the argument list and alias of a table
// function whose name was read as tn.
func (p *parser) parseTableFuncCall(tn *TableName) TableExpr {
	f := &TableFuncCall{node: tn.node, Name: tn.Name}
	p.expectOp("(")
	if !p.isOp(")") {
		for {
			f.Args = append(f.Args, p.parseExpr())
			if !p.acceptOp(",") {
				break
			}
		}
	}
	p.expectOp(")")
	f.Alias = p.parseTableAlias()
	return f
}

package parser_test

import (
	"errors"
	"fmt"

	"github.com/dataflow-go/dataflow/dsl/parser"
)

func ExampleParse() {
	stmt, err := parser.Parse(`select l_returnflag, sum(l_quantity) as qty
from lineitem
where l_shipdate <= date '1998-12-01' - interval '90' day (3)
group by l_returnflag`)
	if err != nil {
		fmt.Println(err)
		return
	}
	q := stmt.(*parser.Query)
	sel := q.Body.(*parser.Select)
	fmt.Println(sel.Where.Pos())
	fmt.Println(stmt)
	// Output:
	// 3:7
	// SELECT l_returnflag, sum(l_quantity) AS qty FROM lineitem WHERE l_shipdate <= DATE '1998-12-01' - INTERVAL '90' DAY (3) GROUP BY l_returnflag
}

func ExampleError() {
	_, err := parser.Parse("SELECT a, b\n  FORM t")
	var pe *parser.Error
	if errors.As(err, &pe) && errors.Is(err, parser.ErrParse) {
		fmt.Println(pe.Pos.Line, pe.Pos.Col, pe.Token)
	}
	fmt.Println(err)
	// Output:
	// 2 3 FORM
	// syntax error at line 2, column 3: expected FROM, found "FORM"
	//   FORM t
	//   ^
	// did you mean FROM?
}

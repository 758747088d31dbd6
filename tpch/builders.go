package tpch

import "github.com/dataflow-go/dataflow"

// BuildQ1 is TPC-H Q1 (pricing summary report) written with the builder.
func BuildQ1(e *dataflow.Engine) *dataflow.Query {
	col, lit := dataflow.Col, dataflow.Lit
	discPrice := col("l_extendedprice").Mul(lit(1).Sub(col("l_discount")))
	return e.From("lineitem").
		Where(col("l_shipdate").LtEq(dataflow.Date("1998-09-02"))).
		GroupBy(col("l_returnflag"), col("l_linestatus")).
		Agg(
			dataflow.Sum(col("l_quantity")).As("sum_qty"),
			dataflow.Sum(col("l_extendedprice")).As("sum_base_price"),
			dataflow.Sum(discPrice).As("sum_disc_price"),
			dataflow.Sum(discPrice.Mul(lit(1).Add(col("l_tax")))).As("sum_charge"),
			dataflow.Avg(col("l_quantity")).As("avg_qty"),
			dataflow.Avg(col("l_extendedprice")).As("avg_price"),
			dataflow.Avg(col("l_discount")).As("avg_disc"),
			dataflow.Count().As("count_order"),
		).
		OrderBy(col("l_returnflag").Asc(), col("l_linestatus").Asc())
}

// BuildQ6 is TPC-H Q6 (forecasting revenue change) written with the
// builder.
func BuildQ6(e *dataflow.Engine) *dataflow.Query {
	col := dataflow.Col
	return e.From("lineitem").
		Where(col("l_shipdate").GtEq(dataflow.Date("1994-01-01")).
			And(col("l_shipdate").Lt(dataflow.Date("1995-01-01"))).
			And(col("l_discount").Between(dataflow.Decimal("0.05"), dataflow.Decimal("0.07"))).
			And(col("l_quantity").Lt(dataflow.Lit(24)))).
		Agg(dataflow.Sum(col("l_extendedprice").Mul(col("l_discount"))).As("revenue"))
}

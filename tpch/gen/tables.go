package gen

import (
	"fmt"
	"math"
	"strings"

	"github.com/apache/arrow/go/v15/arrow"
)

// RowGroupRows is the number of rows the generator produces at a time, and
// so the size of a Parquet row group and of an Arrow IPC record batch.
// Row groups are the engine's unit of parallel scan work and of pruning
// by statistics: 128Ki rows gives SF1 lineitem 46 of them (enough to keep
// many cores busy) while keeping per-row-group overhead (page headers,
// statistics, one dictionary per column) negligible, and a lineitem chunk
// in memory (~20 MB) small. Lineitem row groups hold the lines of 32Ki
// orders, so their size varies around 128Ki rows.
const RowGroupRows = 1 << 17

// TableNames lists the eight TPC-H tables, smallest first.
func TableNames() []string {
	out := make([]string, len(tableDefs))
	for i, t := range tableDefs {
		out[i] = t.name
	}
	return out
}

// tableDef describes how one table is generated. A table is a sequence
// of units, each producing a fixed or random number of rows: a unit is a
// row, except for partsupp (a part: four rows) and lineitem (an order:
// one to seven rows). Partitions and chunks are ranges of units, so a
// partition's rows do not depend on how the others are cut.
type tableDef struct {
	name   string
	schema *arrow.Schema
	// base is the unit count at SF1; fixed tables (nation, region) do not
	// scale.
	base  int64
	fixed bool
	// rowsPerUnit is the exact (or, for lineitem, average) rows per unit.
	rowsPerUnit int64
	// gen produces the rows of units [lo, hi).
	gen func(s *scale, lo, hi int64) arrow.Record
}

var tableDefs = []*tableDef{
	{name: "region", schema: regionSchema, base: int64(len(regionNames)), fixed: true, rowsPerUnit: 1, gen: genRegion},
	{name: "nation", schema: nationSchema, base: int64(len(nations)), fixed: true, rowsPerUnit: 1, gen: genNation},
	{name: "supplier", schema: supplierSchema, base: 10_000, rowsPerUnit: 1, gen: genSupplier},
	{name: "customer", schema: customerSchema, base: 150_000, rowsPerUnit: 1, gen: genCustomer},
	{name: "part", schema: partSchema, base: 200_000, rowsPerUnit: 1, gen: genPart},
	{name: "partsupp", schema: partsuppSchema, base: 200_000, rowsPerUnit: suppliersPerPart, gen: genPartSupp},
	{name: "orders", schema: ordersSchema, base: 1_500_000, rowsPerUnit: 1, gen: genOrders},
	{name: "lineitem", schema: lineitemSchema, base: 1_500_000, rowsPerUnit: 4, gen: genLineitem},
}

func lookupTable(name string) (*tableDef, error) {
	n := strings.ToLower(strings.TrimSpace(name))
	for _, t := range tableDefs {
		if t.name == n {
			return t, nil
		}
	}
	return nil, fmt.Errorf("%w: unknown table %q (want one of %s)", ErrInvalid, name, strings.Join(TableNames(), ", "))
}

// MinSF is the smallest scale factor accepted: below it the supplier
// table has fewer than ten rows and the partsupp key formula (four
// distinct suppliers per part) degenerates.
const MinSF = 0.001

// MaxSF is the largest scale factor accepted (keys and row counts stay
// far inside int64; 100,000 is the largest SF the specification defines).
const MaxSF = 100_000

// scale holds the row counts of one scale factor.
type scale struct {
	sf                                  float64
	suppliers, customers, parts, orders int64
	clerks                              int64
}

func newScale(sf float64) (*scale, error) {
	if math.IsNaN(sf) || math.IsInf(sf, 0) || sf <= 0 {
		return nil, fmt.Errorf("%w: scale factor %v must be a positive number", ErrInvalid, sf)
	}
	if sf < MinSF {
		return nil, fmt.Errorf("%w: scale factor %v is below the smallest supported, %v", ErrInvalid, sf, MinSF)
	}
	if sf > MaxSF {
		return nil, fmt.Errorf("%w: scale factor %v is above the largest supported, %v", ErrInvalid, sf, MaxSF)
	}
	n := func(base int64) int64 { return int64(math.Round(float64(base) * sf)) }
	return &scale{
		sf:        sf,
		suppliers: n(10_000),
		customers: n(150_000),
		parts:     n(200_000),
		orders:    n(1_500_000),
		// Clerk numbers run to SF*1000 but never fewer than 1000 (dbgen).
		clerks: max(n(1000), 1000),
	}, nil
}

func (s *scale) units(t *tableDef) int64 {
	if t.fixed {
		return t.base
	}
	return int64(math.Round(float64(t.base) * s.sf))
}

// unitsPerChunk is the number of units generated (and written) at once.
func (t *tableDef) unitsPerChunk() int64 { return max(1, RowGroupRows/t.rowsPerUnit) }

// RowCount returns the number of rows of table at scale factor sf. It is
// exact for every table but lineitem, whose count is random (one to
// seven lines per order, four on average): for lineitem it is the
// expected count, 4 * orders.
func RowCount(table string, sf float64) (int64, error) {
	t, err := lookupTable(table)
	if err != nil {
		return 0, err
	}
	s, err := newScale(sf)
	if err != nil {
		return 0, err
	}
	return s.units(t) * t.rowsPerUnit, nil
}

// Schema returns the Arrow schema of a table. The types are those of the
// reference files: keys int64, except nation and region keys, p_size and
// o_shippriority int32; money and quantities decimal(15,2); dates date32;
// text utf8. Fields are not nullable: TPC-H has no nulls (the DuckDB
// reference files declare every column nullable; the types are the same).
// Required columns also spare Parquet writers and readers the definition
// levels.
func Schema(table string) (*arrow.Schema, error) {
	t, err := lookupTable(table)
	if err != nil {
		return nil, err
	}
	return t.schema, nil
}

func schema(fields ...arrow.Field) *arrow.Schema {
	return arrow.NewSchema(fields, nil)
}

var (
	i32  = arrow.PrimitiveTypes.Int32
	i64  = arrow.PrimitiveTypes.Int64
	utf8 = arrow.BinaryTypes.String
	date = arrow.FixedWidthTypes.Date32
)

var (
	regionSchema = schema(
		arrow.Field{Name: "r_regionkey", Type: i32}, arrow.Field{Name: "r_name", Type: utf8},
		arrow.Field{Name: "r_comment", Type: utf8})
	nationSchema = schema(
		arrow.Field{Name: "n_nationkey", Type: i32}, arrow.Field{Name: "n_name", Type: utf8},
		arrow.Field{Name: "n_regionkey", Type: i32}, arrow.Field{Name: "n_comment", Type: utf8})
	supplierSchema = schema(
		arrow.Field{Name: "s_suppkey", Type: i64}, arrow.Field{Name: "s_name", Type: utf8},
		arrow.Field{Name: "s_address", Type: utf8}, arrow.Field{Name: "s_nationkey", Type: i32},
		arrow.Field{Name: "s_phone", Type: utf8}, arrow.Field{Name: "s_acctbal", Type: money},
		arrow.Field{Name: "s_comment", Type: utf8})
	customerSchema = schema(
		arrow.Field{Name: "c_custkey", Type: i64}, arrow.Field{Name: "c_name", Type: utf8},
		arrow.Field{Name: "c_address", Type: utf8}, arrow.Field{Name: "c_nationkey", Type: i32},
		arrow.Field{Name: "c_phone", Type: utf8}, arrow.Field{Name: "c_acctbal", Type: money},
		arrow.Field{Name: "c_mktsegment", Type: utf8}, arrow.Field{Name: "c_comment", Type: utf8})
	partSchema = schema(
		arrow.Field{Name: "p_partkey", Type: i64}, arrow.Field{Name: "p_name", Type: utf8},
		arrow.Field{Name: "p_mfgr", Type: utf8}, arrow.Field{Name: "p_brand", Type: utf8},
		arrow.Field{Name: "p_type", Type: utf8}, arrow.Field{Name: "p_size", Type: i32},
		arrow.Field{Name: "p_container", Type: utf8}, arrow.Field{Name: "p_retailprice", Type: money},
		arrow.Field{Name: "p_comment", Type: utf8})
	partsuppSchema = schema(
		arrow.Field{Name: "ps_partkey", Type: i64}, arrow.Field{Name: "ps_suppkey", Type: i64},
		arrow.Field{Name: "ps_availqty", Type: i64}, arrow.Field{Name: "ps_supplycost", Type: money},
		arrow.Field{Name: "ps_comment", Type: utf8})
	ordersSchema = schema(
		arrow.Field{Name: "o_orderkey", Type: i64}, arrow.Field{Name: "o_custkey", Type: i64},
		arrow.Field{Name: "o_orderstatus", Type: utf8}, arrow.Field{Name: "o_totalprice", Type: money},
		arrow.Field{Name: "o_orderdate", Type: date}, arrow.Field{Name: "o_orderpriority", Type: utf8},
		arrow.Field{Name: "o_clerk", Type: utf8}, arrow.Field{Name: "o_shippriority", Type: i32},
		arrow.Field{Name: "o_comment", Type: utf8})
	lineitemSchema = schema(
		arrow.Field{Name: "l_orderkey", Type: i64}, arrow.Field{Name: "l_partkey", Type: i64},
		arrow.Field{Name: "l_suppkey", Type: i64}, arrow.Field{Name: "l_linenumber", Type: i64},
		arrow.Field{Name: "l_quantity", Type: money}, arrow.Field{Name: "l_extendedprice", Type: money},
		arrow.Field{Name: "l_discount", Type: money}, arrow.Field{Name: "l_tax", Type: money},
		arrow.Field{Name: "l_returnflag", Type: utf8}, arrow.Field{Name: "l_linestatus", Type: utf8},
		arrow.Field{Name: "l_shipdate", Type: date}, arrow.Field{Name: "l_commitdate", Type: date},
		arrow.Field{Name: "l_receiptdate", Type: date}, arrow.Field{Name: "l_shipinstruct", Type: utf8},
		arrow.Field{Name: "l_shipmode", Type: utf8}, arrow.Field{Name: "l_comment", Type: utf8})
)

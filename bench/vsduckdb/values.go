package vsduckdb

import (
	"fmt"
	"math"
	"math/big"
	"sort"
	"strings"
	"time"

	"github.com/apache/arrow/go/v15/arrow"
	"github.com/duckdb/duckdb-go/v2"

	"github.com/dataflow-go/dataflow"
	"github.com/dataflow-go/dataflow/exec"
)

// Value is one result cell in a form both engines' results convert to:
// exact numbers (integers, decimals) as rationals, floating-point numbers
// as float64, everything else (text, dates) as text.
type Value struct {
	Null  bool
	Exact *big.Rat // integers and decimals
	Float float64  // floating-point numbers, when IsFloat
	// IsFloat marks a floating-point number.
	IsFloat bool
	Text    string // text, dates (YYYY-MM-DD) and anything else
}

// String renders the value for messages.
func (v Value) String() string {
	switch {
	case v.Null:
		return "NULL"
	case v.IsFloat:
		return fmt.Sprint(v.Float)
	case v.Exact != nil:
		if v.Exact.IsInt() {
			return v.Exact.Num().String()
		}
		return v.Exact.FloatString(6)
	}
	return v.Text
}

// RelTolerance is how far apart two numbers may be, relative to the
// larger, when either is floating-point (averages: DuckDB computes them
// as doubles, dataflow exactly).
const RelTolerance = 1e-9

// Equal compares two values: exact numbers exactly, a floating-point
// number with any number to RelTolerance, text as text.
func Equal(a, b Value) bool {
	if a.Null || b.Null {
		return a.Null == b.Null
	}
	if a.IsFloat || b.IsFloat {
		x, okx := a.float()
		y, oky := b.float()
		if !okx || !oky {
			return false
		}
		if x == y {
			return true
		}
		return math.Abs(x-y) <= RelTolerance*math.Max(math.Abs(x), math.Abs(y))
	}
	if a.Exact != nil || b.Exact != nil {
		return a.Exact != nil && b.Exact != nil && a.Exact.Cmp(b.Exact) == 0
	}
	return a.Text == b.Text
}

func (v Value) float() (float64, bool) {
	if v.IsFloat {
		return v.Float, true
	}
	if v.Exact != nil {
		f, _ := v.Exact.Float64()
		return f, true
	}
	return 0, false
}

// CompareRows checks got against want row by row and describes the first
// difference ("" when they match). When the rows match only as a
// multiset (ties under ORDER BY may come out in either order), it says
// so with ok set.
func CompareRows(got, want [][]Value) (diff string, ok bool) {
	if len(got) != len(want) {
		return fmt.Sprintf("got %d rows, want %d", len(got), len(want)), false
	}
	first := ""
	for i := range want {
		if d := compareRow(got[i], want[i]); d != "" {
			first = fmt.Sprintf("row %d: %s\n got: %v\nwant: %v", i, d, got[i], want[i])
			break
		}
	}
	if first == "" {
		return "", true
	}
	g, w := sortedRows(got), sortedRows(want)
	for i := range w {
		if compareRow(g[i], w[i]) != "" {
			return first, false
		}
	}
	return "same rows in a different order (ties under ORDER BY)", true
}

func compareRow(got, want []Value) string {
	if len(got) != len(want) {
		return fmt.Sprintf("got %d columns, want %d", len(got), len(want))
	}
	for c := range want {
		if !Equal(got[c], want[c]) {
			return fmt.Sprintf("column %d: got %v, want %v", c+1, got[c], want[c])
		}
	}
	return ""
}

// sortedRows orders rows by a text key in which numbers are rounded
// coarsely enough that tolerance differences do not reorder them.
func sortedRows(rows [][]Value) [][]Value {
	type keyed struct {
		key string
		row []Value
	}
	ks := make([]keyed, len(rows))
	for i, r := range rows {
		var b strings.Builder
		for _, v := range r {
			if f, ok := v.float(); ok && !v.Null {
				fmt.Fprintf(&b, "%.6e|", f)
			} else {
				b.WriteString(v.String() + "|")
			}
		}
		ks[i] = keyed{b.String(), r}
	}
	sort.SliceStable(ks, func(i, j int) bool { return ks[i].key < ks[j].key })
	out := make([][]Value, len(ks))
	for i, k := range ks {
		out[i] = k.row
	}
	return out
}

// FromResult converts a dataflow result.
func FromResult(res *dataflow.Result) ([][]Value, error) {
	var out [][]Value
	for _, rec := range res.Records {
		for i := 0; i < int(rec.NumRows()); i++ {
			row := make([]Value, rec.NumCols())
			for c := range row {
				col := rec.Column(c)
				if col.IsNull(i) {
					row[c] = Value{Null: true}
					continue
				}
				text := exec.FormatValue(col, i)
				switch col.DataType().ID() {
				case arrow.FLOAT16, arrow.FLOAT32, arrow.FLOAT64:
					var f float64
					if _, err := fmt.Sscan(text, &f); err != nil {
						return nil, fmt.Errorf("column %s: %q is not a number", res.Schema.Field(c).Name, text)
					}
					row[c] = Value{IsFloat: true, Float: f}
				case arrow.INT8, arrow.INT16, arrow.INT32, arrow.INT64, arrow.UINT8, arrow.UINT16, arrow.UINT32, arrow.UINT64,
					arrow.DECIMAL128, arrow.DECIMAL256:
					r, ok := new(big.Rat).SetString(text)
					if !ok {
						return nil, fmt.Errorf("column %s: %q is not a number", res.Schema.Field(c).Name, text)
					}
					row[c] = Value{Exact: r}
				default:
					row[c] = Value{Text: text}
				}
			}
			out = append(out, row)
		}
	}
	return out, nil
}

// FromDuckDB converts one value scanned from DuckDB through database/sql.
func FromDuckDB(v any) (Value, error) {
	switch x := v.(type) {
	case nil:
		return Value{Null: true}, nil
	case float64:
		return Value{IsFloat: true, Float: x}, nil
	case float32:
		return Value{IsFloat: true, Float: float64(x)}, nil
	case int64:
		return Value{Exact: new(big.Rat).SetInt64(x)}, nil
	case int32:
		return Value{Exact: new(big.Rat).SetInt64(int64(x))}, nil
	case int16:
		return Value{Exact: new(big.Rat).SetInt64(int64(x))}, nil
	case int8:
		return Value{Exact: new(big.Rat).SetInt64(int64(x))}, nil
	case uint64:
		return Value{Exact: new(big.Rat).SetUint64(x)}, nil
	case uint32:
		return Value{Exact: new(big.Rat).SetUint64(uint64(x))}, nil
	case *big.Int:
		return Value{Exact: new(big.Rat).SetInt(x)}, nil
	case duckdb.Decimal:
		r := new(big.Rat).SetInt(x.Value)
		return Value{Exact: r.Quo(r, new(big.Rat).SetInt(new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(x.Scale)), nil)))}, nil
	case string:
		return Value{Text: x}, nil
	case []byte:
		return Value{Text: string(x)}, nil
	case bool:
		return Value{Text: fmt.Sprint(x)}, nil
	case time.Time:
		if x.Hour() == 0 && x.Minute() == 0 && x.Second() == 0 && x.Nanosecond() == 0 {
			return Value{Text: x.Format("2006-01-02")}, nil
		}
		return Value{Text: x.Format(time.RFC3339Nano)}, nil
	}
	return Value{}, fmt.Errorf("unsupported DuckDB value %T", v)
}

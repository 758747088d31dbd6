package exec

import (
	"fmt"
	"math/rand"
	"strings"
	"testing"

	"github.com/apache/arrow/go/v15/arrow"
	"github.com/apache/arrow/go/v15/arrow/array"
	"github.com/apache/arrow/go/v15/arrow/decimal128"
	"github.com/apache/arrow/go/v15/arrow/memory"
)

// randomKeyColumn builds a column of n values drawn from a small domain
// (so keys repeat) with about one null in eight.
func randomKeyColumn(mem memory.Allocator, dt arrow.DataType, n, domain int, rng *rand.Rand) arrow.Array {
	b := array.NewBuilder(mem, dt)
	defer b.Release()
	for i := 0; i < n; i++ {
		if rng.Intn(8) == 0 {
			b.AppendNull()
			continue
		}
		v := rng.Intn(domain) - domain/2
		switch b := b.(type) {
		case *array.Int32Builder:
			b.Append(int32(v))
		case *array.Int64Builder:
			b.Append(int64(v) * 1e12)
		case *array.Date32Builder:
			b.Append(arrow.Date32(v))
		case *array.Float64Builder:
			f := float64(v) / 4
			if v == 0 && rng.Intn(2) == 0 {
				f = -0.0 * f // -0 must group with 0
			}
			b.Append(f)
		case *array.Decimal128Builder:
			b.Append(decimal128.New(int64(v%3), uint64(v)))
		case *array.BooleanBuilder:
			b.Append(v%2 == 0)
		case *array.StringBuilder:
			b.Append(strings.Repeat("k", v%5+5) + fmt.Sprint(v))
		}
	}
	return b.NewArray()
}

func rowKey(cols []arrow.Array, i int) string {
	parts := make([]string, len(cols))
	for c, col := range cols {
		parts[c] = FormatValue(col, i)
		if parts[c] == "-0" {
			parts[c] = "0"
		}
	}
	return strings.Join(parts, "|")
}

func TestKeyTableAgainstMap(t *testing.T) {
	typeSets := [][]arrow.DataType{
		{arrow.PrimitiveTypes.Int64},
		{arrow.PrimitiveTypes.Int32},
		{arrow.FixedWidthTypes.Date32},
		{arrow.BinaryTypes.String},
		{arrow.PrimitiveTypes.Float64},
		{&arrow.Decimal128Type{Precision: 38, Scale: 2}},
		{arrow.FixedWidthTypes.Boolean, arrow.PrimitiveTypes.Int32},
		{arrow.BinaryTypes.String, arrow.BinaryTypes.String, arrow.PrimitiveTypes.Int64},
	}
	// preset: "" hashes from the start; "all" indexes directly with a
	// range holding every key; "part" with one that some later key falls
	// outside of, which turns the table back into a hash table midway.
	for _, types := range typeSets {
		for _, domain := range []int{3, 50, 5000} {
			for _, preset := range []string{"", "all", "part"} {
				if preset != "" && (len(types) != 1 || (types[0].ID() != arrow.INT32 && types[0].ID() != arrow.DATE32)) {
					continue
				}
				name := fmt.Sprintf("%v/domain=%d", types, domain)
				if preset != "" {
					name += "/preset=" + preset
				}
				testKeyTableAgainstMap(t, name, types, domain, preset)
			}
		}
	}
}

func testKeyTableAgainstMap(t *testing.T, name string, types []arrow.DataType, domain int, preset string) {
	t.Run(name, func(t *testing.T) {
		mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
		defer mem.AssertSize(t, 0)
		rng := rand.New(rand.NewSource(int64(domain)))
		tab, err := newKeyTable(types)
		if err != nil {
			t.Fatal(err)
		}
		switch preset {
		case "all":
			tab.presetDense(int64(-domain/2), int64(domain/2))
		case "part":
			tab.presetDense(int64(-domain/2), 0)
		}
		if preset != "" && tab.dense == nil {
			t.Fatal("presetDense did not take")
		}
		want := map[string]uint32{}
		for batch := 0; batch < 6; batch++ {
			n := rng.Intn(3000)
			cols := make([]arrow.Array, len(types))
			for c, dt := range types {
				cols[c] = randomKeyColumn(mem, dt, n, domain, rng)
			}
			// Exercise array offsets: slice off the first row.
			if n > 1 {
				for c := range cols {
					s := array.NewSlice(cols[c], 1, int64(n))
					cols[c].Release()
					cols[c] = s
				}
				n--
			}
			ids := make([]uint32, n)
			if err := tab.Insert(cols, ids); err != nil {
				t.Fatal(err)
			}
			for i := 0; i < n; i++ {
				k := rowKey(cols, i)
				id, ok := want[k]
				if !ok {
					id = uint32(len(want))
					want[k] = id
				}
				if ids[i] != id {
					t.Fatalf("batch %d row %d key %s: id %d, want %d", batch, i, k, ids[i], id)
				}
			}
			found := make([]int32, n)
			var s tableScratch
			if err := tab.Lookup(cols, found, &s); err != nil {
				t.Fatal(err)
			}
			for i := 0; i < n; i++ {
				if found[i] != int32(ids[i]) {
					t.Fatalf("lookup row %d: %d, want %d", i, found[i], ids[i])
				}
			}
			for _, c := range cols {
				c.Release()
			}
		}
		if tab.Len() != len(want) {
			t.Fatalf("table has %d keys, want %d", tab.Len(), len(want))
		}
		if (preset == "all") != (tab.dense != nil) {
			t.Fatalf("preset %q: direct index kept: %v", preset, tab.dense != nil)
		}
		keys, err := tab.KeyArrays(mem)
		if err != nil {
			t.Fatal(err)
		}
		for k, id := range want {
			if got := rowKey(keys, int(id)); got != k {
				t.Fatalf("id %d holds %s, want %s", id, got, k)
			}
		}
		// Keys outside the domain are not found.
		miss := make([]arrow.Array, len(types))
		for c, dt := range types {
			miss[c] = randomKeyColumn(mem, dt, 200, domain*1000, rng)
		}
		found := make([]int32, 200)
		var s tableScratch
		if err := tab.Lookup(miss, found, &s); err != nil {
			t.Fatal(err)
		}
		for i := range found {
			id, ok := want[rowKey(miss, i)]
			if (found[i] >= 0) != ok || (ok && uint32(found[i]) != id) {
				t.Fatalf("lookup of %s: %d, want %d (present %v)", rowKey(miss, i), found[i], id, ok)
			}
		}
		for _, a := range append(keys, miss...) {
			a.Release()
		}
	})
}

func TestKeyTableRejectsUnsupportedType(t *testing.T) {
	_, err := newKeyTable([]arrow.DataType{arrow.ListOf(arrow.PrimitiveTypes.Int64)})
	if err == nil || !strings.Contains(err.Error(), "cannot hash keys") {
		t.Fatalf("want a type error, got %v", err)
	}
}

// shortStringColumn builds strings of at most one byte (the tiny-key
// path), with nulls, empty strings and, when long is set, a few longer
// strings that force the batch onto the general path.
func shortStringColumn(mem memory.Allocator, n, domain int, long bool, rng *rand.Rand) arrow.Array {
	b := array.NewStringBuilder(mem)
	defer b.Release()
	for i := 0; i < n; i++ {
		v := rng.Intn(domain)
		switch {
		case rng.Intn(9) == 0:
			b.AppendNull()
		case v == 0:
			b.Append("")
		case long && rng.Intn(50) == 0:
			b.Append(fmt.Sprintf("long%d", v))
		default:
			b.Append(string([]byte{byte(v * 37)}))
		}
	}
	return b.NewArray()
}

// TestKeyTableTinyKeysAndRows checks the one-byte-string map and
// InsertRows against a Go map: only the listed rows get ids and enter
// the table, whichever path (tiny map or general) a batch takes.
func TestKeyTableTinyKeysAndRows(t *testing.T) {
	for _, types := range [][]arrow.DataType{
		{arrow.BinaryTypes.String},
		{arrow.BinaryTypes.String, arrow.BinaryTypes.String},
		{arrow.BinaryTypes.String, arrow.FixedWidthTypes.Boolean},
		{arrow.PrimitiveTypes.Int64},
		{arrow.PrimitiveTypes.Int32, arrow.BinaryTypes.String},
	} {
		for _, domain := range []int{4, 300} {
			t.Run(fmt.Sprintf("%v/domain=%d", types, domain), func(t *testing.T) {
				mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
				defer mem.AssertSize(t, 0)
				rng := rand.New(rand.NewSource(int64(domain) + int64(len(types))))
				tab, err := newKeyTable(types)
				if err != nil {
					t.Fatal(err)
				}
				want := map[string]uint32{}
				for batch := 0; batch < 12; batch++ {
					n := 1 + rng.Intn(2000)
					cols := make([]arrow.Array, len(types))
					for c, dt := range types {
						if dt.ID() == arrow.STRING {
							cols[c] = shortStringColumn(mem, n, domain, batch%3 == 2, rng)
						} else {
							cols[c] = randomKeyColumn(mem, dt, n, domain, rng)
						}
					}
					var rows []int32
					if batch%2 == 1 {
						for i := 0; i < n; i++ {
							if rng.Intn(3) != 0 {
								rows = append(rows, int32(i))
							}
						}
					}
					const unset = 0xdeadbeef
					ids := make([]uint32, n)
					for i := range ids {
						ids[i] = unset
					}
					if err := tab.InsertRows(cols, rows, ids); err != nil {
						t.Fatal(err)
					}
					listed := make([]bool, n)
					for _, r := range rows {
						listed[r] = true
					}
					for i := 0; i < n; i++ {
						if rows != nil && !listed[i] {
							if ids[i] != unset {
								t.Fatalf("batch %d: unlisted row %d got id %d", batch, i, ids[i])
							}
							continue
						}
						k := rowKey(cols, i)
						id, ok := want[k]
						if !ok {
							id = uint32(len(want))
							want[k] = id
						}
						if ids[i] != id {
							t.Fatalf("batch %d row %d key %s: id %d, want %d", batch, i, k, ids[i], id)
						}
					}
					for _, c := range cols {
						c.Release()
					}
				}
				if tab.Len() != len(want) {
					t.Fatalf("table has %d keys, want %d", tab.Len(), len(want))
				}
				keys, err := tab.KeyArrays(mem)
				if err != nil {
					t.Fatal(err)
				}
				for k, id := range want {
					if got := rowKey(keys, int(id)); got != k {
						t.Fatalf("id %d holds %s, want %s", id, got, k)
					}
				}
				for _, k := range keys {
					k.Release()
				}
			})
		}
	}
}

// TestKeyTableFrozenAgainstMap checks InsertFrozen (a join build: one
// insert, then lookups) on both of its layouts, the direct index for keys
// of a narrow span and the hash slots otherwise, and LookupRows on each.
func TestKeyTableFrozenAgainstMap(t *testing.T) {
	cases := []struct {
		dt     arrow.DataType
		domain int
		layout string // direct, rank or slots
	}{
		{arrow.PrimitiveTypes.Int32, 3, "direct"},
		{arrow.PrimitiveTypes.Int32, 5000, "direct"},
		{arrow.PrimitiveTypes.Int32, 200000, "rank"},
		{arrow.PrimitiveTypes.Int32, 1 << 30, "slots"},
		{arrow.FixedWidthTypes.Date32, 5000, "direct"},
		{arrow.PrimitiveTypes.Int64, 50, "slots"}, // values are v*1e12: a wide span
		{arrow.BinaryTypes.String, 50, "slots"},
	}
	for _, tc := range cases {
		t.Run(fmt.Sprintf("%s/domain=%d", tc.dt, tc.domain), func(t *testing.T) {
			mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
			defer mem.AssertSize(t, 0)
			rng := rand.New(rand.NewSource(int64(tc.domain)))
			tab, err := newKeyTable([]arrow.DataType{tc.dt})
			if err != nil {
				t.Fatal(err)
			}
			build := randomKeyColumn(mem, tc.dt, 4000, tc.domain, rng)
			defer build.Release()
			ids := make([]uint32, build.Len())
			if err := tab.InsertFrozen([]arrow.Array{build}, ids); err != nil {
				t.Fatal(err)
			}
			layout := "slots"
			switch {
			case tab.dense != nil:
				layout = "direct"
			case tab.rank != nil:
				layout = "rank"
			}
			if layout != tc.layout {
				t.Fatalf("layout %s, want %s", layout, tc.layout)
			}
			// Ids may come in any order (a rank index numbers keys in key
			// order), but one key has one id and two keys two.
			want := map[string]uint32{}
			owner := map[uint32]string{}
			for i := 0; i < build.Len(); i++ {
				k := rowKey([]arrow.Array{build}, i)
				if id, ok := want[k]; ok && ids[i] != id {
					t.Fatalf("row %d key %s: id %d, earlier %d", i, k, ids[i], id)
				}
				if o, ok := owner[ids[i]]; ok && o != k {
					t.Fatalf("row %d key %s: id %d also holds %s", i, k, ids[i], o)
				}
				if int(ids[i]) >= tab.Len() {
					t.Fatalf("row %d: id %d of %d", i, ids[i], tab.Len())
				}
				want[k], owner[ids[i]] = ids[i], k
			}
			if tab.Len() != len(want) {
				t.Fatalf("table has %d keys, want %d", tab.Len(), len(want))
			}
			var probe arrow.Array
			check := func(found []int32, rows []int32) {
				t.Helper()
				listed := make([]bool, len(found))
				for _, r := range rows {
					listed[r] = true
				}
				for i := range found {
					if rows != nil && !listed[i] {
						if found[i] != -7 {
							t.Fatalf("unlisted row %d was written: %d", i, found[i])
						}
						continue
					}
					id, ok := want[rowKey([]arrow.Array{probe}, i)]
					if (found[i] >= 0) != ok || (ok && uint32(found[i]) != id) {
						t.Fatalf("lookup of row %d (%s): %d, want %d (present %v)", i, rowKey([]arrow.Array{probe}, i), found[i], id, ok)
					}
				}
			}
			// A scattered probe, and (for integers) one in key order.
			probes := []arrow.Array{randomKeyColumn(mem, tc.dt, 3000, tc.domain*2, rng)}
			if tc.dt.ID() == arrow.INT32 {
				b := array.NewInt32Builder(mem)
				for v := -tc.domain / 2; v < tc.domain/2 && b.Len() < 3000; v += 3 {
					b.Append(int32(v))
				}
				probes = append(probes, b.NewArray())
				b.Release()
			}
			for _, probe = range probes {
				var s tableScratch
				found := make([]int32, probe.Len())
				if err := tab.Lookup([]arrow.Array{probe}, found, &s); err != nil {
					t.Fatal(err)
				}
				check(found, nil)
				var rows []int32
				for i := 0; i < probe.Len(); i++ {
					found[i] = -7
					if rng.Intn(3) == 0 {
						rows = append(rows, int32(i))
					}
				}
				if err := tab.LookupRows(mem, []arrow.Array{probe}, rows, found, &s); err != nil {
					t.Fatal(err)
				}
				check(found, rows)
				probe.Release()
			}
		})
	}
}

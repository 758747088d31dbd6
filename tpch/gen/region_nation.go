package gen

import "github.com/apache/arrow/go/v15/arrow"

// Region and nation are fixed tables (specification 4.2.3): 5 regions and
// 25 nations whatever the scale factor; only their comments are random.

func genRegion(_ *scale, lo, hi int64) arrow.Record {
	p := textPool()
	n := int(hi - lo)
	keys := make([]int32, 0, n)
	names, comments := newStrCol(n, 8), newStrCol(n, 66)
	tlo, thi := textRange(66)
	for i := lo; i < hi; i++ {
		r := seedRow(streamRegion, i)
		keys = append(keys, int32(i))
		names.addString(regionNames[i])
		comments.add(text(&r, p, tlo, thi))
	}
	return record(regionSchema, int32Array(keys), names.array(), comments.array())
}

func genNation(_ *scale, lo, hi int64) arrow.Record {
	p := textPool()
	n := int(hi - lo)
	keys, regions := make([]int32, 0, n), make([]int32, 0, n)
	names, comments := newStrCol(n, 8), newStrCol(n, 72)
	tlo, thi := textRange(72)
	for i := lo; i < hi; i++ {
		r := seedRow(streamNation, i)
		keys = append(keys, int32(i))
		names.addString(nations[i].name)
		regions = append(regions, nations[i].region)
		comments.add(text(&r, p, tlo, thi))
	}
	return record(nationSchema, int32Array(keys), names.array(), int32Array(regions), comments.array())
}

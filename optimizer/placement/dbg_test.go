package placement

import (
	"fmt"
	"testing"
	"time"
)

func TestDbgPhases(t *testing.T) {
	for _, n := range []int{4, 16, 64, 256} {
		p := syntheticTenStage(1, n)
		o := DefaultOptions()
		o.TimeLimit = 10 * time.Second
		o.NodeLimit = 1; o.MaxClasses = 2
		t0 := time.Now()
		c, _ := compile(p, o)
		t1 := time.Now()
		g, _ := c.greedy()
		t2 := time.Now()
		for _, b := range []string{BaselineLocality, BaselineSpread, BaselinePack} {
			c.baseline(b, 0)
		}
		t3 := time.Now()
		cls := c.classes(o.MaxClasses)
		m := c.buildModel(cls)
		t4 := time.Now()
		bb := m.branchAndBound(c.evaluate(g).Objective, time.Now().Add(10*time.Second))
		t5 := time.Now()
		c.polish(g, time.Now().Add(time.Second))
		t6 := time.Now()
		x := &Explanation{}
		c.explainStages(x, g)
		t7 := time.Now()
		fmt.Printf("n=%d compile %v greedy %v baselines %v model %v (%d rows %d vars) bb %v (%s, %d lps, root %.0f bound %.0f) polish %v explain %v obj %.0f\n", n, t1.Sub(t0), t2.Sub(t1), t3.Sub(t2), t4.Sub(t3), len(m.lp.rows), len(m.lp.cost), t5.Sub(t4), bb.status, bb.nodes, bb.rootLP, bb.bound, t6.Sub(t5), t7.Sub(t6), c.evaluate(g).Objective)
	}
}

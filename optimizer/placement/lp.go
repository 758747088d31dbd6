package placement

import (
	"errors"
	"fmt"
	"math"

	"gonum.org/v1/gonum/mat"
	"gonum.org/v1/gonum/optimize/convex/lp"
)

// linProg is a linear program over non-negative variables:
//
//	minimise cost·x subject to rows (a·x <= rhs or a·x = rhs), x >= 0.
//
// Every variable is non-negative by construction, so instead of lp.Convert
// (which treats variables as free and splits each into x⁺ - x⁻, doubling the
// columns, and then needs explicit -x <= 0 rows) toStandard only adds one
// slack column per inequality. lp_test.go checks both give the same optimum.
type linProg struct {
	cost    []float64
	integer []bool
	rows    []lpRow
}

type lpRow struct {
	idx []int
	val []float64
	rhs float64
	eq  bool
}

func (p *linProg) addVar(cost float64, integer bool) int {
	p.cost = append(p.cost, cost)
	p.integer = append(p.integer, integer)
	return len(p.cost) - 1
}

// le adds sum(val[i]*x[idx[i]]) <= rhs; ge and eq likewise.
func (p *linProg) le(idx []int, val []float64, rhs float64) {
	p.rows = append(p.rows, lpRow{idx: idx, val: val, rhs: rhs})
}

func (p *linProg) ge(idx []int, val []float64, rhs float64) {
	neg := make([]float64, len(val))
	for i, v := range val {
		neg[i] = -v
	}
	p.le(idx, neg, -rhs)
}

func (p *linProg) eq(idx []int, val []float64, rhs float64) {
	p.rows = append(p.rows, lpRow{idx: idx, val: val, rhs: rhs, eq: true})
}

// toStandard returns c, A, b with A x = b, x >= 0 for lp.Simplex. extra
// rows (branching bounds) are appended to p's rows.
func (p *linProg) toStandard(extra []lpRow) (c []float64, A *mat.Dense, b []float64) {
	rows := append(append([]lpRow(nil), p.rows...), extra...)
	nv := len(p.cost)
	nSlack := 0
	for _, r := range rows {
		if !r.eq {
			nSlack++
		}
	}
	ncol := nv + nSlack
	A = mat.NewDense(len(rows), ncol, nil)
	b = make([]float64, len(rows))
	c = make([]float64, ncol)
	copy(c, p.cost)
	slack := nv
	for i, r := range rows {
		sign := 1.0
		if r.rhs < 0 {
			sign = -1 // Simplex's phase one is happier with b >= 0.
		}
		// Equilibrate: scale the row so its largest coefficient is 1
		// (task counts of thousands beside shares below one otherwise
		// make the basis ill-conditioned).
		big := 0.0
		for _, v := range r.val {
			big = math.Max(big, math.Abs(v))
		}
		if big > 0 {
			sign /= big
		}
		for k, j := range r.idx {
			A.Set(i, j, A.At(i, j)+sign*r.val[k])
		}
		if !r.eq {
			A.Set(i, slack, sign)
			slack++
		}
		b[i] = sign * r.rhs
	}
	return c, A, b
}

var errLP = errors.New("lp relaxation failed")

// solve runs lp.Simplex on the program with extra bound rows. It returns
// lp.ErrInfeasible (wrapped) for an empty region. gonum panics on shapes it
// does not expect; that is turned into an error so the caller falls back.
func (p *linProg) solve(extra []lpRow) (val float64, x []float64, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("%w: simplex panicked: %v", errLP, r)
		}
	}()
	c, A, b := p.toStandard(extra)
	if r, cols := A.Dims(); r > cols {
		return 0, nil, fmt.Errorf("%w: %d rows for %d columns", errLP, r, cols)
	}
	val, xs, err := lp.Simplex(c, A, b, 1e-10, nil)
	if err != nil {
		if errors.Is(err, lp.ErrInfeasible) {
			return 0, nil, err
		}
		return 0, nil, fmt.Errorf("%w: %v", errLP, err)
	}
	if math.IsNaN(val) {
		return 0, nil, fmt.Errorf("%w: NaN objective", errLP)
	}
	return val, xs[:len(p.cost)], nil
}

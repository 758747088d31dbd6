package plan

import "errors"

// ErrPlan is a mistake in a query found while planning it: an unknown or
// ambiguous column, a type mismatch, an aggregate where none may stand.
var ErrPlan = errors.New("plan error")

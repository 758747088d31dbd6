package placement

import "errors"

var (
	// ErrInvalid reports a malformed Problem, Placement or cluster file.
	ErrInvalid = errors.New("placement: invalid input")
	// ErrInfeasible reports a request no placement can satisfy; the wrapping
	// message names the stage, the constraint and the short resource.
	ErrInfeasible = errors.New("placement: infeasible")
)

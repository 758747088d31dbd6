//go:build !unix

package placement

import "time"

// processCPU reports false: this platform has no getrusage, so the
// benchmarks leave out CPU time.
func processCPU() (time.Duration, bool) { return 0, false }

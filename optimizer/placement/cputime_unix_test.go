//go:build unix

package placement

import (
	"syscall"
	"time"
)

// processCPU returns the CPU time (user + system) this process has used,
// and true. Benchmarks report it per operation beside the wall time,
// which on a shared machine also counts waiting for a core.
func processCPU() (time.Duration, bool) {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0, false
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()), true
}

//go:build linux

package exec_test

import (
	"runtime"
	"syscall"
)

// threadCPU returns the CPU time this OS thread has used, in nanoseconds.
// Benchmarks lock their goroutine to a thread and report CPU time per row
// next to wall time, because wall time on a shared, loaded build machine
// measures the neighbours as much as the kernel.
func threadCPU() (int64, bool) {
	var ru syscall.Rusage
	const rusageThread = 1
	if err := syscall.Getrusage(rusageThread, &ru); err != nil {
		return 0, false
	}
	return ru.Utime.Nano() + ru.Stime.Nano(), true
}

func lockThread() func() {
	runtime.LockOSThread()
	return runtime.UnlockOSThread
}

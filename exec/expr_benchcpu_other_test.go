//go:build !linux

package exec_test

func threadCPU() (int64, bool) { return 0, false }

func lockThread() func() { return func() {} }

//go:build unix

package main

import (
	"os"

	"golang.org/x/sys/unix"
)

// isTTY reports whether f is an interactive terminal.
func isTTY(f *os.File) bool {
	_, err := unix.IoctlGetTermios(int(f.Fd()), ioctlReadTermios)
	return err == nil
}

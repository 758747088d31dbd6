//go:build unix

package store

import (
	"os"
	"syscall"
)

// mapFile maps f's size bytes read-only and returns the mapping and the
// function that unmaps it.
func mapFile(f *os.File, size int64) ([]byte, func([]byte) error, error) {
	data, err := syscall.Mmap(int(f.Fd()), 0, int(size), syscall.PROT_READ, syscall.MAP_SHARED)
	if err != nil {
		return nil, nil, err
	}
	return data, syscall.Munmap, nil
}

const mmapSupported = true

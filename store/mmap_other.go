//go:build !unix

package store

import (
	"io"
	"os"
)

// mapFile reads the file into memory where mmap is not available; the
// IPC reader is then zero-copy from that buffer instead of the page cache.
func mapFile(f *os.File, size int64) ([]byte, func([]byte) error, error) {
	data := make([]byte, size)
	if _, err := io.ReadFull(f, data); err != nil {
		return nil, nil, err
	}
	return data, func([]byte) error { return nil }, nil
}

const mmapSupported = false

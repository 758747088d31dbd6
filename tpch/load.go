package tpch

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/dataflow-go/dataflow"
)

// ErrData reports a data directory the runner cannot use.
var ErrData = errors.New("tpch data")

// Tables lists the eight TPC-H tables.
var Tables = []string{"customer", "lineitem", "nation", "orders", "part", "partsupp", "region", "supplier"}

// Format is how the runner reads the tables.
type Format string

const (
	// Parquet reads the Parquet files on every query.
	Parquet Format = "parquet"
	// IPC memory-maps Arrow IPC files (zero-copy).
	IPC Format = "ipc"
	// Memory loads the tables into memory once, before the queries run
	// (from Parquet files, or IPC files when there are none), with
	// [dataflow.Engine.CacheTable].
	Memory Format = "memory"
)

// ParseFormat accepts "parquet", "ipc" (or "arrow") and "memory".
func ParseFormat(s string) (Format, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "", "parquet":
		return Parquet, nil
	case "ipc", "arrow":
		return IPC, nil
	case "memory", "mem":
		return Memory, nil
	}
	return "", fmt.Errorf("%w: unknown format %q (want parquet, ipc or memory)", ErrData, s)
}

// extensions lists the file extensions of a stored format.
var extensions = map[Format][]string{
	Parquet: {".parquet"},
	IPC:     {".arrow", ".ipc", ".feather"},
}

// TablePath finds table name in dir stored as format (Parquet or IPC): a
// file name.parquet (name.arrow, ...) or a directory name/ of partition
// files with that extension.
func TablePath(dir, name string, format Format) (string, error) {
	exts := extensions[format]
	if exts == nil {
		return "", fmt.Errorf("%w: %q is not a file format", ErrData, format)
	}
	var tried []string
	for _, ext := range exts {
		p := filepath.Join(dir, name+ext)
		if info, err := os.Stat(p); err == nil && !info.IsDir() {
			return p, nil
		}
		tried = append(tried, p)
	}
	p := filepath.Join(dir, name)
	if ents, err := os.ReadDir(p); err == nil {
		for _, e := range ents {
			for _, ext := range exts {
				if !e.IsDir() && strings.EqualFold(filepath.Ext(e.Name()), ext) {
					return p, nil
				}
			}
		}
	}
	tried = append(tried, p+string(filepath.Separator)+"*"+exts[0])
	return "", fmt.Errorf("%w: no %s data for table %s (looked for %s)", ErrData, format, name, strings.Join(tried, ", "))
}

// Load registers the eight tables stored in dir with the engine. With
// Memory it then reads them into memory, from Parquet files or, when dir
// has none, from IPC files.
func Load(e *dataflow.Engine, dir string, format Format) error {
	if info, err := os.Stat(dir); err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("%w: directory %s does not exist", ErrData, dir)
		}
		return fmt.Errorf("%w: %v", ErrData, err)
	} else if !info.IsDir() {
		return fmt.Errorf("%w: %s is not a directory", ErrData, dir)
	}
	stored := format
	if format == Memory {
		stored = Parquet
		if _, err := TablePath(dir, "lineitem", Parquet); err != nil {
			stored = IPC
		}
	}
	for _, name := range Tables {
		p, err := TablePath(dir, name, stored)
		if err != nil {
			return err
		}
		fileFormat := "parquet"
		if stored == IPC {
			fileFormat = "arrow"
		}
		if err := e.RegisterFile(name, p, map[string]string{"format": fileFormat}); err != nil {
			return err
		}
	}
	if format == Memory {
		for _, name := range Tables {
			if err := e.CacheTable(name); err != nil {
				return err
			}
		}
	}
	return nil
}

package vsduckdb

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"path/filepath"
	"strings"

	_ "github.com/duckdb/duckdb-go/v2" // registers the "duckdb" driver

	"github.com/dataflow-go/dataflow/tpch"
)

// ErrDuckDB reports a failure on the DuckDB side.
var ErrDuckDB = errors.New("duckdb")

// Storage is how DuckDB holds the tables.
type Storage string

const (
	// OverParquet makes each table a view over read_parquet of the same
	// files dataflow reads.
	OverParquet Storage = "parquet"
	// Native copies the tables into DuckDB's own (in-memory) storage
	// with CREATE TABLE AS, the counterpart of dataflow's in-memory
	// tables.
	Native Storage = "native"
)

// DuckDB is an in-memory DuckDB database holding the eight TPC-H tables.
type DuckDB struct {
	db *sql.DB
}

// OpenDuckDB opens DuckDB over the Parquet tables in dir, with threads
// worker threads.
func OpenDuckDB(ctx context.Context, dir string, storage Storage, threads int) (*DuckDB, error) {
	if storage != OverParquet && storage != Native {
		return nil, fmt.Errorf("%w: unknown storage %q (want parquet or native)", ErrDuckDB, storage)
	}
	db, err := sql.Open("duckdb", "")
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrDuckDB, err)
	}
	// One connection: settings and tables live in one session.
	db.SetMaxOpenConns(1)
	d := &DuckDB{db: db}
	if err := d.exec(ctx, fmt.Sprintf("SET threads = %d", threads)); err != nil {
		d.Close()
		return nil, err
	}
	for _, name := range tpch.Tables {
		p, err := tpch.TablePath(dir, name, tpch.Parquet)
		if err != nil {
			d.Close()
			return nil, err
		}
		if !strings.HasSuffix(strings.ToLower(p), ".parquet") {
			p = filepath.Join(p, "*.parquet")
		}
		src := fmt.Sprintf("read_parquet('%s')", strings.ReplaceAll(p, "'", "''"))
		stmt := fmt.Sprintf("CREATE VIEW %s AS SELECT * FROM %s", name, src)
		if storage == Native {
			stmt = fmt.Sprintf("CREATE TABLE %s AS SELECT * FROM %s", name, src)
		}
		if err := d.exec(ctx, stmt); err != nil {
			d.Close()
			return nil, err
		}
	}
	return d, nil
}

func (d *DuckDB) exec(ctx context.Context, stmt string) error {
	if _, err := d.db.ExecContext(ctx, stmt); err != nil {
		return fmt.Errorf("%w: %s: %v", ErrDuckDB, stmt, err)
	}
	return nil
}

// Version is DuckDB's version string.
func (d *DuckDB) Version(ctx context.Context) string {
	var v string
	if err := d.db.QueryRowContext(ctx, "SELECT version()").Scan(&v); err != nil {
		return "unknown"
	}
	return v
}

// Query runs a query and returns its rows.
func (d *DuckDB) Query(ctx context.Context, query string) ([][]Value, error) {
	rows, err := d.db.QueryContext(ctx, query)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrDuckDB, err)
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrDuckDB, err)
	}
	var out [][]Value
	raw := make([]any, len(cols))
	ptrs := make([]any, len(cols))
	for i := range raw {
		ptrs[i] = &raw[i]
	}
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			return nil, fmt.Errorf("%w: %v", ErrDuckDB, err)
		}
		row := make([]Value, len(cols))
		for i, v := range raw {
			if row[i], err = FromDuckDB(v); err != nil {
				return nil, fmt.Errorf("%w: column %s: %v", ErrDuckDB, cols[i], err)
			}
		}
		out = append(out, row)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrDuckDB, err)
	}
	return out, nil
}

// Close closes the database.
func (d *DuckDB) Close() error { return d.db.Close() }

package exec

import (
	"fmt"
	"io"

	"github.com/apache/arrow/go/v15/arrow"
	"github.com/apache/arrow/go/v15/arrow/array"
)

type recordSource struct {
	schema  *arrow.Schema
	records []arrow.Record
	pos     int
	err     error
}

var _ Operator = (*recordSource)(nil)

// NewRecordSource returns an operator producing records, in order: the
// source of VALUES lists and in-memory tables.
//
// It does not take ownership of records: each Next retains the record it
// returns, so the caller owns that reference, and whoever registered the
// records keeps its own and releases it when the table goes away. The
// records must stay alive while the operator runs. Every Open starts again
// from the first record, so one source may serve several queries in turn.
// A record whose column names differ from schema is relabelled; one whose
// column types differ fails with ErrType.
func NewRecordSource(schema *arrow.Schema, records []arrow.Record) Operator {
	return &recordSource{schema: schema, records: records}
}

func (s *recordSource) Schema() *arrow.Schema { return s.schema }

func (s *recordSource) Open(*Context) error {
	s.pos, s.err = 0, nil
	return nil
}

func (s *recordSource) Next() (arrow.Record, error) {
	if s.err != nil {
		return nil, s.err
	}
	if s.pos >= len(s.records) {
		s.err = io.EOF
		return nil, s.err
	}
	rec := s.records[s.pos]
	s.pos++
	if rec.Schema() == s.schema || rec.Schema().Equal(s.schema) {
		rec.Retain()
		return rec, nil
	}
	if err := sameColumnTypes(s.schema, rec.Schema()); err != nil {
		s.err = fmt.Errorf("record source, record %d: %w", s.pos-1, err)
		return nil, s.err
	}
	return array.NewRecord(s.schema, rec.Columns(), rec.NumRows()), nil
}

func (s *recordSource) Close() error {
	s.pos = len(s.records)
	return nil
}

// sameColumnTypes reports, wrapping ErrType, the first column where got's
// type differs from want's.
func sameColumnTypes(want, got *arrow.Schema) error {
	if len(want.Fields()) != len(got.Fields()) {
		return fmt.Errorf("%w: %d columns where %d (%s) are expected", ErrType, len(got.Fields()), len(want.Fields()), want)
	}
	for i, f := range want.Fields() {
		if g := got.Field(i); !arrow.TypeEqual(f.Type, g.Type) {
			return fmt.Errorf("%w: column %d (%s) is %s where %s is expected", ErrType, i+1, f.Name, g.Type, f.Type)
		}
	}
	return nil
}

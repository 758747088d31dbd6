package dataflow

import (
	"bufio"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"github.com/apache/arrow/go/v15/arrow"
	"github.com/apache/arrow/go/v15/arrow/ipc"

	"github.com/dataflow-go/dataflow/exec"
)

// Format is a way to print results.
type Format string

// Output formats.
const (
	FormatTable Format = "table" // aligned columns for people
	FormatCSV   Format = "csv"   // RFC 4180 with a header row
	FormatJSON  Format = "json"  // one JSON array of objects
	FormatArrow Format = "arrow" // Arrow IPC stream
)

// ParseFormat checks a format name.
func ParseFormat(s string) (Format, error) {
	switch f := Format(strings.ToLower(s)); f {
	case FormatTable, FormatCSV, FormatJSON, FormatArrow:
		return f, nil
	}
	return "", fmt.Errorf("%w: unknown output format %q (use table, csv, json or arrow)", ErrUsage, s)
}

// Write prints the result in the given format.
func (r *Result) Write(w io.Writer, f Format) error {
	switch f {
	case FormatTable:
		return r.writeTable(w)
	case FormatCSV:
		return r.writeCSV(w)
	case FormatJSON:
		return r.writeJSON(w)
	case FormatArrow:
		return r.writeArrow(w)
	}
	_, err := ParseFormat(string(f))
	return err
}

func (r *Result) writeTable(w io.Writer) error {
	names := make([]string, len(r.Schema.Fields()))
	widths := make([]int, len(names))
	right := make([]bool, len(names))
	for i, f := range r.Schema.Fields() {
		names[i] = f.Name
		widths[i] = utf8.RuneCountInString(f.Name)
		right[i] = isNumeric(f.Type)
	}
	rows := r.Rows()
	for _, row := range rows {
		for i, v := range row {
			widths[i] = max(widths[i], utf8.RuneCountInString(v))
		}
	}
	bw := bufio.NewWriter(w)
	line := func(cells []string) {
		for i, c := range cells {
			if i > 0 {
				bw.WriteString(" | ")
			}
			pad := strings.Repeat(" ", widths[i]-utf8.RuneCountInString(c))
			if right[i] {
				bw.WriteString(pad + c)
			} else if i == len(cells)-1 {
				bw.WriteString(c)
			} else {
				bw.WriteString(c + pad)
			}
		}
		bw.WriteByte('\n')
	}
	line(names)
	sep := make([]string, len(names))
	for i := range sep {
		sep[i] = strings.Repeat("-", widths[i])
	}
	bw.WriteString(strings.Join(sep, "-+-") + "\n")
	for _, row := range rows {
		line(row)
	}
	fmt.Fprintf(bw, "(%d row%s)\n", len(rows), plural(len(rows)))
	return bw.Flush()
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

func isNumeric(t arrow.DataType) bool {
	switch t.ID() {
	case arrow.INT8, arrow.INT16, arrow.INT32, arrow.INT64, arrow.UINT8, arrow.UINT16,
		arrow.UINT32, arrow.UINT64, arrow.FLOAT32, arrow.FLOAT64, arrow.DECIMAL128:
		return true
	}
	return false
}

func (r *Result) writeCSV(w io.Writer) error {
	cw := csv.NewWriter(w)
	names := make([]string, len(r.Schema.Fields()))
	for i, f := range r.Schema.Fields() {
		names[i] = f.Name
	}
	if err := cw.Write(names); err != nil {
		return err
	}
	for _, rec := range r.Records {
		for i := 0; i < int(rec.NumRows()); i++ {
			row := make([]string, rec.NumCols())
			for c := range row {
				if rec.Column(c).IsNull(i) {
					continue // an empty field is NULL
				}
				row[c] = exec.FormatValue(rec.Column(c), i)
			}
			if err := cw.Write(row); err != nil {
				return err
			}
		}
	}
	cw.Flush()
	return cw.Error()
}

func (r *Result) writeJSON(w io.Writer) error {
	bw := bufio.NewWriter(w)
	bw.WriteString("[")
	first := true
	for _, rec := range r.Records {
		for i := 0; i < int(rec.NumRows()); i++ {
			if !first {
				bw.WriteString(",")
			}
			first = false
			bw.WriteString("\n  {")
			for c, f := range r.Schema.Fields() {
				if c > 0 {
					bw.WriteString(", ")
				}
				k, _ := json.Marshal(f.Name)
				bw.Write(k)
				bw.WriteString(": ")
				col := rec.Column(c)
				switch {
				case col.IsNull(i):
					bw.WriteString("null")
				case isNumeric(f.Type) || f.Type.ID() == arrow.BOOL:
					// Decimals print exactly, as JSON numbers.
					bw.WriteString(exec.FormatValue(col, i))
				default:
					v, _ := json.Marshal(exec.FormatValue(col, i))
					bw.Write(v)
				}
			}
			bw.WriteString("}")
		}
	}
	if !first {
		bw.WriteString("\n")
	}
	bw.WriteString("]\n")
	return bw.Flush()
}

func (r *Result) writeArrow(w io.Writer) error {
	iw := ipc.NewWriter(w, ipc.WithSchema(r.Schema))
	for _, rec := range r.Records {
		if err := iw.Write(rec); err != nil {
			iw.Close()
			return err
		}
	}
	return iw.Close()
}

package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/peterh/liner"

	"github.com/dataflow-go/dataflow"
	"github.com/dataflow-go/dataflow/dsl/parser"
)

// runSQLScript runs every statement of a script, printing the results of
// those that return rows (EXPLAIN output as plain text).
func runSQLScript(ctx context.Context, sess *dataflow.Session, script string, w io.Writer, f dataflow.Format) error {
	return sess.ExecEach(ctx, script, func(_ string, res *dataflow.Result) error {
		return printResult(w, res, f)
	})
}

func printResult(w io.Writer, res *dataflow.Result, f dataflow.Format) error {
	if res.Schema.NumFields() == 0 {
		return nil
	}
	if f == dataflow.FormatTable && res.Schema.NumFields() == 1 && res.Schema.Field(0).Name == "plan" {
		for _, row := range res.Rows() {
			if _, err := fmt.Fprintln(w, row[0]); err != nil {
				return err
			}
		}
		return nil
	}
	return res.Write(w, f)
}

// explainSQL prints the plans of each query in a script.
func explainSQL(ctx context.Context, sess *dataflow.Session, script string, w io.Writer) error {
	stmts, err := parser.ParseScript(script)
	if err != nil {
		return err
	}
	for i, st := range stmts {
		text, err := sess.Explain(ctx, parser.Format(st), false)
		if err != nil {
			return err
		}
		if i > 0 {
			fmt.Fprintln(w)
		}
		if _, err := fmt.Fprintln(w, strings.TrimRight(text, "\n")); err != nil {
			return err
		}
	}
	return nil
}

// interactive reads statements from a terminal prompt, with line editing
// and a history kept in ~/.dataflow_history. A statement ends at a ';'
// at the end of a line; errors are printed and the prompt goes on.
func interactive(ctx context.Context, sess *dataflow.Session, stdout, stderr io.Writer, f dataflow.Format) error {
	line := liner.NewLiner()
	defer line.Close()
	line.SetCtrlCAborts(true)
	histPath := ""
	if home, err := os.UserHomeDir(); err == nil {
		histPath = filepath.Join(home, ".dataflow_history")
		if h, err := os.Open(histPath); err == nil {
			line.ReadHistory(h)
			h.Close()
		}
	}
	defer func() {
		if histPath == "" {
			return
		}
		if h, err := os.Create(histPath); err == nil {
			line.WriteHistory(h)
			h.Close()
		}
	}()
	fmt.Fprintln(stdout, "dataflow SQL; end statements with ';', quit with \\q or Ctrl-D.")
	var buf strings.Builder
	for {
		prompt := "dataflow> "
		if buf.Len() > 0 {
			prompt = "      ... "
		}
		text, err := line.Prompt(prompt)
		if errors.Is(err, liner.ErrPromptAborted) {
			buf.Reset()
			continue
		}
		if err != nil { // io.EOF: Ctrl-D
			fmt.Fprintln(stdout)
			return nil
		}
		trimmed := strings.TrimSpace(text)
		if buf.Len() == 0 && (trimmed == `\q` || trimmed == "quit" || trimmed == "exit") {
			return nil
		}
		if trimmed == "" {
			continue
		}
		buf.WriteString(text)
		buf.WriteByte('\n')
		if !strings.HasSuffix(trimmed, ";") {
			continue
		}
		stmt := buf.String()
		buf.Reset()
		line.AppendHistory(strings.Join(strings.Fields(stmt), " "))
		if err := runSQLScript(ctx, sess, stmt, stdout, f); err != nil {
			fmt.Fprintf(stderr, "%v\n", err)
		}
	}
}

// stdinHasData reports whether standard input is a pipe or a file (not a
// terminal and not /dev/null), so a script can be read from it.
func stdinHasData() bool {
	info, err := os.Stdin.Stat()
	if err != nil {
		return false
	}
	return info.Mode()&(os.ModeNamedPipe) != 0 || info.Mode().IsRegular()
}

package parser

import (
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"
)

var posType = reflect.TypeOf(Pos{})

// zeroPositions clears every Pos in a tree so that trees parsed from
// differently laid out text can be compared with reflect.DeepEqual.
func zeroPositions(v reflect.Value) {
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface:
		if !v.IsNil() {
			zeroPositions(v.Elem())
		}
	case reflect.Slice:
		for i := 0; i < v.Len(); i++ {
			zeroPositions(v.Index(i))
		}
	case reflect.Struct:
		if v.Type() == posType {
			if v.CanSet() {
				v.Set(reflect.Zero(posType))
			}
			return
		}
		for i := 0; i < v.NumField(); i++ {
			zeroPositions(v.Field(i))
		}
	}
}

// sameTrees reports whether two statement lists are equal apart from
// positions. It clears the positions of both.
func sameTrees(a, b []Stmt) bool {
	zeroPositions(reflect.ValueOf(a))
	zeroPositions(reflect.ValueOf(b))
	return reflect.DeepEqual(a, b)
}

// checkRoundTrip asserts parse(format(parse(src))) == parse(src) and that
// formatting is a fixed point.
func checkRoundTrip(t testing.TB, src string, stmts []Stmt) string {
	t.Helper()
	out := FormatScript(stmts)
	again, err := ParseScript(out)
	if err != nil {
		t.Fatalf("formatted SQL does not parse:\ninput:  %q\noutput: %q\nerror: %v", src, out, err)
	}
	if out2 := FormatScript(again); out2 != out {
		t.Fatalf("formatting is not stable:\nfirst:  %q\nsecond: %q", out, out2)
	}
	if !sameTrees(stmts, again) {
		t.Fatalf("round trip changed the tree:\ninput:  %q\noutput: %q\nbefore: %s\nafter:  %s",
			src, out, dumpStmts(stmts), dumpStmts(again))
	}
	return out
}

func dumpStmts(stmts []Stmt) string {
	var b strings.Builder
	for _, s := range stmts {
		dump(&b, reflect.ValueOf(s), 0)
	}
	return strings.ReplaceAll(b.String(), ": \n", ":\n")
}

// dump prints a tree one field per line, skipping zero values, with each
// node's position.
func dump(b *strings.Builder, v reflect.Value, indent int) {
	pad := strings.Repeat("  ", indent)
	switch v.Kind() {
	case reflect.Interface, reflect.Pointer:
		if v.IsNil() {
			b.WriteString("nil\n")
			return
		}
		dump(b, v.Elem(), indent)
		return
	case reflect.Struct:
		t := v.Type()
		head := t.Name()
		if !v.CanAddr() {
		} else if n, ok := v.Addr().Interface().(Node); ok {
			head += "@" + n.Pos().String()
		}
		b.WriteString(head + "\n")
		for i := 0; i < v.NumField(); i++ {
			f := t.Field(i)
			fv := v.Field(i)
			if f.Anonymous || f.Type == posType || fv.IsZero() {
				continue
			}
			b.WriteString(pad + "  " + f.Name + ": ")
			dump(b, fv, indent+1)
		}
	case reflect.Slice:
		if v.Type().Elem().Kind() == reflect.String {
			fmt.Fprintf(b, "%q\n", v.Interface())
			return
		}
		b.WriteString("\n")
		for i := 0; i < v.Len(); i++ {
			b.WriteString(pad + "  - ")
			dump(b, v.Index(i), indent+2)
		}
	case reflect.String:
		fmt.Fprintf(b, "%q\n", v.String())
	default:
		if s, ok := v.Interface().(fmt.Stringer); ok {
			fmt.Fprintf(b, "%s\n", s)
			return
		}
		fmt.Fprintf(b, "%v\n", v.Interface())
	}
}

// tpchQueries returns the 22 TPC-H queries from testdata, by file name.
func tpchQueries(t testing.TB) map[string]string {
	t.Helper()
	// The queries live once, in the repository's testdata.
	files, err := filepath.Glob(filepath.Join("..", "..", "tpch", "queries", "*.sql"))
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(files)
	qs := make(map[string]string, len(files))
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		qs[filepath.Base(f)] = string(b)
	}
	return qs
}

// walkNodes calls f on every Node reachable from n.
func walkNodes(n Node, f func(Node)) {
	var walk func(v reflect.Value)
	walk = func(v reflect.Value) {
		switch v.Kind() {
		case reflect.Pointer, reflect.Interface:
			if v.IsNil() {
				return
			}
			if v.CanInterface() {
				if n, ok := v.Interface().(Node); ok && v.Kind() == reflect.Pointer {
					f(n)
				}
			}
			walk(v.Elem())
		case reflect.Slice:
			for i := 0; i < v.Len(); i++ {
				walk(v.Index(i))
			}
		case reflect.Struct:
			for i := 0; i < v.NumField(); i++ {
				if v.Type().Field(i).IsExported() {
					walk(v.Field(i))
				}
			}
		}
	}
	walk(reflect.ValueOf(n))
}

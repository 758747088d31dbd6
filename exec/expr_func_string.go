package exec

import (
	"strings"
	"unicode/utf8"

	"github.com/apache/arrow/go/v15/arrow"
	"github.com/apache/arrow/go/v15/arrow/array"
)

// String functions. Positions and lengths count characters (UTF-8 code
// points), not bytes, and are 1-based as in SQL. A NULL argument gives
// NULL, except in concat, which skips NULLs.

// stringArgs checks that args are strings (or NULL) at the positions in
// strs and integers at the positions in ints.
func stringArgs(args []arrow.DataType, strs, ints []int) bool {
	ok := func(i int, want func(arrow.DataType) bool) bool {
		return i < len(args) && (want(args[i]) || isNullType(args[i]))
	}
	for _, i := range strs {
		if !ok(i, func(t arrow.DataType) bool { return t.ID() == arrow.STRING }) {
			return false
		}
	}
	for _, i := range ints {
		if !ok(i, isInteger) {
			return false
		}
	}
	return len(args) == len(strs)+len(ints)
}

// mapStrings builds a string column from per-row results; a row is NULL
// when any argument is.
func mapStrings(ctx *Context, args []arrow.Array, f func(row int) string) arrow.Array {
	n := args[0].Len()
	b := array.NewStringBuilder(allocator(ctx))
	defer b.Release()
	b.Reserve(n)
	for i := 0; i < n; i++ {
		if anyNull(args, i) {
			b.AppendNull()
			continue
		}
		b.Append(f(i))
	}
	return b.NewArray()
}

// mapInt64 builds an int64 column from per-row results, NULL when any
// argument is.
func mapInt64(ctx *Context, args []arrow.Array, f func(row int) int64) arrow.Array {
	n := args[0].Len()
	b := array.NewInt64Builder(allocator(ctx))
	defer b.Release()
	b.Reserve(n)
	for i := 0; i < n; i++ {
		if anyNull(args, i) {
			b.AppendNull()
			continue
		}
		b.Append(f(i))
	}
	return b.NewArray()
}

func anyNull(args []arrow.Array, i int) bool {
	for _, a := range args {
		// An all-NULL argument (a NULL literal) has no validity bitmap,
		// so Arrow's IsNull reports its rows as valid.
		if a.IsNull(i) || a.DataType().ID() == arrow.NULL {
			return true
		}
	}
	return false
}

// strAt reads row i of a string (or all-NULL) argument.
func strAt(a arrow.Array, i int) string {
	if s, ok := a.(*array.String); ok {
		return s.Value(i)
	}
	return ""
}

// intAt reads row i of an integer argument as int64.
func intAt(a arrow.Array, i int) int64 {
	switch a := a.(type) {
	case *array.Int8:
		return int64(a.Value(i))
	case *array.Int16:
		return int64(a.Value(i))
	case *array.Int32:
		return int64(a.Value(i))
	case *array.Int64:
		return a.Value(i)
	}
	return 0
}

var substringFunc = funcDef{
	resultType: func(args []arrow.DataType) (arrow.DataType, error) {
		if !stringArgs(args, []int{0}, []int{1}) && !stringArgs(args, []int{0}, []int{1, 2}) {
			return nil, argError("substring", "substring(string, start integer[, length integer])", args)
		}
		return typString, nil
	},
	bind: kernelFunc("substring", func(arrow.DataType) ScalarFunc {
		return func(ctx *Context, args []arrow.Array) (arrow.Array, error) {
			return mapStrings(ctx, args, func(i int) string {
				var length int64
				if len(args) == 3 {
					length = intAt(args[2], i)
				}
				return sqlSubstring(strAt(args[0], i), intAt(args[1], i), length, len(args) == 3)
			}), nil
		}
	}),
}

// sqlSubstring is SQL's SUBSTRING(s FROM start FOR length) over
// characters: positions before 1 count towards the length (substring('abc',
// 0, 2) is 'a') and a negative length gives ”. Without hasLen it runs to
// the end of s.
func sqlSubstring(s string, start, length int64, hasLen bool) string {
	end := int64(1) << 62
	if hasLen {
		if length < 0 {
			return ""
		}
		end = start + length
	}
	if start < 1 {
		start = 1
	}
	if end <= start {
		return ""
	}
	// Byte offsets of characters start..end-1 (1-based).
	pos, char := 0, int64(1)
	for char < start && pos < len(s) {
		pos += runeSize(s, pos)
		char++
	}
	from := pos
	for char < end && pos < len(s) {
		pos += runeSize(s, pos)
		char++
	}
	return s[from:pos]
}

func runeSize(s string, pos int) int {
	if s[pos] < utf8.RuneSelf {
		return 1
	}
	_, size := utf8.DecodeRuneInString(s[pos:])
	return size
}

func oneString(name string) func(args []arrow.DataType) (arrow.DataType, error) {
	return func(args []arrow.DataType) (arrow.DataType, error) {
		if !stringArgs(args, []int{0}, nil) {
			return nil, argError(name, name+"(string)", args)
		}
		return typString, nil
	}
}

var upperFunc = funcDef{
	resultType: oneString("upper"),
	bind: kernelFunc("upper", func(arrow.DataType) ScalarFunc {
		return func(ctx *Context, args []arrow.Array) (arrow.Array, error) {
			return mapStrings(ctx, args, func(i int) string { return strings.ToUpper(strAt(args[0], i)) }), nil
		}
	}),
}

var lowerFunc = funcDef{
	resultType: oneString("lower"),
	bind: kernelFunc("lower", func(arrow.DataType) ScalarFunc {
		return func(ctx *Context, args []arrow.Array) (arrow.Array, error) {
			return mapStrings(ctx, args, func(i int) string { return strings.ToLower(strAt(args[0], i)) }), nil
		}
	}),
}

var lengthFunc = funcDef{
	resultType: func(args []arrow.DataType) (arrow.DataType, error) {
		if !stringArgs(args, []int{0}, nil) {
			return nil, argError("length", "length(string)", args)
		}
		return typInt64, nil
	},
	bind: kernelFunc("length", func(arrow.DataType) ScalarFunc {
		return func(ctx *Context, args []arrow.Array) (arrow.Array, error) {
			return mapInt64(ctx, args, func(i int) int64 { return int64(utf8.RuneCountInString(strAt(args[0], i))) }), nil
		}
	}),
}

// trimFunc makes trim/ltrim/rtrim(string[, characters]); the default
// characters are spaces.
func trimFunc(trim func(s, cutset string) string) funcDef {
	return funcDef{
		resultType: func(args []arrow.DataType) (arrow.DataType, error) {
			if !stringArgs(args, []int{0}, nil) && !stringArgs(args, []int{0, 1}, nil) {
				return nil, argError("trim", "trim(string[, characters string])", args)
			}
			return typString, nil
		},
		bind: kernelFunc("trim", func(arrow.DataType) ScalarFunc {
			return func(ctx *Context, args []arrow.Array) (arrow.Array, error) {
				return mapStrings(ctx, args, func(i int) string {
					cut := " "
					if len(args) == 2 {
						cut = strAt(args[1], i)
					}
					return trim(strAt(args[0], i), cut)
				}), nil
			}
		}),
	}
}

var concatFunc = funcDef{
	resultType: func(args []arrow.DataType) (arrow.DataType, error) {
		if len(args) == 0 {
			return nil, argError("concat", "concat(value, ...)", args)
		}
		for _, t := range args {
			if _, err := castKernelFor(t, typString); err != nil {
				return nil, argError("concat", "concat(value, ...) of values castable to varchar", args)
			}
		}
		return typString, nil
	},
	bind: func(args []Expr, ret arrow.DataType) (Expr, error) {
		cast := make([]Expr, len(args))
		for i, a := range args {
			c, err := NewCast(a, typString)
			if err != nil {
				return nil, err
			}
			cast[i] = c
		}
		return &funcExpr{name: "concat", args: cast, ret: ret, kernel: func(ctx *Context, args []arrow.Array) (arrow.Array, error) {
			n := args[0].Len()
			b := array.NewStringBuilder(allocator(ctx))
			defer b.Release()
			b.Reserve(n)
			var sb strings.Builder
			for i := 0; i < n; i++ {
				sb.Reset()
				for _, a := range args {
					if a.IsValid(i) {
						sb.WriteString(strAt(a, i))
					}
				}
				b.Append(sb.String())
			}
			return b.NewArray(), nil
		}}, nil
	},
}

var startsWithFunc = funcDef{
	resultType: func(args []arrow.DataType) (arrow.DataType, error) {
		if !stringArgs(args, []int{0, 1}, nil) {
			return nil, argError("starts_with", "starts_with(string, prefix string)", args)
		}
		return typBool, nil
	},
	bind: kernelFunc("starts_with", func(arrow.DataType) ScalarFunc {
		return func(ctx *Context, args []arrow.Array) (arrow.Array, error) {
			n := args[0].Len()
			b := array.NewBooleanBuilder(allocator(ctx))
			defer b.Release()
			b.Reserve(n)
			for i := 0; i < n; i++ {
				if anyNull(args, i) {
					b.AppendNull()
					continue
				}
				b.Append(strings.HasPrefix(strAt(args[0], i), strAt(args[1], i)))
			}
			return b.NewArray(), nil
		}
	}),
}

// strpos(string, substring) is the 1-based character position of the
// first occurrence, 0 when absent (position(substring IN string) binds to
// it with the arguments in this order).
var strposFunc = funcDef{
	resultType: func(args []arrow.DataType) (arrow.DataType, error) {
		if !stringArgs(args, []int{0, 1}, nil) {
			return nil, argError("strpos", "strpos(string, substring string)", args)
		}
		return typInt64, nil
	},
	bind: kernelFunc("strpos", func(arrow.DataType) ScalarFunc {
		return func(ctx *Context, args []arrow.Array) (arrow.Array, error) {
			return mapInt64(ctx, args, func(i int) int64 {
				s := strAt(args[0], i)
				k := strings.Index(s, strAt(args[1], i))
				if k < 0 {
					return 0
				}
				return int64(utf8.RuneCountInString(s[:k])) + 1
			}), nil
		}
	}),
}

package exec

import (
	"fmt"

	"github.com/apache/arrow/go/v15/arrow"
	"github.com/apache/arrow/go/v15/arrow/array"
	"github.com/apache/arrow/go/v15/arrow/bitutil"
	"github.com/apache/arrow/go/v15/arrow/compute"
	"github.com/apache/arrow/go/v15/arrow/memory"
)

// NULL-handling functions: coalesce(a, b, ...) is the first non-NULL
// argument; nullif(a, b) is NULL when a = b and a otherwise. Arguments are
// converted to their common type.

var coalesceFunc = funcDef{
	resultType: func(args []arrow.DataType) (arrow.DataType, error) {
		if len(args) == 0 {
			return nil, argError("coalesce", "coalesce(value, ...)", args)
		}
		t := args[0]
		for _, a := range args[1:] {
			c, err := CommonType(t, a)
			if err != nil {
				return nil, fmt.Errorf("%w: coalesce mixes %s and %s (CAST them to one type)", ErrType, t, a)
			}
			t = c
		}
		return nullAsInt(widen(t)), nil
	},
	bind: func(args []Expr, ret arrow.DataType) (Expr, error) {
		cast := make([]Expr, len(args))
		for i, a := range args {
			c, err := NewCast(a, ret)
			if err != nil {
				return nil, err
			}
			cast[i] = c
		}
		if len(cast) == 1 {
			return cast[0], nil
		}
		return &funcExpr{name: "coalesce", args: cast, ret: ret, kernel: coalesceKernel}, nil
	},
}

// coalesceKernel picks, per row, the first argument that is valid there,
// by concatenating the arguments and taking one index per row.
func coalesceKernel(ctx *Context, args []arrow.Array) (arrow.Array, error) {
	mem := allocator(ctx)
	n := args[0].Len()
	if args[0].NullN() == 0 {
		args[0].Retain()
		return args[0], nil
	}
	buf, idx := newValues[int32](mem, n)
	valid := newBuffer(mem, (n+7)/8)
	nulls := 0
	for i := 0; i < n; i++ {
		idx[i] = 0
		found := false
		for k, a := range args {
			if a.IsValid(i) {
				idx[i] = int32(k*n + i)
				found = true
				break
			}
		}
		if found {
			bitutil.SetBit(valid.Bytes(), i)
		} else {
			nulls++
		}
	}
	indices := fixedArray(typInt32, n, valid, nulls, buf)
	defer indices.Release()
	all, err := array.Concatenate(args, mem)
	if err != nil {
		return nil, fmt.Errorf("%w: coalesce: %v", ErrInternal, err)
	}
	defer all.Release()
	out, err := compute.TakeArray(computeCtx(ctx), all, indices)
	if err != nil {
		return nil, fmt.Errorf("%w: coalesce: %v", ErrInternal, err)
	}
	return out, nil
}

var nullifFunc = funcDef{
	resultType: func(args []arrow.DataType) (arrow.DataType, error) {
		if len(args) != 2 {
			return nil, argError("nullif", "nullif(value, value)", args)
		}
		if _, err := comparisonDomain(args[0], args[1]); err != nil {
			return nil, fmt.Errorf("%w: nullif cannot compare %s with %s", ErrType, args[0], args[1])
		}
		return nullAsInt(widen(args[0])), nil
	},
	bind: func(args []Expr, ret arrow.DataType) (Expr, error) {
		a, err := NewCast(args[0], ret)
		if err != nil {
			return nil, err
		}
		eq, err := NewBinary(OpEq, a, args[1])
		if err != nil {
			return nil, err
		}
		return &funcExpr{name: "nullif", args: []Expr{a, eq}, ret: ret, kernel: nullifKernel}, nil
	},
}

// nullifKernel clears the validity of args[0] where args[1] (a = b) is
// TRUE, sharing args[0]'s value buffers.
func nullifKernel(ctx *Context, args []arrow.Array) (arrow.Array, error) {
	mem := allocator(ctx)
	a, eq := args[0], args[1].(*array.Boolean)
	n := a.Len()
	data := a.Data()
	off := data.Offset()
	valid := newBuffer(mem, int(bitutil.BytesForBits(int64(off+n))))
	vb := valid.Bytes()
	if a.NullN() == 0 {
		bitutil.SetBitsTo(vb, int64(off), int64(n), true)
	} else {
		bitutil.CopyBitmap(a.NullBitmapBytes(), off, n, vb, off)
	}
	for i := 0; i < n; i++ {
		if eq.IsValid(i) && eq.Value(i) {
			bitutil.ClearBit(vb, off+i)
		}
	}
	nulls := n - bitutil.CountSetBits(vb, off, n)
	bufs := append([]*memory.Buffer{valid}, data.Buffers()[1:]...)
	nd := array.NewData(a.DataType(), n, bufs, data.Children(), nulls, off)
	valid.Release()
	defer nd.Release()
	return array.MakeFromData(nd), nil
}

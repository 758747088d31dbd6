//go:build !unix

package main

import "os"

// isTTY is false where the engine cannot tell: the prompt is then
// not offered and SQL comes from -e, a file or a pipe.
func isTTY(*os.File) bool { return false }

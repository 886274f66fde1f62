// Command testsummary reads the output of `go test -json` on its standard
// input and writes what a person wants from `make test`: the usual package
// lines ("ok", "FAIL", build errors), the full output of each failed test as
// it fails, and at the end a summary that lists every skipped test with the
// reason it gave and every failed test, closed by one line such as
//
//	summary: 812 passed, 0 failed, 6 skipped
//
// It exits with status 1 when a test, a package or a build failed, or when
// the input held no test event at all, so that `go test -json ... |
// testsummary` under `set -o pipefail` fails exactly when it should.
package main

import (
	"fmt"
	"os"
)

func main() {
	if err := summarize(os.Stdin, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "testsummary:", err)
		os.Exit(1)
	}
}

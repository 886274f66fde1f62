package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
)

// event is one line of `go test -json` (see `go doc test2json`).
type event struct {
	Action     string
	Package    string
	Test       string
	Output     string
	ImportPath string // build-output and build-fail events
}

// key names one test of one package.
type key struct{ pkg, test string }

// outcome is a test that was skipped or failed, with why.
type outcome struct {
	key
	reason string
}

// summarizer holds the state of one run.
type summarizer struct {
	w         io.Writer
	open      map[key][]string // output of tests still running
	build     map[string][]string
	passed    int
	skipped   []outcome
	failed    []outcome
	pkgFailed []string
	events    int
	lastPkg   string // package of the last failed test printed
}

// ErrFailed is returned when the run had a failure.
var ErrFailed = errors.New("tests failed")

// summarize copies the readable part of a `go test -json` stream from r to
// w and ends with the summary. It returns ErrFailed (wrapped) when anything
// failed or no test event was read.
func summarize(r io.Reader, w io.Writer) error {
	s := &summarizer{w: w, open: map[key][]string{}, build: map[string][]string{}}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64<<10), 16<<20)
	for sc.Scan() {
		line := sc.Bytes()
		var e event
		if len(line) == 0 || line[0] != '{' || json.Unmarshal(line, &e) != nil {
			fmt.Fprintf(w, "%s\n", line) // not an event: e.g. a message of the go command
			continue
		}
		s.handle(e)
	}
	if err := sc.Err(); err != nil {
		return err
	}
	return s.finish()
}

// handle processes one event.
func (s *summarizer) handle(e event) {
	s.events++
	k := key{e.Package, e.Test}
	switch {
	case e.Action == "build-output":
		s.build[e.ImportPath] = append(s.build[e.ImportPath], e.Output)
	case e.Action == "build-fail":
		fmt.Fprint(s.w, strings.Join(s.build[e.ImportPath], ""))
		delete(s.build, e.ImportPath)
	case e.Test == "" && e.Action == "output":
		// Package lines: "ok  pkg 1.2s", "FAIL pkg", a TestMain's output,
		// a panic outside any test. The bare PASS/FAIL before them is noise.
		if e.Output != "PASS\n" && e.Output != "FAIL\n" {
			fmt.Fprint(s.w, e.Output)
		}
	case e.Test == "" && e.Action == "fail":
		s.pkgFailed = append(s.pkgFailed, e.Package)
		s.flushOpen(e.Package) // a panic or timeout: show what the running tests said
	case e.Test == "":
	case e.Action == "output":
		s.open[k] = append(s.open[k], e.Output)
	case e.Action == "pass":
		s.passed++
		delete(s.open, k)
	case e.Action == "skip":
		s.skipped = append(s.skipped, outcome{k, skipReason(s.open[k])})
		delete(s.open, k)
	case e.Action == "fail":
		s.failed = append(s.failed, outcome{k, ""})
		if s.lastPkg != k.pkg { // tests of several packages interleave
			fmt.Fprintf(s.w, "== %s\n", k.pkg)
			s.lastPkg = k.pkg
		}
		s.printTest(k)
	}
}

// printTest writes the output of test k, but the === lines, and forgets it.
func (s *summarizer) printTest(k key) {
	for _, line := range s.open[k] {
		if !strings.HasPrefix(line, "=== ") {
			fmt.Fprint(s.w, line)
		}
	}
	delete(s.open, k)
}

// flushOpen prints the output of every test of pkg still running.
func (s *summarizer) flushOpen(pkg string) {
	var keys []key
	for k := range s.open {
		if k.pkg == pkg {
			keys = append(keys, k)
		}
	}
	slices.SortFunc(keys, func(a, b key) int { return strings.Compare(a.test, b.test) })
	for _, k := range keys {
		fmt.Fprintf(s.w, "--- %s still running when %s ended:\n", k.test, pkg)
		s.printTest(k)
	}
}

// skipReason returns what a skipped test said, on one line: its log lines
// without the === and --- lines that go test adds.
func skipReason(lines []string) string {
	var parts []string
	for _, l := range lines {
		l = strings.TrimSpace(l)
		if l == "" || strings.HasPrefix(l, "=== ") || strings.HasPrefix(l, "--- SKIP") {
			continue
		}
		parts = append(parts, l)
	}
	if len(parts) == 0 {
		return "(no reason given)"
	}
	return strings.Join(parts, " ")
}

// finish writes the summary and returns the verdict.
func (s *summarizer) finish() error {
	for path, lines := range s.build { // build output with no build-fail: show it anyway
		fmt.Fprint(s.w, strings.Join(lines, ""))
		delete(s.build, path)
	}
	fmt.Fprintln(s.w)
	if len(s.skipped) > 0 {
		fmt.Fprintf(s.w, "skipped (%d):\n", len(s.skipped))
		for _, o := range s.skipped {
			fmt.Fprintf(s.w, "  %s %s: %s\n", o.pkg, o.test, o.reason)
		}
	}
	if len(s.failed) > 0 || len(s.pkgFailed) > 0 {
		fmt.Fprintf(s.w, "failed (%d tests, %d packages):\n", len(s.failed), len(s.pkgFailed))
		for _, o := range s.failed {
			fmt.Fprintf(s.w, "  %s %s\n", o.pkg, o.test)
		}
		for _, p := range s.pkgFailed {
			fmt.Fprintf(s.w, "  %s (package)\n", p)
		}
	}
	fmt.Fprintf(s.w, "summary: %d passed, %d failed, %d skipped\n", s.passed, len(s.failed), len(s.skipped))
	switch {
	case s.events == 0:
		return fmt.Errorf("%w: no test event in the input (did go test run?)", ErrFailed)
	case len(s.failed) > 0 || len(s.pkgFailed) > 0:
		return fmt.Errorf("%w: %d tests and %d packages failed", ErrFailed, len(s.failed), len(s.pkgFailed))
	}
	return nil
}

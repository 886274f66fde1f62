package main

import (
	"errors"
	"strings"
	"testing"
)

// Events as `go test -json` writes them (Go 1.26), trimmed to the fields read.
const (
	okPkg = `{"Action":"start","Package":"m/a"}
{"Action":"run","Package":"m/a","Test":"TestOK"}
{"Action":"output","Package":"m/a","Test":"TestOK","Output":"=== RUN   TestOK\n"}
{"Action":"output","Package":"m/a","Test":"TestOK","Output":"    a_test.go:3: chatter of a passing test\n"}
{"Action":"output","Package":"m/a","Test":"TestOK","Output":"--- PASS: TestOK (0.01s)\n"}
{"Action":"pass","Package":"m/a","Test":"TestOK"}
{"Action":"run","Package":"m/a","Test":"TestNginx"}
{"Action":"output","Package":"m/a","Test":"TestNginx","Output":"=== RUN   TestNginx\n"}
{"Action":"output","Package":"m/a","Test":"TestNginx","Output":"    nginx_test.go:40: skipping: no nginx in PATH (set REQUIRE_NGINX=1 to fail instead)\n"}
{"Action":"output","Package":"m/a","Test":"TestNginx","Output":"--- SKIP: TestNginx (0.00s)\n"}
{"Action":"skip","Package":"m/a","Test":"TestNginx"}
{"Action":"output","Package":"m/a","Output":"PASS\n"}
{"Action":"output","Package":"m/a","Output":"ok  \tm/a\t0.213s\n"}
{"Action":"pass","Package":"m/a"}
`
	failPkg = `{"Action":"run","Package":"m/b","Test":"TestFail"}
{"Action":"output","Package":"m/b","Test":"TestFail","Output":"=== RUN   TestFail\n"}
{"Action":"run","Package":"m/b","Test":"TestFail/sub"}
{"Action":"output","Package":"m/b","Test":"TestFail/sub","Output":"=== RUN   TestFail/sub\n"}
{"Action":"output","Package":"m/b","Test":"TestFail/sub","Output":"    b_test.go:5: got 1, want 2\n"}
{"Action":"output","Package":"m/b","Test":"TestFail/sub","Output":"--- FAIL: TestFail/sub (0.00s)\n"}
{"Action":"fail","Package":"m/b","Test":"TestFail/sub"}
{"Action":"output","Package":"m/b","Test":"TestFail","Output":"--- FAIL: TestFail (0.00s)\n"}
{"Action":"fail","Package":"m/b","Test":"TestFail"}
{"Action":"output","Package":"m/b","Output":"FAIL\n"}
{"Action":"output","Package":"m/b","Output":"FAIL\tm/b\t0.2s\n"}
{"Action":"fail","Package":"m/b"}
`
	buildFail = `{"ImportPath":"m/c [m/c.test]","Action":"build-output","Output":"# m/c [m/c.test]\n"}
{"ImportPath":"m/c [m/c.test]","Action":"build-output","Output":"c/c_test.go:3:40: cannot use \"s\" as int value\n"}
{"ImportPath":"m/c [m/c.test]","Action":"build-fail"}
{"Action":"start","Package":"m/c"}
{"Action":"output","Package":"m/c","Output":"FAIL\tm/c [build failed]\n"}
{"Action":"fail","Package":"m/c","FailedBuild":"m/c [m/c.test]"}
`
	timeout = `{"Action":"run","Package":"m/d","Test":"TestHang"}
{"Action":"output","Package":"m/d","Test":"TestHang","Output":"=== RUN   TestHang\n"}
{"Action":"output","Package":"m/d","Test":"TestHang","Output":"    d_test.go:9: waiting for the server\n"}
{"Action":"output","Package":"m/d","Output":"panic: test timed out after 8m0s\n"}
{"Action":"output","Package":"m/d","Output":"FAIL\tm/d\t480.1s\n"}
{"Action":"fail","Package":"m/d"}
`
)

func TestSummarize(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		in       string
		wantFail bool
		want     []string // in the output, in this order
		notWant  []string
	}{
		{"pass and skip", okPkg, false, []string{
			"ok  \tm/a\t0.213s\n",
			"skipped (1):\n  m/a TestNginx: nginx_test.go:40: skipping: no nginx in PATH (set REQUIRE_NGINX=1 to fail instead)\n",
			"summary: 1 passed, 0 failed, 1 skipped\n",
		}, []string{"chatter of a passing test", "PASS\n", "=== RUN", "failed ("}},
		{"a failed subtest", okPkg + failPkg, true, []string{
			"== m/b\n    b_test.go:5: got 1, want 2\n--- FAIL: TestFail/sub (0.00s)\n",
			"--- FAIL: TestFail (0.00s)\n",
			"FAIL\tm/b\t0.2s\n",
			"failed (2 tests, 1 packages):\n  m/b TestFail/sub\n  m/b TestFail\n  m/b (package)\n",
			"summary: 1 passed, 2 failed, 1 skipped\n",
		}, []string{"=== RUN"}},
		{"a build failure", buildFail + okPkg, true, []string{
			"# m/c [m/c.test]\nc/c_test.go:3:40: cannot use \"s\" as int value\n",
			"FAIL\tm/c [build failed]\n",
			"  m/c (package)\n",
			"summary: 1 passed, 0 failed, 1 skipped\n",
		}, nil},
		{"a timeout shows the hung test", timeout, true, []string{
			"panic: test timed out after 8m0s\n",
			"--- TestHang still running when m/d ended:\n    d_test.go:9: waiting for the server\n",
			"  m/d (package)\n",
		}, nil},
		{"no events at all", "", true, []string{"summary: 0 passed, 0 failed, 0 skipped\n"}, nil},
		{"go command errors pass through", "go: cannot find main module\n", true, []string{"go: cannot find main module\n"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var out strings.Builder
			err := summarize(strings.NewReader(tt.in), &out)
			if got := errors.Is(err, ErrFailed); got != tt.wantFail {
				t.Errorf("error %v: failed = %v, want %v", err, got, tt.wantFail)
			}
			rest := out.String()
			for _, w := range tt.want {
				i := strings.Index(rest, w)
				if i < 0 {
					t.Fatalf("output lacks (or has out of order) %q:\n%s", w, out.String())
				}
				rest = rest[i+len(w):]
			}
			for _, nw := range tt.notWant {
				if strings.Contains(out.String(), nw) {
					t.Errorf("output has %q:\n%s", nw, out.String())
				}
			}
		})
	}
}

// TestSummaryLastLine pins the closing line's shape: CI reads "N passed, N
// failed" alone on the last line.
func TestSummaryLastLine(t *testing.T) {
	t.Parallel()
	var out strings.Builder
	_ = summarize(strings.NewReader(okPkg+failPkg), &out)
	lines := strings.Split(strings.TrimRight(out.String(), "\n"), "\n")
	if got, want := lines[len(lines)-1], "summary: 1 passed, 2 failed, 1 skipped"; got != want {
		t.Errorf("last line %q, want %q", got, want)
	}
}

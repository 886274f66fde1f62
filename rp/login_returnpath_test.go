package rp

import (
	"bufio"
	"os"
	"strings"
	"testing"
)

// loadPayloads reads testdata/open-redirects.txt.
func loadPayloads(t *testing.T) []string {
	t.Helper()
	f, err := os.Open("testdata/open-redirects.txt")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	unescape := strings.NewReplacer(`\t`, "\t", `\r`, "\r", `\n`, "\n", `\0`, "\x00")
	var out []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if line == "" || strings.HasPrefix(line, "# ") {
			continue
		}
		// Keep "\\" and "/\" payloads as written; only the named escapes are decoded.
		if strings.Contains(line, `\t`) || strings.Contains(line, `\r`) || strings.Contains(line, `\n`) || strings.Contains(line, `\0`) {
			line = unescape.Replace(line)
		}
		out = append(out, line)
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if len(out) < 36 {
		t.Fatalf("only %d payloads loaded", len(out))
	}
	return out
}

func TestSafeReturnPathRejectsOpenRedirects(t *testing.T) {
	t.Parallel()
	for _, payload := range loadPayloads(t) {
		t.Run(payload, func(t *testing.T) {
			t.Parallel()
			if got := SafeReturnPath(payload); got != "/" {
				t.Errorf("SafeReturnPath(%q) = %q, want %q", payload, got, "/")
			}
		})
	}
}

func TestSafeReturnPathKeepsLocalPaths(t *testing.T) {
	t.Parallel()
	for _, path := range []string{
		"/",
		"/dashboard",
		"/a/b/c?x=1&y=2",
		"/search?q=a%20b",
		"/docs#section-2",
		"/path/with-dash_and.dot",
		"/users/%C3%A9milie",
		"/a//b", // a double slash after the first segment is still this site
	} {
		if got := SafeReturnPath(path); got != path {
			t.Errorf("SafeReturnPath(%q) = %q, want it unchanged", path, got)
		}
	}
}

func FuzzSafeReturnPath(f *testing.F) {
	for _, s := range []string{"/", "//x", "/\\x", "/%2F%2Fx", "https://x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got := SafeReturnPath(s)
		if got == "/" {
			return
		}
		if got != s {
			t.Fatalf("SafeReturnPath(%q) = %q: must be the input or /", s, got)
		}
		if strings.HasPrefix(s, "//") || strings.ContainsAny(s, "\\\r\n\t\x00") || !strings.HasPrefix(s, "/") {
			t.Fatalf("SafeReturnPath accepted %q", s)
		}
	})
}

// TestSafeReturnPathInvalidUTF8: raw bytes that are not UTF-8 are refused (the
// percent-encoded form of the same bytes is a valid path and kept).
func TestSafeReturnPathInvalidUTF8(t *testing.T) {
	t.Parallel()
	for rd, want := range map[string]string{"/\xff": "/", "/0\xae\xae": "/", "/%FF": "/%FF", "/caf\u00e9": "/caf\u00e9"} {
		if got := SafeReturnPath(rd); got != want {
			t.Errorf("SafeReturnPath(%q) = %q, want %q", rd, got, want)
		}
	}
}

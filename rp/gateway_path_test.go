package rp

import (
	"errors"
	"strings"
	"testing"
)

// refusedPaths are escaped request paths that servers read differently, written the
// way an attacker sends them. Each must be refused by normalizePath.
var refusedPaths = []struct{ name, path string }{
	// plain dot-segments (browsers resolve them; only hand-made requests carry them)
	{"dot-dot", "/public/../admin"},
	{"dot-dot at the end", "/public/.."},
	{"dot-dot at the root", "/../admin"},
	{"dot", "/public/./admin"},
	{"dot alone", "/."},
	{"three dots", "/public/.../admin"},
	{"four dots", "/public/....//admin"},
	{"dot-dot after double slash", "/public//../admin"},
	// encoded dot-segments
	{"%2e%2e", "/public/%2e%2e/admin"},
	{"%2E%2E", "/public/%2E%2E/admin"},
	{".%2e", "/public/.%2e/admin"},
	{"%2e.", "/public/%2e./admin"},
	{".%2E", "/public/.%2E/admin"},
	{"%2e", "/public/%2e/admin"},
	{"%2e%2e at the root", "/%2e%2e/%2e%2e/admin"},
	// double and triple encoding
	{"%252e%252e", "/public/%252e%252e/admin"},
	{"%25252e", "/public/%25252e%25252e/admin"},
	{"%252f", "/public%252f..%252fadmin"},
	{"%255c", "/public%255c..%255cadmin"},
	{"%2541 (double-encoded letter)", "/%2541dmin"},
	{"%%32%65", "/public/%%32%65%%32%65/admin"},
	// path parameters (Tomcat, Jetty, Spring drop them per segment)
	{"..;", "/public/..;/admin"},
	{";x then ..", "/public;x/../admin"},
	{"jsessionid", "/admin;jsessionid=1/x"},
	{"trailing ;", "/admin;"},
	{"; alone", "/public/;/admin"},
	{"%3b", "/public%3b/admin"},
	{"%3B..%3B", "/public/%3B..%3B/admin"},
	{"%2e%2e;", "/public/%2e%2e;/admin"},
	// backslashes (IIS reads them as /)
	{"raw backslash", "/public\\..\\admin"},
	{"%5c", "/public%5c..%5cadmin"},
	{"%5C", "/public%5C..%5Cadmin"},
	{"backslash first", "/\\evil.example/admin"},
	// encoded slashes
	{"%2f", "/public%2f..%2fadmin"},
	{"%2F", "/public%2F..%2Fadmin"},
	{"%2f alone", "/public%2fadmin"},
	{"dot-dot%2f", "/public/..%2fadmin"},
	// overlong UTF-8 and other non-UTF-8 bytes
	{"overlong dot 2 bytes", "/public/%c0%ae%c0%ae/admin"},
	{"overlong dot 3 bytes", "/public/%e0%80%ae%e0%80%ae/admin"},
	{"overlong dot 4 bytes", "/public/%f0%80%80%ae/admin"},
	{"overlong slash", "/public%c0%af..%c0%afadmin"},
	{"overlong slash %C0%AF", "/public/%C0%AF"},
	{"overlong backslash", "/public%c1%9c..%c1%9cadmin"},
	{"lone byte", "/a%ff"},
	{"Latin-1", "/caf%e9"},
	{"surrogate", "/a%ed%a0%80"},
	// look-alikes that NFKC or best-fit mapping turn into . / \ ; %
	{"fullwidth dots", "/public/%ef%bc%8e%ef%bc%8e/admin"},
	{"fullwidth dots raw", "/public/\uff0e\uff0e/admin"},
	{"one dot leader", "/public/\u2024\u2024/admin"},
	{"two dot leader", "/public/%e2%80%a5/admin"},
	{"ellipsis", "/public/\u2026/admin"},
	{"small full stop", "/public/\ufe52\ufe52/admin"},
	{"ideographic full stop", "/public/%e3%80%82%e3%80%82/admin"},
	{"fullwidth solidus", "/public%ef%bc%8fadmin"},
	{"division slash", "/public\u2215..\u2215admin"},
	{"fraction slash", "/public\u2044admin"},
	{"fullwidth reverse solidus", "/public\uff3cadmin"},
	{"small reverse solidus", "/public\ufe68admin"},
	{"Greek question mark (; under NFC)", "/admin%cd%be/x"},
	{"fullwidth semicolon", "/admin\uff1bx"},
	{"fullwidth percent", "/\uff05\uff12\uff45"},
	// controls and whitespace
	{"NUL encoded", "/admin%00/x"},
	{"NUL at the end", "/admin%00"},
	{"NUL raw", "/admin\x00"},
	{"CRLF encoded", "/a%0d%0aSet-Cookie:%20x=1"},
	{"LF raw", "/a\nb"},
	{"tab raw", "/a\tb"},
	{"tab encoded", "/admin%09"},
	{"space raw", "/a b"},
	{"DEL encoded", "/a%7f"},
	{"DEL raw", "/a\x7f"},
	{"C1 NEL", "/a%c2%85"},
	{"line separator", "/a%e2%80%a8"},
	{"paragraph separator", "/a\u2029"},
	// Windows: trailing dots and spaces, streams
	{"trailing dot", "/admin."},
	{"trailing dot, then more", "/admin./x"},
	{"trailing encoded space", "/admin%20/x"},
	{"trailing dot encoded", "/admin%2e/x"},
	{"NTFS stream", "/admin::$INDEX_ALLOCATION/x"},
	{"NTFS named stream", "/admin:$i30:$INDEX_ALLOCATION/x"},
	{"NTFS $DATA", "/web.config::$DATA"},
	// malformed escapes
	{"%u (IIS)", "/public/%u002e%u002e/admin"},
	{"%zz", "/a%zz"},
	{"truncated %", "/a%"},
	{"truncated %2", "/a%2"},
	// not a path
	{"empty", ""},
	{"relative", "admin"},
	{"asterisk", "*"},
	{"absolute URL", "http://evil.example/admin"},
	{"query inside", "/a?b"},
	{"fragment inside", "/public#/../admin"},
	{"too long", "/" + strings.Repeat("a", 8192)},
}

func TestNormalizePathRefuses(t *testing.T) {
	t.Parallel()
	for _, tt := range refusedPaths {
		t.Run(tt.name, func(t *testing.T) {
			np, err := normalizePath(tt.path)
			if !errors.Is(err, errAmbiguousPath) {
				t.Fatalf("normalizePath(%q) = %+v, %v; want errAmbiguousPath", tt.path, np, err)
			}
			if strings.Contains(err.Error(), tt.path) && tt.path != "" {
				t.Errorf("error echoes the path: %v", err)
			}
		})
	}
}

func TestNormalizePathAccepts(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, decoded, escaped string }{
		{"/", "/", "/"},
		{"/admin", "/admin", "/admin"},
		{"/Admin/Users", "/Admin/Users", "/Admin/Users"},
		{"/static/", "/static/", "/static/"},
		{"//admin", "/admin", "/admin"},
		{"/a//b///c/", "/a/b/c/", "/a/b/c/"},
		{"//", "/", "/"},
		{"/%61dmin", "/admin", "/%61dmin"},
		{"/a%20b", "/a b", "/a%20b"},
		{"/100%25", "/100%", "/100%25"},
		{"/100%25x", "/100%x", "/100%25x"},
		{"/a%3fb%23c", "/a?b#c", "/a%3fb%23c"},
		{"/caf%c3%a9", "/café", "/caf%c3%a9"},
		{"/café", "/café", "/café"},
		{"/%e6%97%a5%e6%9c%ac", "/日本", "/%e6%97%a5%e6%9c%ac"},
		{"/.well-known/openid-configuration", "/.well-known/openid-configuration", "/.well-known/openid-configuration"},
		{"/a/.hidden", "/a/.hidden", "/a/.hidden"},
		{"/a..b/..c", "/a..b/..c", "/a..b/..c"},
		{"/files/report.pdf", "/files/report.pdf", "/files/report.pdf"},
		{"/api/v1/items:batchGet", "/api/v1/items:batchGet", "/api/v1/items:batchGet"},
		{"/a+b@c,d=e&f$g!h'i(j)k*l~m", "/a+b@c,d=e&f$g!h'i(j)k*l~m", "/a+b@c,d=e&f$g!h'i(j)k*l~m"},
		{"/a%2Bb", "/a+b", "/a%2Bb"},
		{"/x%2e%2ey", "/x..y", "/x%2e%2ey"},
	}
	for _, tt := range tests {
		np, err := normalizePath(tt.in)
		if err != nil {
			t.Errorf("normalizePath(%q): %v, want accepted", tt.in, err)
			continue
		}
		if np.decoded != tt.decoded || np.escaped != tt.escaped {
			t.Errorf("normalizePath(%q) = %q / %q, want %q / %q", tt.in, np.decoded, np.escaped, tt.decoded, tt.escaped)
		}
		again, err := normalizePath(np.escaped)
		if err != nil || again != np {
			t.Errorf("normalizePath(%q) again = %+v, %v; want %+v (idempotent)", np.escaped, again, err, np)
		}
	}
}

func BenchmarkNormalizePath(b *testing.B) {
	for _, p := range []string{"/app/dashboard/settings", "/static/js/app.4f3c2a.js", "/api/v1/users/caf%c3%a9//items"} {
		b.Run(p, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := normalizePath(p); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

package rp

import (
	"math/rand/v2"
	"net/url"
	"path"
	"strings"
	"testing"
)

// How servers behind rp read a path (each a simplified model of the server named):
// rp's reading must never lead elsewhere than theirs.

// readServlet is Tomcat/Jetty/Spring: drop ";params" from each segment, decode once
// (encoded slashes allowed, the worst case), then resolve dot-segments.
func readServlet(raw string) string {
	segs := strings.Split(raw, "/")
	for i, s := range segs {
		s, _, _ = strings.Cut(s, ";")
		segs[i] = s
	}
	return resolve(decodeOnce(strings.Join(segs, "/")))
}

// readIIS is IIS: decode once, '\' is '/', resolve, and Windows drops trailing dots and
// spaces of each name and reads "name::$stream" as name.
func readIIS(raw string) string {
	p := resolve(strings.ReplaceAll(decodeOnce(raw), `\`, "/"))
	segs := strings.Split(p, "/")
	for i, s := range segs {
		if j := strings.Index(s, ":"); j >= 0 {
			s = s[:j]
		}
		segs[i] = strings.TrimRight(s, ". ")
	}
	return strings.Join(segs, "/")
}

// readTwice is a stack that decodes twice (a proxy that decodes, then the app).
func readTwice(raw string) string { return resolve(decodeOnce(decodeOnce(raw))) }

// readNFKC is a framework that maps compatibility characters to ASCII after decoding.
func readNFKC(raw string) string {
	r := strings.NewReplacer("\uff0e", ".", "\u2024", ".", "\u2025", "..", "\ufe52", ".", "\u3002", ".",
		"\uff0f", "/", "\u2215", "/", "\u2044", "/", "\uff3c", "/", "\ufe68", "/", "\u037e", ";", "\uff1b", ";")
	return readServlet(r.Replace(decodeOnce(raw)))
}

// readNginx merges slashes, decodes once and resolves.
func readNginx(raw string) string { return resolve(decodeOnce(raw)) }

func decodeOnce(s string) string {
	d, err := url.PathUnescape(s)
	if err != nil {
		return s
	}
	return d
}

// resolve removes dot-segments (RFC 3986 §5.2.4), merging slashes.
func resolve(p string) string {
	c := path.Clean("/" + p)
	if strings.HasSuffix(p, "/") && c != "/" {
		c += "/"
	}
	return c
}

// under reports whether p is at or below prefix, without regard to case (as a rule
// with PathPrefix prefix covers it).
func under(p, prefix string) bool {
	return len(p) >= len(prefix) && strings.EqualFold(p[:len(prefix)], prefix)
}

// FuzzNormalizePath checks, for any input: what normalizePath accepts starts with '/',
// has no dot-segment, no empty segment, no backslash or ';', reads the same when
// normalised again (idempotent); and no server model reads it under /admin while rp
// reads it elsewhere (a protected prefix is never escaped), nor reads it outside
// /public/ while rp reads it under /public/ (a public prefix never lets more through).
func FuzzNormalizePath(f *testing.F) {
	for _, tt := range refusedPaths {
		f.Add(tt.path)
	}
	for _, s := range []string{"/", "/admin", "/ADMIN/x", "//admin", "/%61dmin/", "/public/x", "/public//x/",
		"/public/caf%c3%a9", "/a%25", "/public/%2541dmin", "/.well-known/x", "/admin%2fx"} {
		f.Add(s)
	}
	f.Fuzz(checkNormalized)
}

// readers are the server models checkNormalized compares rp's reading with.
var readers = map[string]func(string) string{
	"servlet": readServlet, "IIS": readIIS, "twice": readTwice, "NFKC": readNFKC, "nginx": readNginx,
}

// checkNormalized checks normalizePath's properties for one input (see FuzzNormalizePath).
func checkNormalized(t *testing.T, in string) {
	np, err := normalizePath(in)
	if err != nil {
		return
	}
	d := np.decoded
	if !strings.HasPrefix(d, "/") || strings.Contains(d, "//") || strings.ContainsAny(d, `\;`) {
		t.Fatalf("normalizePath(%q) = %q: not a clean path", in, d)
	}
	for _, seg := range strings.Split(d, "/") {
		if seg != "" && strings.Trim(seg, ".") == "" {
			t.Fatalf("normalizePath(%q) = %q: dot-segment %q", in, d, seg)
		}
	}
	again, err := normalizePath(np.escaped)
	if err != nil || again != np {
		t.Fatalf("normalizePath(%q) = %+v, but again %+v, %v: not idempotent", in, np, again, err)
	}
	for name, read := range readers {
		theirs := read(in)
		if (under(theirs, "/admin/") || strings.EqualFold(theirs, "/admin")) && !under(d, "/admin") {
			t.Fatalf("%s reads %q as %q (protected), rp as %q (not)", name, in, theirs, d)
		}
		if strings.HasPrefix(d, "/public/") && !strings.HasPrefix(theirs, "/public/") {
			t.Fatalf("rp reads %q as %q (public), %s as %q (not)", in, d, name, theirs)
		}
	}
}

// TestNormalizePathProperties checks FuzzNormalizePath's properties on 20,000 paths
// built from the pieces attacks are made of (a fixed seed, so any failure repeats),
// beside the fuzzer's random bytes.
func TestNormalizePathProperties(t *testing.T) {
	t.Parallel()
	pieces := []string{"/", "/", "/", ".", "..", "%2e", "%2E", "%2f", "%2F", "%5c", "%5C", ";", ";x", "\\", "admin", "ADMIN", "public",
		"%25", "%252e", "%c0%ae", "%c0%af", "%61", "a", " ", "%20", "%00", "%3b", "\uff0e", "\u2215", "::$DATA", ":", "//", "%ef%bc%8e", "~", "+"}
	rng := rand.New(rand.NewPCG(1, 2))
	for range 20000 {
		var b strings.Builder
		b.WriteString("/")
		for n := 1 + rng.IntN(8); n > 0; n-- {
			b.WriteString(pieces[rng.IntN(len(pieces))])
		}
		checkNormalized(t, b.String())
		if t.Failed() {
			return
		}
	}
}

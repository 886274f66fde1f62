package sessiontest

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/foyer-oidc/foyer/rp"
)

// cookie is one cookie of a forged request; a request may carry a name twice.
type cookie struct{ name, value string }

// forged is a named request the way an attacker would send it.
type forged struct {
	name    string
	cookies []cookie
}

func (f forged) request() *http.Request {
	r := httptest.NewRequest(http.MethodGet, "https://app.localhost/", nil)
	for _, c := range f.cookies {
		r.AddCookie(&http.Cookie{Name: c.name, Value: c.value})
	}
	return r
}

// pairs returns j's cookies in chunk order.
func (j jar) pairs() []cookie {
	var out []cookie
	for _, n := range j.names() {
		out = append(out, cookie{n, j[n]})
	}
	return out
}

// substitute returns another character than b, of the base64url alphabet.
func substitute(b byte) string {
	if b == 'A' {
		return "B"
	}
	return "A"
}

// checkTampering loads forged variants of a session's cookies. Every one must load
// as no session, with no error — or, where a change cannot alter the decoded bytes
// (the unused low bits of a final base64 character), as the very same session, at
// most once per cookie.
func checkTampering(t *testing.T, tg Target) {
	c := newClock()
	st := tg.newStore(t, c)
	for _, orig := range []*rp.Session{newSession(c.Now(), "alice"), largeSession(c.Now(), "alice")} {
		j, _ := save(t, st, jar{}, orig)
		other, _ := save(t, st, jar{}, largeSession(c.Now(), "mallory"))
		if d := diff(load(t, st, j), orig); d != "" {
			t.Fatalf("untampered: %s", d)
		}
		names := j.names()
		large := len(orig.Extra) > 1
		same := map[string]int{} // cookie name -> forgeries that loaded the same session
		try := func(f forged, cookieName string) {
			t.Helper()
			s, err := st.Load(f.request())
			switch {
			case err != nil:
				t.Errorf("%s: Load error %v, want none (a tampered cookie means signed out)", f.name, err)
			case s == nil:
			case diff(s, orig) == "":
				if cookieName != "*" {
					same[cookieName]++
				}
			default:
				t.Errorf("%s: loads session %s of %s, want none", f.name, s.ID, s.Subject)
			}
		}
		with := func(name string, edit func(j jar)) forged {
			cp := j.clone()
			edit(cp)
			return forged{name: name, cookies: cp.pairs()}
		}

		// Every byte position of every cookie (ticket id, separator, key; or
		// securecookie's date, ciphertext and MAC), replaced by another character of
		// the alphabet. In a large session, every position near the chunk edges and
		// one in 37 elsewhere.
		for _, n := range names {
			v := j[n]
			for i := range len(v) {
				if large && i >= 48 && i < len(v)-48 && i%37 != 0 {
					continue
				}
				try(with(fmt.Sprintf("%s byte %d/%d replaced", n, i, len(v)), func(cp jar) {
					cp[n] = v[:i] + substitute(v[i]) + v[i+1:]
				}), n)
			}
			// Outside the alphabet, truncated, extended, emptied.
			for name, nv := range map[string]string{
				"first byte not base64":  "!" + v[1:],
				"middle byte not base64": v[:len(v)/2] + "%" + v[len(v)/2+1:],
				"last byte not base64":   v[:len(v)-1] + "*",
				"last byte dropped":      v[:len(v)-1],
				"first byte dropped":     v[1:],
				"cut in half":            v[:len(v)/2],
				"one byte appended":      v + "A",
				"padding appended":       v + "=",
				"one byte prepended":     "A" + v,
				"doubled":                v + v,
				"emptied":                "",
			} {
				try(with(n+" "+name, func(cp jar) { cp[n] = nv }), "")
			}
		}
		if n := len(names); n > 0 {
			base := names[0]
			// The same name twice (cookie injection): the forged value first, then the
			// real one, and the other order.
			v, mid := j[base], len(j[base])/2
			bad := v[:mid] + substitute(v[mid]) + v[mid+1:] // not near the end: no unused bits there
			try(forged{name: "forged " + base + " before the real one", cookies: append([]cookie{{base, bad}}, j.pairs()...)}, "")
			try(forged{name: "forged " + base + " after the real one", cookies: append(j.pairs(), cookie{base, bad})}, "*")
		}
		if tg.Chunked && large && len(names) < 2 {
			t.Fatalf("a large session set %d cookie, want several chunks", len(names))
		}
		if len(names) > 1 {
			checkChunks(t, j, other, names, try)
		}
		if strings.HasPrefix(names[0], "__Host-") {
			// The prefix keeps cookies set by a sibling subdomain out: the same
			// cookies without it are not read, alone or beside the real ones.
			unprefixed := func(src jar) []cookie {
				var out []cookie
				for _, p := range src.pairs() {
					out = append(out, cookie{strings.TrimPrefix(p.name, "__Host-"), p.value})
				}
				return out
			}
			try(forged{name: "another session without the __Host- prefix", cookies: unprefixed(other)}, "")
			try(forged{name: "another session without the prefix, before the real cookies", cookies: append(unprefixed(other), j.pairs()...)}, "*")
			try(forged{name: "another session without the prefix, after the real cookies", cookies: append(j.pairs(), unprefixed(other)...)}, "*")
		}
		for n, k := range same {
			if k > 1 || n == "" {
				t.Errorf("%d forgeries of cookie %q loaded the original session; at most one per cookie (a final base64 character's unused bits) may", k, n)
			}
		}
	}
}

// checkChunks forges the chunk count and order of a session split over several cookies.
func checkChunks(t *testing.T, j, other jar, names []string, try func(forged, string)) {
	t.Helper()
	n := len(names)
	pairsWith := func(edit func([]cookie) []cookie) []cookie { return edit(j.pairs()) }
	cases := map[string][]cookie{
		"last chunk dropped":  pairsWith(func(p []cookie) []cookie { return p[:n-1] }),
		"first chunk dropped": pairsWith(func(p []cookie) []cookie { return p[1:] }),
		"second chunk dropped (a gap)": pairsWith(func(p []cookie) []cookie {
			return append(append([]cookie{}, p[0]), p[2:]...)
		}),
		"first two chunks swapped": pairsWith(func(p []cookie) []cookie {
			p[0].value, p[1].value = p[1].value, p[0].value
			return p
		}),
		"chunks rotated": pairsWith(func(p []cookie) []cookie {
			first := p[0].value
			for i := range n - 1 {
				p[i].value = p[i+1].value
			}
			p[n-1].value = first
			return p
		}),
		"an extra chunk": pairsWith(func(p []cookie) []cookie {
			return append(p, cookie{names[0] + fmt.Sprintf("_%d", n), p[n-1].value})
		}),
		"last chunk sent twice": pairsWith(func(p []cookie) []cookie {
			return append(p, p[n-1])
		}),
	}
	// Chunks of another session spliced in, each position.
	for i := range n {
		if v, ok := other[names[i]]; ok {
			cases[fmt.Sprintf("chunk %d from another session", i)] = pairsWith(func(p []cookie) []cookie {
				p[i].value = v
				return p
			})
		}
	}
	// A chunk's last byte repeated at the start of the next (the concatenation
	// changes by one byte inside).
	cases["a chunk's last byte repeated in the next"] = pairsWith(func(p []cookie) []cookie {
		p[1].value = p[0].value[len(p[0].value)-1:] + p[1].value
		return p
	})
	for name, cs := range cases {
		try(forged{name: name, cookies: cs}, map[bool]string{true: "*", false: ""}[name == "last chunk sent twice"])
	}
}

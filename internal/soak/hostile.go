package soak

import (
	"math/rand/v2"
	"net/http"
	"strings"
)

// badReturnPaths are off-site return paths; each must land on this site.
var badReturnPaths = []string{
	"//evil.example/", "https://evil.example/", "/\\evil.example", "/%2F%2Fevil.example", "/%5Cevil.example",
	"javascript:alert(1)", "http:evil.example", "/%252F%252Fevil.example", "\t//evil.example", "/\u2215\u2215evil.example",
}

// hostile makes one hostile request chosen at random and checks it is refused
// without a 5xx and lets no one in.
func (v *vu) hostile(rng *rand.Rand, stranger *http.Client) {
	v.t.count(&v.t.r.Hostile)
	switch rng.IntN(5) {
	case 0: // a forged session cookie
		forged := make([]byte, 200+rng.IntN(3000))
		for i := range forged {
			forged[i] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"[rng.IntN(64)]
		}
		v.refused("forged cookie", stranger, "foyer_session="+string(forged))
	case 1: // v's own cookie with one character changed
		c := v.sessionCookie()
		if c == nil || len(c.Value) < 10 {
			v.refused("forged cookie", stranger, "foyer_session=x")
			return
		}
		i := len(c.Value)/4 + rng.IntN(len(c.Value)/2)
		ch := byte('A')
		if c.Value[i] == 'A' {
			ch = 'B'
		}
		v.refused("tampered cookie", stranger, c.Name+"="+c.Value[:i]+string(ch)+c.Value[i+1:])
	case 2: // a replayed callback, from another browser
		if v.callback == "" {
			return
		}
		a, ok := v.get(stranger, "replayed callback", v.callback)
		if !ok {
			return
		}
		for _, c := range a.cookie {
			if strings.Contains(c.Name, "foyer_session") && c.Value != "" {
				v.t.fail(failLetIn, "replayed callback of %s set a session cookie (status %d)", v.sub, a.status)
			}
		}
		if a.status == http.StatusOK {
			v.t.fail(failUnexpected, "replayed callback of %s: status 200", v.sub)
		}
	case 3: // an off-site return path through a whole sign-in
		rd := badReturnPaths[rng.IntN(len(badReturnPaths))]
		landing, ok := v.signIn(rd)
		if !ok {
			return
		}
		u, err := v.base.Parse(landing)
		if err != nil || u.Scheme != v.base.Scheme || u.Host != v.base.Host {
			v.t.fail(failLetIn, "return path %q of %s landed off-site at %q", rd, v.sub, landing)
		}
	default: // spoofed identity headers without a session
		a, ok := v.get(stranger, "spoofed headers", "/auth/verify", "X-Forwarded-User", v.sub,
			"X-Forwarded-Email", v.sub+"@example.com", "X-Forwarded-Groups", "admins")
		if ok && a.status < 300 {
			v.t.fail(failLetIn, "spoofed identity headers for %s: status %d", v.sub, a.status)
		}
	}
}

// refused sends cookie with a request to /auth/userinfo from a browser with
// no cookies of its own: it must be answered 401.
func (v *vu) refused(kind string, stranger *http.Client, cookie string) {
	req, _ := http.NewRequest(http.MethodGet, v.base.String()+"/auth/userinfo", nil)
	req.Header.Set("Cookie", cookie)
	req.Header.Set("Accept", "application/json")
	a, ok := v.do(stranger, kind, req)
	switch {
	case !ok:
	case a.status < 300:
		v.t.fail(failLetIn, "%s of %s: status %d: %.200s", kind, v.sub, a.status, a.body)
	case a.status != http.StatusUnauthorized && a.status < 500:
		v.t.fail(failUnexpected, "%s: status %d, want 401", kind, a.status)
	}
}

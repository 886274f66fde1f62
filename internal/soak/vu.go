package soak

import (
	"encoding/json"
	"html"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"time"

	"github.com/foyer-oidc/foyer/internal/stack"
)

// requestTimeout bounds every request of the soak: a hang is a failure, not a wait.
const requestTimeout = 30 * time.Second

// vu is one simulated person with a browser of their own (a cookie jar).
// Only one worker drives a given vu.
type vu struct {
	sub      string
	base     *url.URL
	client   *http.Client // its jar; redirects are followed by hand
	signedIn bool
	callback string // the last callback URL, for replays
	t        *tally
}

func newVU(sub string, base *url.URL, tr http.RoundTripper, t *tally) *vu {
	return &vu{sub: sub, base: base, t: t, client: stack.NewAgent(stack.WithTransport(tr)).HTTP}
}

// answer is a response read to the end.
type answer struct {
	status int
	header http.Header
	body   string
	cookie []*http.Cookie
}

// do sends req with c and records it under kind; ok is false after a
// transport error (already recorded).
func (v *vu) do(c *http.Client, kind string, req *http.Request) (answer, bool) {
	resp, err := c.Do(req)
	if err != nil {
		v.t.fail(failTransport, "%s: %v", kind, err)
		return answer{}, false
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		v.t.fail(failTransport, "%s: reading the body: %v", kind, err)
		return answer{}, false
	}
	v.t.request(kind, resp.StatusCode)
	return answer{status: resp.StatusCode, header: resp.Header, body: string(b), cookie: resp.Cookies()}, true
}

func (v *vu) get(c *http.Client, kind, target string, header ...string) (answer, bool) {
	req, err := http.NewRequest(http.MethodGet, v.base.ResolveReference(mustParse(target)).String(), nil)
	if err != nil {
		v.t.fail(failUnexpected, "%s: bad URL %q: %v", kind, target, err)
		return answer{}, false
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	return v.do(c, kind, req)
}

func mustParse(s string) *url.URL {
	u, err := url.Parse(s)
	if err != nil {
		return &url.URL{Path: "/invalid"}
	}
	return u
}

// expect records an unexpected status; it reports whether the status was the wanted one.
func (v *vu) expect(kind string, a answer, want int) bool {
	if a.status == want {
		return true
	}
	if a.status < 500 { // 5xx are already counted
		v.t.fail(failUnexpected, "%s as %s: status %d, want %d: %.200s", kind, v.sub, a.status, want, a.body)
	}
	return false
}

// signIn signs v in through rp and the provider with return path rd, and
// returns where rp sent the browser at the end.
func (v *vu) signIn(rd string) (landing string, ok bool) {
	a, ok := v.get(v.client, "login", "/auth/login?rd="+url.QueryEscape(rd))
	if !ok || !v.expect("login", a, http.StatusFound) {
		return "", false
	}
	authz, err := url.Parse(a.header.Get("Location"))
	if err != nil {
		v.t.fail(failUnexpected, "login: bad Location: %v", err)
		return "", false
	}
	q := authz.Query()
	q.Set("login_hint", v.sub) // the mock signs this user in with no page
	authz.RawQuery = q.Encode()
	a, ok = v.get(v.client, "provider authorize", authz.String())
	if !ok || !v.expect("provider authorize", a, http.StatusFound) {
		return "", false
	}
	cb := a.header.Get("Location")
	a, ok = v.get(v.client, "callback", cb)
	if !ok || !v.expect("callback", a, http.StatusSeeOther) {
		return "", false
	}
	v.callback, v.signedIn = cb, true
	v.t.count(&v.t.r.SignIns)
	return a.header.Get("Location"), true
}

// userSub matches the home page's statement of who is signed in.
var userSub = regexp.MustCompile(`data-testid="user-sub">([^<]*)<`)

// browse makes the requests of a signed-in visit and checks each names v.
func (v *vu) browse(rng *rand.Rand) {
	a, ok := v.get(v.client, "userinfo", "/auth/userinfo", "Accept", "application/json")
	if !ok {
		return
	}
	if a.status == http.StatusUnauthorized {
		v.t.fail(failUnexpected, "userinfo: %s lost their session", v.sub)
		v.signedIn = false
		return
	}
	if v.expect("userinfo", a, http.StatusOK) {
		var ui struct {
			Sub string `json:"sub"`
		}
		if err := json.Unmarshal([]byte(a.body), &ui); err != nil || ui.Sub != v.sub {
			v.t.fail(failWrongUser, "userinfo: %s got sub %q (%v)", v.sub, ui.Sub, err)
		}
	}
	header := []string{}
	if rng.IntN(4) == 0 { // a spoofed identity header must be replaced, not believed
		header = []string{"X-Forwarded-User", "u99999", "X-Forwarded-Email", "admin@example.com"}
	}
	if a, ok = v.get(v.client, "verify", "/auth/verify", header...); ok && v.expect("verify", a, http.StatusOK) {
		if got := a.header.Get("X-Forwarded-User"); got != v.sub {
			v.t.fail(failWrongUser, "verify: %s got X-Forwarded-User %q", v.sub, got)
		}
	}
	if a, ok = v.get(v.client, "page", "/"); ok && v.expect("page", a, http.StatusOK) {
		if m := userSub.FindStringSubmatch(a.body); m == nil || html.UnescapeString(m[1]) != v.sub {
			v.t.fail(failWrongUser, "page: %s saw %q", v.sub, m)
		}
	}
}

// csrfField finds the sign-out form's token.
var csrfField = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// signOut signs v out through the form, rp and the provider, and checks the
// session is gone.
func (v *vu) signOut() {
	a, ok := v.get(v.client, "logout page", "/auth/logout")
	if !ok || !v.expect("logout page", a, http.StatusOK) {
		return
	}
	m := csrfField.FindStringSubmatch(a.body)
	if m == nil {
		v.t.fail(failUnexpected, "logout page: no CSRF field")
		return
	}
	req, _ := http.NewRequest(http.MethodPost, v.base.String()+"/auth/logout",
		strings.NewReader(url.Values{"csrf": {html.UnescapeString(m[1])}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", v.base.String())
	if a, ok = v.do(v.client, "logout", req); !ok || !v.expect("logout", a, http.StatusSeeOther) {
		return
	}
	v.signedIn = false
	v.t.count(&v.t.r.SignOuts)
	// The provider's end_session, then back to rp's signed-out page.
	for i, next := 0, a.header.Get("Location"); next != "" && i < 3; i++ {
		if a, ok = v.get(v.client, "provider end_session", next); !ok {
			return
		}
		next = ""
		if a.status >= 300 && a.status < 400 {
			next = a.header.Get("Location")
		}
	}
	if a, ok = v.get(v.client, "userinfo", "/auth/userinfo", "Accept", "application/json"); ok && a.status != http.StatusUnauthorized {
		v.t.fail(failLetIn, "userinfo after sign-out: %s got %d", v.sub, a.status)
	}
}

// sessionCookie returns v's session cookie (the first chunk), if any.
func (v *vu) sessionCookie() *http.Cookie {
	for _, c := range v.client.Jar.Cookies(v.base) {
		if strings.HasSuffix(c.Name, "foyer_session") {
			return c
		}
	}
	return nil
}

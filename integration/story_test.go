package integration

import (
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/foyer-oidc/foyer/internal/stack"
)

// user is what a test user of the mock provider looks like through
// /auth/userinfo (SPEC: alice and bob, the default users).
type user struct {
	Sub, Email, Name string
	Groups           []string
}

var (
	alice = user{Sub: "alice", Email: "alice@example.com", Name: "Alice Example", Groups: []string{"admins", "users"}}
	bob   = user{Sub: "bob", Email: "bob@example.com", Name: "Bob Example", Groups: []string{"users"}}
)

// story plays one person's browser through rp and the mock provider over
// plain HTTP: every hop is a request of the test's cookie-jar client.
type story struct {
	t      testing.TB
	c      *stack.Client
	rp     string // rp's public URL, e.g. "http://127.0.0.1:8080"
	issuer string // the provider's issuer, as the browser reaches it
	// landed, when set, checks the page fullStory lands on after sign-in
	// (by default: rp's home page naming the user, when rd is "/").
	landed func(r *stack.Response, u user)
}

// newStory returns a story with a fresh cookie jar.
func newStory(t testing.TB, rpURL, issuer string, opts ...stack.AgentOption) *story {
	return &story{t: t, c: stack.NewClient(t, opts...), rp: strings.TrimSuffix(rpURL, "/"), issuer: strings.TrimSuffix(issuer, "/")}
}

// startLogin asks rp to sign in and follows the redirects to wherever they
// end: the provider's login page in form mode, rp's page in auto mode.
func (s *story) startLogin(rd string) *stack.Response {
	s.t.Helper()
	r := s.c.Get(s.rp + "/auth/login?rd=" + url.QueryEscape(rd))
	if !stack.IsRedirect(r.StatusCode) {
		s.t.Fatalf("GET /auth/login: want a redirect to the provider\n%s", r)
	}
	if loc := r.Location(s.t).String(); !strings.HasPrefix(loc, s.issuer+"/") {
		s.t.Fatalf("GET /auth/login: redirects to %s, want the provider %s", loc, s.issuer)
	}
	return s.c.Follow(r)
}

// assertLoginPage fails unless r is the provider's login page: served from
// the issuer's authorization endpoint, with a button per user.
func (s *story) assertLoginPage(r *stack.Response) {
	s.t.Helper()
	if r.StatusCode != http.StatusOK || !strings.HasPrefix(r.URL.String(), s.issuer+"/authorize") {
		s.t.Fatalf("want the provider's login page at %s/authorize\n%s", s.issuer, r)
	}
	r.Form(s.t, "user-alice") // data-testid of the mock's button for alice
}

// pick presses the button of u on the provider's login page r and follows
// the answer back to rp, through a form_post page if there is one.
func (s *story) pick(r *stack.Response, u string) *stack.Response {
	s.t.Helper()
	return s.finish(s.c.Submit(r.Form(s.t, "user-"+u), "user-"+u, nil))
}

// finish follows r's redirects, posting a form_post page on to rp's
// callback as its script would.
func (s *story) finish(r *stack.Response) *stack.Response {
	s.t.Helper()
	r = s.c.Follow(r)
	for _, f := range r.Forms() {
		if strings.HasPrefix(f.Action.String(), s.rp+"/auth/callback") && strings.HasPrefix(r.URL.String(), s.issuer) {
			hops := r.Hops
			r = s.c.Follow(s.c.Submit(f, "", nil))
			r.Hops = append(hops, r.Hops...)
			break
		}
	}
	return r
}

// signIn signs u in from the provider's login page (form mode) and checks
// the landing on rd.
func (s *story) signIn(u user, rd string) *stack.Response {
	s.t.Helper()
	page := s.startLogin(rd)
	s.assertLoginPage(page)
	r := s.pick(page, u.Sub)
	s.assertLanded(r, rd)
	return r
}

// assertLanded fails unless r is a 200 page of rp at path rd.
func (s *story) assertLanded(r *stack.Response, rd string) {
	s.t.Helper()
	want := s.rp + rd
	if r.StatusCode != http.StatusOK || r.URL.String() != want {
		s.t.Fatalf("after sign-in: want 200 at %s\n%s", want, r)
	}
	if !slices.ContainsFunc(r.Hops, func(h string) bool { return strings.Contains(h, s.rp+"/auth/callback") }) {
		s.t.Fatalf("after sign-in: the hops never went through %s/auth/callback\n%s", s.rp, r)
	}
}

// userinfo is the /auth/userinfo document (SPEC).
type userinfo struct {
	Provider  string         `json:"provider"`
	Iss       string         `json:"iss"`
	Sub       string         `json:"sub"`
	Email     string         `json:"email"`
	Name      string         `json:"name"`
	Groups    []string       `json:"groups"`
	Claims    map[string]any `json:"claims"`
	ExpiresAt string         `json:"expires_at"`
}

// getUserinfo fetches /auth/userinfo as JSON.
func (s *story) getUserinfo() *stack.Response {
	s.t.Helper()
	req := s.c.NewRequest(http.MethodGet, s.rp+"/auth/userinfo", nil)
	req.Header.Set("Accept", "application/json")
	return s.c.Do(req)
}

// assertUser fails unless /auth/userinfo names u, signed in at issuer
// (the issuer rp sees, which may differ from s.issuer only in host).
func (s *story) assertUser(u user, issuer string) userinfo {
	s.t.Helper()
	r := s.getUserinfo()
	if r.StatusCode != http.StatusOK {
		s.t.Fatalf("GET /auth/userinfo: want 200\n%s", r)
	}
	var got userinfo
	r.JSON(s.t, &got)
	if got.Sub != u.Sub || got.Email != u.Email || got.Name != u.Name || !slices.Equal(got.Groups, u.Groups) {
		s.t.Errorf("userinfo: got sub=%q email=%q name=%q groups=%q, want %q %q %q %q",
			got.Sub, got.Email, got.Name, got.Groups, u.Sub, u.Email, u.Name, u.Groups)
	}
	if got.Iss != issuer {
		s.t.Errorf("userinfo iss: got %q, want %q", got.Iss, issuer)
	}
	if got.Provider == "" {
		s.t.Errorf("userinfo provider: got empty, want the provider's id")
	}
	if sub, _ := got.Claims["sub"].(string); sub != u.Sub {
		s.t.Errorf("userinfo claims.sub: got %v, want %q", got.Claims["sub"], u.Sub)
	}
	if iss, _ := got.Claims["iss"].(string); iss != issuer {
		s.t.Errorf("userinfo claims.iss: got %v, want %q", got.Claims["iss"], issuer)
	}
	if exp, err := time.Parse(time.RFC3339, got.ExpiresAt); err != nil || !exp.After(time.Now()) {
		s.t.Errorf("userinfo expires_at: got %q (%v), want an RFC 3339 time in the future", got.ExpiresAt, err)
	}
	return got
}

// assertSignedOut fails unless /auth/userinfo answers 401 with a JSON error.
func (s *story) assertSignedOut() {
	s.t.Helper()
	r := s.getUserinfo()
	if r.StatusCode != http.StatusUnauthorized {
		s.t.Fatalf("GET /auth/userinfo when signed out: want 401\n%s", r)
	}
	var body map[string]any
	r.JSON(s.t, &body)
	if _, ok := body["error"]; !ok {
		s.t.Errorf("GET /auth/userinfo when signed out: got %s, want a JSON error", r.Body)
	}
}

// signOut presses the sign-out button of GET /auth/logout and follows the
// answer through the provider's end_session endpoint back to rp.
func (s *story) signOut() *stack.Response {
	s.t.Helper()
	return s.signOutVia(s.rp)
}

// signOutVia is signOut where the provider sends the browser back to rp's
// public URL public (another replica's, say) rather than to s.rp.
func (s *story) signOutVia(public string) *stack.Response {
	s.t.Helper()
	page := s.c.Get(s.rp + "/auth/logout")
	if page.StatusCode != http.StatusOK {
		s.t.Fatalf("GET /auth/logout: want 200 with a sign-out button\n%s", page)
	}
	var form *stack.Form
	for _, f := range page.Forms() {
		if f.Method == http.MethodPost && strings.HasSuffix(f.Action.Path, "/auth/logout") {
			form = &f
			break
		}
	}
	if form == nil || len(form.Buttons) == 0 {
		s.t.Fatalf("GET /auth/logout: no form posting to /auth/logout with a button\n%s", page)
	}
	b := form.Buttons[0]
	key := b.Name + "=" + b.Value
	if b.Name == "" {
		key = b.Text
	}
	r := s.c.Follow(s.c.Submit(*form, key, nil))
	if r.StatusCode != http.StatusOK || !strings.HasPrefix(r.URL.String(), public+"/") {
		s.t.Fatalf("sign-out: want to land on a 200 page of rp at %s\n%s", public, r)
	}
	if !slices.ContainsFunc(r.Hops, func(h string) bool { return strings.Contains(h, s.issuer+"/end_session") }) {
		s.t.Fatalf("sign-out: the hops never went through the provider's %s/end_session\n%s", s.issuer, r)
	}
	if !strings.Contains(string(r.Body), `data-testid="signed-out"`) {
		s.t.Fatalf("sign-out: want rp's signed-out page (data-testid=signed-out)\n%s", r)
	}
	return r
}

// assertVerify fails unless forward auth (GET /auth/verify, as nginx's
// auth_request sends it) answers 200 with u's identity headers when want is
// true, and 401 when it is false.
func (s *story) assertVerify(u user, want bool) {
	s.t.Helper()
	req := s.c.NewRequest(http.MethodGet, s.rp+"/auth/verify", nil)
	req.Header.Set("X-Forwarded-User", "mallory") // a client's forged header must not pass
	r := s.c.Do(req)
	switch {
	case !want && r.StatusCode != http.StatusUnauthorized:
		s.t.Errorf("GET /auth/verify when signed out: want 401\n%s", r)
	case want && r.StatusCode != http.StatusOK:
		s.t.Errorf("GET /auth/verify when signed in: want 200\n%s", r)
	case want:
		got := []string{r.Header.Get("X-Forwarded-User"), r.Header.Get("X-Forwarded-Email"), r.Header.Get("X-Forwarded-Groups")}
		wantH := []string{u.Sub, u.Email, strings.Join(u.Groups, ",")}
		if !slices.Equal(got, wantH) {
			s.t.Errorf("GET /auth/verify identity headers (user, email, groups): got %q, want %q", got, wantH)
		}
	}
}

// fullStory is the story every suite tells: sign in as u, land on rd, see u
// in /auth/userinfo and in forward auth's headers, sign out at rp and at the
// provider, and find the provider's login page (not a silent sign-in) on
// the next sign-in.
// issuer is the issuer rp sees (usually s.issuer).
func (s *story) fullStory(u user, rd, issuer string) {
	s.t.Helper()
	s.assertSignedOut()
	landed := s.signIn(u, rd)
	switch {
	case s.landed != nil:
		s.landed(landed, u)
	case rd == "/":
		// rp's own home page says who is signed in.
		if want := `data-testid="user-sub">` + u.Sub + "<"; !strings.Contains(string(landed.Body), want) {
			s.t.Errorf("home page after sign-in: want %s\n%s", want, landed)
		}
	}
	s.assertUser(u, issuer)
	s.assertVerify(u, true)
	s.signOut()
	s.assertSignedOut()
	s.assertVerify(u, false)
	s.assertLoginPage(s.startLogin("/"))
}

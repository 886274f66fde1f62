package integration

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/foyer-oidc/foyer/internal/stack"
	"github.com/foyer-oidc/foyer/mockidp"
	"github.com/foyer-oidc/foyer/rp"
)

// inprocConfig chooses how the in-process stack is set up.
type inprocConfig struct {
	login       string            // mockidp login mode: "form" or "auto"
	formPost    bool              // rp asks for response_mode=form_post
	backchannel bool              // the mock's client registers rp's back-channel logout URI
	authParams  map[string]string // extra authorization request parameters
	pages       rp.PagesConfig    // branding and templates directory
	second      string            // when set, the name of a second provider (same mock) for the chooser
}

// inprocStack is rp and mockidp on httptest servers in the test's process.
type inprocStack struct {
	idp   *mockidp.TestServer
	rpURL string
}

// appPath is the page of the stack's app that RequireLogin protects; it
// answers "landed as SUB".
const appPath = "/app/dashboard?tab=claims"

// startInProcess starts the mock provider and an rp in front of a tiny app,
// and waits until rp has discovered the provider.
func startInProcess(t *testing.T, cfg inprocConfig) *inprocStack {
	t.Helper()
	srv := httptest.NewUnstartedServer(nil)
	rpURL := "http://" + srv.Listener.Addr().String()
	client := mockidp.Client{ID: "demo", Secret: "demo-secret", AllowLoopbackRedirects: true}
	if cfg.backchannel {
		client.BackchannelLogoutURI = rpURL + "/auth/backchannel-logout"
	}
	idp := mockidp.NewTestServer(t, mockidp.WithLogin(cfg.login), mockidp.WithClients(client))

	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	providers := []rp.ProviderConfig{{
		ID: "mock", Issuer: idp.Issuer, ClientID: client.ID, ClientSecret: client.Secret,
		FormPost: cfg.formPost, AuthParams: cfg.authParams,
	}}
	if cfg.second != "" {
		second := providers[0]
		second.ID, second.Name = "second", cfg.second
		providers = append(providers, second)
	}
	p, err := rp.New(ctx, rp.Config{
		PublicURL:     rpURL,
		Providers:     providers,
		CookieSecrets: [][]byte{[]byte(testCookieSecret)},
		Pages:         cfg.pages,
	})
	if err != nil {
		t.Fatalf("rp.New: %v", err)
	}
	mux := http.NewServeMux()
	mux.Handle("/auth/", p.Handler())
	mux.Handle("/app/", p.RequireLogin(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		u, _ := rp.UserFromContext(r.Context())
		io.WriteString(w, "landed as "+u.Subject)
	})))
	mux.Handle("/", p.Home())
	srv.Config.Handler = mux
	srv.Start()
	t.Cleanup(srv.Close)

	wctx, wcancel := context.WithTimeout(ctx, 20*time.Second)
	defer wcancel()
	if err := p.WaitReady(wctx); err != nil {
		t.Fatalf("rp never discovered the provider: %v", err)
	}
	return &inprocStack{idp: idp, rpURL: rpURL}
}

// story returns a story with a fresh browser against the stack.
func (st *inprocStack) story(t *testing.T) *story { return newStory(t, st.rpURL, st.idp.Issuer) }

// assertApp fails unless the protected app page greets u.
func assertApp(t *testing.T, r *stack.Response, u user) {
	t.Helper()
	if got, want := string(r.Body), "landed as "+u.Sub; got != want {
		t.Errorf("app page: got %q, want %q", got, want)
	}
}

func TestInProcess(t *testing.T) {
	t.Parallel()

	t.Run("form login", func(t *testing.T) {
		t.Parallel()
		st := startInProcess(t, inprocConfig{login: "form"})
		s := st.story(t)
		s.fullStory(alice, appPath, st.idp.Issuer)
	})

	t.Run("form login lands on the protected page", func(t *testing.T) {
		t.Parallel()
		st := startInProcess(t, inprocConfig{login: "form"})
		s := st.story(t)
		// A signed-out navigation to the app goes to sign-in and back.
		r := s.c.Get(st.rpURL + appPath)
		if !stack.IsRedirect(r.StatusCode) {
			t.Fatalf("signed-out GET %s: want a redirect to sign in\n%s", appPath, r)
		}
		page := s.c.Follow(r)
		s.assertLoginPage(page)
		landed := s.pick(page, "bob")
		s.assertLanded(landed, appPath)
		assertApp(t, landed, bob)
	})

	t.Run("auto login", func(t *testing.T) {
		t.Parallel()
		st := startInProcess(t, inprocConfig{login: "auto", authParams: map[string]string{"login_hint": "bob"}})
		s := st.story(t)
		// No page at the provider: straight back to rp, signed in as the hinted user.
		r := s.startLogin(appPath)
		s.assertLanded(r, appPath)
		assertApp(t, r, bob)
		s.assertUser(bob, st.idp.Issuer)
		s.signOut()
		s.assertSignedOut()
	})

	t.Run("form_post", func(t *testing.T) {
		t.Parallel()
		st := startInProcess(t, inprocConfig{login: "form", formPost: true})
		s := st.story(t)
		r := s.signIn(alice, appPath)
		if !slices.ContainsFunc(r.Hops, func(h string) bool { return strings.Contains(h, "POST "+st.rpURL+"/auth/callback") }) {
			t.Errorf("form_post: no POST to /auth/callback among the hops:\n%s", strings.Join(r.Hops, "\n"))
		}
		assertApp(t, r, alice)
		s.assertUser(alice, st.idp.Issuer)
		s.signOut()
		s.assertSignedOut()
		s.assertLoginPage(s.startLogin("/"))
	})

	t.Run("two users", func(t *testing.T) {
		t.Parallel()
		st := startInProcess(t, inprocConfig{login: "form"})
		a, b := st.story(t), st.story(t)
		assertApp(t, a.signIn(alice, appPath), alice)
		assertApp(t, b.signIn(bob, appPath), bob)
		a.assertUser(alice, st.idp.Issuer)
		b.assertUser(bob, st.idp.Issuer)
		a.signOut()
		a.assertSignedOut()
		b.assertUser(bob, st.idp.Issuer) // untouched by alice's sign-out
	})

	t.Run("provider denies access", func(t *testing.T) {
		t.Parallel()
		st := startInProcess(t, inprocConfig{login: "form"})
		s := st.story(t)
		page := s.startLogin(appPath)
		s.assertLoginPage(page)
		r := s.c.Follow(s.c.Submit(page.Form(t, "deny"), "deny", nil)) // data-testid="deny"
		if r.StatusCode < 400 || r.StatusCode > 499 || !strings.HasPrefix(r.URL.String(), st.rpURL+"/auth/callback") {
			t.Fatalf("after denying: want a 4xx error page at rp's callback\n%s", r)
		}
		if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/html") {
			t.Errorf("error page Content-Type: got %q, want text/html for a browser", ct)
		}
		if text := r.Text(); !strings.Contains(text, "denied") {
			t.Errorf("error page: got %q, want plain words saying access was denied", text)
		}
		s.assertSignedOut()
	})

	t.Run("back-channel logout", func(t *testing.T) {
		t.Parallel()
		st := startInProcess(t, inprocConfig{login: "form", backchannel: true})
		s := st.story(t)
		s.signIn(alice, appPath)
		s.assertUser(alice, st.idp.Issuer)
		// The person signs out at the provider itself (not through rp): the
		// provider tells rp over the back channel.
		r := s.c.Follow(s.c.Get(st.idp.Issuer + "/end_session?client_id=demo"))
		if r.StatusCode != http.StatusOK {
			t.Fatalf("GET /end_session at the provider: want 200\n%s", r)
		}
		logouts := st.idp.BackchannelLogouts()
		if len(logouts) != 1 {
			t.Fatalf("back-channel logouts sent: got %d, want 1: %+v", len(logouts), logouts)
		}
		if got := logouts[0]; got.Err != nil || got.StatusCode != http.StatusOK || got.Subject != "alice" {
			t.Fatalf("back-channel logout: got status %d, err %v, sub %q; want 200, nil, alice", got.StatusCode, got.Err, got.Subject)
		}
		s.assertSignedOut()
		r = s.c.Get(st.rpURL + appPath)
		if !stack.IsRedirect(r.StatusCode) || !strings.HasPrefix(r.Location(t).Path, "/auth/login") {
			t.Fatalf("app after back-channel logout: want a redirect to sign in\n%s", r)
		}
		s.assertLoginPage(s.startLogin("/"))
	})

	t.Run("back-channel logout token for another session", func(t *testing.T) {
		t.Parallel()
		st := startInProcess(t, inprocConfig{login: "form", backchannel: true})
		a, b := st.story(t), st.story(t)
		a.signIn(alice, appPath)
		b.signIn(bob, appPath)
		a.c.Follow(a.c.Get(st.idp.Issuer + "/end_session?" + url.Values{"client_id": {"demo"}}.Encode()))
		a.assertSignedOut()
		b.assertUser(bob, st.idp.Issuer)
	})

	t.Run("provider misbehaves", func(t *testing.T) {
		t.Parallel()
		// Each fault breaks one check of the flow; rp must end the sign-in on
		// an error page and create no session.
		tests := []struct {
			name  string
			fault mockidp.Fault
		}{
			{"wrong nonce", mockidp.Fault{IDTokenClaims: map[string]any{"nonce": "not-the-nonce-rp-sent"}}},
			{"no nonce", mockidp.Fault{IDTokenClaims: map[string]any{"nonce": nil}}},
			{"wrong issuer in the ID token", mockidp.Fault{IDTokenClaims: map[string]any{"iss": "http://127.0.0.1:1/evil"}}},
			{"wrong audience", mockidp.Fault{IDTokenClaims: map[string]any{"aud": "someone-else"}}},
			{"expired ID token", mockidp.Fault{IDTokenClaims: map[string]any{"exp": 1}}},
			{"bad signature", mockidp.Fault{IDTokenSigning: mockidp.SigningBadSignature}},
			{"alg none", mockidp.Fault{IDTokenSigning: mockidp.SigningNone}},
			{"unknown key", mockidp.Fault{IDTokenSigning: mockidp.SigningUnknownKey}},
			{"HS256 with the client secret", mockidp.Fault{IDTokenSigning: mockidp.SigningHS256ClientSecret}},
			{"no ID token", mockidp.Fault{OmitIDToken: true}},
			// rp restarts a sign-in whose state it does not know once (a
			// stale tab), so the state is forged on both attempts.
			{"wrong state", mockidp.Fault{AuthState: "forged-state", Times: 2}},
			{"wrong iss parameter", mockidp.Fault{AuthIss: "http://127.0.0.1:1/evil"}},
			{"token endpoint error", mockidp.Fault{TokenError: "invalid_grant"}},
			{"userinfo for another subject", mockidp.Fault{UserinfoClaims: map[string]any{"sub": "mallory"}}},
		}
		st := startInProcess(t, inprocConfig{login: "auto"})
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				// Not parallel: faults are queued on the one shared provider.
				st.idp.InjectFault(tt.fault)
				s := st.story(t)
				r := s.startLogin(appPath)
				if r.StatusCode < 400 || strings.HasPrefix(r.URL.String(), st.rpURL+"/app/") {
					t.Fatalf("sign-in with %s: want an error page, no landing\n%s", tt.name, r)
				}
				s.assertSignedOut()
			})
		}
	})
}

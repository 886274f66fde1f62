package redisstore_test

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/foyer-oidc/foyer/internal/redistest"
	"github.com/foyer-oidc/foyer/rp"
	"github.com/foyer-oidc/foyer/rp/redisstore"
)

// unknownTicket is a well-formed ticket (canonical base64url) that Redis never issued,
// so it is looked up rather than rejected on sight.
var unknownTicket = strings.Repeat("B", 21) + "A." + strings.Repeat("B", 42) + "A"

// newSessionStore returns a session store over a fresh redis-server, and the server.
func newSessionStore(t *testing.T, cfg redisstore.SessionStoreConfig) (*redisstore.SessionStore, *redistest.Server) {
	t.Helper()
	srv := redistest.Start(t)
	st, err := redisstore.New(t.Context(), redisstore.Options{URL: srv.URL, Timeout: time.Second, Now: cfg.Now})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return redisstore.NewSessionStore(st, cfg), srv
}

// requestWith returns a request carrying the cookies a response set.
func requestWith(rec *httptest.ResponseRecorder) *http.Request {
	r := httptest.NewRequest(http.MethodGet, "https://app.example/", nil)
	for _, c := range rec.Result().Cookies() {
		if c.MaxAge >= 0 {
			r.AddCookie(&http.Cookie{Name: c.Name, Value: c.Value})
		}
	}
	return r
}

func TestSessionStoreRoundTripAndCookie(t *testing.T) {
	t.Parallel()
	now := time.Now()
	ss, _ := newSessionStore(t, redisstore.SessionStoreConfig{Now: func() time.Time { return now }})
	s := &rp.Session{ID: "s1", Provider: "mock", Issuer: "https://idp", Subject: "alice", SID: "sid1",
		CreatedAt: now, ExpiresAt: now.Add(2 * time.Hour), LastSeen: now, Tokens: rp.Tokens{RefreshToken: "rt-secret"}}
	rec := httptest.NewRecorder()
	if err := ss.Save(rec, httptest.NewRequest(http.MethodGet, "https://app.example/", nil), s); err != nil {
		t.Fatal(err)
	}
	cookies := rec.Result().Cookies()
	if len(cookies) != 1 {
		t.Fatalf("Save set %d cookies, want 1", len(cookies))
	}
	c := cookies[0]
	if c.Name != "__Host-foyer_session" || len(c.Value) != 66 || !c.Secure || !c.HttpOnly || c.SameSite != http.SameSiteLaxMode ||
		c.Path != "/" || c.Domain != "" || c.MaxAge != int((2*time.Hour)/time.Second) || strings.Contains(c.Value, "rt-secret") {
		t.Errorf("cookie %+v: want __Host-foyer_session, a 66-char ticket, Secure, HttpOnly, Lax, Path=/, Max-Age=7200", c)
	}
	got, err := ss.Load(requestWith(rec))
	if err != nil || got == nil || got.ID != "s1" || got.Subject != "alice" || got.Tokens.RefreshToken != "rt-secret" || got.StoreRef != c.Value {
		t.Fatalf("Load = %+v, %v; want the saved session with its ticket as StoreRef", got, err)
	}
	// An update keeps the ticket and sets no new cookie.
	got.LastSeen = now.Add(time.Minute)
	rec2 := httptest.NewRecorder()
	if err := ss.Save(rec2, requestWith(rec), got); err != nil || len(rec2.Result().Cookies()) != 0 {
		t.Errorf("update: err %v, %d cookies; want nil and none", err, len(rec2.Result().Cookies()))
	}
	// Delete ends it and clears the cookie; a copy of the ticket is worthless.
	rec3 := httptest.NewRecorder()
	if err := ss.Delete(rec3, requestWith(rec), got); err != nil {
		t.Fatal(err)
	}
	if cs := rec3.Result().Cookies(); len(cs) != 1 || cs[0].MaxAge >= 0 {
		t.Errorf("Delete cookies %+v, want one clearing cookie", cs)
	}
	if s, err := ss.Load(requestWith(rec)); s != nil || err != nil {
		t.Errorf("Load after Delete = %v, %v; want nil, nil", s, err)
	}
	// Saving the deleted session (a request that loaded it before a logout) never
	// recreates it.
	if err := ss.Save(httptest.NewRecorder(), requestWith(rec), got); err != nil {
		t.Fatal(err)
	}
	if s, _ := ss.Load(requestWith(rec)); s != nil {
		t.Error("Save recreated a deleted session")
	}
}

func TestSessionStoreSignedOutAndUnavailable(t *testing.T) {
	t.Parallel()
	ss, srv := newSessionStore(t, redisstore.SessionStoreConfig{InsecureHTTP: true})
	for name, value := range map[string]string{
		"empty":          "",
		"garbage":        "hello",
		"unknown ticket": unknownTicket,
		"huge":           strings.Repeat("x", 8000),
	} {
		r := httptest.NewRequest(http.MethodGet, "http://127.0.0.1/", nil)
		r.AddCookie(&http.Cookie{Name: "foyer_session", Value: value})
		if s, err := ss.Load(r); s != nil || err != nil {
			t.Errorf("%s: Load = %v, %v; want nil, nil (signed out)", name, s, err)
		}
	}
	srv.Stop()
	r := httptest.NewRequest(http.MethodGet, "http://127.0.0.1/", nil)
	r.AddCookie(&http.Cookie{Name: "foyer_session", Value: unknownTicket})
	if s, err := ss.Load(r); s != nil || !errors.Is(err, redisstore.ErrUnavailable) {
		t.Errorf("Load with Redis down = %v, %v; want nil and ErrUnavailable (fail closed)", s, err)
	}
	now := time.Now()
	err := ss.Save(httptest.NewRecorder(), r, &rp.Session{ID: "n", ExpiresAt: now.Add(time.Hour), CreatedAt: now})
	if !errors.Is(err, redisstore.ErrUnavailable) {
		t.Errorf("Save with Redis down = %v, want ErrUnavailable", err)
	}
	if err := ss.Ping(t.Context()); err == nil {
		t.Error("Ping with Redis down = nil, want an error")
	}
}

// TestSessionStoreCookieDomain: with a cookie domain the ticket cookie carries Domain
// and the __Secure- prefix (as rp names its cookies then), on saving and on clearing.
func TestSessionStoreCookieDomain(t *testing.T) {
	t.Parallel()
	now := time.Now()
	ss, _ := newSessionStore(t, redisstore.SessionStoreConfig{Domain: ".Example.com", Now: func() time.Time { return now }})
	s := &rp.Session{ID: "s1", Provider: "mock", Issuer: "https://idp", Subject: "alice", CreatedAt: now, ExpiresAt: now.Add(time.Hour), LastSeen: now}
	rec := httptest.NewRecorder()
	if err := ss.Save(rec, httptest.NewRequest(http.MethodGet, "https://app1.example.com/", nil), s); err != nil {
		t.Fatal(err)
	}
	cs := rec.Result().Cookies()
	if len(cs) != 1 || cs[0].Name != "__Secure-foyer_session" || cs[0].Domain != "example.com" || !cs[0].Secure || !cs[0].HttpOnly {
		t.Fatalf("cookies %+v, want one __Secure-foyer_session with Domain=example.com, Secure, HttpOnly", cs)
	}
	r := httptest.NewRequest(http.MethodGet, "https://app2.example.com/", nil)
	r.AddCookie(&http.Cookie{Name: cs[0].Name, Value: cs[0].Value})
	got, err := ss.Load(r)
	if err != nil || got == nil || got.Subject != "alice" {
		t.Fatalf("Load on another host = %v, %v", got, err)
	}
	rec = httptest.NewRecorder()
	if err := ss.Delete(rec, r, got); err != nil {
		t.Fatal(err)
	}
	if cs := rec.Result().Cookies(); len(cs) != 1 || cs[0].MaxAge >= 0 || cs[0].Domain != "example.com" {
		t.Errorf("clearing cookies %+v, want one with Domain=example.com (else the shared cookie stays)", cs)
	}
}

package stack

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// newSignInSite is a relying party and a provider on two test servers: the
// relying party's /login sends the browser to the provider's /authorize,
// which sends it back to /callback; what /callback does is up to callback.
func newSignInSite(t *testing.T, callback http.HandlerFunc) (rpURL string) {
	t.Helper()
	idp := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, r.URL.Query().Get("back")+"?code=c", http.StatusFound)
	}))
	t.Cleanup(idp.Close)
	mux := http.NewServeMux()
	rp := httptest.NewServer(mux)
	t.Cleanup(rp.Close)
	mux.HandleFunc("/login", func(w http.ResponseWriter, r *http.Request) {
		http.SetCookie(w, &http.Cookie{Name: "state", Value: "s", Path: "/"})
		http.Redirect(w, r, idp.URL+"/authorize?back="+rp.URL+"/callback", http.StatusFound)
	})
	mux.HandleFunc("/callback", callback)
	mux.HandleFunc("/loop", func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, "/loop", http.StatusFound) })
	mux.HandleFunc("/page", func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("a page")) })
	return rp.URL
}

func TestAgentSignIn(t *testing.T) {
	t.Parallel()
	signedIn := func(w http.ResponseWriter, r *http.Request) {
		if c, err := r.Cookie("state"); err != nil || c.Value != "s" || r.URL.Query().Get("code") != "c" {
			http.Error(w, "bad callback", http.StatusBadRequest)
			return
		}
		http.SetCookie(w, &http.Cookie{Name: "session", Value: "alice", Path: "/"})
		http.Redirect(w, r, "/", http.StatusSeeOther)
	}
	rpURL := newSignInSite(t, signedIn)
	a := NewAgent()
	r, err := a.SignIn(context.Background(), rpURL+"/login", "/callback")
	if err != nil {
		t.Fatalf("SignIn: %v", err)
	}
	if r.StatusCode != http.StatusSeeOther || len(r.Hops) != 3 {
		t.Errorf("got status %d after %d hops %v; want the callback's 303 after 3", r.StatusCode, len(r.Hops), r.Hops)
	}
	cookies, err := a.Cookies(rpURL)
	if err != nil || !strings.Contains(CookieHeader(cookies), "session=alice") {
		t.Errorf("cookies after sign-in: %v %v, want session=alice", cookies, err)
	}
}

func TestAgentSignInFailures(t *testing.T) {
	t.Parallel()
	refused := func(w http.ResponseWriter, r *http.Request) { http.Error(w, "no", http.StatusForbidden) }
	rpURL := newSignInSite(t, refused)
	tests := []struct {
		name, start, callback, wantErr string
	}{
		{"callback refuses", "/login", "/callback", "/callback: status 403: no"},
		{"a page before the callback", "/page", "/callback", "/page: status 200 before reaching /callback"},
		{"redirect loop", "/loop", "/callback", "more than 20 redirects"},
		{"nothing listening", "", "/callback", "connection refused"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			start := rpURL + tt.start
			if tt.start == "" {
				start = "http://" + FreeAddr(t) + "/login"
			}
			_, err := NewAgent().SignIn(context.Background(), start, tt.callback)
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) || !strings.HasPrefix(err.Error(), "sign-in: ") {
				t.Errorf("got %v, want a sign-in error containing %q", err, tt.wantErr)
			}
		})
	}
}

func TestAgentHostMap(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write([]byte(r.Host)) }))
	t.Cleanup(srv.Close)
	a := NewAgent(WithHostMap(map[string]string{"mockidp.localhost:9400": strings.TrimPrefix(srv.URL, "http://")}))
	r, err := a.Get(context.Background(), "http://mockidp.localhost:9400/x")
	if err != nil || string(r.Body) != "mockidp.localhost:9400" {
		t.Errorf("got %v %q, want the mapped server to see Host mockidp.localhost:9400", err, r.Body)
	}
}

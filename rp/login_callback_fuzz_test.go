package rp

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
)

// This file holds FuzzCallback and the helpers the other *_fuzz_test.go files
// of this package share. Every fuzz target keeps its seeds in code (f.Add) and
// its finds under testdata/fuzz/FuzzXxx, so plain `go test` replays both.

// fuzzAttempt is one sign-in started at /auth/login and, when asked, taken
// through the provider's authorization endpoint: a real state, the login
// cookie that goes with it, and a real code.
type fuzzAttempt struct {
	cookies []*http.Cookie // the browser's cookies after /auth/login
	state   string
	code    string // "" unless the provider was asked for one
	iss     string // the authorization response's iss, if any
}

// fuzzStartLogin starts a sign-in with return path rd in a fresh browser.
// With withCode it also lets the mock provider (auto login) answer, and keeps
// the code instead of delivering it.
func fuzzStartLogin(t *testing.T, h *harness, rd string, withCode bool) fuzzAttempt {
	t.Helper()
	c := noFollow(h.newBrowser())
	resp, err := c.Get(h.srv.URL + "/auth/login?rd=" + url.QueryEscape(rd))
	if err != nil {
		t.Fatalf("GET /auth/login: %v", err)
	}
	resp.Body.Close()
	loc, err := resp.Location()
	if err != nil {
		t.Fatalf("/auth/login: status %d, no Location: %v", resp.StatusCode, err)
	}
	a := fuzzAttempt{state: loc.Query().Get("state")}
	u, _ := url.Parse(h.srv.URL)
	a.cookies = c.Jar.Cookies(u)
	if !withCode {
		return a
	}
	resp, err = c.Get(loc.String())
	if err != nil {
		t.Fatalf("GET authorize: %v", err)
	}
	resp.Body.Close()
	back, err := resp.Location()
	if err != nil {
		t.Fatalf("authorize: status %d, no Location: %v", resp.StatusCode, err)
	}
	a.code, a.iss = back.Query().Get("code"), back.Query().Get("iss")
	if a.code == "" || back.Query().Get("state") != a.state {
		t.Fatalf("authorize answered %s: want a code and our state", back.Redacted())
	}
	return a
}

// fuzzSessionCookie reports whether rec sets a session cookie with a value
// (chunks of the cookie store or the ticket of a server-side store).
func fuzzSessionCookie(rec *httptest.ResponseRecorder) bool {
	for _, c := range rec.Result().Cookies() {
		if strings.Contains(c.Name, sessionCookie) && c.Value != "" && c.MaxAge >= 0 {
			return true
		}
	}
	return false
}

// newFuzzHarness starts one mock provider and one RP for a whole fuzz run.
func newFuzzHarness(f *testing.F) *harness {
	f.Helper()
	return newHarness(f, harnessOpt{})
}

// FuzzCallback sends /auth/callback every shape of parameters, as a query
// (GET) or a form body (POST), with or without the login cookie. The fuzzed
// text may name the real values of a sign-in in flight: "$state", "$code" and
// "$iss" are replaced by them (query-escaped) before the request is sent, so
// the fuzzer explores around the one valid answer too.
//
// Properties:
//   - a session cookie is set only when the request carried the login cookie,
//     a state equal to the attempt's, a code equal to the provider's, and no
//     error parameter; the answer is then a 303 to the
//     return path of the attempt;
//   - never a 5xx unless the state matched a login attempt (then rp talked to
//     the provider, whose failures may be a 502/503), apart from an error
//     parameter the provider itself reports as its own failure (server_error,
//     temporarily_unavailable), which is shown as 502.
func FuzzCallback(f *testing.F) {
	seeds := []struct {
		post, cookie, code bool
		params             string
	}{
		{false, true, true, "code=$code&state=$state&iss=$iss"},          // the valid answer
		{true, true, true, "code=$code&state=$state&iss=$iss"},           // the same, form_post
		{false, false, true, "code=$code&state=$state&iss=$iss"},         // no login cookie
		{false, true, true, "code=$code&state=$state&state=$state"},      // repeated state
		{false, true, true, "code=$code&code=x&state=$state&iss=$iss"},   // repeated code
		{false, true, true, "code=$code&state=$state&iss=http://evil"},   // wrong iss
		{false, true, true, "code=$code&state=$state&iss=$iss&iss=$iss"}, // repeated iss
		{false, true, true, "code=$code&state=$state"},                   // iss missing
		{false, true, true, "code=$code&state=x$state&iss=$iss"},         // state altered
		{false, true, true, "code=x$code&state=$state&iss=$iss"},         // code altered
		{false, true, true, "error=access_denied&state=$state&iss=$iss"}, // provider error
		{false, true, true, "error=server_error&state=$state&iss=$iss"},  // provider failure
		{false, true, false, "error=server_error&error_description=%ff"}, // forged failure, no state
		{false, true, true, "code=$code&state=$state&iss=$iss&error=x"},  // code and error
		{false, true, false, "state=$state"},                             // no code
		{true, true, true, "code=$code;state=$state"},                    // semicolon separator
		{true, true, true, "code=%zz&state=$state"},                      // bad escape
		{false, true, true, "code=$code&state=" + strings.Repeat("A", 600)},
		{false, true, true, "code=$code&state=$state%00&iss=$iss"},
		{true, false, false, strings.Repeat("a=b&", 100)},
		{false, false, false, ""},
	}
	for _, s := range seeds {
		f.Add(s.post, s.cookie, s.code, s.params)
	}
	h := newFuzzHarness(f)
	f.Fuzz(func(t *testing.T, post, withCookie, withCode bool, params string) {
		a := fuzzStartLogin(t, h, "/app/landed", withCode)
		raw := strings.NewReplacer("$state", url.QueryEscape(a.state), "$code", url.QueryEscape(a.code),
			"$iss", url.QueryEscape(a.iss)).Replace(params)
		var req *http.Request
		if post {
			req = httptest.NewRequest(http.MethodPost, h.srv.URL+"/auth/callback", strings.NewReader(raw))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		} else {
			req = httptest.NewRequest(http.MethodGet, h.srv.URL+"/auth/callback", nil)
			req.URL.RawQuery = raw
		}
		if withCookie {
			for _, c := range a.cookies {
				req.AddCookie(c)
			}
		}
		rec := httptest.NewRecorder()
		h.srv.Config.Handler.ServeHTTP(rec, req)

		vals, _ := url.ParseQuery(raw) // what rp's own parsing sees, bad pairs dropped
		stateOK := withCookie && len(vals["state"]) == 1 && vals["state"][0] == a.state
		codeOK := a.code != "" && len(vals["code"]) == 1 && vals["code"][0] == a.code
		_, hasError := vals["error"]
		if fuzzSessionCookie(rec) {
			if !stateOK || !codeOK || hasError {
				t.Fatalf("session cookie set for %q (cookie %v, state ok %v, code ok %v, error %v): status %d",
					raw, withCookie, stateOK, codeOK, hasError, rec.Code)
			}
			if loc := rec.Header().Get("Location"); rec.Code != http.StatusSeeOther || loc != "/app/landed" {
				t.Fatalf("signed in: got %d to %q, want 303 to /app/landed", rec.Code, loc)
			}
		}
		if rec.Code >= 500 {
			if !stateOK {
				t.Fatalf("%s /auth/callback %q (cookie %v): status %d without a matching state: %s",
					req.Method, raw, withCookie, rec.Code, truncate(rec.Body.String(), 300))
			}
		}
	})
}

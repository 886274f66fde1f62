package rp

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"
)

// FuzzReturnPathFlow checks the return path end to end: a sign-in started
// with /auth/login?rd=X is taken through the provider and the callback, and
// the place the browser lands must be on this site. Properties:
//   - SafeReturnPath(X), resolved against the public URL as a browser would,
//     has the public URL's scheme and host;
//   - the callback's 303 goes to exactly SafeReturnPath(X) (as http.Redirect
//     writes it, path cleaned), which resolves to this site: a rejected path
//     lands on "/", never off-site.
func FuzzReturnPathFlow(f *testing.F) {
	for _, s := range []string{"/", "/app/x?y=1#z", "//evil.example", "/\\evil.example", "/%2F%2Fevil.example",
		"https://evil.example", "/%5cevil", "/%252F%252Fevil", "/a/../..//evil", "/.//evil", "\t//evil", "/x\r\nLocation: //evil",
		"/%E2%88%95evil", "http:/evil", "/;//evil", "/?//evil", "/#//evil", "/@evil"} {
		f.Add(s)
	}
	h := newFuzzHarness(f)
	public, err := url.Parse(h.srv.URL)
	if err != nil {
		f.Fatal(err)
	}
	sameSite := func(t *testing.T, what, target string) {
		t.Helper()
		u, err := public.Parse(target)
		if err != nil {
			t.Fatalf("%s %q does not parse: %v", what, target, err)
		}
		if u.Scheme != public.Scheme || u.Host != public.Host || u.User != nil {
			t.Fatalf("%s %q resolves to %s, another origin than %s", what, target, u.Redacted(), h.srv.URL)
		}
	}
	f.Fuzz(func(t *testing.T, rd string) {
		safe := SafeReturnPath(rd)
		sameSite(t, "SafeReturnPath("+rd+")", safe)

		a := fuzzStartLogin(t, h, rd, true)
		req, err := http.NewRequest(http.MethodGet, h.srv.URL+"/auth/callback?"+url.Values{
			"code": {a.code}, "state": {a.state}, "iss": {a.iss}}.Encode(), nil)
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range a.cookies {
			req.AddCookie(c)
		}
		resp, err := noFollow(h.newBrowser()).Do(req)
		if err != nil {
			t.Fatalf("callback: %v", err)
		}
		resp.Body.Close()
		loc := resp.Header.Get("Location")
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("callback for rd %q: status %d, want 303", rd, resp.StatusCode)
		}
		sameSite(t, "callback redirect for rd "+rd, loc)
		// The login state is JSON, which turns invalid UTF-8 into U+FFFD, and
		// http.Redirect cleans the path ("/a/../b" becomes "/b"): compare with that.
		var stored string
		js, _ := json.Marshal(safe)
		if err := json.Unmarshal(js, &stored); err != nil {
			t.Fatal(err)
		}
		want := httptest.NewRecorder()
		http.Redirect(want, httptest.NewRequest(http.MethodGet, "/auth/callback", nil), stored, http.StatusSeeOther)
		if loc != want.Header().Get("Location") {
			t.Fatalf("callback for rd %q went to %q, want SafeReturnPath = %q (%q after http.Redirect)",
				rd, loc, safe, want.Header().Get("Location"))
		}
	})
}

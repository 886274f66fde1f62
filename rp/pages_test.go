package rp

import (
	"context"
	"errors"
	"fmt"
	"html"
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/foyer-oidc/foyer/internal/ui/uitest"
	"github.com/foyer-oidc/foyer/mockidp"
)

// leftover finds what a page must never show: a placeholder nobody filled, or a
// message key instead of its words.
var leftover = regexp.MustCompile(`\{[a-z_]+\}|>\s*(rp|idp|ui)\.[a-z_.]+\s*<`)

// checkPage asserts what every page must be: in the language asked for, obeying
// the CSP it is sent with, no external assets, no leftovers.
func checkPage(t *testing.T, name, pageURL string, resp *http.Response, body, lang string) {
	t.Helper()
	if ct := resp.Header.Get("Content-Type"); ct != "text/html; charset=utf-8" {
		t.Errorf("%s: Content-Type %q", name, ct)
	}
	if got := resp.Header.Get("Content-Language"); got != lang {
		t.Errorf("%s: Content-Language %q, want %q", name, got, lang)
	}
	if !strings.Contains(body, `<html lang="`+lang+`" dir="ltr">`) {
		t.Errorf("%s: no <html lang=%q>", name, lang)
	}
	if !slices.Contains(resp.Header.Values("Vary"), "Accept-Language") {
		t.Errorf("%s: Vary %q lacks Accept-Language", name, resp.Header.Values("Vary"))
	}
	csp := resp.Header.Get("Content-Security-Policy")
	if problems := uitest.CheckPage(csp, pageURL, body); len(problems) > 0 {
		t.Errorf("%s: breaks its CSP %q: %q", name, csp, problems)
	}
	if strings.Contains(csp, "unsafe-inline") {
		t.Errorf("%s: CSP %q allows unsafe-inline", name, csp)
	}
	if m := leftover.FindString(body); m != "" {
		t.Errorf("%s: shows %q", name, m)
	}
}

// TestEveryPageInEachLanguage fetches each page as a person gets there, in
// English and Korean, and checks its headline words.
func TestEveryPageInEachLanguage(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessOpt{cfg: func(c *Config) { c.Pages.AppName = "Acme Wiki" }})
	signedIn := h.newBrowser()
	h.signIn(signedIn)
	type page struct {
		name, path string
		client     *http.Client
		status     int
		en, ko     []string // words the page shows
	}
	pages := []page{
		{"home, signed out", "/", h.newBrowser(), 200,
			[]string{"<title>Welcome · Acme Wiki</title>", "Welcome to Acme Wiki", "Sign in with Mock IdP"},
			[]string{"<title>환영합니다 · Acme Wiki</title>", "Acme Wiki에 오신 것을 환영합니다", "Mock IdP(으)로 로그인"}},
		{"home, signed in", "/", signedIn, 200,
			[]string{"<title>Signed in · Acme Wiki</title>", "Hello, Alice Example", "You are signed in to Acme Wiki with Mock IdP.", `data-testid="user-sub">alice<`, "You stay signed in for about 12 hours", "Technical details"},
			[]string{"<title>로그인됨 · Acme Wiki</title>", "안녕하세요, Alice Example님", "Mock IdP을(를) 통해 Acme Wiki에 로그인되어 있습니다.", "약 12시간 동안", "기술 정보"}},
		{"sign-out page", "/auth/logout", signedIn, 200,
			[]string{"Sign out of Acme Wiki?", "You are signed in as Alice Example with Mock IdP.", "This also signs you out at Mock IdP."},
			[]string{"Acme Wiki에서 로그아웃할까요?", "Mock IdP에서도 함께 로그아웃됩니다."}},
		{"sign-out page, signed out", "/auth/logout", h.newBrowser(), 200,
			[]string{"You are not signed in", "There is nothing to sign out of."},
			[]string{"로그인되어 있지 않습니다", "로그아웃할 세션이 없습니다."}},
		{"signed out", "/auth/logout/done", h.newBrowser(), 200,
			[]string{"<title>Signed out · Acme Wiki</title>", "You are signed out", "Your session at Acme Wiki has ended."},
			[]string{"로그아웃되었습니다", "Acme Wiki의 세션이 끝났습니다."}},
		{"not found", "/no/such/page", h.newBrowser(), 404,
			[]string{"<title>This page does not exist · Acme Wiki</title>", "Go to the start page"},
			[]string{"존재하지 않는 페이지입니다", "처음 페이지로 가기"}},
	}
	for _, p := range pages {
		for _, lang := range []string{"en", "ko"} {
			header := map[string]string{"en": "en-GB,en;q=0.9", "ko": "ko-KR,ko;q=0.9,en;q=0.5"}[lang]
			resp, body := h.get(p.client, p.path, "Accept-Language", header)
			name := p.name + " (" + lang + ")"
			if resp.StatusCode != p.status {
				t.Errorf("%s: status %d, want %d", name, resp.StatusCode, p.status)
			}
			checkPage(t, name, h.srv.URL+p.path, resp, body, lang)
			want := p.en
			if lang == "ko" {
				want = p.ko
			}
			for _, w := range want {
				if !strings.Contains(body, w) {
					t.Errorf("%s: lacks %q", name, w)
				}
			}
		}
	}
}

// TestHomeSignedInDetails: protocol claims and raw times are only in the
// "details" disclosure, with times also in words.
func TestHomeSignedInDetails(t *testing.T) {
	t.Parallel()
	// Both clocks stand still, rp's 20 s after the provider's, so that the
	// words below do not depend on a second boundary passing during the
	// test (iat would then be after rp's start time: "in less than a minute").
	issued := time.Now().Truncate(time.Second)
	h := newHarness(t, harnessOpt{
		idp: []mockidp.Option{mockidp.WithConfig(func(c *mockidp.Config) { c.Now = func() time.Time { return issued } })},
		cfg: func(c *Config) { c.Now = func() time.Time { return issued.Add(20 * time.Second) } },
	})
	h.signIn(h.client)
	_, body := h.get(h.client, "/")
	open, rest, ok := strings.Cut(body, `<details data-testid="details">`)
	if !ok {
		t.Fatalf("no details disclosure:\n%s", body)
	}
	for _, protocol := range []string{"nonce", "at_hash", "auth_time", ">exp<", ">iat<", "Issuer"} {
		if strings.Contains(open, protocol) {
			t.Errorf("%q shown outside the details disclosure", protocol)
		}
		if !strings.Contains(rest, protocol) {
			t.Errorf("details lack %q", protocol)
		}
	}
	if !regexp.MustCompile(`<code>exp</code></th><td>\d{10} ?<small>in 59 minutes \((\w+ \d+, )?\d\d:\d\d UTC\)</small>`).MatchString(rest) {
		t.Errorf("exp not shown as a number with its time in words:\n%s", rest[strings.Index(rest, "<table>"):])
	}
	if !regexp.MustCompile(`<code>iat</code></th><td>\d{10} ?<small>less than a minute ago \((\w+ \d+, )?\d\d:\d\d UTC\)</small>`).MatchString(rest) {
		t.Errorf("iat not shown with its time in words:\n%s", rest)
	}
}

// TestProviderDisplayName: pages never show a provider's internal id; without
// a name they show its issuer's host.
func TestProviderDisplayName(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessOpt{cfg: func(c *Config) { c.Providers[0].Name = ""; c.Providers[0].ID = "default" }})
	_, body := h.get(h.newBrowser(), "/")
	host := "127.0.0.1" // the issuer's host, without the port
	if !strings.Contains(body, "Sign in with "+host) || strings.Contains(body, ">default<") || strings.Contains(body, "with default") {
		t.Errorf("home page does not name the provider by its issuer host %q:\n%s", host, body)
	}
	h.signIn(h.client)
	_, body = h.get(h.client, "/")
	if !strings.Contains(body, "with "+host+".") {
		t.Errorf("signed-in page does not name the provider %q", host)
	}
}

// errorCase renders err through writeError, as a browser would get it.
func renderErr(t *testing.T, p *RP, err error, path, lang string, user *User) (*httptest.ResponseRecorder, string) {
	t.Helper()
	req := httptest.NewRequest(http.MethodGet, "http://127.0.0.1"+path, nil)
	req.Header.Set("Accept-Language", lang)
	if user != nil {
		req = req.WithContext(ContextWithUser(req.Context(), user))
	}
	rec := httptest.NewRecorder()
	p.writeError(rec, req, err)
	return rec, rec.Body.String()
}

var actionRE = regexp.MustCompile(`data-testid="action-([a-z_]+)" href="([^"]*)"`)

// TestErrorPageHeadings: each kind of error has a heading that says what
// happened, in English and Korean, and only actions that fit.
func TestErrorPageHeadings(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessOpt{cfg: func(c *Config) { c.Pages.AppName = "Acme Wiki" }})
	alice := &User{Provider: "mock", Subject: "alice", ExpiresAt: time.Now().Add(time.Hour)}
	policy := newError(http.StatusForbidden, "access_denied", "You are signed in, but you may not open this page: not in group admins (rule 1).",
		fmt.Errorf("%w: rule 1", errAccessDenied))
	tests := []struct {
		name    string
		err     error
		path    string
		user    *User
		kind    string
		en, ko  string
		actions []string
	}{
		{"404", newError(404, "not_found", "There is nothing here.", nil), "/nope", nil,
			"not_found", "This page does not exist", "존재하지 않는 페이지입니다", []string{"home"}},
		{"404 signed in", newError(404, "not_found", "There is nothing here.", nil), "/nope", alice,
			"not_found", "This page does not exist", "존재하지 않는 페이지입니다", []string{"home"}},
		{"cancelled at the provider", authError("access_denied", "user said no"), "/auth/callback", nil,
			"cancelled", "Sign-in was cancelled", "로그인이 취소되었습니다", []string{"retry_sign_in", "home"}},
		{"access rule", policy, "/admin/", alice,
			"forbidden", "You don't have access to this page", "이 페이지에 접근할 권한이 없습니다", []string{"home", "switch_account"}},
		{"tenant not allowed", newError(403, "not_allowed", "Your organisation cannot sign in here.", nil), "/auth/callback", nil,
			"not_allowed", "This account can't be used here", "이 계정은 여기서 사용할 수 없습니다", []string{"switch_account", "home"}},
		{"GitHub organisation rule", newError(403, "github_not_member", "not a member", fmt.Errorf("%w: github user", errNotAllowed)), "/auth/callback", nil,
			"not_allowed", "This account can't be used here", "이 계정은 여기서 사용할 수 없습니다", []string{"switch_account", "home"}},
		{"GitHub read:org not granted", newError(403, "github_scope_missing", "no read:org", nil), "/auth/callback", nil,
			"permission", "Mock IdP did not share what is needed", "Mock IdP에서 필요한 정보를 받지 못했습니다", []string{"sign_in", "home"}},
		{"provider wants a new sign-in", authError("login_required", ""), "/auth/callback", nil,
			"sign_in_again", "Please sign in again", "다시 로그인해 주세요", []string{"sign_in"}},
		{"sign-in expired", newError(400, "login_expired", "expired", nil), "/auth/callback", nil,
			"expired", "This sign-in has expired", "로그인 시간이 만료되었습니다", []string{"sign_in", "home"}},
		{"issuer mismatch", newError(400, "issuer_mismatch", "unexpected provider", nil), "/auth/callback", nil,
			"sign_in_failed", "Signing in did not work", "로그인하지 못했습니다", []string{"retry_sign_in", "home"}},
		{"provider down", providerError("token exchange", errors.New("connection refused")), "/auth/callback", nil,
			"provider_down", "Mock IdP is not answering", "Mock IdP이(가) 응답하지 않습니다", []string{"retry_sign_in", "home"}},
		{"provider down while signed in", providerError("refresh", errors.New("connection refused")), "/app/", alice,
			"provider_down", "Mock IdP is not answering", "Mock IdP이(가) 응답하지 않습니다", []string{"home"}},
		{"proxy 502 while signed in", newError(502, "upstream_unavailable", "cannot be reached", nil), "/app/page?x=1", alice,
			"app_down", "The app is not answering", "앱이 응답하지 않습니다", []string{"reload", "home"}},
		{"proxy 504", newError(504, "upstream_unavailable", "too slow", nil), "/app/", alice,
			"app_slow", "The app is taking too long", "앱의 응답이 너무 늦습니다", []string{"reload", "home"}},
		{"session store down at the callback", unavailable(errors.New("redis down")), "/auth/callback", nil,
			"busy", "Your session can't be checked right now", "지금은 세션을 확인할 수 없습니다", []string{"home"}},
		{"session store down", unavailable(errors.New("redis down")), "/app/", nil,
			"busy", "Your session can't be checked right now", "지금은 세션을 확인할 수 없습니다", []string{"reload", "home"}},
		{"cross-site sign-out", newError(403, "csrf", "Sign-out must be started from this site.", nil), "/auth/logout", alice,
			"csrf", "Sign-out did not go through", "로그아웃되지 않았습니다", []string{"sign_out_page", "home"}},
		{"malformed request", newError(400, "invalid_request", "malformed", nil), "/auth/verify", nil,
			"bad_request", "This request could not be handled", "이 요청을 처리할 수 없습니다", []string{"home"}},
		{"any other error", errors.New("boom"), "/", nil,
			"server_error", "Something went wrong on our side", "저희 쪽에서 문제가 생겼습니다", []string{"home"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			for _, lang := range []string{"en", "ko"} {
				rec, body := renderErr(t, h.rp, tt.err, tt.path, lang, tt.user)
				checkPage(t, tt.name+" ("+lang+")", "http://127.0.0.1"+tt.path, rec.Result(), body, lang)
				want := map[string]string{"en": tt.en, "ko": tt.ko}[lang]
				if !strings.Contains(body, `<h1 data-testid="error-heading">`+html.EscapeString(want)+`</h1>`) {
					t.Errorf("%s: heading is not %q:\n%s", lang, want, body)
				}
				if !strings.Contains(body, `data-testid="error-`+tt.kind+`"`) {
					t.Errorf("%s: not the %s page", lang, tt.kind)
				}
				var got []string
				for _, m := range actionRE.FindAllStringSubmatch(body, -1) {
					got = append(got, m[1])
				}
				if !slices.Equal(got, tt.actions) {
					t.Errorf("%s: actions %v, want %v", lang, got, tt.actions)
				}
			}
			// No sign-in offer to someone signed in, and no status text as a heading.
			_, body := renderErr(t, h.rp, tt.err, tt.path, "en", tt.user)
			if tt.user != nil && strings.Contains(body, "/auth/login") {
				t.Error("offers to sign in to a signed-in user")
			}
			for _, reason := range []string{">Forbidden<", ">Bad Gateway<", ">Not Found<", ">Service Unavailable<"} {
				if strings.Contains(body, reason) {
					t.Errorf("shows the status text %s", reason)
				}
			}
		})
	}
}

// TestErrorPageLinksStayOnSite: a path that reads as another site in an href
// ("//evil.example", "/\evil.example") is never linked to.
func TestErrorPageLinksStayOnSite(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessOpt{})
	alice := &User{Provider: "mock", Subject: "alice"}
	for _, path := range []string{"//evil.example/x", "/%2F/evil.example/", "/\\evil.example/", "/app/?next=//evil.example"} {
		req := httptest.NewRequest(http.MethodGet, "http://127.0.0.1/", nil)
		req.URL.Path, req.URL.RawQuery, _ = strings.Cut(path, "?")
		req = req.WithContext(ContextWithUser(context.Background(), alice))
		rec := httptest.NewRecorder()
		h.rp.writeError(rec, req, newError(502, "upstream_unavailable", "down", nil))
		for _, m := range actionRE.FindAllStringSubmatch(rec.Body.String(), -1) {
			if href := m[2]; !strings.HasPrefix(href, "/") || strings.HasPrefix(href, "//") || strings.HasPrefix(href, `/\`) {
				t.Errorf("path %q: action %s links to %q", path, m[1], href)
			}
		}
	}
}

// TestErrorPageRetryKeepsProvider: "try again" after a provider error starts a
// sign-in with the same provider and return path.
func TestErrorPageRetryKeepsProvider(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessOpt{})
	_, body := renderErr(t, h.rp, providerError("discovery", errors.New("down")), "/auth/login?provider=mock&rd=%2Fapp%2Fdocs", "en", nil)
	if !strings.Contains(body, `data-testid="action-retry_sign_in" href="/auth/login?provider=mock&amp;rd=%2Fapp%2Fdocs"`) {
		t.Errorf("retry link does not keep provider and return path:\n%s", body)
	}
}

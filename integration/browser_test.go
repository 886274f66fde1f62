package integration

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/foyer-oidc/foyer/internal/stack/browser"
)

// Hooks on the pages that the browser suite relies on: data-testid
// attributes of rp's pages (the mock provider's are in selPickUser).
const (
	selSignIn      = `[data-testid="sign-in"]`
	selUserSub     = `[data-testid="user-sub"]`
	selSignOutLink = `[data-testid="sign-out-link"]`
	selSignOut     = `[data-testid="sign-out"]`
	selSignedOut   = `[data-testid="signed-out"]`
)

// selPickUser is the mock provider's button that signs in sub.
func selPickUser(sub string) string { return `[data-testid="user-` + sub + `"]` }

// browserStory is the full story in Chromium, as a person clicks it: Sign
// in on rp's home page, pick u on the provider's page, see the claims,
// Sign out and confirm, and find the provider's login page on the next
// sign-in. A screenshot is taken after each step.
func browserStory(t *testing.T, b *browser.Browser, rpURL string, u user) {
	t.Helper()
	b.Open("home, signed out", rpURL+"/", selSignIn)
	b.Click("click Sign in", selSignIn, selPickUser(u.Sub))
	if loc := b.Location(); !strings.Contains(loc, "/authorize") {
		t.Fatalf("after Sign in: at %s, want the provider's /authorize page", loc)
	}
	b.Click("pick "+u.Sub, selPickUser(u.Sub), selUserSub)
	if got := b.Text(selUserSub); got != u.Sub {
		t.Errorf("home page user: got %q, want %q", got, u.Sub)
	}
	b.Click("open the details", `[data-testid="details"] summary`, `[data-testid="details"] table`)
	if claims := b.Text("table"); !strings.Contains(claims, u.Email) || !strings.Contains(claims, u.Name) {
		t.Errorf("claims table: got %q, want %s and %s in it", claims, u.Email, u.Name)
	}

	b.Open("userinfo", rpURL+"/auth/userinfo", "body")
	var info userinfo
	if text := b.Text("body"); json.Unmarshal([]byte(text), &info) != nil || info.Sub != u.Sub || info.Email != u.Email {
		t.Errorf("/auth/userinfo in the browser: got %q, want %s's JSON", text, u.Sub)
	}

	b.Open("home, signed in", rpURL+"/", selSignOutLink)
	b.Click("click Sign out", selSignOutLink, selSignOut)
	b.Click("confirm Sign out", selSignOut, selSignedOut)
	if got := b.Text(selSignedOut); !strings.Contains(got, "also signed out at your sign-in provider") {
		t.Errorf("signed-out page: got %q, want it to confirm the provider sign-out", got)
	}
	b.Open("home, signed out again", rpURL+"/", selSignIn)
	b.Click("sign in again: the provider asks again", selSignIn, selPickUser(u.Sub))
}

// TestBrowser tells the story in Chromium against bin/rp and bin/mockidp
// running as processes, as a person would click through it.
func TestBrowser(t *testing.T) {
	t.Parallel()
	b := browser.New(t)
	st := startProcesses(t)
	browserStory(t, b, st.RPURL, alice)
	// Chromium keeps preconnected sockets open, which a graceful shutdown
	// waits for (net/http: up to 5 s); close it before the SIGTERM check.
	b.Close()
	st.RP.Stop(t)
	st.MockIDP.Stop(t)
}

// TestBrowserFormPost tells the story in Chromium against the in-process
// stack with response_mode=form_post, where the provider's auto-submitting
// page posts the code back to rp (cookies must survive the cross-site POST).
func TestBrowserFormPost(t *testing.T) {
	t.Parallel()
	b := browser.New(t)
	st := startInProcess(t, inprocConfig{login: "form", formPost: true})
	browserStory(t, b, st.rpURL, bob)
}

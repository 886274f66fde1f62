package rp

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/foyer-oidc/foyer/rp/revocation"
)

// flakySessions is a revocation list that also keeps signed-out sessions; its
// session records can be taken down on their own.
type flakySessions struct {
	flakyList
	sessionsDown atomic.Bool
}

func (f *flakySessions) EndSession(ctx context.Context, id string, exp time.Time) error {
	if f.sessionsDown.Load() {
		return errDown
	}
	return f.mem.EndSession(ctx, id, exp)
}

func (f *flakySessions) SessionEnded(ctx context.Context, id string) (bool, error) {
	if f.sessionsDown.Load() {
		return false, errDown
	}
	return f.mem.SessionEnded(ctx, id)
}

// TestSignOutIsKeptInTheRevocationList: a Config.Revocations that can keep
// signed-out sessions keeps them (a state file, Redis: what other processes read);
// when it cannot be read, signed-in requests fail closed (503); and a sign-out it
// cannot record fails with 503 and leaves the cookie in place, so that the user
// tries again rather than leave a working copy behind.
func TestSignOutIsKeptInTheRevocationList(t *testing.T) {
	t.Parallel()
	list := &flakySessions{flakyList: flakyList{mem: revocation.NewMemory(nil)}}
	h := newHarness(t, harnessOpt{cfg: func(c *Config) { c.Revocations, c.ReplayCache = list, list }})
	h.signIn(h.client)
	s := h.session(h.client)
	_, page := h.get(h.client, "/auth/logout")
	m := csrfField.FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("no CSRF field on the sign-out page: %s", truncate(page, 300))
	}
	signOut := func() *http.Response {
		req, _ := http.NewRequest(http.MethodPost, h.srv.URL+"/auth/logout", strings.NewReader(url.Values{"csrf": {m[1]}}.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		resp, err := noFollow(h.client).Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp
	}
	list.sessionsDown.Store(true)
	if resp, _ := h.get(h.client, "/app/"); resp.StatusCode != http.StatusServiceUnavailable {
		t.Errorf("signed-in request with the sign-out records unreadable: %d, want 503", resp.StatusCode)
	}
	resp := signOut()
	if resp.StatusCode != http.StatusServiceUnavailable {
		t.Errorf("sign-out with the sign-out records down: %d, want 503", resp.StatusCode)
	}
	for _, c := range resp.Cookies() {
		if strings.HasSuffix(c.Name, sessionCookie) && c.MaxAge < 0 {
			t.Error("a sign-out that was not recorded cleared the session cookie: a copy keeps working, and the user thinks it is over")
		}
	}
	list.sessionsDown.Store(false)
	if !h.signedIn(h.client) {
		t.Fatal("a failed sign-out ended the session")
	}
	if resp := signOut(); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("sign-out: %d, want 303", resp.StatusCode)
	}
	if ended, err := list.mem.SessionEnded(context.Background(), s.ID); err != nil || !ended {
		t.Errorf("after sign-out the revocation list's SessionEnded = %v, %v; want true (kept where other processes read it)", ended, err)
	}
}

package bench

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"time"
)

// maxHops bounds the redirects a sign-in follows.
const maxHops = 10

// maxBody caps the bytes read from any response.
const maxBody = 1 << 20

// Signer performs complete headless sign-ins at a relying party whose
// provider logs users in without a page (mockidp --login auto), the way a
// browser would: GET /auth/login, follow the redirect to the provider's
// /authorize, follow its redirect back to /auth/callback (where the RP
// exchanges the code, verifies the ID token and sets the session cookie),
// then GET /auth/userinfo with that cookie and check the user.
type Signer struct {
	// RP is the relying party's base URL, e.g. "http://127.0.0.1:8080".
	RP string
	// WantSub is the subject /auth/userinfo must name, e.g. "alice".
	WantSub string
	// Transport carries the requests; share one so connections are reused.
	Transport http.RoundTripper
}

// SignIn signs one new user in, with a fresh cookie jar, and returns the
// cookies the relying party set: the signed-in session.
func (s *Signer) SignIn(ctx context.Context) ([]*http.Cookie, error) {
	jar, err := cookiejar.New(nil)
	if err != nil {
		return nil, err
	}
	rp, err := url.Parse(s.RP)
	if err != nil {
		return nil, fmt.Errorf("rp url: %w", err)
	}
	client := &http.Client{
		Transport:     s.Transport,
		Jar:           jar,
		Timeout:       30 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	next := rp.JoinPath("/auth/login")
	for hop := 0; ; hop++ {
		if hop == maxHops {
			return nil, fmt.Errorf("sign-in: more than %d redirects", maxHops)
		}
		status, loc, body, err := fetch(ctx, client, next, "text/html")
		if err != nil {
			return nil, fmt.Errorf("sign-in: %w", err)
		}
		atCallback := next.Host == rp.Host && next.Path == "/auth/callback"
		if status >= 400 || (status < 300 && !atCallback) {
			return nil, fmt.Errorf("sign-in: GET %s: status %d: %s", next.Path, status, snippet(body))
		}
		if atCallback {
			break
		}
		if loc == nil {
			return nil, fmt.Errorf("sign-in: GET %s: status %d without Location", next.Path, status)
		}
		next = loc
	}
	cookies := jar.Cookies(rp)
	if len(cookies) == 0 {
		return nil, errors.New("sign-in: the callback set no cookie")
	}
	if err := s.checkUser(ctx, client); err != nil {
		return nil, err
	}
	return cookies, nil
}

// checkUser fetches /auth/userinfo and checks that it names WantSub.
func (s *Signer) checkUser(ctx context.Context, client *http.Client) error {
	u, err := url.Parse(s.RP + "/auth/userinfo")
	if err != nil {
		return err
	}
	status, _, body, err := fetch(ctx, client, u, "application/json")
	if err != nil {
		return fmt.Errorf("userinfo: %w", err)
	}
	if status != http.StatusOK {
		return fmt.Errorf("userinfo: status %d: %s", status, snippet(body))
	}
	var info struct {
		Sub string `json:"sub"`
	}
	if err := json.Unmarshal(body, &info); err != nil {
		return fmt.Errorf("userinfo: %w", err)
	}
	if s.WantSub != "" && info.Sub != s.WantSub {
		return fmt.Errorf("userinfo: sub %q, want %q", info.Sub, s.WantSub)
	}
	return nil
}

// fetch GETs u, accepting the media type accept, and returns the status, the
// resolved Location (nil if none) and the body (capped).
func fetch(ctx context.Context, client *http.Client, u *url.URL, accept string) (int, *url.URL, []byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return 0, nil, nil, err
	}
	req.Header.Set("Accept", accept)
	resp, err := client.Do(req)
	if err != nil {
		return 0, nil, nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxBody))
	if err != nil {
		return 0, nil, nil, err
	}
	loc, err := resp.Location()
	if errors.Is(err, http.ErrNoLocation) {
		loc, err = nil, nil
	}
	return resp.StatusCode, loc, body, err
}

// snippet shortens a response body for an error message.
func snippet(b []byte) string {
	s := strings.Join(strings.Fields(string(b)), " ")
	if len(s) > 200 {
		s = s[:200] + "…"
	}
	return s
}

// CookieHeader renders cookies as one Cookie request header value.
func CookieHeader(cookies []*http.Cookie) string {
	parts := make([]string, len(cookies))
	for i, c := range cookies {
		parts[i] = c.Name + "=" + c.Value
	}
	return strings.Join(parts, "; ")
}

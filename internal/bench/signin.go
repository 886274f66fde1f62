package bench

import (
	"context"
	"fmt"
	"net/http"

	"github.com/foyer-oidc/foyer/internal/stack"
)

// Signer performs complete headless sign-ins at a relying party whose
// provider logs users in without a page (mockidp --login auto), the way a
// browser would, with a fresh cookie jar each time: GET the start of the
// sign-in, follow the redirects to the provider's /authorize and back to
// the callback (where the relying party exchanges the code, verifies the ID
// token and sets the session cookie), then ask the forward-auth endpoint with
// that cookie and check the user it names.
type Signer struct {
	// Base is the relying party's URL, e.g. "http://127.0.0.1:8080".
	Base string
	// Paths are the relying party's routes. Default foyer's ([FoyerPaths]).
	Paths Paths
	// WantUser is the user the forward-auth answer must name, e.g. "alice".
	WantUser string
	// Transport carries the requests; share one so connections are reused.
	Transport http.RoundTripper
}

// Paths are a relying party's routes and the header that names the user.
type Paths struct {
	// Start begins a sign-in, Callback ends it, Verify is forward auth.
	Start, Callback, Verify string
	// UserHeader is the header of Verify's answer that names the user.
	UserHeader string
}

// FoyerPaths are rp's routes.
var FoyerPaths = Paths{Start: "/auth/login", Callback: "/auth/callback", Verify: "/auth/verify", UserHeader: "X-Forwarded-User"}

// SignIn signs one new user in and returns the Cookie header of the
// signed-in session.
func (s *Signer) SignIn(ctx context.Context) (string, error) {
	p := s.Paths
	if p == (Paths{}) {
		p = FoyerPaths
	}
	a := stack.NewAgent(stack.WithTransport(s.Transport))
	if _, err := a.SignIn(ctx, s.Base+p.Start, p.Callback); err != nil {
		return "", err
	}
	cookies, err := a.Cookies(s.Base)
	if err != nil {
		return "", fmt.Errorf("sign-in: the callback set %w", err)
	}
	r, err := a.Get(ctx, s.Base+p.Verify)
	if err != nil {
		return "", fmt.Errorf("verify: %w", err)
	}
	got := r.Header.Get(p.UserHeader)
	if r.StatusCode/100 != 2 || (s.WantUser != "" && got != s.WantUser) {
		return "", fmt.Errorf("verify after sign-in: status %d, user %q; want 2xx and %q", r.StatusCode, got, s.WantUser)
	}
	return stack.CookieHeader(cookies), nil
}

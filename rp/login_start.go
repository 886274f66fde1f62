package rp

import (
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"
)

const (
	loginCookiePrefix = "foyer_login_"
	retryCookie       = "foyer_retry"
)

// loginState is what one sign-in attempt must remember until its callback. It lives in
// its own encrypted, MACed cookie (a gorilla/sessions session, see [newLoginStore]) whose
// name carries a digest of the state, so sign-ins in parallel tabs do not overwrite each
// other.
type loginState struct {
	State    string    `json:"s"`
	Nonce    string    `json:"n"`
	Verifier string    `json:"v"`
	Provider string    `json:"p"`
	Return   string    `json:"rd"`
	Created  time.Time `json:"c"`
}

// loginCookieName derives the cookie name of one attempt from its state.
func (p *RP) loginCookieName(state string) string {
	sum := sha256.Sum256([]byte(state))
	return p.cookies.name(loginCookiePrefix + base64.RawURLEncoding.EncodeToString(sum[:9]))
}

// handleLogin starts a sign-in: GET /auth/login?provider=ID&rd=PATH.
func (p *RP) handleLogin(w http.ResponseWriter, r *http.Request) {
	rd := p.safeReturn(r.URL.Query().Get("rd"))
	id := r.URL.Query().Get("provider")
	if id == "" && len(p.order) > 1 {
		p.renderChooser(w, r, rd)
		return
	}
	if id == "" {
		id = p.order[0]
	}
	if err := p.startLogin(w, r, id, rd); err != nil {
		p.writeError(w, r, err)
	}
}

// startLogin redirects the browser to provider id's authorization endpoint.
func (p *RP) startLogin(w http.ResponseWriter, r *http.Request, id, rd string) error {
	prov, ok := p.providers[id]
	if !ok {
		return newError(http.StatusBadRequest, "unknown_provider", "That sign-in option does not exist.",
			fmt.Errorf("%w: %q", ErrUnknownProvider, truncate(id, 40)))
	}
	m, err := prov.metadata()
	if err != nil {
		return err
	}
	ls := loginState{
		State:    randomString(32),
		Nonce:    randomString(32),
		Verifier: oauth2.GenerateVerifier(),
		Provider: id,
		Return:   rd,
		Created:  p.settings.Now(),
	}
	p.capLoginCookies(w, r)
	sameSite := http.SameSiteLaxMode
	if prov.formPost() {
		sameSite = http.SameSiteNoneMode
	}
	if err := p.saveLogin(w, r, p.loginCookieName(ls.State), &ls, sameSite); err != nil {
		return err
	}

	var opts []oauth2.AuthCodeOption
	switch {
	case m.social == nil:
		opts = append(opts, oauth2.S256ChallengeOption(ls.Verifier), oidc.Nonce(ls.Nonce))
	case m.social.pkce: // an OAuth 2.0 provider: no nonce (no ID token), PKCE where it takes it
		opts = append(opts, oauth2.S256ChallengeOption(ls.Verifier))
	}
	if prov.formPost() {
		opts = append(opts, oauth2.SetAuthURLParam("response_mode", "form_post"))
	}
	for k, v := range prov.cfg.AuthParams {
		opts = append(opts, oauth2.SetAuthURLParam(k, v))
	}
	opts = append(opts, hintOptions(r.URL.Query(), prov.cfg.AuthParams)...)
	if prov.cfg.HostedDomain != "" {
		opts = append(opts, oauth2.SetAuthURLParam("hd", prov.cfg.HostedDomain))
	}
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Referrer-Policy", "no-referrer")
	http.Redirect(w, r, m.oauth.AuthCodeURL(ls.State, opts...), http.StatusFound)
	return nil
}

// capLoginCookies keeps at most MaxLoginAttempts-1 earlier attempts, dropping the oldest
// (and any that do not decode), so that a new attempt fits.
func (p *RP) capLoginCookies(w http.ResponseWriter, r *http.Request) {
	type attempt struct {
		name    string
		created time.Time
	}
	var live []attempt
	prefix := p.cookies.name(loginCookiePrefix)
	for _, c := range r.Cookies() {
		if !strings.HasPrefix(c.Name, prefix) {
			continue
		}
		ls, err := p.loadLogin(r, c.Name)
		if err != nil || p.settings.Now().Sub(ls.Created) > p.settings.LoginTTL {
			p.cookies.set(w, c.Name, "", 0, http.SameSiteLaxMode)
			continue
		}
		live = append(live, attempt{c.Name, ls.Created})
	}
	slices.SortFunc(live, func(a, b attempt) int { return a.created.Compare(b.created) })
	for len(live) >= p.settings.MaxLoginAttempts {
		p.cookies.set(w, live[0].name, "", 0, http.SameSiteLaxMode)
		live = live[1:]
	}
}

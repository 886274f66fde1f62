package rp

import (
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/a-h/templ"

	"github.com/foyer-oidc/foyer/internal/ui"
)

// The views are what each page template receives besides the locale.
type (
	homeView struct {
		App      string
		Provider string // display name; "" on the signed-out page with several providers
		SignIn   string // sign-in link of the signed-out page
		User     *User
		Who      string // how to greet the user: name, username, email or subject
		Groups   string
		Ends     string // when the session ends, in words
		Claims   []claimRow
	}
	claimRow struct {
		Name, Value string
		Human       string // a time claim in words, else ""
	}
	chooserView struct {
		App       string
		Providers []providerLink
	}
	providerLink struct{ ID, Name, Href string }
	logoutView   struct {
		App, Who, Provider, CSRF string
		User                     *User
		ProviderToo              bool // the provider has an end_session_endpoint
	}
	signedOutView struct {
		App         string
		ProviderToo bool
	}
)

// locale picks the request's language from Accept-Language.
func (p *RP) locale(r *http.Request) *ui.Locale {
	return p.settings.pages.catalogs.Match(r.Header.Get("Accept-Language"))
}

// renderPage writes body as a whole page titled title.
func (p *RP) renderPage(w http.ResponseWriter, r *http.Request, status int, l *ui.Locale, title string, body templ.Component) {
	kit := p.settings.pages
	f := ui.Frame{Theme: kit.theme, Locale: l, Title: title}
	if err := ui.Render(w, r, status, kit.theme.CSP(), f, body); err != nil {
		p.log.Error("render page", "page", title, "reason", err.Error())
		http.Error(w, "Something went wrong on our side.", http.StatusInternalServerError)
	}
}

// providerName is how pages name provider id: its configured name, else its
// issuer's host; never the internal id unless the provider is unknown.
func (p *RP) providerName(id string) string {
	if prov, ok := p.providers[id]; ok {
		return prov.displayName()
	}
	return id
}

// renderChooser shows a button per provider.
func (p *RP) renderChooser(w http.ResponseWriter, r *http.Request, rd string) {
	l := p.locale(r)
	v := chooserView{App: p.settings.pages.theme.AppName}
	for _, id := range p.order {
		v.Providers = append(v.Providers, providerLink{ID: id, Name: p.providerName(id), Href: loginHref(id, rd)})
	}
	p.renderPage(w, r, http.StatusOK, l, l.T("rp.chooser.title"), chooserPage(l, v))
}

// loginHref is the sign-in link for provider id (none: rp chooses) returning to rd.
func loginHref(id, rd string) string {
	q := url.Values{}
	if id != "" {
		q.Set("provider", id)
	}
	if rd != "" && rd != "/" {
		q.Set("rd", rd)
	}
	if len(q) == 0 {
		return "/auth/login"
	}
	return "/auth/login?" + q.Encode()
}

// Home returns the handler of the built-in pages: "/" shows a "Sign in" button, or who
// is signed in, when the session ends, and its claims behind a "details" disclosure.
// Other paths are 404.
func (p *RP) Home() http.Handler {
	return p.Identify(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/" {
			p.writeError(w, r, newError(http.StatusNotFound, "not_found", "There is nothing here.", fmt.Errorf("no page %q", truncate(r.URL.Path, 100))))
			return
		}
		l := p.locale(r)
		v := homeView{App: p.settings.pages.theme.AppName}
		u, ok := UserFromContext(r.Context())
		if !ok {
			v.SignIn = "/auth/login"
			if len(p.order) == 1 {
				v.Provider = p.providerName(p.order[0])
				v.SignIn = loginHref(p.order[0], "")
			}
			p.renderPage(w, r, http.StatusOK, l, l.T("rp.home.title_signed_out"), homeSignedOutPage(l, v))
			return
		}
		now := p.settings.Now()
		v.User, v.Who, v.Provider = u, greeting(u), p.providerName(u.Provider)
		v.Groups = strings.Join(u.Groups, ", ")
		v.Ends = l.T("rp.home.session_ends", "in", l.Duration(u.ExpiresAt.Sub(now)),
			"at", l.Time(u.ExpiresAt, now), "idle", l.Duration(p.settings.IdleTimeout))
		v.Claims = claimRows(l, u.Claims, now)
		p.renderPage(w, r, http.StatusOK, l, l.T("rp.home.title_signed_in"), homeSignedInPage(l, v))
	}))
}

// greeting is the most human name a user has: name, username, email or subject.
func greeting(u *User) string {
	for _, s := range []string{u.Name, u.PreferredUsername, u.Email} {
		if s != "" {
			return s
		}
	}
	return u.Subject
}

// timeClaims are the claims holding a time in seconds since 1970.
var timeClaims = map[string]bool{"exp": true, "iat": true, "nbf": true, "auth_time": true, "updated_at": true}

// claimRows lists claims sorted by name, values as compact JSON, times also in words.
func claimRows(l *ui.Locale, c map[string]any, now time.Time) []claimRow {
	rows := make([]claimRow, 0, len(c))
	for k, v := range c {
		val, ok := v.(string)
		if !ok {
			b, _ := json.Marshal(v)
			val = string(b)
		}
		row := claimRow{Name: k, Value: val}
		if f, ok := v.(float64); ok && timeClaims[k] && f > 0 && f < math.MaxInt32*4 {
			t := time.Unix(int64(f), 0)
			if t.After(now) {
				row.Human = l.T("ui.time.in", "duration", l.Duration(t.Sub(now)), "time", l.Time(t, now))
			} else {
				row.Human = l.T("ui.time.ago", "duration", l.Duration(now.Sub(t)), "time", l.Time(t, now))
			}
		}
		rows = append(rows, row)
	}
	slices.SortFunc(rows, func(a, b claimRow) int { return strings.Compare(a.Name, b.Name) })
	return rows
}

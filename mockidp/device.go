package mockidp

import (
	"cmp"
	"crypto/rand"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"time"
)

// The device authorization grant (RFC 8628), served when
// Config.DeviceFlow is set: a device (a CLI, a TV) asks for a device code
// and a user code at /device_authorization, the person enters the user
// code at /device (a page in the look of the login form, then the login
// form itself), and the device polls the token endpoint, getting
// authorization_pending, slow_down (polled before the interval passed; the
// interval grows by 5 s), access_denied, expired_token or its tokens.
// Tests approve or deny a code with [Provider.ApproveDevice] and
// [Provider.DenyDevice] (or POST /_mock/device).

// Defaults of the device flow.
const (
	DefaultDeviceCodeTTL  = 10 * time.Minute
	DefaultDeviceInterval = 5 * time.Second
	slowDownStep          = 5 * time.Second // RFC 8628 3.5
)

// userCodeAlphabet has no vowels (no words) and no easily confused
// characters (RFC 8628 6.1).
const userCodeAlphabet = "BCDFGHJKLMNPQRSTVWXZ"

// Errors of the device flow's token polling (RFC 8628 3.5).
const (
	errAuthorizationPending = "authorization_pending"
	errSlowDown             = "slow_down"
	errExpiredToken         = "expired_token"
)

// deviceView is what the verification page shows.
type deviceView struct{ Action, UserCode, Error string }

// deviceAuth is one device authorization request.
type deviceAuth struct {
	clientID string
	scopes   []string
	userCode string
	expires  time.Time
	// Guarded by Provider.mu:
	interval time.Duration
	lastPoll time.Time
	state    int // devicePending, deviceApproved, deviceDenied, deviceUsed
	user     User
	sid      string
	authTime time.Time
}

const (
	devicePending = iota
	deviceApproved
	deviceDenied
	deviceUsed
)

// ErrUnknownUserCode: no live device authorization has that user code.
var ErrUnknownUserCode = errors.New("mockidp: unknown or expired user code")

// serveDeviceAuthorization handles the device authorization request
// (RFC 8628 3.1-3.2).
func (p *Provider) serveDeviceAuthorization(w http.ResponseWriter, r *http.Request, iss string) {
	p.serveClientEndpoint(w, r, iss, "device_authorization", http.StatusOK, func(form map[string]string, c *Client) (map[string]any, error) {
		fault, err := p.takeFault(w, r, faultDevice, faultScope{clientID: c.ID, loginHint: form["login_hint"]})
		if err != nil {
			return nil, err
		}
		ttl, interval := p.cfg.DeviceCodeTTL, p.cfg.DeviceInterval
		if fault != nil {
			ttl, interval = cmp.Or(fault.DeviceExpiresIn, ttl), cmp.Or(fault.DeviceInterval, interval)
		}
		if c.GrantTypes != nil && !slices.Contains(c.GrantTypes, GrantDeviceCode) {
			return nil, newError(errUnauthorizedClient, "the client may not use the device flow")
		}
		scopes, err := parseScopes(form["scope"], p.scopesFor(c))
		if err != nil {
			return nil, err
		}
		now := p.Now()
		d := &deviceAuth{clientID: c.ID, scopes: scopes, expires: now.Add(ttl), interval: interval}
		code := randomToken()
		p.mu.Lock()
		for d.userCode == "" || p.userCodes[d.userCode] != "" {
			d.userCode = newUserCode()
		}
		p.devices[code] = d
		p.userCodes[d.userCode] = code
		p.noteInsertLocked(now)
		p.mu.Unlock()
		page := p.publicBase(iss) + "/device"
		return map[string]any{
			"device_code": code, "user_code": d.userCode, "verification_uri": page,
			"verification_uri_complete": page + "?user_code=" + d.userCode,
			"expires_in":                int64(ttl / time.Second), "interval": int64(interval / time.Second),
		}, nil
	})
}

// newUserCode returns 8 characters of userCodeAlphabet as XXXX-XXXX.
func newUserCode() string {
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	out := make([]byte, 0, 9)
	for i, c := range b {
		if i == 4 {
			out = append(out, '-')
		}
		out = append(out, userCodeAlphabet[int(c)%len(userCodeAlphabet)])
	}
	return string(out)
}

// normalizeUserCode upper-cases a typed user code and drops dashes and
// spaces, then puts the dash back, so "bcdf ghjk" finds BCDF-GHJK.
func normalizeUserCode(s string) string {
	s = strings.Map(func(r rune) rune {
		switch {
		case r == '-' || r == ' ':
			return -1
		case r >= 'a' && r <= 'z':
			return r - 'a' + 'A'
		}
		return r
	}, s)
	if len(s) != 8 {
		return s
	}
	return s[:4] + "-" + s[4:]
}

// publicBase is where browser-facing pages are advertised: PublicURL (with
// the issuer's path), else the issuer.
func (p *Provider) publicBase(iss string) string {
	if p.cfg.PublicURL != "" {
		return strings.TrimSuffix(p.cfg.PublicURL, "/") + strings.TrimSuffix(pathOf(iss), "/")
	}
	return strings.TrimSuffix(iss, "/")
}

// serveDevice is the verification page: GET shows the code form, POST
// takes a code and signs the person in (queued login, browser session,
// auto login or the login form) to approve it.
func (p *Provider) serveDevice(w http.ResponseWriter, r *http.Request, iss string) {
	action := strings.TrimSuffix(pathOf(iss), "/") + "/device"
	l := locale(r)
	show := func(status int, code, msg string) {
		render(w, r, status, l, l.T("idp.device.title"), "", devicePageBody(l, deviceView{Action: action, UserCode: code, Error: msg}))
	}
	switch r.Method {
	case http.MethodGet:
		show(http.StatusOK, r.URL.Query().Get("user_code"), "")
		return
	case http.MethodPost:
	default:
		w.Header().Set("Allow", "GET, POST")
		p.errorPage(w, r, http.StatusMethodNotAllowed, "Method not allowed.", nil)
		return
	}
	if err := r.ParseForm(); err != nil {
		p.errorPage(w, r, http.StatusBadRequest, "The form could not be read.", err)
		return
	}
	typed := r.PostForm.Get("user_code")
	userCode := normalizeUserCode(typed)
	now := p.Now()
	p.mu.Lock()
	d := p.devices[p.userCodes[userCode]]
	ok := d != nil && d.state == devicePending && now.Before(d.expires)
	p.mu.Unlock()
	if !ok {
		show(http.StatusBadRequest, typed, l.T("idp.device.unknown"))
		return
	}
	c := p.client(d.clientID)
	if c == nil {
		p.errorPage(w, r, http.StatusBadRequest, "The device's client is no longer registered.", nil)
		return
	}
	if u, ok := p.takeQueued(c.ID, ""); ok {
		p.approveDevice(w, r, iss, userCode, p.startSession(w, iss, u, now))
		return
	}
	if s := p.currentSession(r, now); s != nil {
		p.approveDevice(w, r, iss, userCode, s)
		return
	}
	if p.cfg.Login == LoginAuto {
		p.approveDevice(w, r, iss, userCode, p.startSession(w, iss, p.userForHint(""), now))
		return
	}
	req := &authRequest{iss: iss, client: c, scopes: d.scopes, deviceUserCode: userCode, maxAge: -1}
	p.showLogin(w, r, req, "")
}

// approveDevice approves the device request userCode for session s (or
// denies it when s is nil) and tells the person.
func (p *Provider) approveDevice(w http.ResponseWriter, r *http.Request, iss, userCode string, s *browserSession) {
	var err error
	if s == nil {
		err = p.DenyDevice(userCode)
	} else {
		err = p.setDevice(userCode, deviceApproved, s.user, s)
	}
	switch {
	case err != nil:
		p.errorPage(w, r, http.StatusBadRequest, "This code is unknown, expired or already used.", err)
	case s == nil:
		messagePage(w, r, "idp.device.denied.heading", "idp.device.denied.text", "device-denied")
	default:
		p.log.LogAttrs(r.Context(), slog.LevelInfo, "device approved")
		messagePage(w, r, "idp.device.approved.heading", "idp.device.approved.text", "device-approved")
	}
}

// ApproveDevice approves the pending device authorization with userCode
// for user u (laid over the configured user with the same subject), as
// if a person had entered the code and signed in.
func (p *Provider) ApproveDevice(userCode string, u User) error {
	return p.setDevice(normalizeUserCode(userCode), deviceApproved, p.mergeUser(u), nil)
}

// DenyDevice refuses the pending device authorization with userCode; the
// device's next poll gets access_denied.
func (p *Provider) DenyDevice(userCode string) error {
	return p.setDevice(normalizeUserCode(userCode), deviceDenied, User{}, nil)
}

func (p *Provider) setDevice(userCode string, state int, u User, s *browserSession) error {
	now := p.Now()
	p.mu.Lock()
	defer p.mu.Unlock()
	d := p.devices[p.userCodes[userCode]]
	if d == nil || d.state != devicePending || !now.Before(d.expires) {
		return fmt.Errorf("%w %q", ErrUnknownUserCode, userCode)
	}
	d.state, d.user, d.authTime = state, u, now.Truncate(time.Second)
	if s != nil {
		d.sid, d.authTime = s.sid, s.authTime
		s.clients[d.clientID] = true
	}
	return nil
}

// deviceGrant answers a device's poll (RFC 8628 3.4-3.5).
func (p *Provider) deviceGrant(iss string, c *Client, form map[string]string, fault *Fault) (*tokenResponse, error) {
	code := form["device_code"]
	if code == "" {
		return nil, newError(errInvalidRequest, "device_code is required")
	}
	now := p.Now()
	p.mu.Lock()
	d := p.devices[code]
	var err error
	switch {
	case d == nil:
		err = newError(errInvalidGrant, "unknown device_code")
	case d.clientID != c.ID:
		err = newError(errInvalidGrant, "device_code was issued to another client")
	case !now.Before(d.expires):
		err = newError(errExpiredToken, "the device code has expired")
	case d.state == deviceUsed:
		err = newError(errInvalidGrant, "device_code was already redeemed")
	case d.state == deviceDenied:
		err = newError(errAccessDenied, "the user denied the request")
	case d.state == devicePending && !d.lastPoll.IsZero() && now.Sub(d.lastPoll) < d.interval:
		d.interval += slowDownStep
		err = newError(errSlowDown, "polled too soon; wait %d seconds between polls", int(d.interval/time.Second))
	case d.state == devicePending:
		err = newError(errAuthorizationPending, "the user has not finished yet")
	default:
		d.state = deviceUsed
	}
	if d != nil {
		d.lastPoll = now
	}
	p.mu.Unlock()
	if err != nil {
		return nil, err
	}
	g := &grant{clientID: c.ID, user: d.user, scopes: d.scopes, authTime: d.authTime, sid: d.sid}
	return p.issue(iss, c, g, d.scopes, true, "", fault)
}

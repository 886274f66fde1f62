package mockidp

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net"
	"net/http"
	"net/netip"
	"strconv"
	"strings"
	"time"
)

// The control API lets tests and scripts drive a running provider over
// HTTP. It is served under <issuer path>/_mock/ only when
// [Config.ControlAPI] is set, and only to loopback clients and those in
// [Config.ControlAllow]. See doc.go for the endpoints.

// serveControl dispatches a /_mock/ request; rel is the path after the
// issuer path.
func (p *Provider) serveControl(w http.ResponseWriter, r *http.Request, rel string) {
	if !p.cfg.ControlAPI {
		http.NotFound(w, r)
		return
	}
	if !controlGate(w, r, p.log, p.cfg.ControlAllow, p.ctlHosts) {
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	rec := &statusRecorder{ResponseWriter: w}
	w = rec
	defer func() {
		// The action only: bodies may hold claims or tokens.
		p.log.LogAttrs(r.Context(), slog.LevelInfo, "control request", slog.String("method", r.Method),
			slog.String("path", rel), slog.Int("status", rec.status))
	}()
	type route struct {
		method string
		h      func(http.ResponseWriter, *http.Request) error
	}
	routes := map[string][]route{
		"/_mock/faults": {
			{http.MethodPost, p.ctlAddFault}, {http.MethodGet, p.ctlListFaults}, {http.MethodDelete, p.ctlClearFaults}},
		"/_mock/login":         {{http.MethodPost, p.ctlLogin}},
		"/_mock/client_claims": {{http.MethodPost, p.ctlClientClaims}},
		"/_mock/logout":        {{http.MethodPost, p.ctlLogout}},
		"/_mock/device":        {{http.MethodPost, p.ctlDevice}},
		"/_mock/rotate":        {{http.MethodPost, p.ctlRotate}},
		"/_mock/clock":         {{http.MethodPost, p.ctlClock}, {http.MethodGet, p.ctlClock}},
		"/_mock/requests":      {{http.MethodGet, p.ctlRequests}},
		"/_mock/backchannel":   {{http.MethodGet, p.ctlBackchannel}},
		"/_mock/mint":          {{http.MethodPost, p.ctlMint}},
		"/_mock/reset":         {{http.MethodPost, p.ctlReset}},
		"/_mock/clients":       {{http.MethodPost, p.ctlAddClient}, {http.MethodGet, p.ctlListClients}},
		"/_mock/clients/":      {{http.MethodDelete, p.ctlRemoveClient}},
		"/_mock/users":         {{http.MethodPost, p.ctlAddUser}, {http.MethodGet, p.ctlListUsers}},
		"/_mock/users/":        {{http.MethodDelete, p.ctlRemoveUser}},
	}
	for _, prefix := range []string{"/_mock/clients/", "/_mock/users/"} {
		if id, ok := strings.CutPrefix(rel, prefix); ok && id != "" {
			r.SetPathValue("id", id)
			rel = prefix
		}
	}
	rs, ok := routes[rel]
	if !ok || strings.HasSuffix(rel, "/") && r.PathValue("id") == "" {
		controlError(w, http.StatusNotFound, "not_found", "unknown control endpoint")
		return
	}
	var allow []string
	for _, rt := range rs {
		if rt.method == r.Method {
			if r.Method == http.MethodPost {
				if !isJSON(r) {
					// Also keeps web pages from posting here without a CORS preflight.
					controlError(w, http.StatusUnsupportedMediaType, "invalid_request", "Content-Type must be application/json (curl --json)")
					return
				}
			}
			if err := rt.h(w, r); err != nil {
				writeControlErr(w, err)
			}
			return
		}
		allow = append(allow, rt.method)
	}
	w.Header().Set("Allow", strings.Join(allow, ", "))
	controlError(w, http.StatusMethodNotAllowed, "invalid_request", "method not allowed")
}

// controlGate answers 403 and returns false unless r may use the control
// API: from loopback or an allowed network (X-Forwarded-For is never
// trusted), addressed to a loopback name or one of hosts, and not sent by
// a page of another site (see control_host.go).
func controlGate(w http.ResponseWriter, r *http.Request, log *slog.Logger, allow []netip.Prefix, hosts []string) bool {
	if !controlPeerOK(r.RemoteAddr, allow) {
		log.LogAttrs(r.Context(), slog.LevelWarn, "control request refused", slog.String("remote", r.RemoteAddr),
			slog.String("path", r.URL.Path))
		controlError(w, http.StatusForbidden, "forbidden", "the control API accepts loopback clients and Config.ControlAllow only")
		return false
	}
	if !controlHostOK(r.Host, hosts) || len(r.Header.Values("Origin")) > 1 || !controlOriginOK(r.Header.Get("Origin"), hosts) ||
		!controlFetchOK(r.Header.Get("Sec-Fetch-Site")) {
		log.LogAttrs(r.Context(), slog.LevelWarn, "control request refused: Host or Origin", slog.String("remote", r.RemoteAddr),
			slog.String("path", r.URL.Path))
		controlError(w, http.StatusForbidden, "forbidden",
			"the control API accepts requests addressed to the issuer's host or a loopback name, from no other site")
		return false
	}
	return true
}

// controlPeerOK reports whether remoteAddr is loopback or in allow.
func controlPeerOK(remoteAddr string, allow []netip.Prefix) bool {
	host, _, err := net.SplitHostPort(remoteAddr)
	if err != nil {
		host = remoteAddr
	}
	ip, err := netip.ParseAddr(host)
	if err != nil {
		return false
	}
	ip = ip.Unmap().WithZone("")
	if ip.IsLoopback() {
		return true
	}
	for _, pfx := range allow {
		if pfx.Contains(ip) {
			return true
		}
	}
	return false
}

// isJSON reports whether r's body is declared application/json (which
// also keeps web pages from posting without a CORS preflight).
func isJSON(r *http.Request) bool {
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	return err == nil && mt == "application/json"
}

// writeControlErr answers a failed control request: 409 for
// [ErrExists], 404 for [ErrNotFound], else 400.
func writeControlErr(w http.ResponseWriter, err error) {
	switch {
	case errors.Is(err, ErrExists):
		controlError(w, http.StatusConflict, "conflict", err.Error())
	case errors.Is(err, ErrNotFound):
		controlError(w, http.StatusNotFound, "not_found", err.Error())
	default:
		controlError(w, http.StatusBadRequest, "invalid_request", err.Error())
	}
}

func controlError(w http.ResponseWriter, status int, code, msg string) {
	writeJSON(w, status, map[string]string{"error": code, "error_description": msg})
}

// decodeBody decodes one JSON value from r into v, strictly: unknown
// members, trailing data and oversized bodies are errors. An empty body
// leaves v unchanged when emptyOK.
func decodeBody(r *http.Request, v any, emptyOK bool) error {
	dec := json.NewDecoder(r.Body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		var mbe *http.MaxBytesError
		switch {
		case errors.Is(err, io.EOF) && emptyOK:
			return nil
		case errors.Is(err, io.EOF):
			return errors.New("the body must be a JSON object")
		case errors.As(err, &mbe):
			return fmt.Errorf("the body is larger than %d bytes", mbe.Limit)
		}
		return fmt.Errorf("invalid JSON body: %w", err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return errors.New("invalid JSON body: data after the JSON value")
	}
	return nil
}

func (p *Provider) ctlAddFault(w http.ResponseWriter, r *http.Request) error {
	var f Fault
	if err := decodeBody(r, &f, false); err != nil {
		return err
	}
	if err := f.check(); err != nil {
		return err
	}
	p.InjectFault(f)
	writeJSON(w, http.StatusCreated, f)
	return nil
}

// queuedFault is one entry of GET /_mock/faults.
type queuedFault struct {
	Endpoint string `json:"endpoint"`
	Left     int    `json:"left"`
	Fault    Fault  `json:"fault"`
}

var faultKindNames = map[faultKind]string{faultAuthorize: "authorize", faultToken: "token", faultUserinfo: "userinfo",
	faultDiscovery: "discovery", faultJWKS: "jwks", faultEndSession: "end_session", faultRevoke: "revoke",
	faultIntrospect: "introspect", faultLogoutToken: "logout_token", faultPAR: "par", faultDevice: "device_authorization"}

func (p *Provider) ctlListFaults(w http.ResponseWriter, _ *http.Request) error {
	p.faults.mu.Lock()
	out := make([]queuedFault, 0, len(p.faults.entries))
	for _, e := range p.faults.entries {
		out = append(out, queuedFault{Endpoint: faultKindNames[e.kind], Left: e.left, Fault: e.f})
	}
	p.faults.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]any{"faults": out})
	return nil
}

func (p *Provider) ctlClearFaults(w http.ResponseWriter, _ *http.Request) error {
	p.ClearFaults()
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// ctlLogin queues the next sign-in: POST {"client_id" | "login_hint", "sub", "claims"}.
func (p *Provider) ctlLogin(w http.ResponseWriter, r *http.Request) error {
	var req struct {
		ClientID  string         `json:"client_id"`
		LoginHint string         `json:"login_hint"`
		Sub       string         `json:"sub"`
		Claims    map[string]any `json:"claims"`
	}
	if err := decodeBody(r, &req, false); err != nil {
		return err
	}
	switch {
	case req.Sub == "":
		return errors.New("sub is required")
	case req.ClientID != "" && req.LoginHint != "":
		return errors.New("set client_id or login_hint, not both")
	case req.ClientID != "" && p.client(req.ClientID) == nil:
		return fmt.Errorf("client_id %q is not registered", req.ClientID)
	}
	u := User{Subject: req.Sub, Claims: req.Claims}
	if req.LoginHint != "" {
		p.QueueLoginHint(req.LoginHint, u)
	} else {
		p.QueueLogin(req.ClientID, u)
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// ctlClientClaims queues the claims of a client's next client_credentials
// token: POST {"client_id", "claims"}.
func (p *Provider) ctlClientClaims(w http.ResponseWriter, r *http.Request) error {
	var req struct {
		ClientID string         `json:"client_id"`
		Claims   map[string]any `json:"claims"`
	}
	if err := decodeBody(r, &req, false); err != nil {
		return err
	}
	switch {
	case req.ClientID == "":
		return errors.New("client_id is required")
	case p.client(req.ClientID) == nil:
		return fmt.Errorf("client_id %q is not registered", req.ClientID)
	case req.Claims == nil:
		return errors.New("claims (a JSON object) is required")
	}
	p.QueueClientClaims(req.ClientID, req.Claims)
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// ctlLogout ends a user's sessions and sends the back-channel logout
// tokens: POST {"sub"} -> {"ended": n}.
func (p *Provider) ctlLogout(w http.ResponseWriter, r *http.Request) error {
	var req struct {
		Sub string `json:"sub"`
	}
	if err := decodeBody(r, &req, false); err != nil {
		return err
	}
	if req.Sub == "" {
		return errors.New("sub is required")
	}
	writeJSON(w, http.StatusOK, map[string]int{"ended": p.EndSessions(r.Context(), req.Sub)})
	return nil
}

// ctlDevice approves or denies a pending device authorization:
// POST {"user_code", "action": "approve"|"deny", "sub", "claims"}.
func (p *Provider) ctlDevice(w http.ResponseWriter, r *http.Request) error {
	var req struct {
		UserCode string         `json:"user_code"`
		Action   string         `json:"action"`
		Sub      string         `json:"sub"`
		Claims   map[string]any `json:"claims"`
	}
	if err := decodeBody(r, &req, false); err != nil {
		return err
	}
	var err error
	switch {
	case req.UserCode == "":
		return errors.New("user_code is required")
	case req.Action == "deny":
		err = p.DenyDevice(req.UserCode)
	case req.Action != "approve":
		return errors.New(`action must be "approve" or "deny"`)
	case req.Sub == "":
		return errors.New("sub is required to approve")
	default:
		err = p.ApproveDevice(req.UserCode, User{Subject: req.Sub, Claims: req.Claims})
	}
	if err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// ctlRotate rotates the signing key: POST {"overlap": "10m"} (optional).
func (p *Provider) ctlRotate(w http.ResponseWriter, r *http.Request) error {
	var req struct {
		Overlap *string `json:"overlap"`
	}
	if err := decodeBody(r, &req, true); err != nil {
		return err
	}
	overlap := p.cfg.KeyOverlap
	if req.Overlap != nil {
		d, err := time.ParseDuration(*req.Overlap)
		if err != nil {
			return fmt.Errorf("overlap: %w", err)
		}
		overlap = d
	}
	if err := p.RotateKeyOverlap(overlap); err != nil {
		return err
	}
	set := p.liveKeys()
	kids := make([]string, 0, len(set.published))
	for _, k := range set.published {
		kids = append(kids, k.kid)
	}
	writeJSON(w, http.StatusOK, map[string]any{"kid": set.current.kid, "published": kids})
	return nil
}

// ctlClock reads or changes the clock: POST {"freeze": bool, "advance": "10m"}.
func (p *Provider) ctlClock(w http.ResponseWriter, r *http.Request) error {
	if r.Method == http.MethodPost {
		var req struct {
			Freeze  *bool  `json:"freeze"`
			Advance string `json:"advance"`
		}
		if err := decodeBody(r, &req, false); err != nil {
			return err
		}
		var d time.Duration
		if req.Advance != "" {
			var err error
			if d, err = time.ParseDuration(req.Advance); err != nil {
				return fmt.Errorf("advance: %w", err)
			}
		}
		if req.Freeze == nil && req.Advance == "" {
			return errors.New(`want "freeze" and/or "advance"`)
		}
		if req.Freeze != nil && *req.Freeze {
			p.Freeze()
		} else if req.Freeze != nil {
			p.Unfreeze()
		}
		p.Advance(d)
	}
	p.clockMu.Lock()
	frozen := p.clock.frozen
	p.clockMu.Unlock()
	writeJSON(w, http.StatusOK, map[string]any{"now": p.Now().UTC().Format(time.RFC3339Nano), "frozen": frozen})
	return nil
}

// ctlRequests lists captured requests: GET ?endpoint=token&limit=N.
func (p *Provider) ctlRequests(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	reqs := p.Requests(q.Get("endpoint"))
	if s := q.Get("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 {
			return errors.New("limit must be a positive integer")
		}
		if len(reqs) > n {
			reqs = reqs[len(reqs)-n:]
		}
	}
	if reqs == nil {
		reqs = []CapturedRequest{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"requests": reqs})
	return nil
}

// ctlBackchannel lists the logout tokens sent.
func (p *Provider) ctlBackchannel(w http.ResponseWriter, _ *http.Request) error {
	type logout struct {
		ClientID    string `json:"client_id"`
		URI         string `json:"uri"`
		Subject     string `json:"sub"`
		SessionID   string `json:"sid"`
		LogoutToken string `json:"logout_token"`
		StatusCode  int    `json:"status"`
		Error       string `json:"error,omitempty"`
	}
	out := []logout{}
	for _, l := range p.BackchannelLogouts() {
		out = append(out, logout{l.ClientID, l.URI, l.Subject, l.SessionID, l.LogoutToken, l.StatusCode, errText(l.Err)})
	}
	writeJSON(w, http.StatusOK, map[string]any{"logouts": out})
	return nil
}

// ctlMint signs claims: POST {"claims": {...}, "signing": "", "client_id": ""}.
func (p *Provider) ctlMint(w http.ResponseWriter, r *http.Request) error {
	var req struct {
		Claims   map[string]any `json:"claims"`
		Signing  string         `json:"signing"`
		ClientID string         `json:"client_id"`
	}
	if err := decodeBody(r, &req, false); err != nil {
		return err
	}
	if req.Claims == nil {
		return errors.New("claims (a JSON object) is required")
	}
	f := Fault{IDTokenSigning: req.Signing}
	if err := f.check(); err != nil && req.Signing != "" {
		return err
	}
	c := &Client{}
	if req.ClientID != "" {
		if c = p.client(req.ClientID); c == nil {
			return fmt.Errorf("client_id %q is not registered", req.ClientID)
		}
	} else if req.Signing == SigningHS256ClientSecret {
		return errors.New("signing hs256-client-secret needs a client_id")
	}
	tok, err := p.signIDToken(p.liveKeys().current, c, req.Claims, &f)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]string{"token": tok})
	return nil
}

// ctlReset: POST /_mock/reset {} starts over; {"tag": "t"} removes only
// the clients and users added with tag t ([Provider.ResetTag]).
func (p *Provider) ctlReset(w http.ResponseWriter, r *http.Request) error {
	var req struct {
		Tag *string `json:"tag"`
	}
	if err := decodeBody(r, &req, true); err != nil {
		return err
	}
	switch {
	case req.Tag == nil:
		p.Reset()
	case *req.Tag == "":
		return errors.New("tag must not be empty (send {} to reset everything)")
	default:
		p.ResetTag(*req.Tag)
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

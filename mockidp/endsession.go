package mockidp

import (
	"cmp"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strings"
)

// serveEndSession handles RP-Initiated Logout 1.0: it validates
// id_token_hint, client_id and post_logout_redirect_uri (an invalid one
// gets an error page, never a redirect), ends the browser session (from
// the cookie, and the one named by the hint's sid), revokes that session's
// grants, delivers back-channel logout tokens and redirects with state.
func (p *Provider) serveEndSession(w http.ResponseWriter, r *http.Request, iss string) {
	params, ok := p.browserParams(w, r, "The logout request could not be read.")
	if !ok {
		return
	}
	v, err := singleValues(params)
	if err != nil {
		p.errorPage(w, r, http.StatusBadRequest, "A logout parameter is repeated.", err)
		return
	}
	hintSID, hintSub, client, msg := p.checkLogoutRequest(v, iss)
	if msg != "" {
		p.errorPage(w, r, http.StatusBadRequest, msg, nil)
		return
	}
	scope := faultScope{}
	if client != nil {
		scope.clientID = client.ID
	}
	fault := p.faults.take(faultEndSession, scope)
	fault.sleep(r.Context())
	if fault != nil && (fault.EndSessionStatus != 0 || fault.EndSessionBody != "") {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Header().Set("Cache-Control", "no-store")
		w.WriteHeader(cmp.Or(fault.EndSessionStatus, http.StatusInternalServerError))
		_, _ = w.Write([]byte(fault.EndSessionBody))
		return
	}
	now := p.Now()
	var ended []*browserSession
	p.mu.Lock()
	if c, err := r.Cookie(sessionCookie); err == nil {
		if s := p.sessions[c.Value]; s != nil && !s.ended {
			ended = append(ended, s)
		}
	}
	if s := p.bySID[hintSID]; hintSID != "" && s != nil && !s.ended && s.user.Subject == hintSub && !slices.Contains(ended, s) {
		ended = append(ended, s)
	}
	for _, s := range ended {
		s.ended = true
		p.revokeSIDLocked(s.sid)
	}
	p.mu.Unlock()
	p.clearSessionCookie(w, iss)
	p.sendBackchannelLogouts(r.Context(), iss, ended, now)
	clientID := ""
	if client != nil {
		clientID = client.ID
	}
	p.log.LogAttrs(r.Context(), levelFor(http.StatusOK), "signed out", slog.String("client_id", clientID),
		slog.Int("sessions", len(ended)))
	plr, st := v["post_logout_redirect_uri"], v["state"]
	if fault != nil {
		st = faultValue(st, fault.EndSessionState)
		if fault.EndSessionRedirect != "" {
			plr = fault.EndSessionRedirect
		}
	}
	if plr != "" {
		target := plr
		if st != "" {
			sep := "?"
			if strings.Contains(plr, "?") {
				sep = "&"
			}
			target += sep + url.Values{"state": {st}}.Encode()
		}
		w.Header().Set("Cache-Control", "no-store")
		http.Redirect(w, r, target, http.StatusFound)
		return
	}
	messagePage(w, r, "idp.signed_out.heading", "idp.signed_out.text", "signed-out")
}

// checkLogoutRequest validates the logout parameters. It returns the
// hint's sid and sub, the client (nil if none is named), or a message for
// the error page.
func (p *Provider) checkLogoutRequest(v map[string]string, iss string) (sid, sub string, client *Client, msg string) {
	clientID := v["client_id"]
	if hint := v["id_token_hint"]; hint != "" {
		payload, err := p.liveKeys().verify(hint)
		var c struct {
			Iss string   `json:"iss"`
			Sub string   `json:"sub"`
			SID string   `json:"sid"`
			Aud audience `json:"aud"`
		}
		if err != nil || json.Unmarshal(payload, &c) != nil || !p.hintIssuerOK(iss, c.Iss) {
			return "", "", nil, "The id_token_hint is not an ID token issued by this provider."
		}
		switch {
		case clientID == "" && len(c.Aud) == 1:
			clientID = c.Aud[0]
		case clientID != "" && !slices.Contains(c.Aud, clientID):
			return "", "", nil, "The id_token_hint was not issued to this client_id."
		}
		sid, sub = c.SID, c.Sub
	}
	if clientID != "" {
		if client = p.client(clientID); client == nil {
			return "", "", nil, "The client_id is not registered at this provider."
		}
	}
	if plr := v["post_logout_redirect_uri"]; plr != "" {
		if client == nil {
			return "", "", nil, "A post_logout_redirect_uri needs a client_id or an id_token_hint."
		}
		if !client.allowsPostLogout(plr) {
			return "", "", nil, "The post_logout_redirect_uri is not registered for this client."
		}
	}
	return sid, sub, client, ""
}

// audience decodes an aud claim that is a string or an array of strings.
type audience []string

func (a *audience) UnmarshalJSON(b []byte) error {
	var s string
	if json.Unmarshal(b, &s) == nil {
		*a = audience{s}
		return nil
	}
	var ss []string
	if err := json.Unmarshal(b, &ss); err != nil {
		return err
	}
	*a = ss
	return nil
}

// browserParams reads the parameters of a front-channel request (authorize,
// end_session): the query of a GET or the form of a POST. Anything else, or a
// body that does not parse, gets an error page (never a redirect) and false.
func (p *Provider) browserParams(w http.ResponseWriter, r *http.Request, unreadable string) (url.Values, bool) {
	switch r.Method {
	case http.MethodGet:
		return r.URL.Query(), true
	case http.MethodPost:
		if err := r.ParseForm(); err != nil {
			p.errorPage(w, r, http.StatusBadRequest, unreadable, err)
			return nil, false
		}
		return r.PostForm, true
	default:
		w.Header().Set("Allow", "GET, POST")
		p.errorPage(w, r, http.StatusMethodNotAllowed, "Method not allowed.", nil)
		return nil, false
	}
}

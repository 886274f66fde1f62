package mockidp

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"
)

// backchannelEvent is the events member of a logout token.
const backchannelEvent = "http://schemas.openid.net/event/backchannel-logout"

// BackchannelLogout records one logout token the provider sent (OpenID
// Connect Back-Channel Logout 1.0), for tests to assert on.
type BackchannelLogout struct {
	// ClientID is the client the token was sent to.
	ClientID string
	// URI is the client's back-channel logout URI.
	URI string
	// Subject and SessionID are the token's sub and sid.
	Subject, SessionID string
	// LogoutToken is the signed logout token.
	LogoutToken string
	// StatusCode is the client's HTTP status; 0 when delivery failed.
	StatusCode int
	// Err is the delivery error, if any.
	Err error
}

// BackchannelLogouts returns the last logout tokens sent (at most 100), oldest first.
func (p *Provider) BackchannelLogouts() []BackchannelLogout {
	p.mu.Lock()
	defer p.mu.Unlock()
	return slices.Clone(p.logouts)
}

// sendBackchannelLogouts posts a logout token to every client of the ended
// sessions that registered a back-channel logout URI, in parallel, and
// waits for the answers (at most the HTTP client's timeout).
func (p *Provider) sendBackchannelLogouts(ctx context.Context, iss string, ended []*browserSession, now time.Time) {
	ctx = context.WithoutCancel(ctx)
	var wg sync.WaitGroup
	for _, s := range ended {
		p.mu.Lock()
		clients := make([]string, 0, len(s.clients))
		for id := range s.clients {
			clients = append(clients, id)
		}
		p.mu.Unlock()
		slices.Sort(clients)
		for _, id := range clients {
			c := p.client(id)
			if c == nil || c.BackchannelLogoutURI == "" {
				continue
			}
			wg.Go(func() { p.sendBackchannelLogout(ctx, iss, c, s, now) })
		}
	}
	wg.Wait()
}

func (p *Provider) sendBackchannelLogout(ctx context.Context, iss string, c *Client, s *browserSession, now time.Time) {
	rec := BackchannelLogout{ClientID: c.ID, URI: c.BackchannelLogoutURI, Subject: s.user.Subject, SessionID: s.sid}
	claims := map[string]any{
		"iss": iss, "aud": c.ID, "iat": now.Unix(), "exp": now.Add(2 * time.Minute).Unix(), "jti": randomToken()[:22],
		"sub": s.user.Subject, "sid": s.sid, "events": map[string]any{backchannelEvent: map[string]any{}},
	}
	fault := p.faults.take(faultLogoutToken, faultScope{clientID: c.ID})
	tok, err := p.signLogoutToken(c, s, claims, fault, now)
	if err == nil {
		rec.LogoutToken = tok
		rec.StatusCode, err = p.postLogoutToken(ctx, c.BackchannelLogoutURI, tok)
	}
	rec.Err = err
	p.log.LogAttrs(ctx, levelFor(http.StatusOK), "back-channel logout", slog.String("client_id", c.ID),
		slog.Int("status", rec.StatusCode), slog.String("error", errText(err)))
	p.mu.Lock()
	p.logouts = append(p.logouts, rec)
	if len(p.logouts) > maxCaptured { // a long-running mock must not grow with every logout
		p.logouts = slices.Delete(p.logouts, 0, len(p.logouts)-maxCaptured)
	}
	p.mu.Unlock()
}

func (p *Provider) postLogoutToken(ctx context.Context, uri, tok string) (int, error) {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, uri, strings.NewReader(url.Values{"logout_token": {tok}}.Encode()))
	if err != nil {
		return 0, fmt.Errorf("back-channel logout request: %w", err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := p.cfg.HTTPClient.Do(req)
	if err != nil {
		return 0, fmt.Errorf("back-channel logout: %w", err)
	}
	resp.Body.Close()
	return resp.StatusCode, nil
}

func errText(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

// EndSessions ends every live browser session of the user sub, as if the
// provider had signed them out (an administrator, an expiry, another
// device): their grants are revoked and the relying parties that took
// part get back-channel logout tokens, with any queued logout token
// faults applied. It returns how many sessions ended.
func (p *Provider) EndSessions(ctx context.Context, sub string) int {
	now := p.Now()
	var ended []*browserSession
	p.mu.Lock()
	for _, s := range p.bySID {
		if s.user.Subject == sub && !s.ended && !now.After(s.expires) {
			s.ended = true
			p.revokeSIDLocked(s.sid)
			ended = append(ended, s)
		}
	}
	p.mu.Unlock()
	slices.SortFunc(ended, func(a, b *browserSession) int { return strings.Compare(a.sid, b.sid) })
	for _, s := range ended {
		p.sendBackchannelLogouts(ctx, s.iss, []*browserSession{s}, now)
	}
	return len(ended)
}

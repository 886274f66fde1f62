package bench

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"time"
)

// idleTimeout is rp's --idle-timeout in `idle`: short, so that a session's
// last-seen time ages past the point where rp refreshes it (idle/20) within
// seconds.
const idleTimeout = 4 * time.Second

// idle checks, with rp's forward auth, what a proxy that drops /auth/verify's
// Set-Cookie (nginx auth_request, Traefik, Caddy) does to a person who keeps
// using the app: one session, its first cookie sent every idle/8 for 1.5 ×
// idle timeout. It counts the answers that carry Set-Cookie: of the session
// (rp re-writing it although nothing but the time changed) and of the
// last-seen cookie alone (rp writes one, sees it not come back, and stops:
// at most one is expected); and those that are not 200 (the person was signed
// out although active).
func (s *suite) idle(ctx context.Context) error {
	st, err := s.startStack(ctx, stackOptions{alg: "EdDSA", rpArgs: []string{"--idle-timeout", idleTimeout.String()}})
	if err != nil {
		return err
	}
	defer stopStack(st)
	cookie, err := s.signer(st).SignIn(ctx)
	if err != nil {
		return err
	}
	client := &http.Client{Transport: s.transport, Timeout: 10 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	var writes, seenWrites, refused, sent int
	ticker := time.NewTicker(idleTimeout / 8)
	defer ticker.Stop()
	for end := time.Now().Add(idleTimeout * 3 / 2); time.Now().Before(end); {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-ticker.C:
		}
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, st.RPURL+"/auth/verify", nil)
		if err != nil {
			return err
		}
		req.Header.Set("Cookie", cookie) // the proxy never passes Set-Cookie back
		resp, err := client.Do(req)
		if err != nil {
			return err
		}
		resp.Body.Close()
		sent++
		session, seen := false, false
		for _, c := range resp.Cookies() {
			switch strings.TrimPrefix(c.Name, "__Host-") {
			case "foyer_seen":
				seen = true
			default:
				session = true
			}
		}
		if session {
			writes++
		} else if seen {
			seenWrites++
		}
		if resp.StatusCode != http.StatusOK {
			refused++
		}
	}
	s.logf("idle: %d requests over %v, %d with a session Set-Cookie, %d with a last-seen one alone, %d not 200", sent, idleTimeout*3/2, writes, seenWrites, refused)
	kase := fmt.Sprintf("idle timeout %v", idleTimeout)
	s.report.Add("idle", kase, fmt.Sprintf("/auth/verify answers with Set-Cookie of the session, of %d", sent), float64(writes), "", "0")
	s.report.Add("idle", kase, fmt.Sprintf("/auth/verify answers with only a last-seen Set-Cookie, of %d", sent), float64(seenWrites), "", "≤ 1 (rp learns it does not come back)")
	s.report.Add("idle", kase, "active user refused, first cookie kept", float64(refused), "", "0")
	s.facts["idle writes"], s.facts["idle seen writes"], s.facts["idle refused"] = float64(writes), float64(seenWrites), float64(refused)
	return nil
}

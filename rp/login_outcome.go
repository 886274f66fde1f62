package rp

import (
	"crypto/sha256"
	"encoding/hex"
	"log/slog"
	"net/http"
	"time"
)

// signInOutcome logs one line for a finished callback and records it in the metrics:
// provider, outcome, a reason from a small fixed set, the duration, and for a success a
// hash of the user's iss and sub. Tokens, codes, emails and names are never logged.
func (p *RP) signInOutcome(r *http.Request, provider string, s *Session, err error, start time.Time) {
	d := p.settings.Now().Sub(start)
	p.metrics.signIn(provider, err, d)
	if provider == "" {
		provider = labelNoProvider
	}
	attrs := []slog.Attr{
		slog.String("provider", provider),
		slog.Duration("duration", d),
	}
	if err != nil {
		attrs = append(attrs, slog.String("outcome", outcomeFailure), slog.String("reason", reasonOf(err)))
		p.log.LogAttrs(r.Context(), slog.LevelWarn, "sign-in", attrs...)
		return
	}
	attrs = append(attrs, slog.String("outcome", outcomeSuccess), slog.String("user", userHash(s.Issuer, s.Subject)),
		slog.String("session", shortID(s.ID)))
	p.log.LogAttrs(r.Context(), slog.LevelInfo, "sign-in", attrs...)
}

// userHash is a short, stable pseudonym of a user for logs: it lets lines of one user
// be correlated without writing down who they are.
func userHash(iss, sub string) string {
	sum := sha256.Sum256([]byte(iss + "\x00" + sub))
	return hex.EncodeToString(sum[:8])
}

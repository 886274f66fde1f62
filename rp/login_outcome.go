package rp

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"log/slog"
	"maps"
	"net/http"
	"net/url"
	"time"
)

// signInOutcome logs one line for a finished callback and records it in the metrics:
// provider, outcome, a reason from a small fixed set, the duration, and for a success a
// hash of the user's iss and sub. Tokens, codes, emails and names are never logged.
func (p *RP) signInOutcome(r *http.Request, provider string, s *Session, err error, start time.Time) {
	d := p.s.Now().Sub(start)
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

// lostLoginError is the outcome of a callback with no matching sign-in attempt.
func lostLoginError(params url.Values) error {
	if e := params.Get("error"); e != "" {
		return lostAuthError(e, params.Get("error_description"))
	}
	return newError(http.StatusBadRequest, "login_expired", "This sign-in link has expired or was already used.",
		errors.New("callback: no matching login attempt"))
}

// quirkClaims adds provider-specific claims to extra (the claims kept besides the ID
// token's, which may be nil) and returns it: Apple's first-sign-in name, and groups
// read from the configured claim paths.
func (p *RP) quirkClaims(prov *provider, params url.Values, token, extra map[string]any) map[string]any {
	if prov.cfg.Kind == KindApple {
		names := appleUserClaims(params.Get("user"), token)
		// Apple sends email_verified as the string "true".
		if v, ok := token["email_verified"].(string); ok {
			if names == nil {
				names = map[string]any{}
			}
			names["email_verified"] = v == "true"
		}
		if names != nil {
			if extra == nil {
				extra = map[string]any{}
			}
			maps.Copy(extra, names)
		}
	}
	if paths := prov.groupsPaths(); paths != nil {
		all := maps.Clone(token)
		maps.Copy(all, extra)
		if extra == nil {
			extra = map[string]any{}
		}
		groups := []any{}
		for _, g := range groupsFrom(all, paths) {
			groups = append(groups, g)
		}
		extra["groups"] = groups
	}
	return extra
}

package rp

import (
	"context"
	"fmt"
	"io"
	"mime"
	"net/http"
)

// fetchUserInfo calls the provider's userinfo endpoint with the access token in the
// Authorization header (never the query) and returns its claims. Its sub must equal the
// ID token's (OpenID Connect Core §5.3.2). Signed (application/jwt) answers are verified
// with the provider's keys and must name the provider as iss and the client in aud.
func (p *RP) fetchUserInfo(ctx context.Context, prov *provider, m *metadata, accessToken, sub string) (map[string]any, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, m.userinfoURL, nil)
	if err != nil {
		return nil, fmt.Errorf("userinfo: %w", err)
	}
	req.Header.Set("Authorization", "Bearer "+accessToken)
	req.Header.Set("Accept", "application/json, application/jwt")
	resp, err := p.client.Do(req)
	if err != nil {
		return nil, providerError("userinfo", err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, providerError("userinfo", err)
	}
	if resp.StatusCode != http.StatusOK {
		return nil, providerError("userinfo", fmt.Errorf("status %d", resp.StatusCode))
	}
	ct, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type"))
	var claims map[string]any
	switch ct {
	case "application/jwt":
		payload, err := m.keys.VerifySignature(ctx, string(body))
		if err != nil {
			return nil, invalidToken("signed userinfo: %w", err)
		}
		if claims, err = decodeJSONObject(payload); err != nil {
			return nil, invalidToken("signed userinfo: %w", err)
		}
		if iss, ok := claims["iss"]; ok && iss != prov.cfg.Issuer {
			return nil, invalidToken("signed userinfo: wrong iss")
		}
		if !audienceHas(claims["aud"], prov.cfg.ClientID) {
			if _, ok := claims["aud"]; ok {
				return nil, invalidToken("signed userinfo: wrong aud")
			}
		}
	default:
		if claims, err = decodeJSONObject(body); err != nil {
			return nil, invalidToken("userinfo: %w", err)
		}
	}
	if got, _ := claims["sub"].(string); got != sub {
		return nil, invalidToken("userinfo sub does not match the id token's")
	}
	return claims, nil
}

func audienceHas(aud any, client string) bool {
	switch a := aud.(type) {
	case string:
		return a == client
	case []any:
		for _, x := range a {
			if x == client {
				return true
			}
		}
	}
	return false
}

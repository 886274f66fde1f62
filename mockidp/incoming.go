package mockidp

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/go-jose/go-jose/v4"
)

// incomingJWT is a JWT presented to the provider (a token exchange's
// subject or actor token) that it verified: issued by itself or by one of
// Config.TrustedIssuers.
type incomingJWT struct {
	claims map[string]any
	typ    string // the typ header
	iss    string
	ours   bool // issued by this provider
}

func (t *incomingJWT) str(name string) string {
	s, _ := t.claims[name].(string)
	return s
}

// verifyIncoming verifies tok for issuer iss (the issuer of the request):
// signed by this provider's published keys or by the keys of the trusted
// issuer its iss names, with an asymmetric alg, not a logout token, with
// an exp in the future (at most maxAhead ahead when maxAhead > 0) and no
// nbf or iat in the future.
func (p *Provider) verifyIncoming(tok, iss string, maxAhead time.Duration) (*incomingJWT, error) {
	jws, err := jose.ParseSignedCompact(tok, joseAlgs)
	if err != nil {
		return nil, fmt.Errorf("not a JWS signed with an asymmetric algorithm: %w", err)
	}
	var peek struct {
		Iss string `json:"iss"`
	}
	if err := json.Unmarshal(jws.UnsafePayloadWithoutVerification(), &peek); err != nil || peek.Iss == "" {
		return nil, errors.New("no iss claim")
	}
	var payload []byte
	ours := p.hintIssuerOK(iss, peek.Iss)
	switch src, trusted := p.trusted[peek.Iss]; {
	case ours:
		payload, err = p.liveKeys().verify(tok)
	case trusted:
		payload, err = p.verifyJWS(jws, src)
	default:
		return nil, fmt.Errorf("issuer %q is neither this provider nor a trusted issuer", peek.Iss)
	}
	if err != nil {
		return nil, fmt.Errorf("signature: %w", err)
	}
	dec := json.NewDecoder(bytes.NewReader(payload))
	dec.UseNumber()
	t := &incomingJWT{iss: peek.Iss, ours: ours}
	if err := dec.Decode(&t.claims); err != nil {
		return nil, fmt.Errorf("claims: %w", err)
	}
	t.typ, _ = jws.Signatures[0].Header.ExtraHeaders[jose.HeaderType].(string)
	if t.typ == typLogout || t.claims["events"] != nil {
		return nil, errors.New("a logout token is no credential")
	}
	var times assertionClaims
	if err := json.Unmarshal(payload, &times); err != nil {
		return nil, fmt.Errorf("time claims: %w", err)
	}
	max := maxAhead
	if max <= 0 {
		max = 100 * 365 * 24 * time.Hour
	}
	if err := times.checkTimes(p.Now(), max); err != nil {
		return nil, err
	}
	return t, nil
}

package mockidp

import (
	"crypto/sha256"
	"fmt"
	"regexp"
	"slices"
	"strings"
)

// EntraDefaultTenant is the tid of users without a tid claim under the
// entra persona (a made-up tenant ID).
const EntraDefaultTenant = "7d0f3c2a-5b1e-4c9d-8a6f-2e4b1d3c5a70"

// entraMultiTenants are the tenant path segments that mean "any tenant":
// their discovery shows the issuer template and tokens carry the user's
// own tenant.
var entraMultiTenants = []string{"common", "organizations", "consumers"}

var validTenant = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9.-]{0,63}$`)

// entraRoute splits rel ("/{tenant}/v2.0/rest") under the entra persona
// and returns the tenant and the rest.
func entraRoute(rel string) (tenant, rest string, ok bool) {
	t, after, found := strings.Cut(strings.TrimPrefix(rel, "/"), "/")
	rest, found2 := strings.CutPrefix("/"+after, "/v2.0")
	if !found || !found2 || !validTenant.MatchString(t) {
		return "", "", false
	}
	return t, rest, true
}

// tokenIssuer is the iss of tokens issued for g at the issuer iss: iss
// itself, except under entra, where it names the user's tenant.
func (p *Provider) tokenIssuer(iss string, g *grant) string {
	if p.cfg.Persona != PersonaEntra {
		return iss
	}
	base, tenant := entraSplit(iss)
	return base + "/" + p.entraTID(tenant, g.user) + "/v2.0"
}

// entraSplit splits an entra issuer base/{tenant}/v2.0.
func entraSplit(iss string) (base, tenant string) {
	s := strings.TrimSuffix(iss, "/v2.0")
	i := strings.LastIndexByte(s, '/')
	return s[:i], s[i+1:]
}

// entraTID is the tid of u signing in through tenant: the tenant itself,
// or for a multi-tenant segment the user's tid claim.
func (p *Provider) entraTID(tenant string, u User) string {
	if !slices.Contains(entraMultiTenants, tenant) {
		return tenant
	}
	if tid, ok := u.Claims["tid"].(string); ok && tid != "" {
		return tid
	}
	return EntraDefaultTenant
}

// hintIssuerOK reports whether an id_token_hint's iss fits the issuer iss
// of the end_session request.
func (p *Provider) hintIssuerOK(iss, hintIss string) bool {
	if p.cfg.Persona != PersonaEntra {
		return hintIss == iss
	}
	base, tenant := entraSplit(iss)
	hb, ht := entraSplit(hintIss)
	return strings.HasSuffix(hintIss, "/v2.0") && hb == base && (ht == tenant || slices.Contains(entraMultiTenants, tenant))
}

// pseudoUUID derives a stable UUID-shaped identifier from s (Entra's oid).
func pseudoUUID(s string) string {
	h := sha256.Sum256([]byte("oid:" + s))
	h[6] = h[6]&0x0f | 0x40
	h[8] = h[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", h[0:4], h[4:6], h[6:8], h[8:10], h[10:16])
}

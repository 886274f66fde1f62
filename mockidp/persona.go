package mockidp

import (
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"strings"
)

// Personas for [Config.Persona]: each imitates the discovery document and
// token quirks of a real provider, so a relying party can be tested
// against them offline. See doc.go for the list of quirks.
const (
	PersonaEntra    = "entra"
	PersonaGoogle   = "google"
	PersonaApple    = "apple"
	PersonaKeycloak = "keycloak"
	PersonaAuth0    = "auth0"
)

var personas = []string{"", PersonaEntra, PersonaGoogle, PersonaApple, PersonaKeycloak, PersonaAuth0}

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

// sendsIssParam reports whether authorization responses carry iss (RFC
// 9207); Entra, Google and Apple do not.
func (p *Provider) sendsIssParam() bool {
	switch p.cfg.Persona {
	case PersonaEntra, PersonaGoogle, PersonaApple:
		return false
	}
	return true
}

// personaDiscovery adjusts the discovery document doc for the persona.
func (p *Provider) personaDiscovery(doc map[string]any, iss string) {
	drop := func(keys ...string) {
		for _, k := range keys {
			delete(doc, k)
		}
	}
	switch p.cfg.Persona {
	case PersonaEntra:
		if base, tenant := entraSplit(iss); slices.Contains(entraMultiTenants, tenant) {
			doc["issuer"] = base + "/{tenantid}/v2.0"
		}
		doc["tenant_region_scope"] = "WW"
		doc["cloud_instance_name"] = "microsoftonline.com"
		doc["claims_supported"] = []string{"sub", "iss", "aud", "exp", "iat", "auth_time", "nonce", "tid", "oid", "ver",
			"name", "preferred_username", "email"}
		drop("authorization_response_iss_parameter_supported", "introspection_endpoint",
			"introspection_endpoint_auth_methods_supported", "revocation_endpoint", "revocation_endpoint_auth_methods_supported")
	case PersonaGoogle:
		doc["claims_supported"] = []string{"aud", "email", "email_verified", "exp", "family_name", "given_name", "iat", "iss",
			"name", "picture", "sub", "hd"}
		drop("end_session_endpoint", "backchannel_logout_supported", "backchannel_logout_session_supported",
			"authorization_response_iss_parameter_supported", "introspection_endpoint", "introspection_endpoint_auth_methods_supported")
	case PersonaApple:
		doc["response_modes_supported"] = []string{"query", "form_post"}
		doc["token_endpoint_auth_methods_supported"] = []string{"client_secret_post"}
		doc["claims_supported"] = []string{"aud", "email", "email_verified", "exp", "iat", "is_private_email", "iss",
			"nonce", "nonce_supported", "sub", "auth_time"}
		drop("userinfo_endpoint", "end_session_endpoint", "backchannel_logout_supported", "backchannel_logout_session_supported",
			"authorization_response_iss_parameter_supported", "introspection_endpoint", "introspection_endpoint_auth_methods_supported")
	case PersonaKeycloak:
		doc["claims_supported"] = append(doc["claims_supported"].([]any), "realm_access", "resource_access", "typ", "session_state")
	case PersonaAuth0:
		drop("introspection_endpoint", "introspection_endpoint_auth_methods_supported")
	}
	doc["scopes_supported"] = p.scopes
}

// personaIDClaims adds the persona's claims to an ID token (idToken) or
// an access token.
func (p *Provider) personaClaims(claims map[string]any, iss string, c *Client, g *grant, idToken bool) {
	u := g.user
	switch p.cfg.Persona {
	case PersonaEntra:
		_, tenant := entraSplit(iss)
		claims["tid"] = p.entraTID(tenant, u)
		claims["ver"] = "2.0"
		claims["oid"] = pseudoUUID(u.Subject)
		delete(claims, "sid")
	case PersonaGoogle:
		if email, ok := claims["email"].(string); ok {
			if _, ok := claims["email_verified"]; !ok {
				claims["email_verified"] = true
			}
			if _, domain, _ := strings.Cut(email, "@"); domain != "" && domain != "gmail.com" && domain != "googlemail.com" {
				claims["hd"] = domain
			}
		}
		delete(claims, "sid")
	case PersonaApple:
		for k := range claims {
			switch k {
			case "iss", "sub", "aud", "exp", "iat", "nonce", "auth_time", "at_hash", "email", "is_private_email", "client_id", "scope", "jti":
			case "email_verified":
				claims[k] = fmt.Sprint(claims[k]) // Apple sends "true", a string
			default:
				delete(claims, k)
			}
		}
		if _, ok := claims["email_verified"]; !ok && claims["email"] != nil {
			claims["email_verified"] = "true"
		}
		if idToken {
			claims["nonce_supported"] = true
		}
	case PersonaKeycloak:
		roles := u.Claims["roles"]
		if roles == nil {
			roles = u.Claims["groups"]
		}
		if roles == nil {
			roles = []any{}
		}
		claims["realm_access"] = map[string]any{"roles": roles}
		claims["resource_access"] = map[string]any{c.ID: map[string]any{"roles": roles},
			"account": map[string]any{"roles": []string{"manage-account", "view-profile"}}}
		claims["typ"] = "Bearer"
		if idToken {
			claims["typ"] = "ID"
		}
		claims["session_state"] = g.sid
	}
}

// personaTokenResponse adds the persona's members to a token response.
func (p *Provider) personaTokenResponse(resp *tokenResponse, g *grant) {
	if p.cfg.Persona == PersonaKeycloak {
		if resp.RefreshToken != "" {
			resp.RefreshExpiresIn = int64(p.cfg.RefreshTokenTTL.Seconds())
		}
		zero := 0
		resp.NotBeforePolicy = &zero
		resp.SessionState = g.sid
	}
}

// pseudoUUID derives a stable UUID-shaped identifier from s (Entra's oid).
func pseudoUUID(s string) string {
	h := sha256.Sum256([]byte("oid:" + s))
	h[6] = h[6]&0x0f | 0x40
	h[8] = h[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", h[0:4], h[4:6], h[6:8], h[8:10], h[10:16])
}

// appleUserField returns the form_post "user" member Apple sends on the
// first authorization of a user by a client that asked for name or email,
// and "" afterwards.
func (p *Provider) appleUserField(req *authRequest, u User) string {
	if p.cfg.Persona != PersonaApple || req.responseMode != "form_post" ||
		!(slices.Contains(req.scopes, "name") || slices.Contains(req.scopes, "email")) {
		return ""
	}
	key := req.client.ID + "\x00" + u.Subject
	p.mu.Lock()
	seen := p.appleSeen[key]
	p.appleSeen[key] = true
	p.mu.Unlock()
	if seen {
		return ""
	}
	v := map[string]any{}
	if slices.Contains(req.scopes, "name") {
		first, _ := u.Claims["given_name"].(string)
		last, _ := u.Claims["family_name"].(string)
		if full, ok := u.Claims["name"].(string); ok && first == "" && last == "" {
			first, last, _ = strings.Cut(full, " ")
		}
		v["name"] = map[string]string{"firstName": first, "lastName": last}
	}
	if email, ok := u.Claims["email"].(string); ok && slices.Contains(req.scopes, "email") {
		v["email"] = email
	}
	b, _ := json.Marshal(v) // strings only: cannot fail
	return string(b)
}

// appleResponseMode applies Apple's response_mode rules to req: form_post
// by default, and required when name or email is requested.
func (p *Provider) appleResponseMode(req *authRequest, params url.Values) error {
	if p.cfg.Persona != PersonaApple {
		return nil
	}
	if params.Get("response_mode") == "" {
		req.responseMode = "form_post"
	}
	if req.responseMode != "form_post" && (slices.Contains(req.scopes, "name") || slices.Contains(req.scopes, "email")) {
		return newError(errInvalidRequest, "response_mode must be form_post when name or email scope is requested")
	}
	return nil
}

package mockidp

import (
	"encoding/json"
	"fmt"
	"net/url"
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

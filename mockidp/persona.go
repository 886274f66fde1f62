package mockidp

import (
	"encoding/json"
	"net/url"
	"slices"
	"strings"
)

// Personas for [Config.Persona]: each imitates the discovery document and
// token quirks of a real OpenID Provider, so a relying party can be tested
// against them offline. See doc.go for the list of quirks, and
// persona_*.go for the OAuth 2.0 providers without OpenID Connect
// ([PersonaGitHub], [PersonaNaver], [PersonaKakao], [PersonaDiscord],
// [PersonaFacebook], [PersonaX]).
//
// Each persona was checked against its provider's documentation:
//   - Entra: persona_entra.go.
//   - Google: https://developers.google.com/identity/openid-connect/openid-connect
//     (hd, email_verified, no end_session) and
//     https://developers.google.com/identity/gsi/web/guides/verify-google-id-token
//     (iss is accounts.google.com or https://accounts.google.com).
//   - Apple: https://developer.apple.com/documentation/signinwithapple/authenticating-users-with-sign-in-with-apple
//     and https://developer.apple.com/documentation/signinwithapplejs/authorizationi/id_token
//     (email_verified and is_private_email are strings or booleans;
//     real_user_status), https://developer.apple.com/forums/thread/662175
//     (Apple's answer: "The value can either be a String or a Boolean"),
//     https://developer.apple.com/documentation/signinwithapplerestapi/request-an-authorization-to-the-sign-in-with-apple-server
//     (the user member only on the first authorization, form_post).
//   - Keycloak: https://www.keycloak.org/docs/latest/server_admin/ (realm_access,
//     resource_access) and the upgrading guide,
//     https://www.keycloak.org/docs/latest/upgrading/ (since 26 the
//     session_state claim is gone from tokens and stays in the token
//     response; sid remains).
//   - Auth0: https://auth0.com/docs/authenticate/login/logout/log-users-out-of-auth0
//     (end_session_endpoint in discovery, the default for tenants since
//     2023-11-14) and https://auth0.com/docs/get-started/applications/configure-applications-with-oidc-discovery
//     (the issuer https://{domain}/ ends with a slash).
const (
	PersonaEntra    = "entra"
	PersonaGoogle   = "google"
	PersonaApple    = "apple"
	PersonaKeycloak = "keycloak"
	PersonaAuth0    = "auth0"
)

var personas = []string{"", PersonaEntra, PersonaGoogle, PersonaApple, PersonaKeycloak, PersonaAuth0,
	PersonaGitHub, PersonaNaver, PersonaKakao, PersonaDiscord, PersonaFacebook, PersonaX}

// sendsIssParam reports whether authorization responses carry iss (RFC
// 9207); Entra, Google, Apple and the OAuth 2.0 providers do not.
func (p *Provider) sendsIssParam() bool {
	switch p.cfg.Persona {
	case PersonaEntra, PersonaGoogle, PersonaApple:
		return false
	}
	return socialPersonas[p.cfg.Persona] == nil
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
	case PersonaKakao:
		kakaoDiscovery(doc, iss)
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
		entraUserClaims(claims, claims["tid"].(string), u)
	case PersonaGoogle:
		// Google's iss is https://accounts.google.com or, for some
		// tokens, accounts.google.com: users with iss_without_scheme get
		// the second form.
		if claimTrue(u, "iss_without_scheme") {
			iss, _ := claims["iss"].(string)
			_, rest, _ := strings.Cut(iss, "://")
			claims["iss"] = rest
		}
		delete(claims, "iss_without_scheme")
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
			// email_verified and is_private_email keep the user's type:
			// Apple sends either strings ("true") or booleans.
			case "iss", "sub", "aud", "exp", "iat", "nonce", "auth_time", "at_hash", "email", "email_verified",
				"is_private_email", "real_user_status", "client_id", "scope", "jti":
			default:
				delete(claims, k)
			}
		}
		if _, ok := claims["email_verified"]; !ok && claims["email"] != nil {
			claims["email_verified"] = "true"
		}
		if v, ok := u.Claims["is_private_email"]; ok && claims["email"] != nil {
			claims["is_private_email"] = v
		}
		if v, ok := u.Claims["real_user_status"]; ok && idToken {
			claims["real_user_status"] = v
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
	case PersonaKakao:
		kakaoIDClaims(claims, g, g.scopes, idToken)
	}
}

// personaTokenResponse adds the persona's members to a token response.
func (p *Provider) personaTokenResponse(resp *tokenResponse, g *grant) {
	if p.cfg.Persona == PersonaKakao && resp.RefreshToken != "" {
		resp.RefreshExpiresIn = int64(p.cfg.RefreshTokenTTL.Seconds())
	}
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

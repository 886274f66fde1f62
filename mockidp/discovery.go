package mockidp

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
)

// supportedScopes are the scopes a client may request.
var supportedScopes = []string{"openid", "profile", "email", "groups", "offline_access"}

// discoveryDoc is the OpenID Provider Metadata (OpenID Connect Discovery
// 1.0 section 3, RFC 8414). A struct keeps the field order stable.
type discoveryDoc struct {
	Issuer                            string   `json:"issuer"`
	AuthorizationEndpoint             string   `json:"authorization_endpoint"`
	TokenEndpoint                     string   `json:"token_endpoint"`
	UserinfoEndpoint                  string   `json:"userinfo_endpoint"`
	JWKSURI                           string   `json:"jwks_uri"`
	RevocationEndpoint                string   `json:"revocation_endpoint"`
	IntrospectionEndpoint             string   `json:"introspection_endpoint"`
	EndSessionEndpoint                string   `json:"end_session_endpoint"`
	ScopesSupported                   []string `json:"scopes_supported"`
	ResponseTypesSupported            []string `json:"response_types_supported"`
	ResponseModesSupported            []string `json:"response_modes_supported"`
	GrantTypesSupported               []string `json:"grant_types_supported"`
	SubjectTypesSupported             []string `json:"subject_types_supported"`
	IDTokenSigningAlgValuesSupported  []string `json:"id_token_signing_alg_values_supported"`
	TokenEndpointAuthMethodsSupported []string `json:"token_endpoint_auth_methods_supported"`
	TokenEndpointAuthSigningAlgs      []string `json:"token_endpoint_auth_signing_alg_values_supported"`
	RevocationAuthMethodsSupported    []string `json:"revocation_endpoint_auth_methods_supported"`
	RevocationAuthSigningAlgs         []string `json:"revocation_endpoint_auth_signing_alg_values_supported"`
	IntrospectionAuthMethodsSupported []string `json:"introspection_endpoint_auth_methods_supported"`
	IntrospectionAuthSigningAlgs      []string `json:"introspection_endpoint_auth_signing_alg_values_supported"`
	CodeChallengeMethodsSupported     []string `json:"code_challenge_methods_supported"`
	ClaimsSupported                   []string `json:"claims_supported"`
	PromptValuesSupported             []string `json:"prompt_values_supported"`
	ClaimsParameterSupported          bool     `json:"claims_parameter_supported"`
	RequestParameterSupported         bool     `json:"request_parameter_supported"`
	RequestURIParameterSupported      bool     `json:"request_uri_parameter_supported"`
	AuthorizationResponseIssParameter bool     `json:"authorization_response_iss_parameter_supported"`
	BackchannelLogoutSupported        bool     `json:"backchannel_logout_supported"`
	BackchannelLogoutSessionSupported bool     `json:"backchannel_logout_session_supported"`
	FrontchannelLogoutSupported       bool     `json:"frontchannel_logout_supported"`
	// Only when Config.DeviceFlow / Config.PAR are set.
	DeviceAuthorizationEndpoint string `json:"device_authorization_endpoint,omitempty"`
	PAREndpoint                 string `json:"pushed_authorization_request_endpoint,omitempty"`
	RequirePAR                  bool   `json:"require_pushed_authorization_requests,omitempty"`
}

// discovery returns the metadata for issuer: browser-facing endpoints on
// the public base, back-channel ones on the internal base.
func (p *Provider) discovery(iss string) discoveryDoc {
	auth := []string{"client_secret_basic", "client_secret_post", "private_key_jwt"}
	base := strings.TrimSuffix(iss, "/") // Auth0's issuer ends with a slash
	pub, internal := base, base
	path := strings.TrimSuffix(pathOf(iss), "/") // with Entra's /{tenant}/v2.0
	if p.cfg.PublicURL != "" {
		pub = strings.TrimSuffix(p.cfg.PublicURL, "/") + path
	}
	if p.cfg.InternalURL != "" {
		internal = strings.TrimSuffix(p.cfg.InternalURL, "/") + path
	}
	doc := discoveryDoc{
		Issuer:                            iss,
		AuthorizationEndpoint:             pub + "/authorize",
		TokenEndpoint:                     internal + "/token",
		UserinfoEndpoint:                  internal + "/userinfo",
		JWKSURI:                           internal + "/jwks",
		RevocationEndpoint:                internal + "/revoke",
		IntrospectionEndpoint:             internal + "/introspect",
		EndSessionEndpoint:                pub + "/end_session",
		ScopesSupported:                   supportedScopes,
		ResponseTypesSupported:            []string{"code"},
		ResponseModesSupported:            []string{"query", "form_post"},
		GrantTypesSupported:               []string{GrantAuthorizationCode, GrantRefreshToken, GrantClientCredentials, GrantTokenExchange, GrantJWTBearer},
		SubjectTypesSupported:             []string{"public"},
		IDTokenSigningAlgValuesSupported:  []string{p.cfg.Alg},
		TokenEndpointAuthMethodsSupported: []string{"client_secret_basic", "client_secret_post", "private_key_jwt", "none"},
		TokenEndpointAuthSigningAlgs:      assertionAlgs,
		RevocationAuthMethodsSupported:    []string{"client_secret_basic", "client_secret_post", "private_key_jwt", "none"},
		RevocationAuthSigningAlgs:         assertionAlgs,
		IntrospectionAuthMethodsSupported: auth,
		IntrospectionAuthSigningAlgs:      assertionAlgs,
		CodeChallengeMethodsSupported:     []string{"S256", "plain"},
		ClaimsSupported: []string{"iss", "sub", "aud", "exp", "iat", "auth_time", "nonce", "at_hash", "sid", "azp",
			"name", "preferred_username", "email", "email_verified", "groups"},
		PromptValuesSupported:             []string{"none", "login", "consent", "select_account"},
		AuthorizationResponseIssParameter: true,
		BackchannelLogoutSupported:        true,
		BackchannelLogoutSessionSupported: true,
	}
	if p.cfg.DeviceFlow {
		doc.DeviceAuthorizationEndpoint = internal + "/device_authorization"
		doc.GrantTypesSupported = append(doc.GrantTypesSupported, GrantDeviceCode)
	}
	if p.cfg.PAR {
		doc.PAREndpoint = internal + "/par"
		doc.RequirePAR = p.cfg.RequirePAR
	}
	return doc
}

func (p *Provider) serveDiscovery(w http.ResponseWriter, r *http.Request, iss string) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		methodNotAllowed(w, http.MethodGet)
		return
	}
	w.Header().Set("Access-Control-Allow-Origin", "*")
	fault := p.faults.take(faultDiscovery, faultScope{})
	fault.sleep(r.Context())
	switch {
	case fault == nil && p.cfg.Persona == "":
		writeJSON(w, http.StatusOK, p.discovery(iss))
	case fault != nil && (fault.DiscoveryStatus != 0 || fault.DiscoveryBody != ""):
		writeRaw(w, fault.DiscoveryStatus, fault.DiscoveryBody)
	default:
		var doc map[string]any
		b, _ := json.Marshal(p.discovery(iss))
		_ = json.Unmarshal(b, &doc) // round trip of our own struct: cannot fail
		p.personaDiscovery(doc, iss)
		if fault != nil {
			applyClaims(doc, fault.DiscoveryClaims)
		}
		writeJSON(w, http.StatusOK, doc)
	}
}

func (p *Provider) serveJWKS(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		methodNotAllowed(w, http.MethodGet)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "application/jwk-set+json")
	h.Set("Cache-Control", p.cfg.JWKSCacheControl)
	h.Set("Access-Control-Allow-Origin", "*")
	set := p.liveKeys()
	fault := p.faults.take(faultJWKS, faultScope{})
	fault.sleep(r.Context())
	switch {
	case fault != nil && (fault.JWKSStatus != 0 || fault.JWKSBody != ""):
		writeRaw(w, fault.JWKSStatus, fault.JWKSBody)
	case fault != nil:
		decoys, err := p.decoyKeys(fault.JWKSExtraKeys)
		var b []byte
		if err == nil {
			b, err = marshalJWKS(set.published, decoys, fault.JWKSNoKID)
		}
		if err != nil {
			p.writeOAuthError(w, r, "jwks", "", err)
			return
		}
		_, _ = w.Write(b)
	default:
		h.Set("ETag", set.etag)
		if r.Header.Get("If-None-Match") == set.etag {
			w.WriteHeader(http.StatusNotModified)
			return
		}
		_, _ = w.Write(set.jwks)
	}
}

func methodNotAllowed(w http.ResponseWriter, allow string) {
	w.Header().Set("Allow", allow)
	writeJSON(w, http.StatusMethodNotAllowed, map[string]string{"error": errInvalidRequest, "error_description": "method not allowed"})
}

// pathOf returns the path of the URL s.
func pathOf(s string) string {
	u, err := url.Parse(s)
	if err != nil {
		return ""
	}
	return u.Path
}

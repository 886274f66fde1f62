package mockidp

import (
	"crypto/sha256"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
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

// Entra ID's claims and Microsoft Graph, checked against:
//
//   - https://learn.microsoft.com/en-us/entra/identity-platform/id-token-claims-reference
//     no email_verified; preferred_username is the sign-in name (a UPN
//     for work accounts), mutable, not for authorization decisions.
//   - https://learn.microsoft.com/en-us/entra/identity-platform/optional-claims-reference
//     email is optional and unverified; xms_edov (optional) says whether
//     the email domain owner was verified.
//   - https://learn.microsoft.com/en-us/security/operations/incident-response-playbook-nOAuth
//     (the nOAuth class): never identify users by an unverified email.
//   - https://learn.microsoft.com/en-us/entra/identity-platform/access-token-claims-reference#groups-overage-claim
//     and https://learn.microsoft.com/en-us/troubleshoot/entra/entra-id/app-integration/get-signed-in-users-groups-in-access-token
//     at most 200 groups in a JWT; beyond that, no groups claim but
//     _claim_names {"groups": "src1"} and _claim_sources {"src1":
//     {"endpoint": ...getMemberObjects}}; the full list comes from
//     Microsoft Graph.
//   - https://learn.microsoft.com/en-us/graph/api/user-list-transitivememberof
//     GET /v1.0/me/transitiveMemberOf: {"value": [{"@odata.type":
//     "#microsoft.graph.group", "id"}, ...], "@odata.nextLink"}; $top
//     (at most 999); GroupMember.Read.All or Directory.Read.All.
//
// The persona serves that Graph call under <issuer>/graph.

// entraGroupsLimit is the most groups Entra puts in a JWT.
const entraGroupsLimit = 200

// entraUPNDomain is the domain of made-up UPNs.
const entraUPNDomain = "mocktenant.onmicrosoft.com"

// entraScopes are the scopes under the entra persona: the OpenID ones
// and Microsoft Graph's.
var entraScopes = append(slices.Clone(supportedScopes), "User.Read", "GroupMember.Read.All", "Directory.Read.All")

// entraUserClaims adjusts an Entra ID or access token's user claims: no
// email_verified, preferred_username as a UPN, the groups overage.
func entraUserClaims(claims map[string]any, tid string, u User) {
	delete(claims, "email_verified")
	if pu, ok := claims["preferred_username"].(string); ok && !strings.Contains(pu, "@") {
		claims["preferred_username"] = pu + "@" + entraUPNDomain
	}
	if upn, ok := u.Claims["upn"].(string); ok && upn != "" && claims["preferred_username"] != nil {
		claims["preferred_username"] = upn
	}
	if groups := stringList(claims["groups"]); len(groups) > entraGroupsLimit {
		delete(claims, "groups")
		claims["_claim_names"] = map[string]any{"groups": "src1"}
		claims["_claim_sources"] = map[string]any{"src1": map[string]any{
			"endpoint": "https://graph.windows.net/" + tid + "/users/" + pseudoUUID(u.Subject) + "/getMemberObjects"}}
	}
}

// entraGraphPath matches the Graph call the persona serves.
var entraGraphPath = regexp.MustCompile(`^/graph/v1\.0/me/transitiveMemberOf(/microsoft\.graph\.group)?$`)

// serveEntraGraph serves <issuer>/graph/v1.0/me/transitiveMemberOf with
// an access token of this provider, paged by $top and $skiptoken.
func (p *Provider) serveEntraGraph(w http.ResponseWriter, r *http.Request, iss, rel string) bool {
	if !entraGraphPath.MatchString(rel) {
		return false
	}
	rec := &statusRecorder{ResponseWriter: w}
	defer func() { p.capture("userinfo", r, rec.status) }()
	graphError := func(status int, code, msg string) {
		writeJSON(rec, status, map[string]any{"error": map[string]any{"code": code, "message": msg}})
	}
	if r.Method != http.MethodGet {
		rec.Header().Set("Allow", http.MethodGet)
		graphError(http.StatusMethodNotAllowed, "Request_BadRequest", "method not allowed")
		return true
	}
	at, err := p.liveAccess(bearerOf(r, "Bearer"))
	if err != nil {
		rec.Header().Set("WWW-Authenticate", `Bearer realm="", authorization_uri="https://login.microsoftonline.com/common/oauth2/authorize"`)
		graphError(http.StatusUnauthorized, "InvalidAuthenticationToken", "Access token validation failure.")
		return true
	}
	if !at.hasAnyScope("GroupMember.Read.All", "Directory.Read.All") {
		graphError(http.StatusForbidden, "Authorization_RequestDenied", "Insufficient privileges to complete the operation.")
		return true
	}
	q := r.URL.Query()
	top, err := strconv.Atoi(q.Get("$top"))
	if err != nil || top < 1 {
		top = 100
	}
	top = min(top, 999)
	skip, _ := strconv.Atoi(q.Get("$skiptoken"))
	groups := stringList(at.grant.user.Claims["groups"])
	skip = min(max(skip, 0), len(groups))
	end := min(len(groups), skip+top)
	value := make([]map[string]any, 0, end-skip)
	for _, g := range groups[skip:end] {
		value = append(value, map[string]any{"@odata.type": "#microsoft.graph.group", "id": g})
	}
	out := map[string]any{"@odata.context": "https://graph.microsoft.com/v1.0/$metadata#directoryObjects(id)", "value": value}
	if end < len(groups) {
		next := url.Values{"$select": {"id"}, "$top": {strconv.Itoa(top)}, "$skiptoken": {strconv.Itoa(end)}}
		out["@odata.nextLink"] = originOf(iss) + r.URL.Path + "?" + next.Encode()
	}
	writeJSON(rec, http.StatusOK, out)
	return true
}

// originOf is the scheme and host of the URL s.
func originOf(s string) string {
	u, err := url.Parse(s)
	if err != nil {
		return ""
	}
	return u.Scheme + "://" + u.Host
}

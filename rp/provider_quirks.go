package rp

import (
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"net/url"
	"regexp"
	"slices"
	"strings"
)

// Provider kinds for [ProviderConfig.Kind]. A kind switches on the handling of one
// provider's documented deviations from plain OpenID Connect; the empty kind is a
// standards-conformant provider (GitLab, Auth0, Okta, Dex, ...).
const (
	// KindEntra is Microsoft Entra ID. With a multi-tenant issuer (".../common/v2.0",
	// ".../organizations/v2.0") discovery advertises the issuer template
	// "https://login.microsoftonline.com/{tenantid}/v2.0"; an ID token is then accepted
	// only when its iss equals that template with the token's own tid put in, and tid
	// is in [ProviderConfig.Tenants] when that is set. With a single-tenant issuer the
	// issuer is checked exactly, and the tenant allow-list still applies.
	KindEntra = "entra"
	// KindGoogle is Google. [ProviderConfig.HostedDomain] restricts sign-in to one
	// Google Workspace domain.
	KindGoogle = "google"
	// KindApple is Sign in with Apple: form_post responses, the person's name sent once
	// in the "user" form field of the first sign-in, and a client secret that is an
	// ES256 JWT minted from a key file ([ProviderConfig.AppleKeyFile]).
	KindApple = "apple"
	// KindKeycloak is Keycloak: roles are read from "realm_access.roles" unless
	// [ProviderConfig.GroupsClaim] says otherwise.
	KindKeycloak = "keycloak"
)

// kinds lists the valid values of ProviderConfig.Kind.
var kinds = append([]string{"", KindEntra, KindGoogle, KindApple, KindKeycloak}, oauth2Kinds...)

// entraTenantPattern is what a tid may look like before it is put into an issuer
// template: no '/', '?', '#', '%' or anything else that could change the URL's shape.
var entraTenantPattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9.-]{0,63}$`)

// entraMultiTenant are the tenant segments that mean "any tenant"; they are never a
// token's tid.
var entraMultiTenant = []string{"common", "organizations", "consumers"}

// tenantPlaceholder is the placeholder of Entra's issuer template.
const tenantPlaceholder = "{tenantid}"

// domainPattern is a DNS name as Google's hd parameter takes it.
var domainPattern = regexp.MustCompile(`^(?i)[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)+$`)

// validateQuirks checks the kind-specific fields of pc.
func (pc ProviderConfig) validateQuirks() []error {
	var errs []error
	if !slices.Contains(kinds, pc.Kind) {
		errs = append(errs, fmt.Errorf("kind %q: want one of %q", pc.Kind, kinds[1:]))
	}
	if len(pc.Tenants) > 0 && pc.Kind != KindEntra {
		errs = append(errs, fmt.Errorf("tenants are only for kind %q", KindEntra))
	}
	for _, t := range pc.Tenants {
		if !entraTenantPattern.MatchString(t) || slices.Contains(entraMultiTenant, t) {
			errs = append(errs, fmt.Errorf("tenant %q: want a tenant id (GUID)", t))
		}
	}
	if pc.HostedDomain != "" {
		if pc.Kind != KindGoogle {
			errs = append(errs, fmt.Errorf("hosted domain is only for kind %q", KindGoogle))
		}
		if !domainPattern.MatchString(pc.HostedDomain) {
			errs = append(errs, fmt.Errorf("hosted domain %q: want a domain name", pc.HostedDomain))
		}
	}
	for _, path := range splitGroupsClaim(pc.GroupsClaim) {
		if slices.Contains(strings.Split(path, "."), "") {
			errs = append(errs, fmt.Errorf("groups claim %q: empty path element", path))
		}
	}
	apple := pc.AppleTeamID != "" || pc.AppleKeyID != "" || pc.AppleKeyFile != ""
	switch {
	case pc.Kind == KindApple && !apple && pc.ClientSecret == "":
		errs = append(errs, errors.New("kind apple: set apple_team_id, apple_key_id and apple_key_file (or a client secret)"))
	case apple && pc.Kind != KindApple:
		errs = append(errs, fmt.Errorf("apple key settings are only for kind %q", KindApple))
	case apple:
		errs = append(errs, validateAppleSecret(pc)...)
	}
	return errs
}

// errNotAllowed marks a valid ID token of someone this provider's settings keep out
// (another Entra tenant, another Google Workspace domain).
var errNotAllowed = errors.New("not allowed by the provider settings")

// checkClaims runs the provider-specific checks of a verified ID token's claims. With
// an Entra issuer template it is what checks iss, so it must run on every ID token.
func (p *provider) checkClaims(m *metadata, iss string, claims map[string]any) error {
	if m.tenantIssuer != nil || p.cfg.Kind == KindEntra {
		if err := p.checkTenant(m.tenantIssuer, iss, claims); err != nil {
			return err
		}
	}
	if p.cfg.Kind == KindGoogle && p.sessionIssuer(iss) != p.cfg.Issuer {
		return fmt.Errorf("google: iss %q is not the issuer %q (with or without its scheme)", truncate(iss, 200), p.cfg.Issuer)
	}
	return p.checkHostedDomain(claims)
}

// sessionIssuer is the issuer a session records for an ID token's iss: Google's tokens
// carry "https://accounts.google.com" or "accounts.google.com"
// (developers.google.com/identity/gsi/web/guides/verify-google-id-token), both the
// configured issuer; every other provider's iss is taken as it is.
func (p *provider) sessionIssuer(iss string) string {
	if p.cfg.Kind == KindGoogle {
		if _, rest, ok := strings.Cut(p.cfg.Issuer, "://"); ok && iss == rest {
			return p.cfg.Issuer
		}
	}
	return iss
}

// formPost reports whether the provider answers with response_mode=form_post:
// when configured, and always for Apple (which requires it for the name and email scopes).
func (p *provider) formPost() bool { return p.cfg.FormPost || p.cfg.Kind == KindApple }

// scopes returns the scopes to request. Apple knows only "name" and "email" besides
// "openid", so its default differs.
func (p *provider) scopes() []string {
	if p.cfg.Kind == KindApple && len(p.cfg.Scopes) == 0 {
		return []string{"openid", "name", "email"}
	}
	return scopes(p.cfg.Scopes)
}

// issuerTemplate is an issuer with one "{tenantid}" placeholder, split around it.
type issuerTemplate struct {
	prefix, suffix string
}

// newIssuerTemplate checks an advertised template against the configured issuer:
// the template must hold the placeholder once, as a whole path segment, and put
// back the configured issuer's tenant segment ("common") it must give that issuer.
// A discovery document that advertises anything else is refused.
func newIssuerTemplate(advertised, configured string) (*issuerTemplate, error) {
	prefix, suffix, ok := strings.Cut(advertised, tenantPlaceholder)
	if !ok || strings.Contains(suffix, tenantPlaceholder) || !strings.HasSuffix(prefix, "/") ||
		(suffix != "" && !strings.HasPrefix(suffix, "/")) {
		return nil, fmt.Errorf("issuer template %q: want exactly one %s path segment", advertised, tenantPlaceholder)
	}
	if _, err := url.Parse(prefix + "x" + suffix); err != nil {
		return nil, fmt.Errorf("issuer template %q: %w", advertised, err)
	}
	tenant, ok := strings.CutPrefix(configured, prefix)
	if ok {
		tenant, ok = strings.CutSuffix(tenant, suffix)
	}
	if !ok || !slices.Contains(entraMultiTenant, tenant) {
		return nil, fmt.Errorf("issuer template %q does not fit the configured multi-tenant issuer %q", advertised, configured)
	}
	return &issuerTemplate{prefix: prefix, suffix: suffix}, nil
}

// issuerFor returns the issuer of tenant tid.
func (t *issuerTemplate) issuerFor(tid string) string { return t.prefix + tid + t.suffix }

// checkTenant checks an Entra ID token's tid: present, well-formed, consistent with
// iss, and allowed. With a template, iss must be the template with the token's own tid
// put in; without one go-oidc has already checked iss exactly, and tid must be the
// configured issuer's tenant.
func (p *provider) checkTenant(tmpl *issuerTemplate, iss string, claims map[string]any) error {
	tid, _ := claims["tid"].(string)
	switch {
	case tid == "":
		return errors.New("entra: id token has no tid")
	case !entraTenantPattern.MatchString(tid) || slices.Contains(entraMultiTenant, tid):
		return fmt.Errorf("entra: malformed tid %q", truncate(tid, 64))
	}
	if tmpl == nil {
		u, err := url.Parse(p.cfg.Issuer)
		if err != nil || strings.Split(strings.TrimPrefix(u.Path, "/"), "/")[0] != tid {
			return fmt.Errorf("entra: tid %q is not the tenant of issuer %q", truncate(tid, 64), p.cfg.Issuer)
		}
	} else if want := tmpl.issuerFor(tid); iss != want {
		return fmt.Errorf("entra: iss %q is not the issuer of tenant %q (want %q)", truncate(iss, 200), truncate(tid, 64), want)
	}
	if len(p.cfg.Tenants) > 0 && !slices.Contains(p.cfg.Tenants, tid) {
		return fmt.Errorf("%w: entra tenant %q", errNotAllowed, truncate(tid, 64))
	}
	return nil
}

// checkHostedDomain checks Google's hd claim against ProviderConfig.HostedDomain.
func (p *provider) checkHostedDomain(claims map[string]any) error {
	if p.cfg.HostedDomain == "" {
		return nil
	}
	if hd, _ := claims["hd"].(string); !strings.EqualFold(hd, p.cfg.HostedDomain) {
		return fmt.Errorf("%w: google hd %q is not the hosted domain %q", errNotAllowed, truncate(hd, 100), p.cfg.HostedDomain)
	}
	return nil
}

// groupsPaths returns the configured claim paths groups are read from; nil: "groups".
func (p *provider) groupsPaths() []string {
	if paths := splitGroupsClaim(p.cfg.GroupsClaim); len(paths) > 0 {
		return paths
	}
	if p.cfg.Kind == KindKeycloak {
		return []string{"realm_access.roles"}
	}
	return nil
}

// splitGroupsClaim splits "a.b, c.d" into its paths.
func splitGroupsClaim(s string) []string {
	var out []string
	for _, f := range strings.Split(s, ",") {
		if f = strings.TrimSpace(f); f != "" {
			out = append(out, f)
		}
	}
	return out
}

// groupsFrom collects the string values at each path of claims, without duplicates,
// in order. A path is a claim name (namespaced ones such as Auth0's
// "https://example.com/roles" included), or else dotted: each element names a member
// of a JSON object ("realm_access.roles").
func groupsFrom(claims map[string]any, paths []string) []string {
	out := []string{}
	for _, path := range paths {
		v, whole := claims[path]
		if !whole {
			v = lookup(claims, strings.Split(path, "."))
		}
		for _, g := range stringList(v) {
			if !slices.Contains(out, g) {
				out = append(out, g)
			}
		}
	}
	return out
}

// lookup follows path through nested JSON objects; nil when a member is missing.
func lookup(obj map[string]any, path []string) any {
	var v any = obj
	for _, elem := range path {
		m, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = m[elem]
	}
	return v
}

// maxAppleNameLen caps each part of the name Apple's "user" form field carries.
const maxAppleNameLen = 100

// appleUserClaims reads the "user" form field Apple posts on a person's first sign-in
// ({"name":{"firstName":..,"lastName":..},"email":..}) and returns name claims the ID
// token lacks. The field is not signed, so only display names are taken from it —
// never the email, which the signed ID token carries.
func appleUserClaims(field string, token map[string]any) map[string]any {
	if field == "" || len(field) > 4096 {
		return nil
	}
	var u struct {
		Name struct {
			First string `json:"firstName"`
			Last  string `json:"lastName"`
		} `json:"name"`
	}
	if json.Unmarshal([]byte(field), &u) != nil {
		return nil
	}
	first := strings.TrimSpace(truncateRunes(u.Name.First, maxAppleNameLen))
	last := strings.TrimSpace(truncateRunes(u.Name.Last, maxAppleNameLen))
	out := map[string]any{}
	add := func(k, v string) {
		if _, inToken := token[k]; v != "" && !inToken {
			out[k] = v
		}
	}
	add("given_name", first)
	add("family_name", last)
	add("name", strings.TrimSpace(first+" "+last))
	if len(out) == 0 {
		return nil
	}
	return out
}

// truncateRunes shortens s to at most n runes.
func truncateRunes(s string, n int) string {
	r := []rune(s)
	if len(r) > n {
		return string(r[:n])
	}
	return s
}

// quirkClaims adds provider-specific claims to extra (the claims kept besides the ID
// token's, which may be nil) and returns it: Apple's first-sign-in name, and groups
// read from the configured claim paths.
func (p *RP) quirkClaims(prov *provider, params url.Values, token, extra map[string]any) map[string]any {
	if prov.cfg.Kind == KindEntra {
		// Entra sends no email_verified and its email is unverified: only the optional
		// xms_edov claim (the domain owner verified it) makes it count
		// (learn.microsoft.com/en-us/entra/identity-platform/optional-claims-reference).
		if _, hasEmail := token["email"]; hasEmail {
			if extra == nil {
				extra = map[string]any{}
			}
			extra["email_verified"] = isTrue(token["xms_edov"])
		}
	}
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

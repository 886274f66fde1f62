package rp

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"golang.org/x/oauth2"
)

// Provider kinds that sign people in with OAuth 2.0 and the provider's own user API
// instead of OpenID Connect: no discovery, no ID token. The user is who the provider's
// user-info endpoint says the access token rp has just redeemed belongs to. Each preset
// knows its provider's endpoints, scopes, PKCE support and answer shapes;
// [ProviderConfig.BaseURL] points it at another host (GitHub Enterprise Server, or a
// mock). See docs/providers.md.
const (
	// KindGitHub is GitHub (an OAuth app). The email is the primary verified address of
	// /user/emails; [ProviderConfig.Orgs] and [ProviderConfig.Teams] restrict sign-in to
	// members, checked at sign-in with the read:org scope.
	KindGitHub = "github"
	// KindNaver is Naver Login. Naver does not say whether an email is verified: it is
	// used only with [ProviderConfig.TrustEmail].
	KindNaver = "naver"
	// KindKakao is Kakao Login: with "openid" in the scopes, OpenID Connect (issuer
	// https://kauth.kakao.com, or BaseURL); else the REST profile /v2/user/me, whose
	// email counts when kakao_account says it is valid and verified.
	KindKakao = "kakao"
	// KindDiscord is Discord: /users/@me, the email when "verified" is true.
	KindDiscord = "discord"
	// KindFacebook is Facebook Login with the Graph API /me. Facebook does not say
	// whether an email is verified: it is used only with [ProviderConfig.TrustEmail].
	KindFacebook = "facebook"
	// KindX is X (formerly Twitter): OAuth 2.0 with PKCE, /2/users/me; no email.
	KindX = "x"
	// KindOAuth2 is any other OAuth 2.0 provider: explicit endpoints
	// ([ProviderConfig.AuthorizationURL], TokenURL, UserInfoURL) and a [ClaimMapping].
	KindOAuth2 = "oauth2"
)

// oauth2Kinds are the kinds without OpenID Connect (Kakao unless "openid" is asked).
var oauth2Kinds = []string{KindGitHub, KindNaver, KindKakao, KindDiscord, KindFacebook, KindX, KindOAuth2}

// ClaimMapping says where a user-info answer holds the user's claims: each field is a
// path into its JSON object, a member name or dotted through nested objects
// ("response.id", "kakao_account.profile.nickname"). Empty: not mapped.
type ClaimMapping struct {
	// Subject is the user's id at the provider (required). A string, or an integer
	// (kept digit for digit: 64-bit ids stay exact). A missing, null, empty or other
	// value fails the sign-in.
	Subject string
	// Email is the email address; EmailVerified lists (comma-separated) the members
	// that must all be true (or "true") for the address to count as verified. An
	// address that is not verified is dropped: it reaches neither [User.Email], nor the
	// identity headers, nor the claims, nor any access rule.
	Email, EmailVerified string
	// Name, PreferredUsername and Picture are strings (numbers are written out).
	Name, PreferredUsername, Picture string
	// Groups is a list of strings (or one string).
	Groups string
}

// oauth2Profile is how rp signs people in with one OAuth 2.0 provider.
type oauth2Profile struct {
	kind        string
	issuer      string // the namespace of the provider's user ids (Session.Issuer)
	endpoint    oauth2.Endpoint
	userinfoURL string
	apiBase     string // GitHub: the REST API (emails, orgs, teams)
	scopes      []string
	pkce        bool
	mapping     ClaimMapping
	trustEmail  bool
	clientAuth  string // client_secret_basic, client_secret_post or none
	// userinfo asks the provider who the access token belongs to; nil: GET userinfoURL.
	userinfo func(p *RP, r userinfoCall) (map[string]any, error)
	// after completes the mapped claims from the answer (GitHub's emails and
	// memberships); nil: nothing more.
	after func(p *RP, r userinfoCall, doc, claims map[string]any) error
	// check refuses an answer that says it failed (Naver's resultcode).
	check func(doc map[string]any) error
}

// preset is what rp knows of one provider.
type preset struct {
	name      string // shown on the sign-in button when ProviderConfig.Name is empty
	base      string // default BaseURL
	issuer    string // default identity namespace
	auth      string // endpoints: absolute by default, relative to BaseURL when it is set
	token     string
	userinfo  string
	defAuth   string // default endpoints (without BaseURL)
	defToken  string
	defUser   string
	scopes    []string
	pkce      bool
	authStyle oauth2.AuthStyle // with a client secret
	mapping   ClaimMapping
}

// presets: the endpoints as each provider documents them (see docs/providers.md for
// the pages; mockidp's persona_*.go serves the same paths and shapes).
var presets = map[string]preset{
	KindGitHub: {name: "GitHub", base: "https://github.com", auth: "/login/oauth/authorize", token: "/login/oauth/access_token",
		userinfo: "/api/v3/user", defAuth: "https://github.com/login/oauth/authorize",
		defToken: "https://github.com/login/oauth/access_token", defUser: "https://api.github.com/user",
		scopes: []string{"read:user", "user:email"}, pkce: true, authStyle: oauth2.AuthStyleInParams,
		mapping: ClaimMapping{Subject: "id", PreferredUsername: "login", Name: "name", Picture: "avatar_url"}},
	KindNaver: {name: "Naver", base: "https://nid.naver.com", auth: "/oauth2.0/authorize", token: "/oauth2.0/token", userinfo: "/v1/nid/me",
		defAuth: "https://nid.naver.com/oauth2.0/authorize", defToken: "https://nid.naver.com/oauth2.0/token",
		defUser: "https://openapi.naver.com/v1/nid/me", authStyle: oauth2.AuthStyleInParams,
		mapping: ClaimMapping{Subject: "response.id", Email: "response.email", Name: "response.name",
			PreferredUsername: "response.nickname", Picture: "response.profile_image"}},
	KindKakao: {name: "Kakao", base: "https://kauth.kakao.com", auth: "/oauth/authorize", token: "/oauth/token", userinfo: "/v2/user/me",
		defAuth: "https://kauth.kakao.com/oauth/authorize", defToken: "https://kauth.kakao.com/oauth/token",
		defUser: "https://kapi.kakao.com/v2/user/me", scopes: []string{"profile_nickname", "account_email"}, pkce: true,
		authStyle: oauth2.AuthStyleInParams,
		mapping: ClaimMapping{Subject: "id", Email: "kakao_account.email",
			EmailVerified: "kakao_account.is_email_valid,kakao_account.is_email_verified",
			Name:          "kakao_account.profile.nickname", Picture: "kakao_account.profile.profile_image_url"}},
	KindDiscord: {name: "Discord", base: "https://discord.com", auth: "/oauth2/authorize", token: "/api/oauth2/token", userinfo: "/api/v10/users/@me",
		defAuth: "https://discord.com/oauth2/authorize", defToken: "https://discord.com/api/oauth2/token",
		defUser: "https://discord.com/api/v10/users/@me", scopes: []string{"identify", "email"},
		authStyle: oauth2.AuthStyleInHeader,
		mapping: ClaimMapping{Subject: "id", Email: "email", EmailVerified: "verified", Name: "global_name",
			PreferredUsername: "username"}},
	KindFacebook: {name: "Facebook", base: "https://www.facebook.com", auth: "/v22.0/dialog/oauth", token: "/v22.0/oauth/access_token",
		userinfo: "/v22.0/me", defAuth: "https://www.facebook.com/v22.0/dialog/oauth",
		defToken: "https://graph.facebook.com/v22.0/oauth/access_token", defUser: "https://graph.facebook.com/v22.0/me",
		scopes: []string{"public_profile", "email"}, authStyle: oauth2.AuthStyleInParams,
		mapping: ClaimMapping{Subject: "id", Email: "email", Name: "name", Picture: "picture.data.url"}},
	KindX: {name: "X", base: "https://x.com", auth: "/i/oauth2/authorize", token: "/2/oauth2/token", userinfo: "/2/users/me",
		defAuth: "https://x.com/i/oauth2/authorize", defToken: "https://api.x.com/2/oauth2/token",
		defUser: "https://api.x.com/2/users/me", scopes: []string{"tweet.read", "users.read"}, pkce: true,
		authStyle: oauth2.AuthStyleInHeader,
		mapping: ClaimMapping{Subject: "data.id", Name: "data.name", PreferredUsername: "data.username",
			Picture: "data.profile_image_url"}},
}

// isOAuth2Kind reports whether kind is one of the OAuth 2.0 kinds.
func isOAuth2Kind(kind string) bool { return slices.Contains(oauth2Kinds, kind) }

// IsOAuth2Kind reports whether a [ProviderConfig.Kind] names an OAuth 2.0 provider
// ([KindGitHub], ..., [KindOAuth2]), which needs no issuer.
func IsOAuth2Kind(kind string) bool { return isOAuth2Kind(kind) }

// usesOIDC reports whether pc signs in with OpenID Connect (discovery, ID token).
func (pc ProviderConfig) usesOIDC() bool {
	return !isOAuth2Kind(pc.Kind) || pc.Kind == KindKakao && slices.Contains(pc.Scopes, "openid")
}

// issuerURL is the issuer of an OpenID Connect provider: the configured one, and for
// Kakao in OpenID Connect mode BaseURL or https://kauth.kakao.com.
func (pc ProviderConfig) issuerURL() string {
	if pc.Kind == KindKakao && pc.Issuer == "" {
		if pc.BaseURL != "" {
			return strings.TrimSuffix(pc.BaseURL, "/")
		}
		return presets[KindKakao].base
	}
	return pc.Issuer
}

// validateOAuth2 checks the settings of the OAuth 2.0 kinds.
func (pc ProviderConfig) validateOAuth2() []error {
	var errs []error
	oauth2Kind := isOAuth2Kind(pc.Kind)
	urlOK := func(what, raw string, path bool) {
		if raw == "" {
			return
		}
		u, err := parseServiceURL(what, raw)
		if err != nil {
			pu, perr := url.Parse(raw)
			if !pc.InsecureAllowHTTP || perr != nil || pu.Scheme != "http" || pu.Host == "" {
				errs = append(errs, err)
			}
			return
		}
		if !path && u.Path != "" && u.Path != "/" {
			errs = append(errs, fmt.Errorf("%s %q: want scheme://host[:port]", what, raw))
		}
	}
	urlOK("base URL", pc.BaseURL, true)
	urlOK("graph URL", pc.GraphURL, true)
	if pc.GraphURL != "" && pc.Kind != KindEntra {
		errs = append(errs, fmt.Errorf("graph URL is only for kind %q", KindEntra))
	}
	for _, e := range []struct{ what, v string }{{"authorization URL", pc.AuthorizationURL}, {"token URL", pc.TokenURL},
		{"userinfo URL", pc.UserInfoURL}} {
		urlOK(e.what, e.v, true)
		if e.v != "" && !oauth2Kind {
			errs = append(errs, fmt.Errorf("%s is only for the OAuth 2.0 kinds %q", e.what, oauth2Kinds))
		}
	}
	if pc.BaseURL != "" && !oauth2Kind {
		errs = append(errs, fmt.Errorf("base URL is only for the kinds %q", oauth2Kinds))
	}
	if pc.Kind == KindOAuth2 {
		if pc.BaseURL != "" {
			errs = append(errs, errors.New("kind oauth2: set authorization_url, token_url and userinfo_url, not base_url"))
		}
		for _, e := range []struct{ what, v string }{{"authorization URL", pc.AuthorizationURL}, {"token URL", pc.TokenURL},
			{"userinfo URL", pc.UserInfoURL}} {
			if e.v == "" {
				errs = append(errs, fmt.Errorf("kind oauth2: %s is required", e.what))
			}
		}
		if pc.ClaimMapping.Subject == "" {
			errs = append(errs, errors.New("kind oauth2: the claim mapping needs sub (the path of the user's id)"))
		}
	}
	if pc.ClaimMapping != (ClaimMapping{}) && !oauth2Kind {
		errs = append(errs, fmt.Errorf("the claim mapping is only for the kinds %q", oauth2Kinds))
	}
	m := pc.ClaimMapping
	for _, path := range []string{m.Subject, m.Email, m.Name, m.PreferredUsername, m.Picture, m.Groups} {
		if path != "" && slices.Contains(strings.Split(path, "."), "") {
			errs = append(errs, fmt.Errorf("claim path %q: empty path element", path))
		}
	}
	for _, path := range splitGroupsClaim(m.EmailVerified) {
		if slices.Contains(strings.Split(path, "."), "") {
			errs = append(errs, fmt.Errorf("claim path %q: empty path element", path))
		}
	}
	if pc.TrustEmail && !slices.Contains([]string{KindNaver, KindFacebook, KindOAuth2}, pc.Kind) {
		errs = append(errs, fmt.Errorf("trust_email is only for the kinds naver, facebook and oauth2 (kind %q says itself whether an email is verified)", pc.Kind))
	}
	if pc.DisablePKCE && pc.Kind != KindOAuth2 {
		errs = append(errs, errors.New("disable_pkce is only for kind oauth2 (the presets know whether their provider takes PKCE)"))
	}
	if (len(pc.Orgs) > 0 || len(pc.Teams) > 0) && pc.Kind != KindGitHub {
		errs = append(errs, fmt.Errorf("orgs and teams are only for kind %q", KindGitHub))
	}
	for _, t := range pc.Teams {
		org, slug, ok := strings.Cut(t, "/")
		if !ok || org == "" || slug == "" || strings.Contains(slug, "/") {
			errs = append(errs, fmt.Errorf("team %q: want org/team-slug", t))
		}
	}
	if oauth2Kind && !pc.usesOIDC() && pc.FormPost {
		errs = append(errs, errors.New("form_post is not for the OAuth 2.0 kinds"))
	}
	if oauth2Kind && !pc.usesOIDC() && pc.SkipUserInfo {
		errs = append(errs, errors.New("skip_userinfo is impossible for the OAuth 2.0 kinds: the user-info call is what identifies the user"))
	}
	return errs
}

// newOAuth2Profile builds the profile of an OAuth 2.0 provider (nil for OpenID Connect).
func newOAuth2Profile(pc ProviderConfig) *oauth2Profile {
	if pc.usesOIDC() {
		return nil
	}
	prof := &oauth2Profile{kind: pc.Kind, trustEmail: pc.TrustEmail, pkce: true}
	var style oauth2.AuthStyle
	if pr, ok := presets[pc.Kind]; ok {
		base := strings.TrimSuffix(pc.BaseURL, "/")
		prof.issuer = pr.base
		prof.endpoint = oauth2.Endpoint{AuthURL: pr.defAuth, TokenURL: pr.defToken}
		prof.userinfoURL = pr.defUser
		if base != "" {
			prof.issuer = base
			prof.endpoint = oauth2.Endpoint{AuthURL: base + pr.auth, TokenURL: base + pr.token}
			prof.userinfoURL = base + pr.userinfo
		}
		prof.scopes, prof.pkce, prof.mapping, style = pr.scopes, pr.pkce, pr.mapping, pr.authStyle
		mergeMapping(&prof.mapping, pc.ClaimMapping)
	} else { // KindOAuth2
		u, _ := url.Parse(pc.AuthorizationURL) // validated
		prof.issuer = u.Scheme + "://" + u.Host
		prof.endpoint = oauth2.Endpoint{AuthURL: pc.AuthorizationURL, TokenURL: pc.TokenURL}
		prof.userinfoURL = pc.UserInfoURL
		prof.pkce = !pc.DisablePKCE
		prof.mapping = pc.ClaimMapping
		style = oauth2.AuthStyleInHeader
	}
	if pc.AuthorizationURL != "" {
		prof.endpoint.AuthURL = pc.AuthorizationURL
	}
	if pc.TokenURL != "" {
		prof.endpoint.TokenURL = pc.TokenURL
	}
	if pc.UserInfoURL != "" {
		prof.userinfoURL = pc.UserInfoURL
	}
	if pc.Issuer != "" {
		prof.issuer = strings.TrimSuffix(pc.Issuer, "/")
	}
	switch {
	case pc.TokenAuth == "client_secret_basic":
		style = oauth2.AuthStyleInHeader
	case pc.TokenAuth == "client_secret_post", pc.TokenAuth == "none", pc.ClientSecret == "":
		style = oauth2.AuthStyleInParams
	}
	prof.endpoint.AuthStyle = style
	switch {
	case pc.ClientSecret == "":
		prof.clientAuth = "none"
	case style == oauth2.AuthStyleInHeader:
		prof.clientAuth = "client_secret_basic"
	default:
		prof.clientAuth = "client_secret_post"
	}
	if len(pc.Scopes) > 0 {
		prof.scopes = slices.Clone(pc.Scopes)
	}
	switch pc.Kind {
	case KindGitHub:
		prof.apiBase = strings.TrimSuffix(prof.userinfoURL, "/user")
		if (len(pc.Orgs) > 0 || len(pc.Teams) > 0) && !slices.Contains(prof.scopes, "read:org") {
			prof.scopes = append(slices.Clone(prof.scopes), "read:org")
		}
		prof.userinfo, prof.after = githubUserinfo, githubAfter(pc.Orgs, pc.Teams)
	case KindNaver:
		prof.check = naverCheck
	case KindFacebook:
		prof.userinfo = facebookUserinfo
	case KindX:
		prof.userinfo = xUserinfo
	}
	return prof
}

// mergeMapping lays the configured paths over a preset's.
func mergeMapping(m *ClaimMapping, over ClaimMapping) {
	set := func(dst *string, v string) {
		if v != "" {
			*dst = v
		}
	}
	set(&m.Subject, over.Subject)
	set(&m.Email, over.Email)
	set(&m.EmailVerified, over.EmailVerified)
	set(&m.Name, over.Name)
	set(&m.PreferredUsername, over.PreferredUsername)
	set(&m.Picture, over.Picture)
	set(&m.Groups, over.Groups)
}

// oauth2Metadata is the metadata of an OAuth 2.0 provider: its endpoints, no keys.
func (p *provider) oauth2Metadata(s *settings) *metadata {
	return &metadata{
		oauth: oauth2.Config{
			ClientID:     p.cfg.ClientID,
			ClientSecret: p.cfg.ClientSecret,
			Endpoint:     p.social.endpoint,
			RedirectURL:  s.public.String() + callbackPath,
			Scopes:       p.social.scopes,
		},
		userinfoURL: p.social.userinfoURL,
		clientAuth:  p.social.clientAuth,
		social:      p.social,
	}
}

// userinfoCall is one user-info request: the provider, the access token rp has just
// redeemed, and the scopes it was granted.
type userinfoCall struct {
	req     *http.Request // the callback request (its context)
	prov    *provider
	m       *metadata
	token   *oauth2.Token
	granted []string
}

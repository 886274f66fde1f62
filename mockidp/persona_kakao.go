package mockidp

import (
	"cmp"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// PersonaKakao imitates Kakao Login (카카오 로그인), both ways it offers: the
// REST profile /v2/user/me, and OpenID Connect when the request asks for
// the openid scope. Its real hosts are kauth.kakao.com (authorization,
// token, discovery, keys) and kapi.kakao.com (APIs); the persona serves
// both on one host, the issuer. Checked against:
//
//   - https://developers.kakao.com/docs/latest/en/kakaologin/rest-api
//     GET /oauth/authorize, POST /oauth/token (form, client_secret as a
//     parameter when the app has one); token answer token_type "bearer",
//     access_token, expires_in, refresh_token, refresh_token_expires_in,
//     scope and, with openid, id_token; GET/POST /v2/user/me with
//     Authorization: Bearer answers a numeric (Long) id, connected_at,
//     properties and kakao_account with profile.nickname, email,
//     is_email_valid, is_email_verified and the *_needs_agreement flags.
//   - https://developers.kakao.com/docs/latest/en/kakaologin/common (and
//     https://devtalk.kakao.com/t/121888, OpenID Connect support):
//     issuer https://kauth.kakao.com, discovery, /.well-known/jwks.json,
//     userinfo at kapi.kakao.com/v1/oidc/userinfo; ID token claims iss,
//     aud, sub, iat, exp, auth_time, nonce, nickname, picture, email.
//   - https://developers.kakao.com/docs/latest/en/kakaologin/trouble-shooting
//     token errors carry error, error_description and error_code (KOE320:
//     authorization code not found; KOE303: redirect URI mismatch;
//     KOE010: bad client credentials); API errors are {"msg","code":-401}.
//   - https://developers.kakao.com/sdk/reference/flutter/release/kakao_flutter_sdk_auth/AuthCodeClient/authorize.html
//     the SDK sends code_challenge with S256: PKCE is accepted.
//
// The user's claims: nickname (else name, else preferred_username),
// picture, email, email_verified, id (overrides the derived numeric id)
// and denied_scopes (e.g. "account_email": an optional consent item the
// user skipped).
const PersonaKakao = "kakao"

var kakaoPersona = &socialPersona{
	authorize:    paths("/oauth/authorize"),
	token:        paths("/oauth/token"),
	scopes:       []string{"openid", "profile_nickname", "profile_image", "account_email", "profile"},
	defaultScope: "profile_nickname account_email",
	pkce:         pkceOptional,
	refresh:      func([]string) bool { return true },
	oidc:         true,
	tokenOf:      func(r *http.Request) string { return bearerOf(r, "Bearer") },
	writeToken: func(w http.ResponseWriter, r *http.Request, resp *tokenResponse) {
		v := map[string]any{"token_type": "bearer", "access_token": resp.AccessToken, "expires_in": resp.ExpiresIn,
			"scope": resp.Scope}
		if resp.RefreshToken != "" {
			v["refresh_token"], v["refresh_token_expires_in"] = resp.RefreshToken, resp.RefreshExpiresIn
		}
		if resp.IDToken != "" {
			v["id_token"] = resp.IDToken
		}
		writeJSON(w, http.StatusOK, v)
	},
	writeTokenError: func(w http.ResponseWriter, r *http.Request, oe *oauthError, status int) {
		v := map[string]string{"error": oe.Code, "error_description": oe.Description}
		switch {
		case oe.Code == errInvalidGrant && strings.Contains(oe.Description, "redirect_uri"):
			v["error_description"], v["error_code"] = "Redirect URI mismatch.", "KOE303"
		case oe.Code == errInvalidGrant:
			v["error_description"], v["error_code"] = "authorization code not found", "KOE320"
		case oe.Code == errInvalidClient:
			v["error_description"], v["error_code"] = "Bad client credentials", "KOE010"
		}
		writeJSON(w, cmp.Or(status, oe.Status), v)
	},
	unauthorized: func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusUnauthorized, map[string]any{"msg": "this access token does not exist", "code": -401})
	},
	api: []apiRoute{
		{match: func(rel string) bool { return rel == "/v2/user/me" }, user: true, methods: []string{http.MethodGet, http.MethodPost},
			serve: kakaoUserMe},
		{match: func(rel string) bool { return rel == "/v1/oidc/userinfo" }, user: true, methods: []string{http.MethodGet, http.MethodPost},
			serve: kakaoOIDCUserinfo},
	},
}

// kakaoID is the user's Kakao member number and its decimal string (the
// ID token's sub).
func kakaoID(u User) (any, string) {
	id, n := socialID(PersonaKakao, u, 1_000_000_000, 9_000_000_000)
	if _, ok := u.Claims["id"]; ok {
		switch v := id.(type) {
		case string:
			return id, v
		case float64:
			return id, strconv.FormatFloat(v, 'f', -1, 64)
		}
		return id, fmt.Sprint(id)
	}
	return n, strconv.FormatUint(n, 10)
}

// kakaoNickname is the user's Kakao profile nickname.
func kakaoNickname(u User) string {
	return cmp.Or(claimString(u, "nickname"), claimString(u, "name"), claimString(u, "preferred_username"), u.Subject)
}

func kakaoUserMe(p *Provider, w http.ResponseWriter, r *http.Request, iss string, at *accessToken, fault *Fault) {
	u := at.grant.user
	id, _ := kakaoID(u)
	account := map[string]any{}
	props := map[string]any{}
	profile := map[string]any{}
	nick := at.hasAnyScope("profile_nickname", "profile")
	img := at.hasAnyScope("profile_image", "profile") && claimString(u, "picture") != ""
	account["profile_nickname_needs_agreement"] = !nick
	account["profile_image_needs_agreement"] = !img
	if nick {
		profile["nickname"], props["nickname"] = kakaoNickname(u), kakaoNickname(u)
		profile["is_default_nickname"] = false
	}
	if img {
		pic := claimString(u, "picture")
		profile["profile_image_url"], profile["thumbnail_image_url"], profile["is_default_image"] = pic, pic, false
		props["profile_image"], props["thumbnail_image"] = pic, pic
	}
	if len(profile) > 0 {
		account["profile"] = profile
	}
	email := claimString(u, "email")
	account["email_needs_agreement"] = email != "" && !at.hasAnyScope("account_email")
	if email != "" && at.hasAnyScope("account_email") {
		account["email"], account["is_email_valid"], account["is_email_verified"] = email, true, claimTrue(u, "email_verified")
	}
	obj := map[string]any{"id": id, "connected_at": rfc3339(at.grant.authTime.Truncate(time.Second)), "kakao_account": account}
	if len(props) > 0 {
		obj["properties"] = props
	}
	writeJSON(w, http.StatusOK, userView(obj, fault))
}

func kakaoOIDCUserinfo(p *Provider, w http.ResponseWriter, r *http.Request, iss string, at *accessToken, fault *Fault) {
	if !at.hasAnyScope("openid") {
		writeJSON(w, http.StatusForbidden, map[string]any{"msg": "insufficient scopes.", "code": -402})
		return
	}
	u := at.grant.user
	_, sub := kakaoID(u)
	obj := map[string]any{"sub": sub}
	for k, v := range kakaoOIDCClaims(u, at.scopes) {
		obj[k] = v
	}
	if _, ok := obj["email"]; ok {
		obj["email_verified"] = claimTrue(u, "email_verified")
	}
	writeJSON(w, http.StatusOK, userView(obj, fault))
}

// kakaoOIDCClaims are the profile claims of Kakao's ID token and userinfo
// for the granted scopes.
func kakaoOIDCClaims(u User, scopes []string) map[string]any {
	at := &accessToken{scopes: scopes}
	c := map[string]any{}
	if at.hasAnyScope("profile_nickname", "profile") {
		c["nickname"] = kakaoNickname(u)
	}
	if pic := claimString(u, "picture"); pic != "" && at.hasAnyScope("profile_image", "profile") {
		c["picture"] = pic
	}
	if email := claimString(u, "email"); email != "" && at.hasAnyScope("account_email") {
		c["email"] = email
	}
	return c
}

// kakaoIDClaims adjusts Kakao's ID and access token claims: sub is the
// member number; the ID token carries the profile claims, no sid.
func kakaoIDClaims(claims map[string]any, g *grant, scopes []string, idToken bool) {
	_, sub := kakaoID(g.user)
	claims["sub"] = sub
	delete(claims, "sid")
	if idToken {
		delete(claims, "azp")
		for k, v := range kakaoOIDCClaims(g.user, scopes) {
			claims[k] = v
		}
	}
}

// kakaoDiscovery turns the discovery document into Kakao's, with the
// endpoints at Kakao's paths.
func kakaoDiscovery(doc map[string]any, iss string) {
	base := strings.TrimSuffix(iss, "/")
	keep := map[string]any{
		"issuer": doc["issuer"], "authorization_endpoint": base + "/oauth/authorize", "token_endpoint": base + "/oauth/token",
		"userinfo_endpoint": base + "/v1/oidc/userinfo", "jwks_uri": base + "/.well-known/jwks.json",
		"token_endpoint_auth_methods_supported": []string{"client_secret_post"}, "subject_types_supported": []string{"public"},
		"response_types_supported": []string{"code"}, "grant_types_supported": []string{"authorization_code", "refresh_token"},
		"request_uri_parameter_supported": false, "id_token_signing_alg_values_supported": doc["id_token_signing_alg_values_supported"],
		"claims_supported":                 []string{"iss", "aud", "sub", "auth_time", "exp", "iat", "nonce", "nickname", "picture", "email"},
		"code_challenge_methods_supported": []string{"S256"},
	}
	for k := range doc {
		delete(doc, k)
	}
	for k, v := range keep {
		doc[k] = v
	}
}

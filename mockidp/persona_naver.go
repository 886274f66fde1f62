package mockidp

import (
	"cmp"
	"net/http"
	"strconv"
)

// PersonaNaver imitates Naver Login (네이버 로그인). Its real hosts are
// nid.naver.com (authorization, token) and openapi.naver.com (profile);
// the persona serves both paths on one host. Checked against:
//
//   - https://developers.naver.com/docs/login/api/api.md
//     GET/POST /oauth2.0/authorize and /oauth2.0/token; no scope
//     parameter (consent items are set on the application); client_id
//     and client_secret as parameters; the token answer is JSON with
//     token_type "bearer" and expires_in as a string ("3600"); errors are
//     error and error_description (invalid_request, unauthorized_client,
//     server_error) in the same answer (sent with HTTP 200). No PKCE.
//   - https://developers.naver.com/docs/login/profile/profile.md
//     GET https://openapi.naver.com/v1/nid/me with Authorization: Bearer:
//     {"resultcode":"00","message":"success","response":{"id":...,
//     "nickname","name","email","profile_image",...}}; id is a string
//     unique per application; errors 401 resultcode "024" (Authentication
//     failed) and "028" (no authorization header). Naver does not say
//     whether the email is verified.
//
// The user's claims: name, nickname (else preferred_username), email,
// picture, id (overrides the derived id) and denied_scopes ("email",
// "name", "nickname", "profile_image": consent items the user skipped).
const PersonaNaver = "naver"

// naverItems are Naver's consent items, granted as scopes.
const naverItems = "email name nickname profile_image"

var naverPersona = &socialPersona{
	authorize:  paths("/oauth2.0/authorize"),
	token:      paths("/oauth2.0/token"),
	tokenGET:   true,
	scopes:     []string{"email", "name", "nickname", "profile_image"},
	fixedScope: naverItems,
	pkce:       pkceIgnored,
	refresh:    func([]string) bool { return true },
	tokenOf:    func(r *http.Request) string { return bearerOf(r, "Bearer") },
	writeToken: func(w http.ResponseWriter, r *http.Request, resp *tokenResponse) {
		v := map[string]string{"access_token": resp.AccessToken, "token_type": "bearer",
			"expires_in": strconv.FormatInt(resp.ExpiresIn, 10)}
		if resp.RefreshToken != "" {
			v["refresh_token"] = resp.RefreshToken
		}
		writeJSON(w, http.StatusOK, v)
	},
	writeTokenError: func(w http.ResponseWriter, r *http.Request, oe *oauthError, status int) {
		code, desc := oe.Code, oe.Description
		switch code {
		case errInvalidGrant:
			code, desc = errInvalidRequest, "no valid data in session"
		case errInvalidClient:
			code, desc = errUnauthorizedClient, "client authentication failed"
		}
		writeJSON(w, cmp.Or(status, http.StatusOK), map[string]string{"error": code, "error_description": desc})
	},
	unauthorized: func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("WWW-Authenticate", `Bearer realm="oauth2.0", error="invalid_token"`)
		if r.Header.Get("Authorization") == "" {
			writeJSON(w, http.StatusUnauthorized, map[string]string{"resultcode": "028",
				"message": "Authentication header not exists / OAuth 인증 헤더(authorization header)가 없습니다."})
			return
		}
		writeJSON(w, http.StatusUnauthorized, map[string]string{"resultcode": "024",
			"message": "Authentication failed / 인증에 실패했습니다."})
	},
	api: []apiRoute{{match: func(rel string) bool { return rel == "/v1/nid/me" }, user: true, serve: naverProfile}},
}

func naverProfile(p *Provider, w http.ResponseWriter, r *http.Request, iss string, at *accessToken, fault *Fault) {
	u := at.grant.user
	obj := map[string]any{"id": socialIDString(PersonaNaver, u, 10_000_000, 90_000_000)}
	item := func(scope, key, value string) {
		if value != "" && at.hasAnyScope(scope) {
			obj[key] = value
		}
	}
	item("nickname", "nickname", cmp.Or(claimString(u, "nickname"), claimString(u, "preferred_username")))
	item("name", "name", claimString(u, "name"))
	item("email", "email", claimString(u, "email"))
	item("profile_image", "profile_image", claimString(u, "picture"))
	writeJSON(w, http.StatusOK, map[string]any{"resultcode": "00", "message": "success", "response": userView(obj, fault)})
}

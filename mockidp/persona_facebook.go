package mockidp

import (
	"cmp"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strings"
)

// PersonaFacebook imitates Facebook Login with the Graph API. Its real
// hosts are www.facebook.com (the login dialog) and graph.facebook.com
// (token, /me); the persona serves both on one host, with or without the
// version prefix (/v19.0/...). Checked against:
//
//   - https://developers.facebook.com/docs/facebook-login/guides/advanced/manual-flow
//     the login dialog /vX.Y/dialog/oauth (client_id, redirect_uri, state,
//     scope comma-separated); the code is exchanged at
//     /vX.Y/oauth/access_token (a GET with client_id, redirect_uri,
//     client_secret and code) for {"access_token", "token_type",
//     "expires_in"}; no refresh token. No PKCE in this flow.
//   - https://developers.facebook.com/docs/graph-api/reference/user/
//     GET /me?fields=id,name,email: id is an app-scoped numeric string;
//     email needs the email permission and may be absent; the Graph API
//     says nothing about whether it is verified.
//   - https://developers.facebook.com/docs/graph-api/guides/error-handling
//     errors are {"error": {"message", "type": "OAuthException", "code",
//     "error_subcode", "fbtrace_id"}}; code 190 is an invalid access token.
//
// The user's claims: name, first_name/given_name, last_name/family_name,
// email, picture, id (overrides the derived id) and denied_scopes.
const PersonaFacebook = "facebook"

var (
	facebookDialog = regexp.MustCompile(`^(/v[0-9]+\.[0-9]+)?/dialog/oauth$`)
	facebookToken  = regexp.MustCompile(`^(/v[0-9]+\.[0-9]+)?/oauth/access_token$`)
	facebookMe     = regexp.MustCompile(`^(/v[0-9]+\.[0-9]+)?/me$`)
)

var facebookPersona = &socialPersona{
	authorize:    facebookDialog.MatchString,
	token:        facebookToken.MatchString,
	tokenGET:     true,
	scopes:       []string{"public_profile", "email", "user_friends", "user_birthday"},
	defaultScope: "public_profile",
	addScope:     "public_profile",
	commaScopes:  true,
	pkce:         pkceIgnored,
	tokenOf: func(r *http.Request) string {
		return cmp.Or(bearerOf(r, "Bearer", "OAuth"), r.URL.Query().Get("access_token"))
	},
	writeToken: func(w http.ResponseWriter, r *http.Request, resp *tokenResponse) {
		writeJSON(w, http.StatusOK, map[string]any{"access_token": resp.AccessToken, "token_type": "bearer",
			"expires_in": resp.ExpiresIn})
	},
	writeTokenError: func(w http.ResponseWriter, r *http.Request, oe *oauthError, status int) {
		code, msg := 100, oe.Description
		switch {
		case oe.Code == errInvalidGrant && strings.Contains(msg, "redirect_uri"):
			msg = "Error validating verification code. Please make sure your redirect_uri is identical to the one you used in the OAuth dialog request"
		case oe.Code == errInvalidGrant:
			msg = "Invalid verification code format."
		case oe.Code == errInvalidClient:
			code, msg = 1, "Error validating client secret."
		}
		facebookError(w, cmp.Or(status, http.StatusBadRequest), code, msg)
	},
	unauthorized: func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("WWW-Authenticate", `OAuth "Facebook Platform" "invalid_token" "Invalid OAuth access token - Cannot parse access token"`)
		facebookError(w, http.StatusBadRequest, 190, "Invalid OAuth access token - Cannot parse access token")
	},
	api: []apiRoute{{match: facebookMe.MatchString, user: true, serve: facebookUser}},
}

// facebookError writes a Graph API error.
func facebookError(w http.ResponseWriter, status, code int, msg string) {
	writeJSON(w, status, map[string]any{"error": map[string]any{"message": msg, "type": "OAuthException", "code": code,
		"fbtrace_id": randomToken()[:11]}})
}

func facebookUser(p *Provider, w http.ResponseWriter, r *http.Request, iss string, at *accessToken, fault *Fault) {
	u := at.grant.user
	fields := strings.Split(cmp.Or(r.URL.Query().Get("fields"), "id,name"), ",")
	obj := map[string]any{}
	for _, f := range fields {
		switch f = strings.TrimSpace(f); f {
		case "id":
			obj["id"] = socialIDString(PersonaFacebook, u, 10_000_000_000_000_000, 9_000_000_000_000_000)
		case "name":
			obj["name"] = cmp.Or(claimString(u, "name"), u.Subject)
		case "first_name", "last_name":
			other := map[string]string{"first_name": "given_name", "last_name": "family_name"}[f]
			if v := cmp.Or(claimString(u, f), claimString(u, other)); v != "" {
				obj[f] = v
			}
		case "email":
			if email := claimString(u, "email"); email != "" && slices.Contains(at.scopes, "email") {
				obj["email"] = email
			}
		case "picture":
			if pic := claimString(u, "picture"); pic != "" {
				obj["picture"] = map[string]any{"data": map[string]any{"height": 50, "width": 50, "is_silhouette": false, "url": pic}}
			}
		default:
			facebookError(w, http.StatusBadRequest, 100, fmt.Sprintf("(#100) Tried accessing nonexisting field (%s) on node type (User)", f))
			return
		}
	}
	writeJSON(w, http.StatusOK, userView(obj, fault))
}

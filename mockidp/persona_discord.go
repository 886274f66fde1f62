package mockidp

import (
	"cmp"
	"net/http"
	"regexp"
	"strings"
)

// PersonaDiscord imitates Discord's OAuth2. Checked against:
//
//   - https://discord.com/developers/docs/topics/oauth2
//     https://discord.com/oauth2/authorize and
//     https://discord.com/api/oauth2/token (form bodies only; client
//     authentication by HTTP Basic or client_id and client_secret in the
//     body); scopes identify (/users/@me without email) and email (adds
//     email); the token answer is access_token, token_type "Bearer",
//     expires_in (604800), refresh_token, scope. The page documents no
//     PKCE: code_challenge is ignored.
//   - https://discord.com/developers/docs/resources/user#user-object and
//     #get-current-user: GET /users/@me (under /api or /api/v10):
//     id is a snowflake as a string, username, discriminator ("0" since
//     the username migration), global_name (nullable display name),
//     avatar, and with the email scope email (nullable) and verified
//     ("whether the email on this account has been verified").
//   - https://discord.com/developers/docs/reference#error-messages (401:
//     {"message": "401: Unauthorized", "code": 0}).
//
// The user's claims: preferred_username (the username, else the subject),
// name (global_name), email, email_verified (verified), id (overrides the
// derived snowflake, which is larger than 2^53) and denied_scopes.
const PersonaDiscord = "discord"

var discordAPIPath = regexp.MustCompile(`^/api(/v[0-9]+)?/users/@me$`)

var discordPersona = &socialPersona{
	authorize: paths("/oauth2/authorize", "/api/oauth2/authorize"),
	token:     paths("/api/oauth2/token", "/api/v10/oauth2/token"),
	scopes:    []string{"identify", "email", "guilds", "guilds.members.read", "connections"},
	pkce:      pkceIgnored,
	refresh:   func([]string) bool { return true },
	tokenOf:   func(r *http.Request) string { return bearerOf(r, "Bearer") },
	writeToken: func(w http.ResponseWriter, r *http.Request, resp *tokenResponse) {
		writeJSON(w, http.StatusOK, map[string]any{"access_token": resp.AccessToken, "token_type": "Bearer",
			"expires_in": resp.ExpiresIn, "refresh_token": resp.RefreshToken, "scope": resp.Scope})
	},
	writeTokenError: func(w http.ResponseWriter, r *http.Request, oe *oauthError, status int) {
		desc := oe.Description
		if oe.Code == errInvalidGrant {
			desc = `Invalid "code" in request.`
		}
		writeJSON(w, cmp.Or(status, oe.Status), map[string]string{"error": oe.Code, "error_description": desc})
	},
	unauthorized: func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusUnauthorized, map[string]any{"message": "401: Unauthorized", "code": 0})
	},
	api: []apiRoute{{match: discordAPIPath.MatchString, user: true, serve: discordMe}},
}

func discordMe(p *Provider, w http.ResponseWriter, r *http.Request, iss string, at *accessToken, fault *Fault) {
	if !at.hasAnyScope("identify", "email") {
		writeJSON(w, http.StatusUnauthorized, map[string]any{"message": "401: Unauthorized", "code": 0})
		return
	}
	u := at.grant.user
	obj := map[string]any{
		// Snowflakes are 64-bit: from 2^60 on, well past JSON's 2^53.
		"id":       socialIDString(PersonaDiscord, u, 1<<60, 1<<62),
		"username": strings.ToLower(cmp.Or(claimString(u, "preferred_username"), u.Subject)), "discriminator": "0",
		"global_name": nullable(claimString(u, "name")), "avatar": nil, "banner": nil, "accent_color": nil,
		"mfa_enabled": false, "locale": "en-US", "flags": 0, "premium_type": 0, "public_flags": 0,
	}
	if at.hasAnyScope("email") {
		obj["email"], obj["verified"] = nullable(claimString(u, "email")), claimTrue(u, "email_verified")
	}
	writeJSON(w, http.StatusOK, userView(obj, fault))
}

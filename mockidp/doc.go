// Package mockidp is an OpenID Provider for development and tests: strict
// where a real provider is strict, ready in milliseconds, with no database,
// and able to misbehave on request so that a relying party's error paths
// can be tested.
//
// # Flow
//
// [New] validates a [Config] and returns a [Provider], an [http.Handler]
// that serves every endpoint under the issuer's path:
//
//	/.well-known/openid-configuration  discovery (also as oauth-authorization-server)
//	/jwks                              the public signing key
//	/authorize                         authorization code flow, query or form_post
//	/login                             the login form's POST
//	/token                             authorization_code, refresh_token, client_credentials,
//	                                   token exchange (RFC 8693), JWT bearer (RFC 7523)
//	/userinfo                          claims for a Bearer access token
//	/revoke, /introspect               RFC 7009, RFC 7662
//	/end_session                       RP-initiated logout, back-channel logout
//	/device_authorization, /device     device authorization grant (RFC 8628), with Config.DeviceFlow
//	/par                               pushed authorization requests (RFC 9126), with Config.PAR
//	/healthz                           liveness
//
// An authorization request is validated first against the client and its
// registered redirect URIs; a problem there is shown on an error page and
// never redirected. Then the provider decides who signs in: a login queued
// with [Provider.QueueLogin], else the browser session (a cookie scoped to
// the issuer path, honouring prompt and max_age), else the login form or,
// in auto mode, the login_hint user. It answers with a one-time code bound
// to the client, redirect URI and PKCE challenge, plus state and iss
// (RFC 9207).
//
// Every sign-in becomes a grant. Access tokens (RFC 9068 JWTs), rotated
// refresh tokens and ID tokens issued from it point at the grant, so a
// replayed code, a reused refresh token, revocation of a refresh token and
// the end of the browser session revoke them all at once.
//
// # Policies
//
// Where the specifications leave a choice, the provider is strict:
//
//   - Redirect and post-logout URIs match registered ones as exact strings;
//     only clients with AllowLoopbackRedirects (the demo clients) accept
//     any http(s) URI on localhost, 127.0.0.0/8 or [::1].
//   - Public clients must use PKCE; S256 and plain are accepted. A
//     code_verifier without a code_challenge is refused.
//   - A code is consumed by its first redemption attempt, even a failed
//     one; a second attempt fails with invalid_grant and revokes what the
//     code issued.
//   - Every code exchange returns a refresh token (offline_access is not
//     needed); each refresh rotates it, and reuse of a rotated token
//     revokes the whole grant.
//   - Scopes are openid, profile, email, groups and offline_access; others
//     get invalid_scope. email releases email and email_verified; profile
//     releases every other user claim (groups included); groups releases
//     groups.
//   - Parameters given twice are refused (RFC 6749 3.1); unknown ones are
//     ignored.
//
// # Services and client authentication
//
// Clients authenticate with client_secret_basic, client_secret_post,
// private_key_jwt (RFC 7523 2.2: [Client.JWKS] or [Client.JWKSURI]; alg,
// aud, exp, nbf, iat and jti replay checked; see clientassert.go) or none,
// and [Client.AuthMethod] pins one. A client_credentials token carries
// [Client.Claims] and, once, a set queued with
// [Provider.QueueClientClaims]. A token exchange (RFC 8693) trades a token
// of this provider or of one of [Config.TrustedIssuers] for an access
// token for the audience and resource asked for, with an act claim for an
// actor token and may_act honoured; the JWT bearer grant (RFC 7523 2.1)
// takes an assertion signed by a trusted issuer or by the client itself.
// [Client.GrantTypes] and [Client.Scopes] say what each client may ask.
//
// # Tests
//
// [NewTestServer] runs a Provider on a loopback port for one test, in the
// style of net/http/httptest; [NewMultiTestServer] runs several issuers on
// one port. [Provider.QueueLogin] and [Provider.QueueLoginHint] choose who
// signs in next, [Provider.Advance], [Provider.Freeze] and
// [Provider.Unfreeze] drive the provider's clock, [Provider.Mint] signs
// arbitrary claims, [Provider.RotateKey] and [Provider.RotateKeyOverlap]
// rotate the signing key, [Provider.InjectFault] makes responses misbehave,
// [Provider.Requests] shows the requests received (secrets redacted),
// [Provider.BackchannelLogouts] the logout tokens sent, and
// [Provider.Reset] starts over. All state belongs to the Provider, so
// tests may run in parallel.
//
// # Faults
//
// A [Fault] scoped by ClientID or LoginHint touches only the requests of
// that client or of sign-ins that carried that login_hint (the hint stays
// with the code, tokens and refreshes of the sign-in), so parallel tests
// sharing one provider stay apart; there is no global queue. Faults cover
// the ID token (claim overrides such as a wrong iss, aud, nonce or
// at_hash, a missing sub or iat; times relative to the issue time such as
// an expired exp or a future iat; signatures that are broken, alg
// none, by an unpublished key, without kid, or HS256 with the client
// secret), the token response (OAuth error, any status, any body and
// content type, no id_token, a delay, refresh-only), userinfo (claims,
// status, body), the authorization response (state, iss, error), and
// discovery and /jwks (members, status, body, delay, keys without kid,
// decoy keys), end_session (an error page, a wrong or missing state, a
// redirect elsewhere), revocation (status, error, body), introspection
// (inactive, claims, status, garbage body, a delay), the back-channel
// logout tokens sent to a client (claims such as a missing events or a
// nonce, times such as an old iat, a replayed jti, the sid of another
// session, broken signatures; [Provider.EndSessions] sends them without a
// browser), pushed authorization requests (status, error, body, a
// request_uri that /authorize does not know) and device authorization
// (status, error, body, another interval or lifetime of the device code;
// polling errors are token endpoint faults). Discovery and /jwks faults cannot be scoped: use one
// provider per test (or one issuer per test in a [Multi]) to isolate them.
//
// # Control API
//
// With [Config.ControlAPI] (cmd/mockidp --control), the same controls are
// served as JSON under <issuer path>/_mock/ to loopback clients and the
// networks of [Config.ControlAllow]; others get 403. Against DNS
// rebinding, the Host must be a loopback name (localhost, *.localhost,
// 127.0.0.0/8, [::1]) or the host of the fixed issuer, PublicURL or
// InternalURL, and an Origin, if sent, must name one of those; a
// Sec-Fetch-Site of cross-site is refused too (403). POST bodies must be
// application/json (which also keeps web pages from posting without a
// CORS preflight), at most 64 KiB, with no unknown members:
//
//	POST   /_mock/faults       a Fault (snake_case members, "delay":"2s") -> 201
//	GET    /_mock/faults       the queued faults
//	DELETE /_mock/faults       remove every fault -> 204
//	POST   /_mock/login        {"client_id"|"login_hint", "sub", "claims"} -> 204
//	POST   /_mock/client_claims {"client_id", "claims"}: the next client_credentials token's claims -> 204
//	POST   /_mock/logout       {"sub"}: end the user's sessions, send logout tokens -> {"ended": n}
//	POST   /_mock/device       {"user_code", "action": "approve"|"deny", "sub", "claims"} -> 204
//	POST   /_mock/rotate       {"overlap":"10m"} (optional) -> {"kid", "published"}
//	GET    /_mock/clock        {"now", "frozen"}
//	POST   /_mock/clock        {"freeze":true|false, "advance":"10m"} -> {"now", "frozen"}
//	GET    /_mock/requests     ?endpoint=token&limit=N -> {"requests": [...]}
//	GET    /_mock/backchannel  {"logouts": [...]}
//	POST   /_mock/mint         {"claims":{...}, "signing":"no-kid", "client_id":"demo"} -> {"token"}
//	POST   /_mock/reset        back to the state New left -> 204; {"tag":"t"}: undo tag t only
//	POST   /_mock/clients      a client (YAML member names, "tag") -> 201; 409 if the id exists
//	GET    /_mock/clients      the clients, without secrets
//	DELETE /_mock/clients/{id} -> 204 (its grants are revoked)
//	POST   /_mock/users        {"sub", "claims", "tag"} -> 201
//	GET    /_mock/users        the users
//	DELETE /_mock/users/{sub}  -> 204
//
// Errors are {"error", "error_description"} with 400, 403, 404, 405, 409
// or 415. A client or user added with a "tag" (e.g. the test's name) is
// removed, with its client's faults and queued logins, by a reset with
// that tag, so parallel tests sharing one provider undo only their own
// changes; a reset without tag also undoes every runtime change. A
// [Multi] with ControlAPI on every issuer serves, at the server root,
// GET/POST /_mock/issuers ({"name", "persona", "alg", "login", "clients",
// "users", "tag"}), DELETE /_mock/issuers/{name} and POST /_mock/reset.
//
// # Issuers
//
// The issuer is fixed, or derived per request ([IssuerAuto]). A fixed
// issuer can be split ([Config.PublicURL], [Config.InternalURL]): one iss,
// with authorize and end_session advertised on the public base and the
// back-channel endpoints on the internal base, all served by one handler.
// [Multi] serves several independent providers under /<name>/.
//
// # TLS
//
// [NewCA] makes a throw-away ECDSA certificate authority, name-constrained
// to the hosts it is made for ([TLSHosts]: the issuer's hosts and the
// loopback names), whose key never leaves the process; [CA.Issue] makes
// the server certificate and [CA.CertPEM] is what a client trusts.
// [WithTLS] serves a [NewTestServer] over HTTPS and [TestServer.Client]
// trusts exactly its CA; cmd/mockidp --tls does the same and writes the CA
// certificate with --tls-ca-out (or takes a CA, or a server certificate,
// with --tls-cert and --tls-key).
//
// # Personas
//
// [Config.Persona] imitates a real provider's quirks:
//
//   - entra: routes live under /{tenant}/v2.0/ (any tenant segment). The
//     discovery of common, organizations and consumers advertises the
//     issuer template <issuer>/{tenantid}/v2.0; that of a tenant ID
//     advertises <issuer>/<tenant>/v2.0. Tokens carry tid (the user's tid
//     claim, else [EntraDefaultTenant], or the tenant of the path when it
//     is an ID), iss for that tenant, ver "2.0" and a stable oid; no sid,
//     no email_verified (an email is unverified unless the user's xms_edov
//     says otherwise), preferred_username as a UPN (the user's upn claim,
//     else <name>@mocktenant.onmicrosoft.com), and beyond 200 groups the
//     overage pointer (_claim_names, _claim_sources) instead of groups;
//     <issuer>/graph/v1.0/me/transitiveMemberOf answers the full list like
//     Microsoft Graph to a token with GroupMember.Read.All. No RFC 9207
//     iss parameter, no introspection or revocation.
//   - google: the issuer as configured (Google's real one is
//     https://accounts.google.com); users with iss_without_scheme get iss
//     without its scheme (accounts.google.com), as Google sends for some
//     tokens; hd from the email domain (not for gmail.com),
//     email_verified always present; no end_session, no back-channel
//     logout, no iss parameter, no sid.
//   - apple: scopes openid, email and name; response_mode defaults to
//     form_post and must be form_post when name or email is asked; the
//     first sign-in of a user at a client also posts the user JSON member
//     ({"name":{"firstName","lastName"},"email"}); ID tokens hold only
//     email, email_verified and is_private_email (strings or booleans, as
//     the user's claims have them; email_verified defaults to "true"),
//     real_user_status and nonce_supported besides the protocol claims; no
//     userinfo endpoint, no end_session, no iss parameter. Apple signs ID
//     tokens with RS256 (the default Alg here too); ES256 is for the client
//     secret: a client with [Client.SecretJWTKeyPEM] authenticates with an
//     ES256 JWT.
//   - keycloak: realm_access.roles (the user's roles claim, else groups)
//     and resource_access in ID and access tokens, typ "ID" / "Bearer",
//     sid (no session_state claim since Keycloak 26);
//     refresh_expires_in, not-before-policy and session_state in token
//     responses. Give the issuer the path /realms/<realm> to match
//     Keycloak's URLs.
//   - auth0: the issuer ends with a slash (added when missing), in
//     discovery and in iss; no introspection.
//
// OAuth 2.0 providers without OpenID Connect answer at their own paths and
// in their own shapes, on one host (the issuer), and the OpenID Provider's
// routes are gone (404); each persona file cites the provider's pages:
//
//   - github (persona_github.go): /login/oauth/authorize,
//     /login/oauth/access_token (form-encoded unless Accept:
//     application/json; errors with HTTP 200), /user, /user/emails,
//     /user/orgs, /user/teams (also under /api/v3), paginated with Link.
//   - naver (persona_naver.go): /oauth2.0/authorize, /oauth2.0/token,
//     /v1/nid/me ({"resultcode","message","response"}).
//   - kakao (persona_kakao.go): /oauth/authorize, /oauth/token,
//     /v2/user/me (numeric id, kakao_account); with the openid scope an
//     OpenID Provider too (discovery, /.well-known/jwks.json,
//     /v1/oidc/userinfo).
//   - discord (persona_discord.go): /oauth2/authorize, /api/oauth2/token,
//     /api[/v10]/users/@me (snowflake ids beyond 2^53, verified).
//   - facebook (persona_facebook.go): /[vX.Y/]dialog/oauth,
//     /[vX.Y/]oauth/access_token, /[vX.Y/]me?fields=...
//   - x (persona_x.go): /i/oauth2/authorize (PKCE required),
//     /2/oauth2/token, /2/users/me ({"data": {...}}, no email).
//
// Their users' ids are derived from the subject unless the user has an id
// claim (any JSON value); a user's denied_scopes are removed from what the
// user grants. The Userinfo fault fields apply to their user endpoints
// (claim overrides to the object that holds the id), the Token fault
// fields to their token endpoints (TokenError in the provider's shape).
//
// # Keys
//
// By default a Provider signs with an embedded development key for its
// algorithm (RS256, PS256, ES256 or EdDSA). These keys are public (they are
// in the source tree) and MUST NOT be trusted outside development and
// tests; [Config.SigningKeyPEM] sets another key.
package mockidp

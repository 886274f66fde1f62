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
//	/token                             authorization_code, refresh_token, client_credentials
//	/userinfo                          claims for a Bearer access token
//	/revoke, /introspect               RFC 7009, RFC 7662
//	/end_session                       RP-initiated logout, back-channel logout
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
// # Tests
//
// [NewTestServer] runs a Provider on a loopback port for one test, in the
// style of net/http/httptest. [Provider.QueueLogin] chooses who signs in
// next, [Provider.Advance] moves the provider's clock, [Provider.Mint]
// signs arbitrary claims, [Provider.RotateKey] rotates the signing key,
// [Provider.InjectFault] makes responses misbehave per client, and
// [Provider.BackchannelLogouts] shows the logout tokens sent. All state belongs to the Provider, so tests may run in parallel.
//
// # Keys
//
// By default a Provider signs with an embedded development key for its
// algorithm (RS256, PS256, ES256 or EdDSA). These keys are public (they are
// in the source tree) and MUST NOT be trusted outside development and
// tests; [Config.SigningKeyPEM] sets another key.
package mockidp

// Package rp is an OpenID Connect relying party: it signs people in with any OpenID
// Provider through the authorization code flow with PKCE, keeps them signed in with a
// session, and signs them out — as middleware for a Go application, or as the core of
// the foyer server (cmd/rp).
//
// # Using it
//
//	auth, err := rp.New(ctx, rp.Config{
//		PublicURL:     "https://app.example.com",
//		Providers:     []rp.ProviderConfig{{ID: "corp", Issuer: "https://idp.example.com", ClientID: "app", ClientSecret: secret}},
//		CookieSecrets: [][]byte{cookieSecret},
//	})
//	mux.Handle("/auth/", auth.Handler())
//	mux.Handle("/", auth.RequireLogin(app))
//
// Inside app, [UserFromContext] returns the signed-in [User].
//
// # The flow
//
// [New] validates the configuration and starts discovery of every provider in the
// background, retried with backoff: startup never fails because a provider is briefly
// down; meanwhile [RP.Ready] is false and sign-ins get a 503 page.
//
// GET /auth/login makes a per-attempt state, nonce and PKCE S256 verifier and keeps them,
// with the provider id and the return path (rd, checked by [SafeReturnPath]), in a
// short-lived encrypted and MACed cookie whose name is derived from the state, so
// parallel sign-ins in several tabs each keep their own. With several providers and none
// named it shows a chooser.
//
// GET or POST (form_post) /auth/callback finds the attempt by its state (a missing or
// expired one restarts the sign-in once, then shows a friendly page), checks the RFC 9207
// iss parameter, redeems the code with the verifier (token endpoint authentication set
// explicitly, never auto-detected), and verifies the ID token: go-oidc checks signature
// (advertised asymmetric algorithms only), iss, aud and exp; rp adds sub, iat, azp,
// untrusted extra audiences, nonce and at_hash. The userinfo answer must have the same sub.
// Then a new session (always a new id) is saved and the browser goes back to rd.
//
// Every request through [RP.RequireLogin] or [RP.Identify] loads the session from the
// [SessionStore], ends it when idle too long or past its absolute lifetime (never
// extended) or when a logout revoked it, refreshes the access token shortly before it
// expires — once per session even under concurrent requests — and puts the [User] on
// the context. A session cookie that does not decode means "signed out", never an
// error.
//
// GET /auth/logout shows a button; POST /auth/logout (with its CSRF token) ends the
// session and sends the browser to the provider's end_session_endpoint with
// id_token_hint, client_id, post_logout_redirect_uri and state; it comes back to
// /auth/logout/done. POST /auth/backchannel-logout accepts OpenID Connect Back-Channel
// Logout tokens.
//
// # Sessions and cookies
//
// Each sign-in attempt (state, nonce, PKCE verifier, provider, return path) is a small,
// short-lived github.com/gorilla/sessions cookie session of its own, with rp's cookie
// attributes instead of gorilla's defaults. A signed-in session needs what gorilla's
// cookie store lacks (chunking past 4096 bytes, an absolute lifetime, logout indexes), so
// it lives in a [SessionStore]. The default [CookieStore] keeps it in the browser:
// compressed, encrypted and MACed as one value, split into chunks under 4096 bytes. Cookies are HttpOnly,
// SameSite=Lax (SameSite=None for form_post login cookies), Secure and "__Host-"-prefixed
// unless the public URL is plain-http loopback. Cookie keys are derived from
// Config.CookieSecrets; the first encodes and all decode, for rotation.
//
// # Several replicas
//
// A server-side [SessionStore] (such as redisstore.NewSessionStore) keeps only a
// ticket in the cookie. If it also implements [LogoutIndex], a back-channel or
// front-channel logout deletes the sessions it names on every replica. If it
// implements [RefreshLocker], a refresh holds the session's lock, re-reads the
// session first and saves the new tokens before releasing it, and other saves take
// the lock too and keep tokens refreshed meanwhile, so rotating refresh tokens are
// redeemed once across replicas. Config.Revocations and Config.ReplayCache record
// back-channel logouts of cookie sessions and seen logout tokens; when nil they come
// from the SessionStore if it implements them (the Redis store does), else they are
// kept in this process. [RP.Readyz] also reports a store with a Ping method.
//
// # Several providers and their quirks
//
// Config.Providers may list many providers; /auth/login without ?provider= shows a page
// to choose one. The chosen provider is recorded in the sign-in attempt's cookie, so
// the callback is checked against that provider only (its RFC 9207 iss, its token
// endpoint, its keys and algorithms): another provider's answer is refused.
// [ProviderConfig.Kind] turns on a provider's documented deviations: [KindEntra]
// (a multi-tenant issuer template checked against each token's own tid, and a tenant
// allow-list), [KindGoogle] (hd), [KindApple] (form_post, a client secret minted as an
// ES256 JWT, the name posted once) and [KindKeycloak] (roles as groups). Key sets are
// refetched in the background and discovery runs again now and then.
//
// # In front of other apps: reverse proxy and forward auth
//
// [RP.Proxy] guards an app written in any language: signed-in, allowed requests go to
// the upstream through net/http/httputil.ReverseProxy (websockets and streamed
// responses included) with the identity headers X-Forwarded-User, -Email,
// -Preferred-Username and -Groups; the same names sent by the client are removed in
// every spelling, and rp's cookies are taken out. GET /auth/verify answers the
// subrequests of nginx auth_request, Traefik ForwardAuth and Caddy forward_auth with
// the same headers (200), 401, or a 302 to sign in that returns to the original URL.
// Config.Gateway ([GatewayConfig]) holds their settings. X-Forwarded-*, X-Original-*
// and Forwarded headers are believed only from GatewayConfig.TrustedProxies (loopback
// by default); otherwise, or when they disagree, the original URL is unknown: every
// access rule applies and sign-in returns to "/".
//
// GatewayConfig.Rules ([Rule]) restrict who may use which paths: email domains and
// addresses (parsed strictly, verified emails only by default), groups, and claim
// values, per path prefix and per provider. A denied user gets a 403 naming the rule
// they failed. With GatewayConfig.Assertion on, the upstream also gets
// [HeaderAssertion]: a short-lived ES256 JWT about the user, verifiable with the keys
// at /auth/jwks.json, so the app need not trust plain headers.
//
// # Metrics and logs
//
// With Config.Registerer set, rp records sign-ins by provider, outcome and reason,
// callback latency, every provider request's latency and failures by endpoint, key set
// fetches, and requests by route ([RP.Instrument] measures other handlers). Each
// finished sign-in also gets one log line with the provider, outcome, reason, duration
// and a hash of the user's issuer and subject.
//
// Errors are turned into responses in one place: plain words and a fitting status for
// people (JSON when the request asks for JSON), one log line with the technical reason,
// never tokens, codes, secrets or email addresses.
//
// # Reading the code
//
// The files are grouped by concern, in the order a request meets them:
//
//   - rp.go: [RP], [New], the /auth/ routes, health and readiness; config.go: [Config],
//     [ProviderConfig] and their validation.
//   - provider_*.go: talking to a provider — discovery, the key set, the userinfo
//     call, the HTTP client (size caps, timeouts), background refresh of metadata
//     and keys, per-provider quirks and Apple's client secret.
//   - login_*.go: signing in — start (/auth/login), the attempt cookies, login hints,
//     the return path, the callback (/auth/callback) and its logged outcome.
//     idtoken.go verifies ID tokens.
//   - session*.go: staying signed in — the [Session] type and store interfaces, the
//     per-request path (session_middleware.go: load, idle and absolute lifetimes,
//     revocation, refresh if due, the user on the context), the refresh grant, the
//     cookie store, its decode cache and the in-process revocations.
//   - logout_*.go: signing out — RP-initiated (/auth/logout), back-channel and
//     front-channel logout.
//   - gateway_*.go: in front of other apps — [GatewayConfig], the reverse proxy,
//     forward auth (/auth/verify), trusted proxies, access rules, and the signed
//     assertion with /auth/jwks.json.
//   - user.go ([User], identity headers, /auth/userinfo), cookies.go (rp's own cookie
//     codec), pages.go, errors.go (the one place errors become responses) and
//     metrics.go.
package rp

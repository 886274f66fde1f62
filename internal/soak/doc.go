// Package soak runs foyer under a long, mixed load on loopback and checks
// that it keeps working: no 5xx, nobody ever sees another person's identity,
// memory stays flat after a warm-up, and goroutines return to their baseline
// when the load stops.
//
// The flow of a run ([Run]):
//
//  1. A target starts: the real rp and mockidp binaries as processes
//     ([ModeProcess], the default of cmd/foyer-soak, so that RSS is honest),
//     or both in this process ([ModeInProcess], cheap enough for go test).
//     In ModeProcess, [Config.SessionStore] gives rp a shared session store
//     (e.g. a redis:// URL) instead of cookie sessions.
//     The mock signs people in with no page (login auto) and has one user per
//     virtual user, so each one is signed in as itself through login_hint;
//     its access tokens live a little longer than rp's refresh margin, so
//     sessions are refreshed while the soak runs.
//  2. A baseline of memory and goroutines is taken, then workers share the
//     virtual users: a user who is signed out signs in (rp /auth/login, the
//     provider with the user's login_hint, /auth/callback), then browses
//     (/auth/userinfo, /auth/verify, the home page) checking every answer
//     names that user, and now and then signs out through the CSRF-protected
//     form and the provider's end_session. A fraction of steps are hostile:
//     forged and tampered cookies, replayed callbacks, off-site return paths,
//     spoofed identity headers. Each must be refused without a 5xx and let no
//     one in.
//  3. Memory (RSS, or the Go heap in process) and goroutines are sampled every
//     few seconds. When the time is up, the workers stop, idle connections
//     are closed and the goroutine count is awaited back near its baseline.
//  4. The [Report] holds the counts, the samples and the verdict of each
//     criterion; [Report.Passed] says whether the soak passed.
package soak

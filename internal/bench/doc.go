// Package bench measures foyer's programs the way their users meet them: as
// processes on loopback HTTP. It is the engine of cmd/foyer-bench.
//
// [Run] takes a [Config] and measures, in this order:
//
//   - start: mockidp launched [Config.Starts] times on free ports; the time
//     from exec to the first 200 from /jwks (median, p95), its RSS after a
//     second idle, the binary size and, when Docker has it, the image size.
//   - signin: for each signing algorithm, a mockidp (--login auto) and an rp
//     using it with the demo client; [Config.VUs] virtual users run a
//     [ClosedLoop] of complete sign-ins with a [Signer] (login, authorize,
//     callback, userinfo), each with a fresh cookie jar. The CPU time that rp
//     and mockidp used, read from /proc/PID/stat before and after each run,
//     is divided by the sign-ins. The rate is compared with the bound that
//     RS256 signing sets: cores / (2 × one RSA-2048 signature), measured here
//     in this process.
//   - verify and proxy: a signed-in session cookie, then an [OpenLoop] at
//     [Config.Rate] on rp's /auth/verify and on its /healthz (the floor that
//     HTTP, the kernel and Go's scheduler put under every request), on a
//     request rp proxies to an in-tool upstream server, and on the upstream
//     directly; the difference is what the proxy adds. With the cookie
//     store, then with Redis when redis-server is installed and rp accepts
//     --session-store redis:// (then also Redis commands per request).
//   - memory: rp's RSS before and after [Config.Users] sign-ins, and with a
//     Redis store the Redis memory per session.
//
// Every case has a warm-up and [Config.Runs] measured runs of
// [Config.Duration]; the figures are the medians of the runs. Open-loop
// latencies are measured from each request's scheduled time, so queueing in
// a slow server shows instead of being hidden by a client that waits (the
// "coordinated omission" of closed-loop tools). A figure that cannot be
// taken on this machine is reported as n/a with the reason; nothing is
// skipped silently.
//
// The result is a [Report]: a table, JSON or Markdown, headed by the
// machine's CPU model, Go version and GOMAXPROCS. Everything the tool starts
// is stopped when it returns, and all runs are bounded in time and count.
package bench

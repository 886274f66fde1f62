// Package stack builds, starts and signs in to foyer's programs the one way
// every end-to-end tool does it: the integration tests, cmd/foyer-bench
// (internal/bench) and cmd/foyer-soak (internal/soak).
//
// A helper with a testing.TB fails the test instead of returning an error
// and registers its own cleanup with t.Cleanup, so that a new end-to-end
// test is a few lines; each has an error-returning twin for the tools.
//
//   - [Require] skips a test, with one line saying what is missing, how to
//     get it and which variable makes it a failure, when a [Tool] is missing
//     ([Chromium], [Redis], [Nginx]; container.Docker), and fails it instead
//     when REQUIRE_BROWSER=1, REQUIRE_REDIS=1, REQUIRE_NGINX=1 or
//     REQUIRE_DOCKER=1 is set (as in CI).
//   - [Builder] compiles cmd/rp, cmd/mockidp and examples/whoami once into
//     static binaries (CGO_ENABLED=0), the way `make build` does, or takes
//     those `make build` made (FOYER_BIN_DIR, set by `make test`; or an
//     up-to-date bin/ for the tools).
//   - [Addr] and [FreeAddr] pick free loopback ports; [Start] and
//     [StartProcess] start a binary with flags and environment only and wait
//     until its readiness URL answers (no fixed sleeps); [Process.Stop]
//     sends SIGTERM and asserts a clean exit within a second.
//   - [StartStack] starts mockidp, rp using it (the demo client, secrets in
//     the environment) and, when asked, whoami as rp's upstream.
//   - [Agent] is a cookie-jar HTTP client that steps through redirects one
//     hop at a time; [Agent.SignIn] signs in headlessly through rp and a mock
//     that logs users in without a page. [Client] is the same for a test,
//     and also submits the HTML forms it finds ([Response.Form]).
//   - [Poll] waits on a condition instead of sleeping.
//
// Subpackages: browser drives Debian's Chromium through chromedp; container
// runs FROM-scratch images on a private Docker network.
//
// Nothing here is imported by the product.
package stack

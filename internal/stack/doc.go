// Package stack is the shared toolkit of foyer's end-to-end tests.
//
// A test in integration/ starts a stack, plays the browser and checks what
// a person would see. The package does the plumbing, each helper taking a
// testing.TB and registering its own cleanup with t.Cleanup, so that a new
// end-to-end test is a few lines:
//
//   - [RequireTool] skips a test, with one line saying why, when Chromium,
//     a Docker engine or a Redis server is missing, and fails it instead when
//     REQUIRE_BROWSER=1, REQUIRE_DOCKER=1 or REQUIRE_REDIS=1 is set (as in CI).
//   - [Builder] compiles cmd/rp, cmd/mockidp and examples/whoami once per
//     test run into static binaries (CGO_ENABLED=0), the same way `make build`
//     does, or takes those `make build` made (FOYER_BIN_DIR, set by `make test`).
//   - [FreeAddr] picks free loopback ports; [StartProcess] starts a binary
//     with flags and environment only, waits until its /healthz answers (no
//     fixed sleeps), and [Process.Stop] sends SIGTERM and asserts a clean exit
//     within a second.
//   - [Client] is a cookie-jar HTTP client that steps through redirects one
//     hop at a time and submits the HTML forms it finds ([Response.Form]).
//   - [Browser] drives Debian's Chromium through chromedp, with a screenshot
//     after each step; the last one is kept when the test fails.
//   - [Docker] builds FROM-scratch images from the prebuilt binaries, runs
//     containers on a private network and removes containers, images and the
//     network at the end, also when the test fails.
//
// Nothing here is imported by the product: it is test support only.
package stack

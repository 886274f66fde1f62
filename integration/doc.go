// Package integration holds foyer's end-to-end tests: the whole sign-in,
// callback and sign-out story of rp against mockidp, told four ways.
//
//   - In process (inprocess_test.go): rp and mockidp on httptest servers, a
//     cookie-jar client stepping through every redirect. Covers both login
//     modes, form_post, two users, a provider that denies access and
//     back-channel logout.
//   - Real processes (process_test.go): bin/rp and bin/mockidp built with
//     CGO_ENABLED=0, started on free loopback ports with flags and
//     environment only, then stopped with SIGTERM (clean exit within 1 s).
//   - Real browser (browser_test.go): Debian's Chromium driven by chromedp
//     against those processes, with a screenshot after each step.
//   - Containers (container_test.go): FROM-scratch images of both programs
//     on a private Docker network, as examples/docker-compose.yml runs them.
//
// Each suite checks the same story: sign in, land on the page asked for,
// /auth/userinfo names the right user, sign out locally and at the
// provider, and a new sign-in shows the provider's login page again.
//
// Suites whose tool is missing skip with one line; REQUIRE_BROWSER=1,
// REQUIRE_DOCKER=1 and REQUIRE_REDIS=1 make them fail instead (.ci/run sets
// all three). The plumbing lives in package harness.
package integration

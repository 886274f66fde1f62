// Package integration holds foyer's end-to-end tests: rp and mockidp together,
// in process, as real processes, in a browser, in containers and beside other
// software. It has no non-test code besides this comment.
//
// The sign-in story (sign in, land on the page asked for, /auth/userinfo names
// the right user, sign out locally and at the provider, and a new sign-in shows
// the provider's login page again; story_test.go) is told four ways:
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
// Beside the story:
//
//   - Conformance (conformance_*_test.go, TestConformance*): rp against a
//     mockidp that misbehaves the way the OpenID Foundation's RP tests make
//     their provider misbehave, one case per OIDF test, each with its own
//     provider and rp, in process.
//   - Drills (drills_*_test.go, TestDrill*): the provider down, too slow or
//     serving a broken key set, and both programs stopped with SIGTERM under
//     load.
//   - Interop (interop_test.go): rp against zitadel/oidc's example provider,
//     and zitadel's relying party against mockidp.
//   - nginx (nginx_test.go): examples/nginx/nginx.conf run by the host's nginx
//     in front of an app, rp's /auth/verify answering its auth_request.
//   - Redis (redis_test.go): two rp processes sharing one Redis session store,
//     as replicas behind a load balancer.
//
// Suites whose tool is missing skip with one line; REQUIRE_BROWSER=1,
// REQUIRE_DOCKER=1, REQUIRE_REDIS=1 and REQUIRE_NGINX=1 make them fail
// instead (.ci/run sets all four). The plumbing lives in package internal/stack.
package integration

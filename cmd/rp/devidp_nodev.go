//go:build nodev

package main

import (
	"errors"
	"log/slog"
	"net/http"
)

// This build has no embedded mock provider: `go build -tags nodev`, as the
// foyer/rp container image is built (`make images`). A production image then
// cannot be switched to a provider that signs anyone in by a stray RP_DEV=1,
// and it is 0.7 MB smaller. For a mock provider in containers, run the
// foyer/mockidp image beside it.

// devHint ends the no-provider error: how to get a provider without one.
const devHint = "; this rp is built without the mock provider (-tags nodev): for one, run the foyer/mockidp image and point --issuer at it"

// errNoDevIdP is dev mode's error in this build.
var errNoDevIdP = errors.New("this rp is built without the mock provider (-tags nodev, as in the foyer/rp image): " +
	"configure a provider with --issuer, or run the foyer/mockidp image and point --issuer at it")

// newDevIdP reports that this build has no mock provider.
func newDevIdP(string, *slog.Logger) (http.Handler, error) { return nil, errNoDevIdP }

//go:build !nodev

package main

import (
	"log/slog"
	"net/http"

	"github.com/foyer-oidc/foyer/mockidp"
)

// devHint ends the no-provider error: how to get a provider without one.
const devHint = "; --dev runs the built-in mock provider instead"

// newDevIdP returns dev mode's embedded mock provider for issuer. Builds with
// the nodev tag (the container image) have none; see devidp_nodev.go.
func newDevIdP(issuer string, log *slog.Logger) (http.Handler, error) {
	return mockidp.New(mockidp.Config{Issuer: issuer, Login: mockidp.LoginForm, Logger: log})
}

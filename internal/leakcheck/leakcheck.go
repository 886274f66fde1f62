// Package leakcheck finds what a log line must never hold: a JSON Web Token
// (ID, access, refresh or logout token), or a secret or address the test names.
//
// A token is found by its shape, not by the three letters every JWT starts
// with: "eyJ" alone also turns up inside random identifiers (a session's log
// id "vuYeyJvD" failed CI once).
package leakcheck

import (
	"regexp"
	"strings"
)

// jwt is a base64url segment that starts with `{"` and is long enough to be a
// JOSE header ({"alg":"ES256"} is 20 characters), starting at a boundary,
// with the segments that follow it (a JWS has two more, a JWE four).
var jwt = regexp.MustCompile(`(?:^|[^A-Za-z0-9_-])(eyJ[A-Za-z0-9_-]{12,}(?:\.[A-Za-z0-9_-]*)*)`)

// Find returns what log holds that it must not: every JWT-shaped string, and
// each of secrets that occurs in it. Nil means the log is clean.
func Find(log string, secrets ...string) []string {
	var found []string
	for _, m := range jwt.FindAllStringSubmatch(log, -1) {
		found = append(found, m[1])
	}
	for _, s := range secrets {
		if s != "" && strings.Contains(log, s) {
			found = append(found, s)
		}
	}
	return found
}

package rp

import (
	"net/url"
	"strings"
	"unicode"

	"golang.org/x/oauth2"
)

// forwardedHints are the /auth/login parameters passed on to the provider: who is
// signing in (login_hint, OpenID Connect Core §3.1.2.1) and which organization they
// belong to (domain_hint, understood by Microsoft Entra ID), so that an application
// that already knows can skip the provider's account and realm pickers.
var forwardedHints = []string{"login_hint", "domain_hint"}

// maxHintLen bounds a forwarded hint.
const maxHintLen = 256

// hintOptions returns the hints of a /auth/login query to add to the authorization
// request. A hint the provider's AuthParams already set, a repeated one, an over-long
// one or one with control characters is dropped.
func hintOptions(q url.Values, configured map[string]string) []oauth2.AuthCodeOption {
	var opts []oauth2.AuthCodeOption
	for _, k := range forwardedHints {
		vs := q[k]
		if _, fixed := configured[k]; fixed || len(vs) != 1 {
			continue
		}
		if v := vs[0]; v != "" && len(v) <= maxHintLen && !strings.ContainsFunc(v, unicode.IsControl) {
			opts = append(opts, oauth2.SetAuthURLParam(k, v))
		}
	}
	return opts
}

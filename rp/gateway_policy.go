package rp

import (
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
)

// Rule is an access rule: who may use the paths it covers once signed in.
//
// A rule covers a request when the request's path begins with PathPrefix (compared
// without regard to case, after decoding, so that "/Admin" and "/%61dmin" are covered
// by "/admin"; paths that servers read differently, such as "/public/../admin", are
// refused with 400 before any rule is looked at) and the user signed in with Provider.
// Every rule that covers a request must allow it. When a forward-auth request does not
// say (from a trusted proxy) which path it is about, every rule applies.
//
// Within a rule, each condition that is set must hold: the email (its domain in
// EmailDomains, or the address in Emails), one of Groups, and for every claim in
// Claims one of its values. A rule with no condition allows every signed-in user.
type Rule struct {
	// PathPrefix limits the rule to paths beginning with it; empty: every path.
	PathPrefix string
	// Provider limits the rule to users of this provider id; empty: every provider.
	Provider string
	// EmailDomains allow emails at these domains, compared in lowercase; a leading dot
	// (".example.com") allows every subdomain instead. Internationalized domains are
	// written in their ASCII (xn--) form. The email must be verified unless
	// AllowUnverifiedEmail is set.
	EmailDomains []string
	// Emails allow these addresses (compared in lowercase).
	Emails []string
	// Groups: the user must be in at least one of them ([User.Groups]).
	Groups []string
	// Claims: for each claim (a dotted path such as "realm_access.roles"), the user's
	// claim must equal, or as a list contain, one of the values.
	Claims map[string][]string
	// AllowUnverifiedEmail accepts an email the provider does not say is verified.
	// Anyone who can create an account at the provider with any address passes
	// EmailDomains then; it MUST NOT be set for public providers.
	AllowUnverifiedEmail bool
}

// rule is a validated, normalised Rule.
type rule struct {
	Rule
	index   int // 1-based position in Config.Gateway.Rules; 0: from a forward-auth query
	domains []string
	emails  []string
}

// compileRule validates r; providers are the configured provider ids.
func compileRule(r Rule, providers map[string]bool) (rule, error) {
	var errs []error
	cr := rule{Rule: r}
	if r.PathPrefix != "" && !strings.HasPrefix(r.PathPrefix, "/") {
		errs = append(errs, fmt.Errorf("path prefix %q: must begin with /", r.PathPrefix))
	}
	if r.Provider != "" && providers != nil && !providers[r.Provider] {
		errs = append(errs, fmt.Errorf("provider %q is not configured", r.Provider))
	}
	for _, d := range r.EmailDomains {
		sub := strings.HasPrefix(d, ".")
		nd, ok := normalDomain(strings.TrimPrefix(d, "."))
		if !ok {
			errs = append(errs, fmt.Errorf("email domain %q: want an ASCII domain name (xn-- form for IDNs), optionally with a leading dot", d))
			continue
		}
		if sub {
			nd = "." + nd
		}
		cr.domains = append(cr.domains, nd)
	}
	for _, e := range r.Emails {
		local, domain, ok := splitEmail(e)
		if !ok {
			errs = append(errs, fmt.Errorf("email %q: want exactly one @ and an ASCII domain", e))
			continue
		}
		cr.emails = append(cr.emails, strings.ToLower(local)+"@"+domain)
	}
	for _, g := range r.Groups {
		if g == "" {
			errs = append(errs, errors.New("empty group name"))
		}
	}
	for k, vals := range r.Claims {
		if k == "" || len(vals) == 0 {
			errs = append(errs, fmt.Errorf("claim %q: needs a name and at least one value", k))
		}
		if k == "email" {
			// The raw claim is there whether or not the provider verified it.
			errs = append(errs, errors.New(`claim "email": use emails or email_domains, which take only verified addresses`))
		}
	}
	return cr, errors.Join(errs...)
}

// covers reports whether the rule applies to a user of provider at cleanPath ("" when
// the path is unknown: then every path rule applies).
func (cr *rule) covers(provider, cleanPath string) bool {
	if cr.Provider != "" && cr.Provider != provider {
		return false
	}
	if cr.PathPrefix == "" || cleanPath == "" {
		return true
	}
	return len(cleanPath) >= len(cr.PathPrefix) && strings.EqualFold(cleanPath[:len(cr.PathPrefix)], cr.PathPrefix)
}

// check returns why u fails the rule, or "" when u passes. The reason names the
// condition, never the user's email or claim values.
func (cr *rule) check(u *User) string {
	if len(cr.domains) > 0 || len(cr.emails) > 0 {
		email := u.Email
		if email == "" && cr.AllowUnverifiedEmail {
			email, _ = u.Claims["email"].(string)
		}
		if email == "" {
			return "a verified email address is required"
		}
		local, domain, ok := splitEmail(email)
		if !ok {
			return "the email address is not a plain, single address"
		}
		full := strings.ToLower(local) + "@" + domain
		if !slices.Contains(cr.emails, full) && !domainAllowed(cr.domains, domain) {
			return "the email address is not one of those allowed"
		}
	}
	if len(cr.Groups) > 0 && !slices.ContainsFunc(cr.Groups, func(g string) bool { return slices.Contains(u.Groups, g) }) {
		return "membership in one of these groups is required: " + strings.Join(cr.Groups, ", ")
	}
	for _, name := range sortedKeys(cr.Claims) {
		if !claimMatches(claimPath(u.Claims, name), cr.Claims[name]) {
			return fmt.Sprintf("the claim %q must be one of: %s", name, strings.Join(cr.Claims[name], ", "))
		}
	}
	return ""
}

// describe names the rule for people and logs.
func (cr *rule) describe() string {
	var parts []string
	if cr.index > 0 {
		parts = append(parts, fmt.Sprintf("rule %d", cr.index))
	} else {
		parts = append(parts, "the rule of this forward-auth request")
	}
	if cr.PathPrefix != "" {
		parts = append(parts, "for "+cr.PathPrefix)
	}
	if cr.Provider != "" {
		parts = append(parts, "for provider "+cr.Provider)
	}
	return strings.Join(parts, " ")
}

// authorize checks u against every rule covering cleanPath ("" when unknown), and
// extra (forward-auth query rules). It returns a 403 *Error naming the failed rule.
func (p *RP) authorize(u *User, cleanPath string, extra *rule) error {
	check := func(cr *rule) error {
		if !cr.covers(u.Provider, cleanPath) {
			return nil
		}
		why := cr.check(u)
		if why == "" {
			return nil
		}
		return newError(http.StatusForbidden, "access_denied",
			fmt.Sprintf("You are signed in, but you may not open this page: %s (%s).", why, cr.describe()),
			fmt.Errorf("%w: %s: %s (sub %s, provider %s)", errAccessDenied, cr.describe(), why, truncate(u.Subject, 64), u.Provider))
	}
	for i := range p.settings.gw.rules {
		if err := check(&p.settings.gw.rules[i]); err != nil {
			return err
		}
	}
	if extra != nil {
		return check(extra)
	}
	return nil
}

// splitEmail parses an address strictly: exactly one '@', a non-empty local part
// without spaces or control characters, and an ASCII domain name (lowercased).
// "a@b@example.com", "user@" and Unicode domains are refused.
func splitEmail(email string) (local, domain string, ok bool) {
	if strings.Count(email, "@") != 1 || len(email) > 320 {
		return "", "", false
	}
	local, domain, _ = strings.Cut(email, "@")
	if local == "" || strings.ContainsFunc(local, func(r rune) bool { return r <= ' ' || r == 0x7f }) {
		return "", "", false
	}
	domain, ok = normalDomain(domain)
	return local, domain, ok
}

// normalDomain lowercases an ASCII domain name and checks its labels: letters, digits
// and '-', none empty (so no trailing dot), at most 63 bytes each. Non-ASCII names
// (look-alikes such as a Cyrillic "а" or a fullwidth letter) are refused: an
// internationalized domain must be written in its xn-- form on both sides.
func normalDomain(d string) (string, bool) {
	if d == "" || len(d) > 253 {
		return "", false
	}
	d = strings.ToLower(d)
	for _, label := range strings.Split(d, ".") {
		if label == "" || len(label) > 63 || label[0] == '-' || label[len(label)-1] == '-' {
			return "", false
		}
		for i := 0; i < len(label); i++ {
			c := label[i]
			if (c < 'a' || c > 'z') && (c < '0' || c > '9') && c != '-' {
				return "", false
			}
		}
	}
	return d, true
}

// domainAllowed reports whether domain equals an allowed domain, or is a subdomain of
// one written with a leading dot.
func domainAllowed(allowed []string, domain string) bool {
	for _, a := range allowed {
		if a == domain || (strings.HasPrefix(a, ".") && strings.HasSuffix(domain, a)) {
			return true
		}
	}
	return false
}

// claimPath looks a claim up by name, or by a dotted path into nested objects.
func claimPath(claims map[string]any, name string) any {
	if v, ok := claims[name]; ok {
		return v
	}
	var cur any = claims
	for _, part := range strings.Split(name, ".") {
		m, ok := cur.(map[string]any)
		if !ok {
			return nil
		}
		cur = m[part]
	}
	return cur
}

// claimMatches reports whether a claim value (a string, bool, number, or a list of
// them) equals one of want.
func claimMatches(v any, want []string) bool {
	switch x := v.(type) {
	case []any:
		for _, e := range x {
			if claimMatches(e, want) {
				return true
			}
		}
		return false
	case string:
		return slices.Contains(want, x)
	case bool, float64:
		return slices.Contains(want, fmt.Sprint(x))
	}
	return false
}

// sortedKeys returns m's keys in order, so that denials are reported reproducibly.
func sortedKeys(m map[string][]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// queryRule builds the extra rule a forward-auth request may carry in its query
// (allowed_groups, allowed_emails, allowed_email_domains, comma-separated), as a
// proxy's configuration sets it per location. It can only narrow access. Nil: none.
func queryRule(r *http.Request) (*rule, error) {
	q := r.URL.Query()
	split := func(k string) []string {
		var out []string
		for _, v := range q[k] {
			for _, e := range strings.Split(v, ",") {
				if e = strings.TrimSpace(e); e != "" {
					out = append(out, e)
				}
			}
		}
		return out
	}
	rr := Rule{Groups: split("allowed_groups"), Emails: split("allowed_emails"), EmailDomains: split("allowed_email_domains")}
	if len(rr.Groups) == 0 && len(rr.Emails) == 0 && len(rr.EmailDomains) == 0 {
		return nil, nil
	}
	cr, err := compileRule(rr, nil)
	if err != nil {
		return nil, err
	}
	return &cr, nil
}

// errAccessDenied is wrapped by every denial of an access rule.
var errAccessDenied = errors.New("access denied")

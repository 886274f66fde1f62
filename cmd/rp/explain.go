package main

import (
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/foyer-oidc/foyer/internal/settings"
	"github.com/foyer-oidc/foyer/rp"
)

// rp's checks (rp.Config.Validate, rp.New) name what they refuse in words
// ("provider 1 ("corp"): client id is empty", "clock skew: 6m0s is more than
// 5m0s"); explain puts each in front of the flag, variable or YAML key (with
// its line and column) that set it, or says what to set.

var (
	providerIndex = regexp.MustCompile(`^provider (\d+)(?: \("[^"]*"\))?: `)
	providerID    = regexp.MustCompile(`^(?:rp: )?provider "([^"]*)": `)
	ruleIndex     = regexp.MustCompile(`^rule (\d+): `)
	itemKey       = regexp.MustCompile(`^(.*\]\.?)[a-z_.]*$`)
)

// a phrase of rp's messages and the field it is about.
type phrase struct {
	words string
	field any
}

// explain adds err, from rp.Config.Validate or rp.New, to res.
func explain(err error, c *config, a *app, res *settings.Result) {
	top := []phrase{
		{"public URL", &c.RP.PublicURL}, {"idle timeout", &c.RP.IdleTimeout}, {"absolute lifetime", &c.RP.AbsoluteLifetime},
		{"clock skew", &c.RP.ClockSkew}, {"max token age", &c.RP.MaxTokenAge}, {"refresh before", &c.RP.RefreshBefore},
		{"login TTL", &c.RP.LoginTTL}, {"JWKS cooldown", &c.RP.JWKSCooldown}, {"key refresh interval", &c.RP.KeyRefreshInterval},
		{"metadata refresh interval", &c.RP.MetadataRefreshInterval}, {"max login attempts", &c.RP.MaxLoginAttempts},
		{"allowed redirect host", &c.RP.Gateway.AllowedRedirectHosts}, {"API path prefix", &c.RP.Gateway.APIPathPrefixes},
		{"trusted proxy", &c.RP.Gateway.TrustedProxies},
	}
	for _, e := range split(err) {
		msg := strings.TrimPrefix(strings.TrimPrefix(e.Error(), "rp: "), "invalid config: ")
		if strings.HasPrefix(msg, "no provider configured") || strings.HasPrefix(msg, "no cookie secret configured") ||
			strings.HasPrefix(msg, "cookie secret ") {
			continue // the command has said so in its own words
		}
		switch m := matchAny(msg, providerIndex, providerID, ruleIndex); {
		case m.re == providerIndex || m.re == providerID:
			p, flagged := a.sourceOf(c, m.re == providerIndex, m.arg)
			if p == nil {
				res.Errorf("", "%s", msg)
				continue
			}
			for _, inner := range innerErrors(e, msg, m.rest) {
				explainProvider(inner, p, flagged, res)
			}
		case m.re == ruleIndex:
			fields, label := a.ruleFields(c, res, m.arg)
			for _, inner := range innerErrors(e, msg, m.rest) {
				if ph, ok := find(fields, inner); ok && res.IsSet(ph.field) {
					res.Errorf(attach(res.Where(ph.field), inner, ph.words))
				} else {
					res.Errorf(label, "%s", inner)
				}
			}
		case strings.HasPrefix(msg, "pages: "):
			for _, inner := range innerErrors(e, msg, strings.TrimPrefix(msg, "pages: ")) {
				inner = strings.TrimPrefix(inner, "pages: ")
				res.Errorf(pagesWhere(inner, c, res), "%s", inner)
			}
		case strings.HasPrefix(msg, "assertion: "):
			for _, inner := range innerErrors(e, msg, strings.TrimPrefix(msg, "assertion: ")) {
				where := res.Where(&c.RP.Gateway.Assertion.Lifetime)
				if strings.HasPrefix(inner, "key") {
					where = res.Where(&c.AssertionKeyFile)
				}
				res.Errorf(where, "%s", inner)
			}
		default:
			if ph, ok := find(top, msg); ok {
				res.Errorf(attach(res.Where(ph.field), msg, ph.words))
			} else {
				res.Errorf("", "%s", msg)
			}
		}
	}
}

// split is the errors joined in err (rp.Config.Validate's, or rp.New's
// "rp: invalid config: ..."), or err.
func split(err error) []error {
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		return j.Unwrap()
	}
	if inner := errors.Unwrap(err); inner != nil && err.Error() == "rp: invalid config: "+inner.Error() {
		return split(inner)
	}
	return []error{err}
}

// innerErrors are the messages wrapped by a "provider N: " or "rule N: "
// error e (whose text is msg): one per joined error, else rest.
func innerErrors(e error, msg, rest string) []string {
	inner := errors.Unwrap(e)
	for inner != nil && !strings.HasSuffix(msg, inner.Error()) {
		inner = errors.Unwrap(inner)
	}
	if j, ok := inner.(interface{ Unwrap() []error }); ok {
		var out []string
		for _, x := range j.Unwrap() {
			out = append(out, x.Error())
		}
		return out
	}
	return strings.Split(rest, "\n")
}

type match struct {
	re        *regexp.Regexp
	arg, rest string
}

func matchAny(msg string, res ...*regexp.Regexp) match {
	for _, re := range res {
		if m := re.FindStringSubmatchIndex(msg); m != nil {
			return match{re: re, arg: msg[m[2]:m[3]], rest: msg[m[1]:]}
		}
	}
	return match{}
}

// find returns the phrase msg starts with, the longest first.
func find(phrases []phrase, msg string) (phrase, bool) {
	var best phrase
	for _, p := range phrases {
		if strings.HasPrefix(msg, p.words) && len(p.words) > len(best.words) {
			best = p
		}
	}
	return best, best.words != ""
}

// sourceOf is the provider rp's cfg.Providers[index] (byIndex) or the one
// with the id arg came from.
func (a *app) sourceOf(c *config, byIndex bool, arg string) (*provider, bool) {
	i := slices.IndexFunc(a.cfg.Providers, func(pc rp.ProviderConfig) bool { return pc.ID == arg })
	if byIndex {
		i, _ = strconv.Atoi(arg)
	}
	if i < 0 || i >= len(a.sources) {
		return nil, false
	}
	return a.sources[i], a.sources[i] == &c.Flagged
}

// explainProvider adds one problem of provider p.
func explainProvider(msg string, p *provider, flagged bool, res *settings.Result) {
	f := &p.ProviderConfig
	ph, ok := find([]phrase{
		{"id", &f.ID}, {"issuer", &f.Issuer}, {"client id", &f.ClientID}, {"token auth", &f.TokenAuth}, {"auth param", &f.AuthParams},
		{"kind", &f.Kind}, {"tenant", &f.Tenants}, {"hosted domain", &f.HostedDomain}, {"groups claim", &f.GroupsClaim},
		{"apple team id", &f.AppleTeamID}, {"apple key id", &f.AppleKeyID}, {"apple key file", &f.AppleKeyFile},
		{"client key settings", &f.ClientKeyFile}, {"client key file", &f.ClientKeyFile}, {"client key alg", &f.ClientKeyAlg},
		{"token auth private_key_jwt: give a client key file, not a client secret", &f.ClientSecret},
		{"apple key settings", &f.AppleKeyFile}, {"apple: token auth", &f.TokenAuth}, {"apple: give a client secret", &f.ClientSecret},
		{"base URL", &f.BaseURL}, {"authorization URL", &f.AuthorizationURL}, {"token URL", &f.TokenURL}, {"userinfo URL", &f.UserInfoURL},
		{"graph URL", &f.GraphURL}, {"trust_email", &f.TrustEmail}, {"disable_pkce", &f.DisablePKCE}, {"orgs and teams", &f.Orgs},
		{"team", &f.Teams}, {"kind oauth2: the claim mapping", &f.ClaimMapping.Subject},
		{"kind oauth2: authorization URL", &f.AuthorizationURL}, {"kind oauth2: token URL", &f.TokenURL},
		{"kind oauth2: userinfo URL", &f.UserInfoURL},
	}, msg)
	if !ok {
		res.Errorf(providerLabel(res, p, flagged), "%s", msg)
		return
	}
	if res.IsSet(ph.field) {
		res.Errorf(attach(res.Where(ph.field), msg, ph.words))
		return
	}
	// Not set: say where to set it.
	for _, s := range providerSettings(p) {
		if s.Value.Ptr() != ph.field {
			continue
		}
		if flagged {
			res.Errorf(providerLabel(res, p, flagged), "%s; set --%s (%s)", msg, s.Flag, settings.EnvName("RP_", s.Flag))
		} else {
			res.Errorf(providerLabel(res, p, flagged), "%s; set %s", msg, s.YAML)
		}
		return
	}
	res.Errorf(providerLabel(res, p, flagged), "%s", msg)
}

// attach returns where and msg for a message about the setting at where
// that starts with its words and the value quoted (`id "Google": use ...`):
// the value goes to where, the words go (the setting's name says them).
func attach(where, msg, words string) (string, string, string) {
	if rest, ok := strings.CutPrefix(msg, words+` "`); ok {
		if i := strings.Index(rest, `": `); i >= 0 {
			return where + ` "` + rest[:i+1], "%s", rest[i+3:]
		}
	}
	if rest, ok := strings.CutPrefix(msg, words+": "); ok {
		return where, "%s", rest
	}
	return where, "%s", msg
}

// providerLabel names provider p: "--issuer" for the flags' provider, else
// "rp.yaml:7:5: providers[1]" (the item's first key that is set).
func providerLabel(res *settings.Result, p *provider, flagged bool) string {
	if flagged {
		return fmt.Sprintf("the provider of --issuer %q", p.Issuer)
	}
	for _, s := range providerSettings(p) {
		if res.FromFile(s.Value.Ptr()) {
			if m := itemKey.FindStringSubmatch(res.Where(s.Value.Ptr())); m != nil {
				return strings.TrimSuffix(m[1], ".")
			}
		}
	}
	return "a provider of the YAML file"
}

// ruleFields are the phrases of rp's rule number n (1-based) and a label of
// the rule.
func (a *app) ruleFields(c *config, res *settings.Result, n string) ([]phrase, string) {
	i, _ := strconv.Atoi(n)
	i--
	if len(c.Access.EmailDomains)+len(c.Access.Emails)+len(c.Access.Groups) > 0 {
		if i == 0 {
			r := &c.Access
			return []phrase{{"email domain", &r.EmailDomains}, {"email", &r.Emails}, {"empty group name", &r.Groups}}, "--email-domains, --allowed-emails, --allowed-groups"
		}
		i--
	}
	if i < 0 || i >= len(c.Rules) {
		return nil, "rule " + n
	}
	r := c.Rules[i]
	label := fmt.Sprintf("rules[%d]", i)
	for _, s := range ruleSettings(r) {
		if res.FromFile(s.Value.Ptr()) {
			if m := itemKey.FindStringSubmatch(res.Where(s.Value.Ptr())); m != nil {
				label = strings.TrimSuffix(m[1], ".")
			}
			break
		}
	}
	return []phrase{{"path prefix", &r.PathPrefix}, {"provider", &r.Provider}, {"email domain", &r.EmailDomains},
		{"email", &r.Emails}, {"empty group name", &r.Groups}, {"claim", &r.Claims}}, label
}

package mockidp

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
)

// Multi serves several independent providers in one handler, each under
// its own first path segment: /<name>/... For relying parties that use
// several providers. Each provider has its own keys, users, clients,
// sessions, faults and clock; they share nothing.
type Multi struct {
	providers map[string]*Provider
	names     []string
}

// validIssuerName is what a Multi issuer name may look like: one path
// segment.
var validIssuerName = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$`)

// NewMulti builds one Provider per entry of cfgs. A Config with an empty
// Issuer gets base + "/" + name (base is scheme://host[:port], no trailing
// slash); a Config with an Issuer must have the path "/" + name. With base
// [IssuerAuto] (or a Config Issuer of IssuerAuto) the issuer is derived per
// request, with the path "/" + name. Each
// provider with no SigningKeyPEM gets a development key of its own:
// embedded ones for the first eight RSA issuers, freshly generated ones
// (cheap) for ES256 and EdDSA. Every problem is reported at once.
func NewMulti(base string, cfgs map[string]Config) (*Multi, error) {
	m := &Multi{providers: map[string]*Provider{}}
	for name := range cfgs {
		m.names = append(m.names, name)
	}
	slices.Sort(m.names)
	var errs []error
	if len(cfgs) == 0 {
		errs = append(errs, errors.New("no issuers"))
	}
	if err := validateBase(base); err != nil && base != IssuerAuto && slices.ContainsFunc(m.names, func(n string) bool { return cfgs[n].Issuer == "" }) {
		errs = append(errs, fmt.Errorf("base %q: %w", base, err))
	}
	for i, name := range m.names {
		if !validIssuerName.MatchString(name) {
			errs = append(errs, fmt.Errorf("issuer name %q: want 1 to 63 letters, digits, '.', '_' or '-'", name))
			continue
		}
		cfg := cfgs[name]
		switch {
		case cfg.Issuer == "" && base == IssuerAuto, cfg.Issuer == IssuerAuto:
			cfg.Issuer, cfg.AutoPathPrefix = IssuerAuto, "/"+name
		case cfg.Issuer == "":
			cfg.Issuer = strings.TrimSuffix(base, "/") + "/" + name
		default:
			if u, err := url.Parse(cfg.Issuer); err != nil || u.Path != "/"+name {
				errs = append(errs, fmt.Errorf("issuer %q: the path of Issuer %q must be /%s", name, cfg.Issuer, name))
				continue
			}
		}
		cfg.devKeyIndex = i
		p, err := New(cfg)
		if err != nil {
			errs = append(errs, fmt.Errorf("issuer %q: %w", name, err))
			continue
		}
		m.providers[name] = p
	}
	if err := errors.Join(errs...); err != nil {
		return nil, fmt.Errorf("mockidp: NewMulti: %w", err)
	}
	return m, nil
}

// Provider returns the provider called name, or nil.
func (m *Multi) Provider(name string) *Provider { return m.providers[name] }

// Names returns the issuer names, sorted.
func (m *Multi) Names() []string { return slices.Clone(m.names) }

// ServeHTTP hands the request to the provider named by the first path
// segment; other paths get 404.
func (m *Multi) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	name, _, _ := strings.Cut(strings.TrimPrefix(r.URL.Path, "/"), "/")
	if p := m.providers[name]; p != nil {
		p.ServeHTTP(w, r)
		return
	}
	http.NotFound(w, r)
}

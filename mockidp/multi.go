package mockidp

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"sync"
)

// Multi serves several independent providers in one handler, each under
// its own first path segment: /<name>/... For relying parties that use
// several providers. Each provider has its own keys, users, clients,
// sessions, faults and clock; they share nothing.
type Multi struct {
	base     string // scheme://host[:port] or IssuerAuto
	template Config // the Config of the first configured issuer, for issuers added over HTTP
	control  bool   // the root control API (/_mock/issuers) is on: every configured issuer has ControlAPI
	hosts    []string
	initial  map[string]*Provider // the providers NewMulti built, by name

	mu        sync.RWMutex // guards the fields below
	providers map[string]*Provider
	names     []string          // sorted
	tags      map[string]string // name -> tag of an issuer added at run time
	nextIndex int               // development key index for the next added issuer
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
	m := &Multi{base: base, providers: map[string]*Provider{}, tags: map[string]string{}, initial: map[string]*Provider{},
		control: len(cfgs) > 0}
	for name, cfg := range cfgs {
		m.names = append(m.names, name)
		m.control = m.control && cfg.ControlAPI
	}
	slices.Sort(m.names)
	m.nextIndex = len(m.names)
	if len(m.names) > 0 {
		m.template = cfgs[m.names[0]]
		m.template.Issuer = ""
		if base != IssuerAuto {
			m.hosts = controlHosts(&Config{Issuer: base, PublicURL: m.template.PublicURL, InternalURL: m.template.InternalURL})
		}
	}
	var errs []error
	if len(cfgs) == 0 {
		errs = append(errs, errors.New("no issuers"))
	}
	if err := validateBase(base); err != nil && base != IssuerAuto && slices.ContainsFunc(m.names, func(n string) bool { return cfgs[n].Issuer == "" }) {
		errs = append(errs, fmt.Errorf("base %q: %w", base, err))
	}
	for i, name := range m.names {
		p, err := m.newProvider(name, cfgs[name], i)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		m.providers[name] = p
		m.initial[name] = p
	}
	if err := errors.Join(errs...); err != nil {
		return nil, fmt.Errorf("mockidp: NewMulti: %w", err)
	}
	return m, nil
}

// newProvider builds the provider name of a Multi from cfg, with
// development key number index.
func (m *Multi) newProvider(name string, cfg Config, index int) (*Provider, error) {
	if !validIssuerName.MatchString(name) {
		return nil, fmt.Errorf("issuer name %q: want 1 to 63 letters, digits, '.', '_' or '-'", name)
	}
	switch {
	case cfg.Issuer == "" && m.base == IssuerAuto, cfg.Issuer == IssuerAuto:
		cfg.Issuer, cfg.AutoPathPrefix = IssuerAuto, "/"+name
	case cfg.Issuer == "":
		cfg.Issuer = strings.TrimSuffix(m.base, "/") + "/" + name
	default:
		if u, err := url.Parse(cfg.Issuer); err != nil || u.Path != "/"+name {
			return nil, fmt.Errorf("issuer %q: the path of Issuer %q must be /%s", name, cfg.Issuer, name)
		}
	}
	cfg.devKeyIndex = index
	p, err := New(cfg)
	if err != nil {
		return nil, fmt.Errorf("issuer %q: %w", name, err)
	}
	return p, nil
}

// Provider returns the provider called name, or nil.
func (m *Multi) Provider(name string) *Provider {
	m.mu.RLock()
	defer m.mu.RUnlock()
	return m.providers[name]
}

// Names returns the issuer names, sorted.
func (m *Multi) Names() []string {
	m.mu.RLock()
	defer m.mu.RUnlock()
	return slices.Clone(m.names)
}

// AddIssuer adds a provider called name at run time, built from cfg the
// way [NewMulti] builds each (an empty Issuer becomes base + "/" + name),
// with a signing key of its own. tag labels the change as for
// [Provider.AddClient]; [Multi.Reset] and [Multi.ResetTag] remove it. A
// name in use gives [ErrExists].
func (m *Multi) AddIssuer(tag, name string, cfg Config) (*Provider, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.providers[name] != nil {
		return nil, fmt.Errorf("issuer %q: %w", name, ErrExists)
	}
	if cfg.Issuer == "" && m.base != IssuerAuto && validateBase(m.base) != nil {
		return nil, fmt.Errorf("issuer %q: the Multi has no base URL; set Issuer", name)
	}
	p, err := m.newProvider(name, cfg, m.nextIndex)
	if err != nil {
		return nil, fmt.Errorf("mockidp: %w", err)
	}
	m.nextIndex++
	m.providers[name] = p
	m.names = append(m.names, name)
	slices.Sort(m.names)
	if tag != "" {
		m.tags[name] = tag
	}
	return p, nil
}

// RemoveIssuer stops serving the issuer name (configured or added);
// [ErrNotFound] if there is none. [Multi.Reset] brings back a configured
// issuer.
func (m *Multi) RemoveIssuer(name string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.providers[name] == nil {
		return fmt.Errorf("issuer %q: %w", name, ErrNotFound)
	}
	delete(m.providers, name)
	delete(m.tags, name)
	m.names = slices.DeleteFunc(m.names, func(n string) bool { return n == name })
	return nil
}

// ResetTag removes the issuers added with tag.
func (m *Multi) ResetTag(tag string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for name, t := range m.tags {
		if t == tag {
			delete(m.providers, name)
			delete(m.tags, name)
			m.names = slices.DeleteFunc(m.names, func(n string) bool { return n == name })
		}
	}
}

// Reset removes every issuer added at run time, brings back removed
// configured ones and resets those ([Provider.Reset]).
func (m *Multi) Reset() {
	m.mu.Lock()
	m.providers, m.names, m.tags = map[string]*Provider{}, nil, map[string]string{}
	for name, p := range m.initial {
		m.providers[name] = p
		m.names = append(m.names, name)
	}
	slices.Sort(m.names)
	m.mu.Unlock()
	for _, p := range m.initial {
		p.Reset()
	}
}

// ServeHTTP hands the request to the provider named by the first path
// segment; /_mock/ is the Multi's own control API (when every configured
// issuer has ControlAPI); other paths get 404.
func (m *Multi) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	name, _, _ := strings.Cut(strings.TrimPrefix(r.URL.Path, "/"), "/")
	if name == "_mock" {
		m.serveControl(w, r)
		return
	}
	if p := m.Provider(name); p != nil {
		p.ServeHTTP(w, r)
		return
	}
	http.NotFound(w, r)
}

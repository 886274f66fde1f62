package mockidp

import (
	"crypto/ecdsa"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/go-jose/go-jose/v4"
)

// Errors of the runtime registry methods ([Provider.AddClient] and the
// like), for errors.Is.
var (
	// ErrExists: a client or user with that ID is already registered.
	ErrExists = errors.New("mockidp: already registered")
	// ErrNotFound: no client or user with that ID is registered.
	ErrNotFound = errors.New("mockidp: not registered")
)

// registry is the provider's clients and users: those of the Config, plus
// and minus the changes made at run time. A registry is never changed once
// published; each change builds a new one and swaps it in, so readers take
// no lock.
type registry struct {
	clients    map[string]*Client
	users      []User
	secretKeys map[string]*ecdsa.PublicKey    // Client.SecretJWTKeyPEM, by client ID
	clientJWKS map[string]*jose.JSONWebKeySet // Client.JWKS, by client ID
	tags       map[string]string              // "client:<id>" or "user:<sub>" -> tag of a runtime addition
}

// newRegistry builds the registry of validated clients and users.
func newRegistry(clients []Client, users []User) *registry {
	r := &registry{clients: map[string]*Client{}, users: slices.Clone(users), secretKeys: map[string]*ecdsa.PublicKey{},
		clientJWKS: map[string]*jose.JSONWebKeySet{}, tags: map[string]string{}}
	for _, c := range clients {
		r.put(c)
	}
	return r
}

// put adds c (already validated) and its parsed keys.
func (r *registry) put(c Client) {
	r.clients[c.ID] = &c
	if len(c.SecretJWTKeyPEM) > 0 {
		r.secretKeys[c.ID], _ = parseES256PublicKey(c.SecretJWTKeyPEM) // validated
	}
	if len(c.JWKS) > 0 {
		r.clientJWKS[c.ID], _ = parsePublicJWKS(c.JWKS) // validated
	}
}

// clone returns a copy that can be changed before it is published.
func (r *registry) clone() *registry {
	return &registry{clients: maps.Clone(r.clients), users: slices.Clone(r.users), secretKeys: maps.Clone(r.secretKeys),
		clientJWKS: maps.Clone(r.clientJWKS), tags: maps.Clone(r.tags)}
}

// client returns the registered client id, or nil.
func (p *Provider) client(id string) *Client { return p.reg.Load().clients[id] }

// userList returns the registered users, in order; the caller must not
// change it.
func (p *Provider) userList() []User { return p.reg.Load().users }

// changeRegistry applies f to a copy of the registry and publishes it
// unless f fails. Changes are serialised.
func (p *Provider) changeRegistry(f func(r *registry) error) error {
	p.regMu.Lock()
	defer p.regMu.Unlock()
	r := p.reg.Load().clone()
	if err := f(r); err != nil {
		return err
	}
	p.reg.Store(r)
	return nil
}

// AddClient registers c at run time, checked like a configured client.
// tag labels the change ("" for none) so that [Provider.ResetTag] can
// undo it, e.g. t.Name() with t.Cleanup(func() { p.ResetTag(t.Name()) }),
// which keeps parallel tests sharing one provider apart. A client with
// the same ID gives [ErrExists]. [Provider.Reset] removes it too.
func (p *Provider) AddClient(tag string, c Client) error {
	if errs := validateClient(c, -1); len(errs) > 0 {
		return fmt.Errorf("mockidp: %w", errors.Join(errs...))
	}
	c = cloneClient(c)
	return p.changeRegistry(func(r *registry) error {
		if r.clients[c.ID] != nil {
			return fmt.Errorf("client %q: %w", c.ID, ErrExists)
		}
		r.put(c)
		if tag != "" {
			r.tags["client:"+c.ID] = tag
		}
		return nil
	})
}

// RemoveClient unregisters client id (configured or added at run time)
// and revokes every grant it holds. [Provider.Reset] brings back a
// configured client.
func (p *Provider) RemoveClient(id string) error {
	err := p.changeRegistry(func(r *registry) error {
		if r.clients[id] == nil {
			return fmt.Errorf("client %q: %w", id, ErrNotFound)
		}
		delete(r.clients, id)
		delete(r.secretKeys, id)
		delete(r.clientJWKS, id)
		delete(r.tags, "client:"+id)
		return nil
	})
	if err != nil {
		return err
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, rt := range p.refresh {
		if rt.grant.clientID == id {
			rt.grant.revoked = true
		}
	}
	for _, at := range p.access {
		if at.grant.clientID == id {
			at.grant.revoked = true
		}
	}
	delete(p.queued, id)
	delete(p.queuedClaims, id)
	return nil
}

// AddUser registers u at run time, so that the login form lists it and
// login_hint finds it; tag is as for [Provider.AddClient]. A user with the
// same Subject gives [ErrExists].
func (p *Provider) AddUser(tag string, u User) error {
	if u.Subject == "" {
		return errors.New("mockidp: user: empty Subject")
	}
	u = User{Subject: u.Subject, Claims: maps.Clone(u.Claims)}
	return p.changeRegistry(func(r *registry) error {
		if slices.ContainsFunc(r.users, func(x User) bool { return x.Subject == u.Subject }) {
			return fmt.Errorf("user %q: %w", u.Subject, ErrExists)
		}
		r.users = append(r.users, u)
		if tag != "" {
			r.tags["user:"+u.Subject] = tag
		}
		return nil
	})
}

// RemoveUser unregisters the user sub (configured or added at run time).
// The last user cannot be removed. Sessions and tokens already issued to
// the user stay valid.
func (p *Provider) RemoveUser(sub string) error {
	return p.changeRegistry(func(r *registry) error {
		i := slices.IndexFunc(r.users, func(x User) bool { return x.Subject == sub })
		switch {
		case i < 0:
			return fmt.Errorf("user %q: %w", sub, ErrNotFound)
		case len(r.users) == 1:
			return fmt.Errorf("mockidp: user %q is the last user; add another first", sub)
		}
		r.users = slices.Delete(r.users, i, i+1)
		delete(r.tags, "user:"+sub)
		return nil
	})
}

// ResetTag removes the clients and users added with tag, with the faults
// and queued logins of those clients, and leaves everything else alone.
func (p *Provider) ResetTag(tag string) {
	if tag == "" {
		return
	}
	var clients []string
	_ = p.changeRegistry(func(r *registry) error {
		for k, t := range r.tags {
			if t != tag {
				continue
			}
			kind, id, _ := strings.Cut(k, ":")
			switch kind {
			case "client":
				clients = append(clients, id)
				delete(r.clients, id)
				delete(r.secretKeys, id)
				delete(r.clientJWKS, id)
			case "user":
				if len(r.users) > 1 { // the provider always keeps one user
					r.users = slices.DeleteFunc(r.users, func(u User) bool { return u.Subject == id })
				}
			}
			delete(r.tags, k)
		}
		return nil
	})
	p.faults.mu.Lock()
	p.faults.entries = slices.DeleteFunc(p.faults.entries, func(e *faultEntry) bool { return slices.Contains(clients, e.f.ClientID) })
	p.faults.mu.Unlock()
	p.mu.Lock()
	for _, id := range clients {
		delete(p.queued, id)
		delete(p.queuedClaims, id)
	}
	p.mu.Unlock()
}

// cloneClient copies c's slices and maps, so the caller may reuse its value.
func cloneClient(c Client) Client {
	c.RedirectURIs = slices.Clone(c.RedirectURIs)
	c.PostLogoutRedirectURIs = slices.Clone(c.PostLogoutRedirectURIs)
	c.SecretJWTKeyPEM = slices.Clone(c.SecretJWTKeyPEM)
	c.JWKS = slices.Clone(c.JWKS)
	c.GrantTypes = slices.Clone(c.GrantTypes)
	c.Scopes = slices.Clone(c.Scopes)
	c.Claims = maps.Clone(c.Claims)
	return c
}

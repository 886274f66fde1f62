package mockidp

import (
	"encoding/json"
	"errors"
	"net/http"
	"slices"
	"strings"
)

// Runtime setup through the control API: clients and users added, listed
// and removed while the provider runs (see doc.go for the routes). The
// JSON members are those of the YAML configuration file.

// clientJSON is the wire form of a Client, plus the tag of the change.
type clientJSON struct {
	Tag                    string          `json:"tag,omitempty"`
	ID                     string          `json:"id"`
	Secret                 string          `json:"secret,omitempty"`
	RedirectURIs           []string        `json:"redirect_uris,omitempty"`
	PostLogoutRedirectURIs []string        `json:"post_logout_redirect_uris,omitempty"`
	AllowLoopbackRedirects bool            `json:"allow_loopback_redirects,omitempty"`
	BackchannelLogoutURI   string          `json:"backchannel_logout_uri,omitempty"`
	SecretJWTKey           string          `json:"secret_jwt_key,omitempty"`
	AuthMethod             string          `json:"auth_method,omitempty"`
	JWKS                   json.RawMessage `json:"jwks,omitempty"`
	JWKSURI                string          `json:"jwks_uri,omitempty"`
	AuthSigningAlg         string          `json:"auth_signing_alg,omitempty"`
	GrantTypes             []string        `json:"grant_types,omitempty"`
	Scopes                 []string        `json:"scopes,omitempty"`
	Claims                 map[string]any  `json:"claims,omitempty"`
	// HasSecret is set in listings, which never show secrets.
	HasSecret bool `json:"has_secret,omitempty"`
}

func (c *clientJSON) client() Client {
	return Client{ID: c.ID, Secret: c.Secret, RedirectURIs: c.RedirectURIs, PostLogoutRedirectURIs: c.PostLogoutRedirectURIs,
		AllowLoopbackRedirects: c.AllowLoopbackRedirects, BackchannelLogoutURI: c.BackchannelLogoutURI,
		SecretJWTKeyPEM: []byte(c.SecretJWTKey), AuthMethod: c.AuthMethod, JWKS: []byte(c.JWKS), JWKSURI: c.JWKSURI,
		AuthSigningAlg: c.AuthSigningAlg, GrantTypes: c.GrantTypes, Scopes: c.Scopes, Claims: c.Claims}
}

// listedClient is c as GET /_mock/clients shows it: no secrets.
func listedClient(c *Client, tag string) clientJSON {
	return clientJSON{Tag: tag, ID: c.ID, RedirectURIs: c.RedirectURIs, PostLogoutRedirectURIs: c.PostLogoutRedirectURIs,
		AllowLoopbackRedirects: c.AllowLoopbackRedirects, BackchannelLogoutURI: c.BackchannelLogoutURI, AuthMethod: c.AuthMethod,
		JWKS: json.RawMessage(c.JWKS), JWKSURI: c.JWKSURI, AuthSigningAlg: c.AuthSigningAlg, GrantTypes: c.GrantTypes,
		Scopes: c.Scopes, Claims: c.Claims, HasSecret: c.Secret != "" || len(c.SecretJWTKeyPEM) > 0}
}

// ctlAddClient: POST /_mock/clients {client} -> 201 {client without secrets}.
func (p *Provider) ctlAddClient(w http.ResponseWriter, r *http.Request) error {
	var req clientJSON
	if err := decodeBody(r, &req, false); err != nil {
		return err
	}
	if req.HasSecret {
		return errors.New("has_secret is read-only; send secret")
	}
	if len(req.JWKS) > 0 && (req.JWKS[0] != '{') {
		return errors.New("jwks must be a JSON Web Key Set object")
	}
	c := req.client()
	if err := p.AddClient(req.Tag, c); err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, listedClient(&c, req.Tag))
	return nil
}

// ctlListClients: GET /_mock/clients -> {"clients": [...]}, sorted by ID.
func (p *Provider) ctlListClients(w http.ResponseWriter, _ *http.Request) error {
	reg := p.reg.Load()
	out := make([]clientJSON, 0, len(reg.clients))
	for _, c := range reg.clients {
		out = append(out, listedClient(c, reg.tags["client:"+c.ID]))
	}
	slices.SortFunc(out, func(a, b clientJSON) int { return strings.Compare(a.ID, b.ID) })
	writeJSON(w, http.StatusOK, map[string]any{"clients": out})
	return nil
}

// ctlRemoveClient: DELETE /_mock/clients/{id} -> 204.
func (p *Provider) ctlRemoveClient(w http.ResponseWriter, r *http.Request) error {
	if err := p.RemoveClient(r.PathValue("id")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// userJSON is the wire form of a User, plus the tag of the change.
type userJSON struct {
	Tag    string         `json:"tag,omitempty"`
	Sub    string         `json:"sub"`
	Claims map[string]any `json:"claims,omitempty"`
}

// ctlAddUser: POST /_mock/users {"sub", "claims", "tag"} -> 201.
func (p *Provider) ctlAddUser(w http.ResponseWriter, r *http.Request) error {
	var req userJSON
	if err := decodeBody(r, &req, false); err != nil {
		return err
	}
	if err := p.AddUser(req.Tag, User{Subject: req.Sub, Claims: req.Claims}); err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, req)
	return nil
}

// ctlListUsers: GET /_mock/users -> {"users": [...]}, in order.
func (p *Provider) ctlListUsers(w http.ResponseWriter, _ *http.Request) error {
	reg := p.reg.Load()
	out := make([]userJSON, 0, len(reg.users))
	for _, u := range reg.users {
		out = append(out, userJSON{Tag: reg.tags["user:"+u.Subject], Sub: u.Subject, Claims: u.Claims})
	}
	writeJSON(w, http.StatusOK, map[string]any{"users": out})
	return nil
}

// ctlRemoveUser: DELETE /_mock/users/{sub} -> 204.
func (p *Provider) ctlRemoveUser(w http.ResponseWriter, r *http.Request) error {
	if err := p.RemoveUser(r.PathValue("id")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

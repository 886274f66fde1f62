package mockidp

import (
	"errors"
	"log/slog"
	"net/http"
	"strings"
)

// The root control API of a [Multi] adds and removes issuers at run time
// (for cmd/mockidp --issuers setups). It is served under /_mock/ when
// every configured issuer has ControlAPI, behind the same gate as a
// provider's (loopback or ControlAllow peers, Host and Origin checks).

// issuerJSON is the wire form of POST /_mock/issuers: the new issuer's
// name and what differs from the first configured issuer's Config.
type issuerJSON struct {
	Tag     string       `json:"tag,omitempty"`
	Name    string       `json:"name"`
	Persona string       `json:"persona,omitempty"`
	Alg     string       `json:"alg,omitempty"`
	Login   string       `json:"login,omitempty"`
	Clients []clientJSON `json:"clients,omitempty"`
	Users   []userJSON   `json:"users,omitempty"`
}

// listedIssuer is one entry of GET /_mock/issuers.
type listedIssuer struct {
	Name   string `json:"name"`
	Issuer string `json:"issuer"` // "" for an auto issuer
	Tag    string `json:"tag,omitempty"`
}

func (m *Multi) serveControl(w http.ResponseWriter, r *http.Request) {
	if !m.control {
		http.NotFound(w, r)
		return
	}
	log := m.template.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if !controlGate(w, r, log, m.template.ControlAllow, m.hosts) {
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	path := r.URL.Path
	var err error
	switch name, isOne := strings.CutPrefix(path, "/_mock/issuers/"); {
	case path == "/_mock/issuers" && r.Method == http.MethodGet:
		err = m.ctlList(w)
	case path == "/_mock/issuers" && r.Method == http.MethodPost, path == "/_mock/reset" && r.Method == http.MethodPost:
		if !isJSON(r) {
			controlError(w, http.StatusUnsupportedMediaType, "invalid_request", "Content-Type must be application/json (curl --json)")
			return
		}
		if path == "/_mock/reset" {
			err = m.ctlReset(w, r)
		} else {
			err = m.ctlAdd(w, r)
		}
	case isOne && name != "" && r.Method == http.MethodDelete:
		if err = m.RemoveIssuer(name); err == nil {
			w.WriteHeader(http.StatusNoContent)
		}
	case path == "/_mock/issuers", path == "/_mock/reset", isOne && name != "":
		controlError(w, http.StatusMethodNotAllowed, "invalid_request", "method not allowed")
		return
	default:
		controlError(w, http.StatusNotFound, "not_found", "unknown control endpoint (an issuer's own API is under /<name>/_mock/)")
		return
	}
	if err != nil {
		writeControlErr(w, err)
	}
}

func (m *Multi) ctlList(w http.ResponseWriter) error {
	m.mu.RLock()
	out := make([]listedIssuer, 0, len(m.names))
	for _, n := range m.names {
		out = append(out, listedIssuer{Name: n, Issuer: m.providers[n].Issuer(), Tag: m.tags[n]})
	}
	m.mu.RUnlock()
	writeJSON(w, http.StatusOK, map[string]any{"issuers": out})
	return nil
}

func (m *Multi) ctlAdd(w http.ResponseWriter, r *http.Request) error {
	var req issuerJSON
	if err := decodeBody(r, &req, false); err != nil {
		return err
	}
	cfg := m.template
	cfg.ControlAPI = true
	for _, s := range []struct {
		dst *string
		v   string
	}{{&cfg.Persona, req.Persona}, {&cfg.Alg, req.Alg}, {&cfg.Login, req.Login}} {
		if s.v != "" {
			*s.dst = s.v
		}
	}
	cfg.SigningKeyPEM = nil // a key of its own, not the template's
	if req.Clients != nil {
		cfg.Clients = nil
		for _, c := range req.Clients {
			if c.Tag != "" || c.HasSecret {
				return errors.New("clients of a new issuer take no tag or has_secret")
			}
			cfg.Clients = append(cfg.Clients, c.client())
		}
	}
	if req.Users != nil {
		cfg.Users = nil
		for _, u := range req.Users {
			if u.Tag != "" {
				return errors.New("users of a new issuer take no tag")
			}
			cfg.Users = append(cfg.Users, User{Subject: u.Sub, Claims: u.Claims})
		}
	}
	p, err := m.AddIssuer(req.Tag, req.Name, cfg)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, listedIssuer{Name: req.Name, Issuer: p.Issuer(), Tag: req.Tag})
	return nil
}

func (m *Multi) ctlReset(w http.ResponseWriter, r *http.Request) error {
	var req struct {
		Tag *string `json:"tag"`
	}
	if err := decodeBody(r, &req, true); err != nil {
		return err
	}
	switch {
	case req.Tag == nil:
		m.Reset()
	case *req.Tag == "":
		return errors.New("tag must not be empty (send {} to reset everything)")
	default:
		m.ResetTag(*req.Tag)
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

package integration

// Interop with github.com/zitadel/oidc/v3, an independent implementation
// (test-only dependency):
//
//   - foyer's rp signs in and out against zitadel's example OpenID Provider
//     (example/server/exampleop with its in-memory storage), stepping
//     through its username/password page;
//   - zitadel's relying party client (pkg/client/rp, OpenID-certified for
//     the Basic and Config RP profiles) signs in against mockidp with PKCE,
//     refreshes, and signs out through end_session.

import (
	"context"
	"crypto/rand"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/zitadel/oidc/v3/example/server/exampleop"
	"github.com/zitadel/oidc/v3/example/server/storage"
	zrp "github.com/zitadel/oidc/v3/pkg/client/rp"
	httphelper "github.com/zitadel/oidc/v3/pkg/http"
	"github.com/zitadel/oidc/v3/pkg/oidc"
	"github.com/zitadel/oidc/v3/pkg/op"

	"github.com/foyer-oidc/foyer/internal/stack"
	"github.com/foyer-oidc/foyer/mockidp"
	"github.com/foyer-oidc/foyer/rp"
)

// interopDeferred lets a server start (and so know its URL, the issuer)
// before the handler that needs the issuer is built.
type interopDeferred struct {
	mu sync.RWMutex
	h  http.Handler
}

func (d *interopDeferred) set(h http.Handler) { d.mu.Lock(); d.h = h; d.mu.Unlock() }

func (d *interopDeferred) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	d.mu.RLock()
	h := d.h
	d.mu.RUnlock()
	h.ServeHTTP(w, r)
}

// interopStorage is the example storage with post-logout redirect URIs
// registered: the example's WebClient registers none.
type interopStorage struct {
	*storage.Storage
	postLogout []string
}

// GetClientByClientID returns the stored client with postLogout registered.
func (s interopStorage) GetClientByClientID(ctx context.Context, id string) (op.Client, error) {
	c, err := s.Storage.GetClientByClientID(ctx, id)
	if err != nil {
		return nil, err
	}
	return interopClient{Client: c, postLogout: s.postLogout}, nil
}

type interopClient struct {
	op.Client
	postLogout []string
}

// PostLogoutRedirectURIs returns the registered post-logout redirect URIs.
func (c interopClient) PostLogoutRedirectURIs() []string { return c.postLogout }

// TestInteropRPWithZitadelOP signs in with foyer's rp at zitadel's example
// OpenID Provider, reads /auth/userinfo and signs out at the provider.
func TestInteropRPWithZitadelOP(t *testing.T) {
	t.Parallel()
	var opHandler interopDeferred
	opSrv := httptest.NewServer(&opHandler)
	t.Cleanup(opSrv.Close)
	issuer := opSrv.URL

	rpSrv := httptest.NewUnstartedServer(nil)
	rpURL := "http://" + rpSrv.Listener.Addr().String()
	clients := map[string]*storage.Client{"web": storage.WebClient("web", "secret", rpURL+"/auth/callback")}
	st := interopStorage{
		Storage:    storage.NewStorageWithClients(storage.NewUserStore(issuer), clients),
		postLogout: []string{rpURL + "/auth/logout/done"},
	}
	// A nil logger: a non-nil one would replace slog's process-wide default.
	opHandler.set(exampleop.SetupServer(issuer, st, nil, false))

	logs := &confLog{}
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	p, err := rp.New(ctx, rp.Config{
		PublicURL:     rpURL,
		Providers:     []rp.ProviderConfig{{ID: "zitadel", Issuer: issuer, ClientID: "web", ClientSecret: "secret"}},
		CookieSecrets: [][]byte{[]byte(confCookieSecret)},
		Logger:        confSlog(logs),
	})
	if err != nil {
		t.Fatalf("rp.New: %v", err)
	}
	mux := http.NewServeMux()
	mux.Handle("/auth/", p.Handler())
	mux.Handle("/app/", p.RequireLogin(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		u, _ := rp.UserFromContext(r.Context())
		io.WriteString(w, "landed as "+u.Subject)
	})))
	rpSrv.Config.Handler = mux
	rpSrv.Start()
	t.Cleanup(rpSrv.Close)
	wctx, wcancel := context.WithTimeout(ctx, 20*time.Second)
	defer wcancel()
	if err := p.WaitReady(wctx); err != nil {
		t.Fatalf("rp never discovered zitadel's example OP: %v\n%s", err, logs)
	}

	b := stack.NewClient(t)
	page := b.Follow(b.Get(rpURL + "/auth/login?provider=zitadel&rd=" + url.QueryEscape(confApp)))
	if page.StatusCode != http.StatusOK || !strings.HasPrefix(page.URL.String(), issuer+"/login/username") {
		t.Fatalf("sign-in: want zitadel's login page at %s/login/username\n%s\nrp log:\n%s", issuer, page, logs)
	}
	host := strings.TrimPrefix(issuer, "http://")
	host = host[:strings.LastIndex(host, ":")]
	landed := b.Follow(b.Submit(page.Form(t, "Login"), "Login",
		url.Values{"username": {"test-user@" + host}, "password": {"verysecure"}}))
	if landed.StatusCode != http.StatusOK || landed.URL.String() != rpURL+confApp || string(landed.Body) != "landed as id1" {
		t.Fatalf("after zitadel's login: want 200 %q at %s\n%s\nrp log:\n%s", "landed as id1", confApp, landed, logs)
	}

	req := b.NewRequest(http.MethodGet, rpURL+"/auth/userinfo", nil)
	req.Header.Set("Accept", "application/json")
	ui := b.Do(req)
	var got struct {
		Provider, Iss, Sub, Email string
	}
	ui.JSON(t, &got)
	want := struct{ Provider, Iss, Sub, Email string }{"zitadel", issuer, "id1", "test-user@zitadel.ch"}
	if ui.StatusCode != http.StatusOK || got != want {
		t.Fatalf("/auth/userinfo: got %d %+v, want 200 %+v", ui.StatusCode, got, want)
	}

	logoutPage := b.Get(rpURL + "/auth/logout")
	done := b.Follow(b.Submit(logoutPage.Form(t, "sign-out"), "sign-out", nil))
	if done.StatusCode != http.StatusOK || !strings.HasPrefix(done.URL.String(), rpURL+"/auth/logout/done") {
		t.Fatalf("sign-out: want rp's signed-out page after zitadel's end_session\n%s", done)
	}
	if !strings.Contains(done.Text(), confMsgProviderSignedOut) {
		t.Errorf("signed-out page: got %q, want %q", done.Text(), confMsgProviderSignedOut)
	}
	if !interopHop(done.Hops, issuer+"/end_session") {
		t.Errorf("sign-out never went through zitadel's end_session:\n%s", strings.Join(done.Hops, "\n"))
	}
	if r := b.Do(req.Clone(context.Background())); r.StatusCode != http.StatusUnauthorized {
		t.Errorf("/auth/userinfo after sign-out: got %d, want 401", r.StatusCode)
	}
}

// TestInteropZitadelRPWithMockIDP signs in with zitadel's certified relying
// party client at mockidp (code flow, PKCE, nonce, userinfo), refreshes the
// tokens and signs out through end_session.
func TestInteropZitadelRPWithMockIDP(t *testing.T) {
	t.Parallel()
	appSrv := httptest.NewUnstartedServer(nil)
	appURL := "http://" + appSrv.Listener.Addr().String()
	client := mockidp.Client{ID: "zitadel-rp", Secret: "zitadel-secret",
		RedirectURIs: []string{appURL + "/callback"}, PostLogoutRedirectURIs: []string{appURL + "/bye"}}
	idp := mockidp.NewTestServer(t, mockidp.WithClients(client))

	key := []byte(rand.Text() + rand.Text())[:32]
	cookies := httphelper.NewCookieHandler(key, key, httphelper.WithUnsecure())
	ctx := context.Background()
	relyingParty, err := zrp.NewRelyingPartyOIDC(ctx, idp.Issuer, client.ID, client.Secret, appURL+"/callback",
		[]string{oidc.ScopeOpenID, oidc.ScopeProfile, oidc.ScopeEmail}, zrp.WithPKCE(cookies))
	if err != nil {
		t.Fatalf("zitadel NewRelyingPartyOIDC against mockidp: %v", err)
	}

	type signedIn struct {
		tokens *oidc.Tokens[*oidc.IDTokenClaims]
		info   *oidc.UserInfo
	}
	results := make(chan signedIn, 1)
	state := rand.Text()
	mux := http.NewServeMux()
	mux.Handle("/login", zrp.AuthURLHandler(func() string { return state }, relyingParty))
	mux.Handle("/callback", zrp.CodeExchangeHandler(zrp.UserinfoCallback(
		func(w http.ResponseWriter, _ *http.Request, tokens *oidc.Tokens[*oidc.IDTokenClaims], _ string, _ zrp.RelyingParty, info *oidc.UserInfo) {
			results <- signedIn{tokens, info}
			io.WriteString(w, "signed in as "+info.Subject)
		}), relyingParty))
	appSrv.Config.Handler = mux
	appSrv.Start()
	t.Cleanup(appSrv.Close)

	b := stack.NewClient(t)
	r := b.Follow(b.Get(appURL + "/login"))
	if r.StatusCode != http.StatusOK || string(r.Body) != "signed in as alice" {
		t.Fatalf("zitadel RP sign-in at mockidp: want 200 %q\n%s", "signed in as alice", r)
	}
	var s signedIn
	select {
	case s = <-results:
	default:
		t.Fatalf("zitadel's callback never ran")
	}
	if s.tokens.IDTokenClaims.Subject != "alice" || s.info.Email != "alice@example.com" {
		t.Errorf("zitadel RP: got sub %q email %q, want alice alice@example.com", s.tokens.IDTokenClaims.Subject, s.info.Email)
	}
	authz := idp.Requests("authorize")
	if len(authz) != 1 || authz[0].Params.Get("code_challenge_method") != "S256" {
		t.Errorf("zitadel RP authorization request: got %+v, want one with PKCE S256", authz)
	}
	if tok := idp.Requests("token"); len(tok) != 1 || !tok[0].Has("code_verifier") {
		t.Errorf("zitadel RP token request: got %+v, want one with a code_verifier", tok)
	}

	// Refresh: mockidp rotates the refresh token and sends a new ID token,
	// which zitadel's client verifies.
	refreshed, err := zrp.RefreshTokens[*oidc.IDTokenClaims](ctx, relyingParty, s.tokens.RefreshToken, "", "")
	if err != nil {
		t.Fatalf("zitadel RefreshTokens at mockidp: %v", err)
	}
	if refreshed.RefreshToken == "" || refreshed.RefreshToken == s.tokens.RefreshToken {
		t.Errorf("refresh: want a new (rotated) refresh token")
	}
	if refreshed.IDTokenClaims == nil || refreshed.IDTokenClaims.Subject != "alice" {
		t.Errorf("refresh: got ID token claims %+v, want sub alice", refreshed.IDTokenClaims)
	}
	if _, err := zrp.RefreshTokens[*oidc.IDTokenClaims](ctx, relyingParty, s.tokens.RefreshToken, "", ""); err == nil {
		t.Errorf("refresh with the rotated-out refresh token: got success, want invalid_grant")
	}

	// Sign-out: zitadel's EndSession calls end_session with id_token_hint
	// and gets the redirect to the registered post-logout URI with state.
	loc, err := zrp.EndSession(ctx, relyingParty, s.tokens.IDToken, appURL+"/bye", "bye-state", "", nil)
	if err != nil {
		t.Fatalf("zitadel EndSession at mockidp: %v", err)
	}
	if loc == nil || loc.Scheme+"://"+loc.Host+loc.Path != appURL+"/bye" || loc.Query().Get("state") != "bye-state" {
		t.Errorf("EndSession redirect: got %v, want %s/bye?state=bye-state", loc, appURL)
	}
	if es := idp.Requests("end_session"); len(es) != 1 || !es[0].Has("id_token_hint") {
		t.Errorf("end_session requests: got %+v, want one with id_token_hint", es)
	}
	if _, err := zrp.RefreshTokens[*oidc.IDTokenClaims](ctx, relyingParty, refreshed.RefreshToken, "", ""); err == nil {
		t.Errorf("refresh after sign-out: got success, want the refresh token revoked")
	}
}

// interopHop reports whether one of hops requested a URL starting with prefix.
func interopHop(hops []string, prefix string) bool {
	for _, h := range hops {
		if f := strings.Fields(h); len(f) == 3 && strings.HasPrefix(f[2], prefix) {
			return true
		}
	}
	return false
}

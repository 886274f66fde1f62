// Package redisstore keeps foyer's sessions in Redis or Valkey, so that several rp
// replicas behind a load balancer share them, and holds what logout needs across
// replicas: indexes by provider session and by user, a refresh lock, a replay cache
// for logout tokens and a revocation list.
//
// # Sessions and tickets
//
// [Store.Create] stores a session and returns a ticket: a random 128-bit session id
// and a random 256-bit key, "ID.KEY" in base64url. The caller puts the ticket in the
// session cookie and nothing else. Redis holds, under "foyer:s:ID", the session
// data encrypted with AES-256-GCM under that key (the session id is the additional
// data); it never holds the key. A Redis dump, a replica, a backup or a MONITOR
// session therefore reveals no session, and a stolen dump cannot be turned into a
// working cookie. Index keys are HMACs of the issuer and subject or sid, so they do
// not say who is signed in either.
//
// The flow of one browser:
//
//	ticket, err := st.Create(ctx, data, redisstore.Index{Issuer: iss, Subject: sub, SID: sid}, idle, absolute)
//	// Set-Cookie: __Host-foyer_session=<ticket>; Path=/; Secure; HttpOnly; SameSite=Lax
//	data, err = st.Load(ctx, ticket)          // every request
//	err = st.Update(ctx, ticket, data2, idle) // after a refresh, or to extend the idle timeout
//	err = st.Delete(ctx, ticket)              // sign-out
//
// Each session expires in Redis after its idle timeout unless updated, and at its
// absolute deadline whatever happens: the key's TTL is min(idle, time left), and
// Update keeps the deadline that Create set (it is inside the encrypted value).
//
// # Errors: signed out, or unavailable
//
// Every method tells two failures apart with [errors.Is]. [ErrNotFound] means the
// person is signed out: the ticket is malformed, forged or tampered, or the session
// expired or was ended. [ErrUnavailable] means Redis did not answer within
// [Options.Timeout]: the caller must fail closed with 503 and must neither let the
// request in nor clear the cookie, because the session is still there when Redis
// comes back. Connections are made lazily and re-made by the client, so the store
// recovers by itself; [Store.Ping] serves a readiness endpoint.
//
// # Logout across replicas
//
// [Store.DeleteBySID] and [Store.DeleteBySubject] end every session that a
// back-channel or front-channel logout names, whichever replica created it.
// [Store.SeenJTI] refuses a replayed logout token. [Store.Revoke] and
// [Store.RevokedAt] implement [revocation.List] for the cookie session store, which
// has nothing to delete.
//
// # Refresh under rotation
//
// [Store.Lock] and [Store.LockWait] give one replica at a time the right to refresh
// a session's tokens (SET NX PX with a random token, released by a compare-and-delete
// script). The holder loads the session again after taking the lock, since another
// replica may have refreshed it meanwhile.
//
// # With rp
//
// [NewSessionStore] wraps a Store as an [rp.SessionStore] (plus [rp.LogoutIndex],
// [rp.RefreshLocker], a Ping for readiness, and the revocation list and replay
// cache that rp.New takes from it), so a Go program gets what
// "rp --session-store redis://..." does:
//
//	st, err := redisstore.New(ctx, redisstore.Options{URL: url, IndexSecrets: keys})
//	cfg.SessionStore = redisstore.NewSessionStore(st, redisstore.SessionStoreConfig{IdleTimeout: cfg.IdleTimeout})
//	auth, err := rp.New(ctx, cfg)
//
// # Deployments
//
// [Options.URL] takes redis:// and rediss:// for one server, redis+sentinel:// for
// Sentinel and redis+cluster:// for Cluster (see [ParseURL]); [Options.Universal]
// takes any go-redis configuration. Every operation touches one key or pipelines
// single-key commands, so the store works on Cluster without hash tags.
package redisstore

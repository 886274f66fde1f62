// Package revocation keeps what a relying party must remember to honour logout when
// it cannot simply delete the session: which sessions the provider has ended, and
// which logout tokens it has already seen.
//
// With server-side sessions (package [github.com/foyer-oidc/foyer/rp/redisstore]) a
// back-channel logout deletes the sessions it names. With sessions kept in cookies
// there is nothing to delete, so the logout is written down instead:
//
//	// POST /auth/backchannel-logout, after the logout token verified:
//	if seen, err := replay.SeenJTI(ctx, iss, jti, 2*maxTokenAge); err != nil {
//		// store unavailable: answer 503
//	} else if seen {
//		// replayed token: answer 400
//	}
//	list.Revoke(ctx, iss, revocation.BySID, sid, now, absoluteLifetime)
//
//	// On every request that carries a cookie session s:
//	at, ok, err := list.RevokedAt(ctx, s.Issuer, s.SID, s.Subject)
//	if err != nil { /* 503: fail closed */ }
//	if ok && !s.CreatedAt.After(at) { /* the session was ended: sign out */ }
//
// A sign-out of a cookie session is written down the same way ([SessionList]), so
// that a copy of the cookie stops working.
//
// [Memory] keeps all of it in the process: forgotten at a restart, unknown to other
// replicas. [File] keeps it in a journal file that survives restarts and crashes and
// is shared by the processes that open it (replicas on one host, or sharing a
// volume). The Redis store implements the same interfaces for replicas anywhere.
package revocation

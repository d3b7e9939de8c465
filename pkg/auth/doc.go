// Package auth authenticates requests with the tokens a real KAZOO issues and decides
// which accounts an identity may act on (spec §12). It implements
// directory.Authenticator in two modes:
//
//   - JWT (NewJWT): verifies KAZOO's RS256/RS384/RS512 JWTs locally, with the RSA key
//     KAZOO keeps in the `system_auth` database, the identity signature secret of the
//     user (or account) doc and `system_config/auth` `secret_for_user_signature`.
//   - KAZOO (NewKazoo): asks a running KAZOO crossbar (`GET /v2/token_auth`).
//
// Both authorize the same way (cb_simple_authz): the identity's account is the target
// account, an ancestor of it (in the target's pvt_tree), or a superduper admin.
//
// # Errors
//
// Every rejected credential is a *directory.Error with Code ECodeUnauthorized and nil
// Data (rendered as KAZOO 4.3's `{"message":"invalid credentials"}`); its Message says
// which check failed, for operators' logs only. An account whose trial has expired is
// ECodeValidation with KAZOO's `{"account":{"expired":{...}}}` data. A Source that is
// unreachable (ECodeUnavailable, or any other code but ECodeBadIdentifier) is passed
// through unchanged: a datastore outage is a 5xx, never a 401. Authorize returns
// ECodeForbidden with nil Data.
//
// # Caching
//
// Parsed public keys (per kid), account docs, identity signature secrets and the auth
// config are cached for Options.CacheTTL (default 60s); a missing key or doc is cached
// as missing for the same time. So a rotated key, a reset signature secret or a
// changed pvt_tree takes effect within CacheTTL. Each cache holds at most
// Options.CacheSize entries and evicts the least recently used. Concurrent misses for
// the same entry share one Source call.
//
// A successfully verified token is also cached, keyed by its SHA-256, until the
// earliest of: its exp (plus clock skew) and the expiry of every cached input that
// verified it (key, secret, config). A reset identity secret therefore revokes a
// cached token within CacheTTL, never later. The per-request checks that follow
// verification (X-Auth-Account-ID, trial expiry, masquerade) use the account cache, so
// a warm request costs no Source call at all.
//
// # Deviations from KAZOO (all stricter, none affects a token KAZOO issues)
//
//   - base64url segments must be unpadded and canonical; header and payload must be
//     JSON objects.
//   - `nbf`, when present, must not be in the future (KAZOO ignores it and never
//     issues it).
//   - Clock skew: `exp` and `nbf` allow Options.ClockSkew (default 5s) of disagreement
//     between KAZOO's and our clock; KAZOO itself compares without skew.
//   - account_id (and as.account_id) must be 32 lowercase hex chars; owner_id and
//     device_id, when present, non-empty strings; kid a plain id (no leading `_`, no
//     `/`, at most 128 bytes). The key must be RSA of at least 2048 bits.
//   - An identity doc without pvt_signature_secret, or an empty
//     secret_for_user_signature, rejects the token (KAZOO would generate and store a
//     new secret, which fails the check anyway; we never write on the read path).
//   - A soft-deleted identity doc (pvt_deleted) is missing (Source contract), so a
//     deleted user's tokens stop working; KAZOO accepts them until they expire.
//   - secret_for_user_signature is read from system_config/auth "default" only (no
//     node- or zone-specific override).
//
// A token without `exp` is accepted, as KAZOO does (it issues such tokens when
// token_auth_expiry is 0); it stays revocable through its identity signature.
package auth

package directory

import "context"

// Access is what crossbar's admission checks beyond authentication look at: the rate
// limiter (cb_token_auth's token bucket) and token restrictions (cb_token_restrictions).
type Access struct {
	// Peer is the TCP peer's address (no port); ForwardedFor is the X-Forwarded-For
	// header verbatim ("" when absent). Which of the two is the client is the
	// Gatekeeper's decision (crossbar's reverse_proxies).
	Peer         string
	ForwardedFor string
	// Account is the account of the URL.
	Account Account
	// Endpoint is the first URL noun after the account ("directories").
	Endpoint string
	// Params are the endpoint's path arguments, URI-decoded: none or [directory id].
	Params []string
	// Verb is the HTTP method after tunnelling (?verb=, envelope verb).
	Verb string
}

// Gatekeeper is crossbar's per-request admission: Charge runs before authentication
// (a request refused later has paid), Restrict after it.
type Gatekeeper interface {
	// Charge takes the request's cost from the bucket of its client address and URL
	// account: ECodeTooManyRequests when the bucket cannot pay.
	Charge(ctx context.Context, a Access) error
	// Restrict applies the token restrictions that hold for id: ECodeForbidden with
	// KAZOO's `cause` when they deny the request.
	Restrict(ctx context.Context, id Identity, a Access) error
}

package auth

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/kazoo-directories/kazoo-directories/pkg/directory"
)

// maxKazooBody bounds how much of a /v2/token_auth response is read.
const maxKazooBody = 1 << 20

// Kazoo delegates token verification to a running KAZOO crossbar (AUTH_MODE=kazoo):
// `GET {base}/v2/token_auth` with the same X-Auth-Token. It is safe for concurrent use.
type Kazoo struct {
	endpoint string
	client   *http.Client
	opts     Options
	accounts *accounts
	tokens   *cache[kazooResult]
}

// kazooResult is what KAZOO said about one token.
type kazooResult struct {
	id             directory.Identity // Token left empty; set per request
	tokenAccountID string             // the token's own account_id (before masquerade)
}

var _ directory.Authenticator = (*Kazoo)(nil)

// NewKazoo returns an Authenticator that asks the KAZOO crossbar at baseURL (e.g.
// "http://kazoo:8000") and reads account docs from accounts for Authorize. A nil
// client means http.DefaultClient; give one with a Timeout in production.
//
// A token KAZOO accepts is reused without asking again until the earliest of its exp
// (read from the token payload) and Options.CacheTTL, so a token KAZOO revokes (a
// password reset changes its identity secret) stops working here within CacheTTL.
func NewKazoo(baseURL string, client *http.Client, accounts AccountSource, opts Options) (*Kazoo, error) {
	u, err := url.Parse(baseURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("auth: KAZOO URL %q must be an absolute http(s) URL", baseURL)
	}
	if client == nil {
		client = http.DefaultClient
	}
	o := opts.withDefaults()
	return &Kazoo{
		endpoint: strings.TrimRight(u.String(), "/") + "/v2/token_auth",
		client:   client,
		opts:     o,
		accounts: newAccounts(accounts, o),
		tokens:   newCache[kazooResult](o.Now, 0, o.CacheSize),
	}, nil
}

// Authenticate asks KAZOO about c.Token (cached) and checks X-Auth-Account-ID against
// the token's account.
//
// Errors: ECodeUnauthorized when there is no token, KAZOO answers 401 or 403, or the
// X-Auth-Account-ID differs; ECodeValidation when KAZOO reports the account expired
// (its 400 is reproduced); ECodeUnavailable when KAZOO is unreachable or answers
// anything else.
func (k *Kazoo) Authenticate(ctx context.Context, c directory.Credentials) (directory.Identity, error) {
	if c.Token == "" {
		return directory.Identity{}, unauthorized("no token")
	}
	sum := sha256.Sum256([]byte(c.Token))
	r, _, err := k.tokens.load(ctx, string(sum[:]), func(ctx context.Context) (kazooResult, time.Time, error) {
		return k.ask(ctx, c.Token)
	})
	if err != nil {
		return directory.Identity{}, err
	}
	if c.AccountID != "" && c.AccountID != r.tokenAccountID {
		return directory.Identity{}, unauthorized("X-Auth-Account-ID %q is not the token's account %s", c.AccountID, r.tokenAccountID)
	}
	id := r.id
	id.Token = c.Token
	return id, nil
}

// Authorize reports whether id may act on target (spec §12.4), as JWT.Authorize.
func (k *Kazoo) Authorize(ctx context.Context, id directory.Identity, target directory.Account) error {
	return k.accounts.authorize(ctx, id, target)
}

// tokenAuthReply is the part of KAZOO's GET /v2/token_auth envelope we use.
type tokenAuthReply struct {
	Data struct {
		AccountID string `json:"account_id"`
		OwnerID   string `json:"owner_id"`
		Method    string `json:"method"`
	} `json:"data"`
}

// ask performs one GET /v2/token_auth and returns the result with its cache expiry.
func (k *Kazoo) ask(ctx context.Context, tok string) (kazooResult, time.Time, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, k.endpoint, nil)
	if err != nil {
		return kazooResult{}, time.Time{}, unavailable("building KAZOO request", err)
	}
	req.Header.Set("X-Auth-Token", tok)
	req.Header.Set("Accept", "application/json")
	resp, err := k.client.Do(req)
	if err != nil {
		return kazooResult{}, time.Time{}, unavailable("KAZOO unreachable", err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxKazooBody))
	if err != nil {
		return kazooResult{}, time.Time{}, unavailable("reading KAZOO reply", err)
	}
	switch resp.StatusCode {
	case http.StatusOK:
	case http.StatusUnauthorized, http.StatusForbidden:
		return kazooResult{}, time.Time{}, unauthorized("KAZOO rejected the token (%d)", resp.StatusCode)
	case http.StatusBadRequest:
		if e := expiredFromReply(body); e != nil {
			return kazooResult{}, time.Time{}, e
		}
		fallthrough
	default:
		return kazooResult{}, time.Time{}, unavailable(fmt.Sprintf("KAZOO answered %d", resp.StatusCode), nil)
	}
	var reply tokenAuthReply
	if err := json.Unmarshal(body, &reply); err != nil {
		return kazooResult{}, time.Time{}, unavailable("KAZOO reply is not JSON", err)
	}
	d := reply.Data
	if !directory.ValidAccountID(d.AccountID) {
		return kazooResult{}, time.Time{}, unauthorized("KAZOO accepted a token without a usable account_id (%q)", d.AccountID)
	}
	r := kazooResult{id: directory.Identity{AccountID: d.AccountID, OwnerID: d.OwnerID, Method: d.Method}, tokenAccountID: d.AccountID}
	until := k.opts.Now().Add(k.opts.CacheTTL)
	// KAZOO has verified this exact token, so its payload is authentic; it tells the
	// expiry and, when KAZOO switched accounts for a masquerade, the original ids.
	if p := unverifiedPayload(tok); p != nil {
		if p.accountID != "" && p.accountID != d.AccountID {
			r.tokenAccountID = p.accountID
			r.id.OriginalAccountID, r.id.OriginalOwnerID = p.accountID, p.ownerID
		}
		if p.hasExp {
			until = earliest(until, p.exp)
		}
	}
	return r, until, nil
}

// unverifiedPayload decodes a token's payload without checking anything; nil when it
// cannot be read.
func unverifiedPayload(tok string) *claims {
	parts := strings.Split(tok, ".")
	if len(parts) != 3 {
		return nil
	}
	m, err := decodeObject(parts[1])
	if err != nil {
		return nil
	}
	var c claims
	c.accountID, _ = str(m, "account_id")
	c.ownerID, _ = str(m, "owner_id")
	c.exp, c.hasExp, _ = unixTime(m, "exp")
	return &c
}

// expiredFromReply recognises KAZOO's "account expired" validation error and
// reproduces it; nil for any other 400.
func expiredFromReply(body []byte) *directory.Error {
	var r struct {
		Data struct {
			Account struct {
				Expired *struct {
					Cause int64 `json:"cause"`
				} `json:"expired"`
			} `json:"account"`
		} `json:"data"`
	}
	if json.Unmarshal(body, &r) != nil || r.Data.Account.Expired == nil {
		return nil
	}
	return accountExpired("of the token", r.Data.Account.Expired.Cause)
}

func unavailable(msg string, err error) *directory.Error {
	return &directory.Error{Code: directory.ECodeUnavailable, Message: "auth: " + msg, Err: err}
}

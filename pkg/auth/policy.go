package auth

import (
	"context"
	"log/slog"
	"net/netip"

	"github.com/kazoo-directories/kazoo-directories/pkg/directory"
)

// PolicySource is what Policy reads from KAZOO's databases. A missing doc is
// ECodeBadIdentifier (a soft-deleted one is returned, as crossbar's open_cache_doc
// does); an unreachable datastore ECodeUnavailable.
type PolicySource interface {
	AccountSource
	// SystemConfig returns the JSON of doc id in system_config, as stored.
	SystemConfig(ctx context.Context, id string) ([]byte, error)
	// AccountDoc returns the JSON of doc docID in the database of accountID, as stored.
	AccountDoc(ctx context.Context, accountID, docID string) ([]byte, error)
}

// PolicyOptions tune a Policy. The zero value is ready to use.
type PolicyOptions struct {
	Options
	// TrustedProxies, when non-nil, replaces crossbar.reverse_proxies: the peers whose
	// X-Forwarded-For names the client (TRUSTED_PROXIES).
	TrustedProxies []netip.Prefix
	// Refused, when set, is told about every refused request: the URL account and
	// "rate_limit" or "token_restrictions" (e.g. metrics).
	Refused func(accountID, reason string)
	// Logger receives configuration read failures (slog.Default when nil).
	Logger *slog.Logger
}

// Policy is crossbar's admission beyond authentication (directory.Gatekeeper): the
// token bucket of cb_token_auth and cb_token_restrictions. Rules and configuration
// are read through caches like the other auth docs (Options.CacheTTL); bucket state
// is per process, as crossbar's is per node. Safe for concurrent use.
type Policy struct {
	src      PolicySource
	opts     PolicyOptions
	log      *slog.Logger
	accounts *accounts
	docs     *cache[any]
	buckets  buckets
}

var _ directory.Gatekeeper = (*Policy)(nil)

// NewPolicy returns a Policy reading rules and configuration from src.
func NewPolicy(src PolicySource, opts PolicyOptions) *Policy {
	opts.Options = opts.Options.withDefaults()
	log := opts.Logger
	if log == nil {
		log = slog.Default()
	}
	return &Policy{
		src:      src,
		opts:     opts,
		log:      log,
		accounts: newAccounts(src, opts.Options),
		docs:     newCache[any](opts.Now, opts.CacheTTL, opts.CacheSize),
	}
}

func (p *Policy) refused(accountID, reason string) {
	if p.opts.Refused != nil {
		p.opts.Refused(accountID, reason)
	}
}

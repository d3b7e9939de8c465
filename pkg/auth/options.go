package auth

import "time"

// Defaults for Options fields left zero.
const (
	// DefaultCacheTTL is how long keys, secrets, account docs and verified tokens are
	// trusted before they are read again (AUTH_CACHE_TTL).
	DefaultCacheTTL = 60 * time.Second
	// DefaultClockSkew is the disagreement tolerated between KAZOO's clock and ours when
	// checking exp and nbf. Small: KAZOO itself allows none, and NTP keeps servers far
	// closer than this.
	DefaultClockSkew = 5 * time.Second
	// DefaultCacheSize bounds each cache (keys, accounts, secrets, tokens).
	DefaultCacheSize = 10000
)

// Options tune an authenticator. The zero value is ready to use.
type Options struct {
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// ClockSkew is tolerated on exp and nbf. 0 means DefaultClockSkew; negative means none.
	ClockSkew time.Duration
	// CacheTTL bounds how long anything read from the Source (or from KAZOO) is reused.
	// 0 means DefaultCacheTTL; negative disables caching.
	CacheTTL time.Duration
	// CacheSize is the maximum number of entries of each cache (least recently used
	// entries are evicted first). 0 means DefaultCacheSize.
	CacheSize int
}

func (o Options) withDefaults() Options {
	if o.Now == nil {
		o.Now = time.Now
	}
	switch {
	case o.ClockSkew == 0:
		o.ClockSkew = DefaultClockSkew
	case o.ClockSkew < 0:
		o.ClockSkew = 0
	}
	switch {
	case o.CacheTTL == 0:
		o.CacheTTL = DefaultCacheTTL
	case o.CacheTTL < 0:
		o.CacheTTL = 0
	}
	if o.CacheSize <= 0 {
		o.CacheSize = DefaultCacheSize
	}
	return o
}

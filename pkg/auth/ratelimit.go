package auth

import (
	"context"
	"encoding/json"
	"net/netip"
	"strings"
	"time"

	"github.com/kazoo-directories/kazoo-directories/pkg/directory"
)

// errTooManyRequests is KAZOO's 429 (spec B6).
var errTooManyRequests = directory.Errorf(directory.ECodeTooManyRequests, "token bucket empty")

// defaultReverseProxies is crossbar.reverse_proxies' default.
var defaultReverseProxies = []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")}

// Charge takes the request's cost (crossbar.token_costs, spec B2) from the bucket of
// its client address and URL account (spec B3): ECodeTooManyRequests when the bucket
// cannot pay. Configuration that cannot be read counts as absent (KAZOO's defaults),
// as kapps_config does.
func (p *Policy) Charge(ctx context.Context, a directory.Access) error {
	crossbar := p.config(ctx, CrossbarConfigDoc)
	cost := tokenCost(mustGet(crossbar, "default", "token_costs"), a)
	if cost <= 0 {
		return nil
	}
	key := p.clientIP(crossbar, a) + "/" + a.Account.ID
	if p.buckets.consume(key, cost, p.opts.Now(), bucketConfig(p.config(ctx, BucketsConfigDoc))) {
		return nil
	}
	p.refused(a.Account.ID, "rate_limit")
	return errTooManyRequests
}

// config reads a system_config doc; nil when it is missing or unreadable.
func (p *Policy) config(ctx context.Context, id string) any {
	v, err := p.doc(ctx, SystemConfigDB, id)
	if err != nil {
		p.log.Warn("reading system_config, using KAZOO's defaults", "doc", id, "error", err.Error())
		return nil
	}
	return v
}

// tokenCost is cb_modules_util:token_cost (spec B2): an integer is the cost of every
// request; an object is searched at A.E.V, A.E, A, E.V, E, its value read as
// kz_term:to_integer does; anything else costs 1 (crossbar crashes on it).
func tokenCost(c any, a directory.Access) int64 {
	if c == nil {
		return 1
	}
	if _, isObj := c.(directory.Object); !isObj {
		if n, ok := c.(json.Number); ok {
			if i, err := n.Int64(); err == nil {
				return i
			}
		}
		return 1
	}
	acct, ep, verb := a.Account.ID, a.Endpoint, strings.ToUpper(a.Verb)
	v, ok := firstDefined(c, []string{acct, ep, verb}, []string{acct, ep}, []string{acct}, []string{ep, verb}, []string{ep})
	if !ok {
		return 1
	}
	if n, ok := toInteger(v); ok {
		return n
	}
	return 1
}

// clientIP is crossbar's client_ip (spec B3): the peer, or the X-Forwarded-For value
// verbatim when the peer is a trusted reverse proxy (TRUSTED_PROXIES, else
// crossbar.reverse_proxies, default 127.0.0.1) or when check_reverse_proxies is false.
func (p *Policy) clientIP(crossbar any, a directory.Access) string {
	if a.ForwardedFor == "" {
		return a.Peer
	}
	if p.opts.TrustedProxies == nil && mustGet(crossbar, "default", "check_reverse_proxies") == false {
		return a.ForwardedFor
	}
	peer, err := netip.ParseAddr(a.Peer)
	if err != nil {
		return a.Peer
	}
	for _, pfx := range p.reverseProxies(crossbar) {
		if pfx.Contains(peer.Unmap()) {
			return a.ForwardedFor
		}
	}
	return a.Peer
}

func (p *Policy) reverseProxies(crossbar any) []netip.Prefix {
	if p.opts.TrustedProxies != nil {
		return p.opts.TrustedProxies
	}
	list, ok := mustGet(crossbar, "default", "reverse_proxies").([]any)
	if !ok {
		return defaultReverseProxies
	}
	var out []netip.Prefix
	for _, v := range list {
		if s, ok := v.(string); ok {
			if pfx, err := ParsePrefix(s); err == nil {
				out = append(out, pfx)
			}
		}
	}
	return out
}

// ParsePrefix reads a CIDR, or a single address as its own /32 or /128.
func ParsePrefix(s string) (netip.Prefix, error) {
	if strings.Contains(s, "/") {
		pfx, err := netip.ParsePrefix(s)
		return pfx.Masked(), err
	}
	addr, err := netip.ParseAddr(s)
	if err != nil {
		return netip.Prefix{}, err
	}
	return netip.PrefixFrom(addr.Unmap(), addr.Unmap().BitLen()), nil
}

// bucketConfig reads system_config/token_buckets (spec B4): crossbar.<key>, else
// <key>, in the default section; KAZOO's defaults for what is absent.
func bucketConfig(doc any) bucketParams {
	p := defaultBucketParams
	num := func(key string) (int64, bool) {
		v, ok := firstDefined(doc, []string{"default", "crossbar", key}, []string{"default", key})
		if !ok {
			return 0, false
		}
		return toInteger(v)
	}
	if n, ok := num("max_bucket_tokens"); ok {
		p.max = n
	}
	if n, ok := num("tokens_fill_rate"); ok {
		p.rate = n
	}
	if v, ok := firstDefined(doc, []string{"default", "crossbar", "tokens_fill_time"}, []string{"default", "tokens_fill_time"}); ok {
		switch v {
		case "day":
			p.period = 24 * time.Hour
		case "hour":
			p.period = time.Hour
		case "minute":
			p.period = time.Minute
		default:
			p.period = time.Second
		}
	}
	if v, ok := getPath(doc, "default", "inactivity_timeout_s"); ok {
		if n, ok := toInteger(v); ok && n > 0 {
			p.idle = time.Duration(n) * time.Second
		}
	}
	return p
}

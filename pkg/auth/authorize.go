package auth

import (
	"context"
	"slices"
	"time"

	"github.com/kazoo-directories/kazoo-directories/pkg/directory"
)

// gregorianOffset converts Unix seconds to KAZOO's Gregorian seconds.
const gregorianOffset = 62167219200

// accounts is the cached account-doc reader both modes share.
type accounts struct {
	src   AccountSource
	cache *cache[directory.Account]
}

func newAccounts(src AccountSource, o Options) *accounts {
	return &accounts{src: src, cache: newCache[directory.Account](o.Now, o.CacheTTL, o.CacheSize)}
}

// get returns the account doc; a missing account is ECodeBadIdentifier.
func (a *accounts) get(ctx context.Context, id string) (directory.Account, error) {
	acct, _, err := a.cache.loadTTL(ctx, id, func(ctx context.Context) (directory.Account, error) {
		return a.src.Account(ctx, id)
	})
	return acct, err
}

// authorize is cb_simple_authz for /accounts/{target}/...: allowed when the identity's
// (effective) account is the target, is in the target's pvt_tree, or is a superduper
// admin. A missing identity account is not an admin.
func (a *accounts) authorize(ctx context.Context, id directory.Identity, target directory.Account) error {
	switch {
	case id.AccountID == "":
		return forbidden("no account in identity")
	case id.AccountID == target.ID, slices.Contains(target.Tree, id.AccountID):
		return nil
	}
	acct, err := a.get(ctx, id.AccountID)
	switch {
	case isMissing(err):
		return forbidden("account %s may not act on %s (its account doc is missing)", id.AccountID, target.ID)
	case err != nil:
		return sourceFailure("account "+id.AccountID, err)
	case acct.SuperduperAdmin:
		return nil
	}
	return forbidden("account %s may not act on %s", id.AccountID, target.ID)
}

// checkTrial is kzd_accounts:is_expired for the token's account: a trial whose
// pvt_trial_expires (Gregorian seconds) is not after now stops the request with
// KAZOO's validation error. A missing account is not expired (as in KAZOO).
func (a *accounts) checkTrial(ctx context.Context, accountID string, now time.Time) error {
	acct, err := a.get(ctx, accountID)
	switch {
	case isMissing(err):
		return nil
	case err != nil:
		return sourceFailure("account "+accountID, err)
	case acct.TrialExpires != 0 && acct.TrialExpires <= now.Unix()+gregorianOffset:
		return accountExpired(accountID, acct.TrialExpires)
	}
	return nil
}

package auth

import (
	"context"
	"fmt"

	"github.com/kazoo-directories/kazoo-directories/pkg/directory"
)

// KAZOO's docs token restrictions are read from (spec A1, A2).
const (
	// TokenRestrictionsDoc is the _id of an account's restrictions doc, in its database.
	TokenRestrictionsDoc = "token_restrictions"
	// RestrictionsConfigDoc is the system_config doc of system-wide restrictions.
	RestrictionsConfigDoc = "crossbar.token_restrictions"
	// CrossbarConfigDoc is the system_config doc holding token_costs and reverse_proxies.
	CrossbarConfigDoc = "crossbar"
	// BucketsConfigDoc is the system_config doc of the token buckets' parameters.
	BucketsConfigDoc = "token_buckets"
)

// KAZOO's defaults for priv levels (kzd_user, cb_token_restrictions).
const (
	defaultUserPrivLevel = "user"
	defaultPrivLevel     = "admin"
)

// errRestricted is KAZOO's 403 for a request token restrictions deny (spec A4).
func errRestricted(why string) error {
	return &directory.Error{Code: directory.ECodeForbidden, Message: "token restrictions: " + why,
		Data: directory.NewObject("cause", "access denied by token restrictions", "message", "forbidden")}
}

// Restrict applies the token restrictions that hold for id (spec A1-A4): the rule set
// of the token's (effective) account, matched against the request. No rule set means
// no restriction. A rule set crossbar would crash on (a method entry that is not an
// object) denies: crossbar fails open there, we do not.
func (p *Policy) Restrict(ctx context.Context, id directory.Identity, a directory.Access) error {
	if id.AccountID == "" {
		return nil // no auth doc: nothing to restrict (spec A5)
	}
	r, err := p.ruleSet(ctx, id)
	if err != nil || r == nil {
		return err
	}
	if ok, why := ruleSetAllows(r, id.AccountID, a); !ok {
		p.refused(a.Account.ID, "token_restrictions")
		return errRestricted(why)
	}
	return nil
}

// ruleSet resolves the rule set for id (spec A1): nil when the request is
// unrestricted.
func (p *Policy) ruleSet(ctx context.Context, id directory.Identity) (any, error) {
	acct, err := p.accounts.get(ctx, id.AccountID)
	switch {
	case err == nil && acct.SuperduperAdmin:
		return nil, nil
	case err != nil && !isMissing(err):
		return nil, sourceFailure("account "+id.AccountID, err)
	}
	doc, err := p.doc(ctx, id.AccountID, TokenRestrictionsDoc)
	if err != nil {
		return nil, err
	}
	sys, err := p.doc(ctx, SystemConfigDB, RestrictionsConfigDoc)
	if err != nil {
		return nil, err
	}
	m, err := methodRules(doc, sys, id.Method)
	if m == nil || err != nil {
		return nil, err
	}
	level, err := p.privLevel(ctx, id, sys)
	if err != nil {
		return nil, err
	}
	return levelRules(m, level), nil
}

// methodRules is steps 2-3 of spec A1: restrictions.<method>, else restrictions._ of
// the account's doc; only when it defines neither, <method>, else _, of the system
// config's default section. nil when neither defines any. An entry that is not an
// object denies (crossbar would crash on it and fail open).
func methodRules(accountDoc, sys any, method string) (directory.Object, error) {
	m, ok := firstDefined(accountDoc, []string{"restrictions", method}, []string{"restrictions", "_"})
	if !ok {
		if m, ok = firstDefined(sys, []string{"default", method}, []string{"default", "_"}); !ok {
			return nil, nil
		}
	}
	obj, isObj := m.(directory.Object)
	if !isObj {
		return nil, errRestricted(fmt.Sprintf("rules for method %q are not an object", method))
	}
	return obj, nil
}

// levelRules is step 5 of spec A1: M[level] when M has the key, else M["_"]; a value
// that is not an object counts as missing (nil: unrestricted).
func levelRules(m directory.Object, level string) any {
	key := "_"
	for _, f := range m {
		if f.Key == level {
			key = level
			break
		}
	}
	r, _ := get(m, key)
	if _, isObj := r.(directory.Object); !isObj {
		return nil
	}
	return r
}

// privLevel is the user doc's priv_level (default "user"); without an owner, or
// without the user doc, default_priv_level of the restrictions config ("admin").
func (p *Policy) privLevel(ctx context.Context, id directory.Identity, sys any) (string, error) {
	if id.OwnerID != "" {
		user, err := p.doc(ctx, id.AccountID, id.OwnerID)
		if err != nil {
			return "", err
		}
		if user != nil {
			if l, ok := stringOf(mustGet(user, "priv_level")); ok {
				return l, nil
			}
			return defaultUserPrivLevel, nil
		}
	}
	if l, ok := stringOf(mustGet(sys, "default", "default_priv_level")); ok {
		return l, nil
	}
	return defaultPrivLevel, nil
}

func mustGet(v any, keys ...string) any {
	x, _ := getPath(v, keys...)
	return x
}

// doc returns a KAZOO doc decoded with its key order, or nil when it is missing, read
// through the policy's cache. db is an account id or SystemConfigDB.
func (p *Policy) doc(ctx context.Context, db, id string) (any, error) {
	v, _, err := p.docs.loadTTL(ctx, docKey(db, id), func(ctx context.Context) (any, error) {
		var b []byte
		var err error
		if db == SystemConfigDB {
			b, err = p.src.SystemConfig(ctx, id)
		} else {
			b, err = p.src.AccountDoc(ctx, db, id)
		}
		if err != nil {
			return nil, err
		}
		v, err := decodeOrdered(b)
		if err != nil {
			return nil, &directory.Error{Code: directory.ECodeFault, Message: "decoding " + db + "/" + id, Err: err}
		}
		return v, nil
	})
	switch {
	case isMissing(err):
		return nil, nil
	case err != nil:
		return nil, sourceFailure(db+"/"+id, err)
	}
	return v, nil
}

func docKey(db, id string) string { return db + "\x00" + id }

// SystemConfigDB is KAZOO's system configuration database.
const SystemConfigDB = "system_config"

package auth

import (
	"strings"

	"github.com/kazoo-directories/kazoo-directories/pkg/directory"
)

// This file is where KAZOO's doc-change notices (amqp.Consumer) meet the caches: the
// one table from a changed doc (database, id) to the cached values it feeds.

// cached names what a KAZOO doc feeds in our caches.
type cached int

const (
	cachedNothing    cached = iota
	cachedSystemKey         // system_auth/<kid>: a token signing key
	cachedAuthConfig        // system_config/auth: secret_for_user_signature
	cachedAccount           // an account doc (account or accounts database)
	cachedIdentity          // a user (or account) doc's pvt_signature_secret
)

// classify is the dispatch table. db is a database name as notices carry it (raw,
// account/…, account%2F… or account%2f…). accountID is set for account databases.
// The consumer also delivers token_restrictions docs (account databases) and
// system_config/crossbar, crossbar.token_restrictions and token_buckets: caches of
// those get their case here.
func classify(db, id string) (what []cached, accountID string) {
	switch db {
	case "system_auth":
		return []cached{cachedSystemKey}, ""
	case "system_config":
		if id == "auth" {
			return []cached{cachedAuthConfig}, ""
		}
		return nil, ""
	case "accounts":
		return []cached{cachedAccount}, ""
	}
	acct, ok := directory.AccountIDFromDBName(db)
	if !ok {
		return nil, ""
	}
	if id == acct {
		// The account doc is both the account and the identity of account-level tokens.
		return []cached{cachedAccount, cachedIdentity}, acct
	}
	return []cached{cachedIdentity}, acct
}

// InvalidateDoc drops what the doc db/id feeds (its cached copy and every token
// verified with it), so the next request reads it again.
func (j *JWT) InvalidateDoc(db, id string) {
	what, acct := classify(db, id)
	if len(what) == 0 {
		return
	}
	for _, w := range what {
		switch w {
		case cachedSystemKey:
			j.keys.forget(id)
		case cachedAuthConfig:
			j.config.clear()
		case cachedAccount:
			j.accounts.cache.forget(id)
		case cachedIdentity:
			j.secrets.forget(acct + "/" + id)
		}
	}
	j.tokens.clear() // a verified token's result depends on the docs above
}

// InvalidateDB drops what came from account database db: the account doc, the
// identity secrets of its users, and every verified token.
func (j *JWT) InvalidateDB(db string) {
	acct, ok := directory.AccountIDFromDBName(db)
	if !ok {
		return
	}
	j.accounts.cache.forget(acct)
	j.secrets.forgetPrefix(acct + "/")
	j.tokens.clear()
}

// InvalidateAll empties every cache (after notices may have been missed).
func (j *JWT) InvalidateAll() {
	j.keys.clear()
	j.secrets.clear()
	j.config.clear()
	j.accounts.cache.clear()
	j.tokens.clear()
}

// InvalidateDoc drops the cached account doc, and KAZOO's cached answers about
// tokens when a doc that can change them (account, user, signing key, auth config)
// changed.
func (k *Kazoo) InvalidateDoc(db, id string) {
	what, _ := classify(db, id)
	if len(what) == 0 {
		return
	}
	for _, w := range what {
		if w == cachedAccount {
			k.accounts.cache.forget(id)
		}
	}
	k.tokens.clear()
}

// InvalidateDB drops the account doc of account database db and KAZOO's cached
// answers about tokens.
func (k *Kazoo) InvalidateDB(db string) {
	if acct, ok := directory.AccountIDFromDBName(db); ok {
		k.accounts.cache.forget(acct)
		k.tokens.clear()
	}
}

// InvalidateAll empties every cache.
func (k *Kazoo) InvalidateAll() {
	k.accounts.cache.clear()
	k.tokens.clear()
}

// forget drops key's entry; a load of it that is under way is not stored.
func (c *cache[V]) forget(key string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen++
	delete(c.calls, key)
	if el, ok := c.items[key]; ok {
		c.order.Remove(el)
		delete(c.items, key)
	}
}

// forgetPrefix drops the entries whose key starts with prefix; loads under way are
// not stored.
func (c *cache[V]) forgetPrefix(prefix string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen++
	for key := range c.calls {
		if strings.HasPrefix(key, prefix) {
			delete(c.calls, key)
		}
	}
	for key, el := range c.items {
		if strings.HasPrefix(key, prefix) {
			c.order.Remove(el)
			delete(c.items, key)
		}
	}
}

// clear drops every entry; loads under way are not stored.
func (c *cache[V]) clear() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen++
	clear(c.calls)
	clear(c.items)
	c.order.Init()
}

// InvalidateDoc drops what the doc db/id feeds in the policy's caches: a
// token_restrictions or user doc of an account, a system_config doc (crossbar,
// crossbar.token_restrictions, token_buckets), an account doc. Bucket state is not
// a cache: the parameters of an existing bucket stay, as in kz_buckets.
func (p *Policy) InvalidateDoc(db, id string) {
	switch db {
	case SystemConfigDB:
		p.docs.forget(docKey(SystemConfigDB, id))
		return
	case "accounts":
		p.accounts.cache.forget(id)
		return
	}
	acct, ok := directory.AccountIDFromDBName(db)
	if !ok {
		return
	}
	if id == acct {
		p.accounts.cache.forget(id)
	}
	p.docs.forget(docKey(acct, id))
}

// InvalidateDB drops what came from account database db: its token_restrictions and
// user docs, and the account doc.
func (p *Policy) InvalidateDB(db string) {
	if acct, ok := directory.AccountIDFromDBName(db); ok {
		p.accounts.cache.forget(acct)
		p.docs.forgetPrefix(docKey(acct, ""))
	}
}

// InvalidateAll empties the policy's caches.
func (p *Policy) InvalidateAll() {
	p.docs.clear()
	p.accounts.cache.clear()
}

package couchdb

import "github.com/kazoo-directories/kazoo-directories/pkg/directory"

// InvalidateDoc drops the store's cached copy of account doc id when a KAZOO notice
// says it changed (in the account's own database or in `accounts`); other docs are
// not cached here.
func (s *Store) InvalidateDoc(db, id string) {
	if db == "accounts" {
		s.accounts.del(id)
		return
	}
	if acct, ok := directory.AccountIDFromDBName(db); ok && acct == id {
		s.accounts.del(id)
	}
}

// InvalidateAll drops every cached account doc.
func (s *Store) InvalidateAll() { s.accounts.clear() }

// clear forgets every entry.
func (c *ttlCache[V]) clear() {
	c.mu.Lock()
	defer c.mu.Unlock()
	clear(c.m)
}

package couchdb

import "github.com/kazoo-directories/kazoo-directories/pkg/directory"

// InvalidateDoc drops the store's cached copy of account doc id when a KAZOO notice
// says it changed (in the account's own database or in `accounts`); other docs are
// not cached here.
func (s *Store) InvalidateDoc(db, id string) {
	if acct, ok := directory.AccountIDFromDBName(db); db == "accounts" || ok && acct == id {
		s.accounts.del(id)
		// Callers from now on start a fresh read instead of joining one begun before.
		s.flight.Forget(accountFlight(id))
		s.flight.Forget(authAccountFlight(id))
	}
}

// InvalidateDB drops what the store remembers of account database db (created,
// deleted or replaced): its account doc, that its design docs were checked, the size
// of its numbers index.
func (s *Store) InvalidateDB(db string) {
	acct, ok := directory.AccountIDFromDBName(db)
	if !ok {
		return
	}
	s.InvalidateDoc(db, acct)
	name := directory.AccountDBName(acct)
	s.designs.del(name)
	s.indexRows.del(name)
}

// InvalidateAll drops every cached account doc.
func (s *Store) InvalidateAll() { s.accounts.clear() }

// clear forgets every entry.
func (c *ttlCache[V]) clear() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen++
	clear(c.m)
}

package couchdb

import (
	"context"
	"maps"
	"net/http"
	"strconv"
	"strings"
	"time"

	kivik "github.com/go-kivik/kivik/v4"

	"github.com/kazoo-directories/kazoo-directories/pkg/directory"
)

// A write whose reply is lost (connection reset, node killed mid-request, timeout) may
// or may not have been stored. Before answering, the store finds out: it re-reads the
// doc and recognises its own write by its content, which carries the pvt_request_id and
// pvt_modified the service stamped on it; a write that was not stored is sent once
// more. So a write that was stored is reported as stored (once: the caller publishes
// one notice), and a client never retries a write that succeeded into a duplicate.

// outcome is what a re-read tells about a write whose reply was lost.
type outcome int

const (
	outcomeUnknown   outcome = iota // the re-read failed too
	outcomeStored                   // the write is in the database
	outcomeNotStored                // the doc is as before the write
	outcomeConflict                 // someone else changed the doc meanwhile
)

func (o outcome) String() string {
	return [...]string{"unknown", "stored", "not stored", "conflict"}[o]
}

// recoveryDelays space the re-reads of a write whose reply was lost: a node that was
// killed mid-request leaves the cluster's other nodes to answer within moments.
var recoveryDelays = []time.Duration{0, 250 * time.Millisecond, time.Second}

// Put creates doc (no _rev; a doc without _id gets a server-generated id) or updates it
// at its _rev, and returns the new revision. Duplicate id or stale _rev: ECodeConflict;
// missing database: BadIdentifier(accountID). When the reply is lost, the outcome is
// found out first (see above): stored is a success, not stored is retried once, and
// only a server that cannot be read at all leaves ECodeUnavailable.
func (s *Store) Put(ctx context.Context, accountID string, doc directory.Doc) (string, error) {
	db, err := s.db(accountID)
	if err != nil {
		return "", err
	}
	rev, err := s.putOnce(ctx, db, accountID, doc)
	if doc.ID() == "" {
		return rev, err
	}
	if directory.IsCode(err, directory.ECodeConflict) && ctx.Err() == nil {
		// A proxy in front of CouchDB (nginx's proxy_next_upstream) resends a PUT
		// whose first node stored it and then failed: the resend is refused as a
		// conflict with our own write.
		if o, cur := s.recoverPut(ctx, db, doc); o == outcomeStored {
			s.log.Warn("couchdb: conflict with our own write (a resent request); stored", "db", db.Name(), "id", doc.ID())
			return cur, nil
		}
		return "", err
	}
	if !s.ambiguous(ctx, err) {
		return rev, err
	}
	for retried := false; ; retried = true {
		o, cur := s.recoverPut(ctx, db, doc)
		s.log.Warn("couchdb: write reply lost; outcome read back", "db", db.Name(), "id", doc.ID(),
			"outcome", o.String(), "retried", retried, "error", err)
		switch o {
		case outcomeStored:
			return cur, nil
		case outcomeConflict:
			return "", directory.Errorf(directory.ECodeConflict, "put %s: changed by another writer while its reply was lost", doc.ID())
		case outcomeNotStored:
			if retried {
				return "", s.missingDatabase(ctx, db, accountID, err)
			}
			rev, err = s.putOnce(ctx, db, accountID, doc)
			// A conflict on the retry may be the first attempt showing up late on
			// another node: read once more.
			if !s.ambiguous(ctx, err) && !directory.IsCode(err, directory.ECodeConflict) {
				return rev, err
			}
		default:
			return "", err
		}
	}
}

// Delete deletes the doc id at rev for real and returns the tombstone's revision.
// Missing doc: BadIdentifier(id); stale rev: ECodeConflict. A lost reply is resolved
// as Put's: a doc found deleted has been deleted.
func (s *Store) Delete(ctx context.Context, accountID, id, rev string) (string, error) {
	db, err := s.db(accountID)
	if err != nil {
		return "", err
	}
	newRev, err := s.deleteOnce(ctx, db, id, rev)
	if (directory.IsCode(err, directory.ECodeConflict) || directory.IsCode(err, directory.ECodeBadIdentifier)) && ctx.Err() == nil {
		// As for Put: a resent DELETE finds the doc already deleted, by us.
		if o, cur := s.recoverDelete(ctx, db, id, rev); o == outcomeStored && cur != "" {
			s.log.Warn("couchdb: delete found the doc deleted (a resent request); deleted", "db", db.Name(), "id", id)
			return cur, nil
		}
		return "", err
	}
	if !s.ambiguous(ctx, err) {
		return newRev, err
	}
	for retried := false; ; retried = true {
		o, cur := s.recoverDelete(ctx, db, id, rev)
		s.log.Warn("couchdb: delete reply lost; outcome read back", "db", db.Name(), "id", id,
			"outcome", o.String(), "retried", retried, "error", err)
		switch o {
		case outcomeStored:
			if cur == "" {
				return "", directory.BadIdentifier(id)
			}
			return cur, nil
		case outcomeConflict:
			return "", directory.Errorf(directory.ECodeConflict, "delete %s: changed by another writer while its reply was lost", id)
		case outcomeNotStored:
			if retried {
				return "", err
			}
			newRev, err = s.deleteOnce(ctx, db, id, rev)
			if !s.ambiguous(ctx, err) && !directory.IsCode(err, directory.ECodeConflict) {
				return newRev, err
			}
		default:
			return "", err
		}
	}
}

// missingDatabase returns BadIdentifier(accountID) when db does not exist (Apache
// CouchDB answers a PUT into a missing database before reading its body and closes the
// connection, which the client may see as a broken pipe), else err.
func (s *Store) missingDatabase(ctx context.Context, db *kivik.DB, accountID string, err error) error {
	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	s.request(http.MethodHead, db.Name())
	if exists, xerr := s.client.DBExists(ctx, db.Name()); xerr == nil && !exists {
		return directory.BadIdentifier(accountID)
	}
	return err
}

// ambiguous reports whether err leaves a write's outcome unknown: CouchDB could not be
// heard (reset, timeout, 502-504), or answered a 5xx of its own (a cluster's 500
// `timeout` when nodes did not answer in time: some may have stored the doc), while the
// caller is still waiting for the answer. Reading back is safe whatever happened.
func (s *Store) ambiguous(ctx context.Context, err error) bool {
	return err != nil && ctx.Err() == nil &&
		(directory.IsCode(err, directory.ECodeUnavailable) || kivik.HTTPStatus(err) >= http.StatusInternalServerError)
}

// recoverPut reads doc's id back and compares it with doc; cur is the stored revision
// when the write is there.
func (s *Store) recoverPut(ctx context.Context, db *kivik.DB, doc directory.Doc) (o outcome, cur string) {
	for _, d := range recoveryDelays {
		if !sleep(ctx, d) {
			return outcomeUnknown, ""
		}
		stored, err := s.getDoc(ctx, db, doc.ID(), directory.BadIdentifier(doc.ID()))
		switch {
		case directory.IsCode(err, directory.ECodeBadIdentifier):
			if doc.Rev() == "" {
				return outcomeNotStored, ""
			}
			return outcomeConflict, "" // deleted by someone else
		case err != nil:
			continue
		case sameContent(stored, doc):
			return outcomeStored, stored.Rev()
		case doc.Rev() != "" && stored.Rev() == doc.Rev():
			return outcomeNotStored, ""
		default:
			return outcomeConflict, ""
		}
	}
	return outcomeUnknown, ""
}

// recoverDelete reads id's revision back from _all_docs, which also answers for a
// deleted doc: deleted is a stored delete (cur: the tombstone's rev), still at rev is
// not stored. A doc that has vanished without a tombstone is stored with cur "".
func (s *Store) recoverDelete(ctx context.Context, db *kivik.DB, id, rev string) (o outcome, cur string) {
	for _, d := range recoveryDelays {
		if !sleep(ctx, d) {
			return outcomeUnknown, ""
		}
		st, err := s.docState(ctx, db, id)
		if err == nil && st.Deleted {
			// Ours only when the tombstone's parent is the rev we deleted: another
			// writer may have deleted (or changed and deleted) the doc meanwhile.
			var ours bool
			if ours, err = s.deletedFrom(ctx, db, id, st.Rev, rev); err == nil && !ours {
				return outcomeConflict, ""
			}
		}
		switch {
		case err != nil:
			continue
		case st.Rev == "" || st.Deleted:
			return outcomeStored, st.Rev
		case st.Rev == rev:
			return outcomeNotStored, ""
		default:
			return outcomeConflict, ""
		}
	}
	return outcomeUnknown, ""
}

// docState is a doc's current revision as _all_docs reports it (Rev "": no such doc).
type docState struct {
	Rev     string `json:"rev"`
	Deleted bool   `json:"deleted"`
}

// deletedFrom reports whether tombstone (a deleted doc's revision) directly follows
// rev in the doc's history.
func (s *Store) deletedFrom(ctx context.Context, db *kivik.DB, id, tombstone, rev string) (bool, error) {
	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	s.request(http.MethodGet, db.Name(), id)
	var doc struct {
		Revisions struct {
			Start int      `json:"start"`
			IDs   []string `json:"ids"`
		} `json:"_revisions"`
	}
	if err := db.Get(ctx, id, kivik.Params(map[string]any{"rev": tombstone, "revs": true})).ScanDoc(&doc); err != nil {
		return false, translate(err, "get "+id+" revisions", nil)
	}
	gen, hash, ok := strings.Cut(rev, "-")
	n, err := strconv.Atoi(gen)
	ids := doc.Revisions.IDs
	return ok && err == nil && doc.Revisions.Start == n+1 && len(ids) > 1 && ids[1] == hash, nil
}

func (s *Store) docState(ctx context.Context, db *kivik.DB, id string) (docState, error) {
	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	s.request(http.MethodPost, db.Name(), "_all_docs")
	rs := db.AllDocs(ctx, kivik.Params(map[string]any{"keys": []string{id}}))
	defer rs.Close()
	var st docState
	for rs.Next() {
		if err := rs.ScanValue(&st); err != nil {
			st = docState{} // an error row: not_found
		}
	}
	if err := rs.Err(); err != nil {
		return docState{}, translate(err, "_all_docs", nil)
	}
	return st, nil
}

// sameContent reports whether stored is the write of doc: equal apart from _rev, with
// numbers compared by value (CouchDB may print them differently).
func sameContent(stored, doc directory.Doc) bool {
	a, b := maps.Clone(stored), maps.Clone(doc)
	delete(a, "_rev")
	delete(b, "_rev")
	return directory.SameJSON(a, b)
}

// sleep waits d or until ctx is done; false when ctx is done.
func sleep(ctx context.Context, d time.Duration) bool {
	if d <= 0 {
		return ctx.Err() == nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}

package couchdb

import (
	"context"
	"encoding/json"
	"net/http"

	kivik "github.com/go-kivik/kivik/v4"

	"github.com/kazoo-directories/kazoo-directories/pkg/directory"
)

const (
	designName  = "directories"
	listingView = "crossbar_listing"
	usersView   = "users_listing"
)

// Directories queries directories/crossbar_listing from q.StartKey, at most q.Limit
// rows (0: all), with docs when q.IncludeDocs. Missing view: ECodeMissingView (after
// one attempt to reinstall the design doc); missing database: BadIdentifier(accountID).
func (s *Store) Directories(ctx context.Context, accountID string, q directory.ViewQuery) ([]directory.Row, error) {
	params := map[string]any{}
	if q.StartKey != nil {
		params["startkey"] = q.StartKey
	}
	if q.Limit > 0 {
		params["limit"] = q.Limit
	}
	if q.IncludeDocs {
		params["include_docs"] = true
	}
	return s.query(ctx, accountID, listingView, params, q.IncludeDocs)
}

// Members queries directories/users_listing for [directoryID]..[directoryID,{}]: every
// row in view order (ascending member id), the view value passed through as decoded
// JSON, with the member docs when includeDocs (nil for a vanished doc). Errors as for
// Directories.
func (s *Store) Members(ctx context.Context, accountID, directoryID string, includeDocs bool) ([]directory.Member, error) {
	params := memberRange(directoryID)
	if includeDocs {
		params["include_docs"] = true
	}
	rows, err := s.query(ctx, accountID, usersView, params, includeDocs)
	if err != nil {
		return nil, err
	}
	members := make([]directory.Member, len(rows))
	for i, r := range rows {
		members[i] = directory.Member{UserID: r.ID, Value: r.Value, User: r.Doc}
	}
	return members, nil
}

// memberRange selects a directory's rows of users_listing (and of our members view):
// [directoryID]..[directoryID, {}].
func memberRange(directoryID string) map[string]any {
	return map[string]any{"startkey": []any{directoryID}, "endkey": []any{directoryID, map[string]any{}}}
}

// query runs a view of _design/directories and collects its rows.
func (s *Store) query(ctx context.Context, accountID, view string, params map[string]any, docs bool) ([]directory.Row, error) {
	var rows []directory.Row
	err := s.eachRow(ctx, accountID, designName, view, params, func(rs *kivik.ResultSet) error {
		r, err := scanRow(rs, docs, view != usersView)
		rows = append(rows, r)
		return err
	})
	return rows, err
}

// eachRow runs a view of one of the shipped design docs and calls fn for every row as
// it arrives (nothing is held here). A 404 may mean the design doc vanished since this
// process installed it: forget that, reinstall, and try once more (a 404 comes before
// any row), unless installing failed within designRetry (a CouchDB user without
// design-doc rights: no attempt per request). With "keys" in params the query is a POST. Each meta function is given
// the result's metadata (total_rows) after the last row.
func (s *Store) eachRow(ctx context.Context, accountID, ddoc, view string, params map[string]any, fn func(*kivik.ResultSet) error, meta ...func(*kivik.ResultMetadata)) error {
	db, err := s.db(accountID)
	if err != nil {
		return err
	}
	err = s.eachRowOnce(ctx, db, ddoc, view, params, fn, meta)
	if !directory.IsCode(err, directory.ECodeMissingView) {
		return err
	}
	if installed, checked := s.designs.get(directory.AccountDBName(accountID)); checked && !installed {
		return err
	}
	s.designs.del(directory.AccountDBName(accountID))
	if err := s.ensureDesignDocs(ctx, accountID); err != nil {
		return err
	}
	return s.eachRowOnce(ctx, db, ddoc, view, params, fn, meta)
}

func (s *Store) eachRowOnce(ctx context.Context, db *kivik.DB, ddoc, view string, params map[string]any, fn func(*kivik.ResultSet) error, meta []func(*kivik.ResultMetadata)) error {
	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	path := ddoc + "/" + view
	method := http.MethodGet
	if _, ok := params["keys"]; ok {
		method = http.MethodPost
	}
	s.request(method, db.Name(), "_design/"+ddoc, "_view", view)
	rs := db.Query(ctx, ddoc, view, kivik.Params(params))
	defer rs.Close()
	for rs.Next() {
		if err := fn(rs); err != nil {
			return translate(err, path, nil)
		}
	}
	if err := rs.Err(); err != nil {
		return translate(err, path, missingView(path))
	}
	if len(meta) > 0 {
		m, err := rs.Metadata()
		if err != nil {
			return translate(err, path, nil)
		}
		for _, f := range meta {
			f(m)
		}
	}
	return nil
}

// scanRow reads one view row, keeping numbers as json.Number. The key is decoded
// only when withKey (Members ignores it).
func scanRow(rs *kivik.ResultSet, docs, withKey bool) (directory.Row, error) {
	var r directory.Row
	var err error
	if r.ID, err = rs.ID(); err != nil {
		return r, err
	}
	if withKey {
		var key rawValue
		if err := rs.ScanKey(&key); err != nil {
			return r, err
		}
		r.Key = key.v
	}
	var value rawValue
	if err := rs.ScanValue(&value); err != nil {
		return r, err
	}
	r.Value = value.v
	if docs {
		var doc json.RawMessage
		if err := rs.ScanDoc(&doc); err == nil && !isNull(doc) {
			if r.Doc, err = directory.DecodeDoc(doc); err != nil {
				return r, err
			}
		}
	}
	return r, nil
}

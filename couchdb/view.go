package couchdb

import (
	"context"
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
	withKey := view != usersView // Members ignores the key
	_, err := s.eachRow(ctx, accountID, viewQuery{ddoc: designName, view: view, params: params, key: withKey, doc: docs}, func(vr *viewRow) error {
		r, err := vr.row(docs, withKey)
		rows = append(rows, r)
		return err
	})
	return rows, err
}

// eachRow runs a view of one of the shipped design docs, calls fn for every row as it
// arrives (nothing is held here) and returns the view's total_rows. A 404 may mean the
// design doc vanished since this process installed it: forget that, reinstall, and try
// once more (a 404 comes before any row), unless installing failed within designRetry
// (a CouchDB user without design-doc rights: no attempt per request).
func (s *Store) eachRow(ctx context.Context, accountID string, q viewQuery, fn func(*viewRow) error) (int64, error) {
	db, err := s.db(accountID)
	if err != nil {
		return 0, err
	}
	total, err := s.eachRowOnce(ctx, db, q, fn)
	if !directory.IsCode(err, directory.ECodeMissingView) {
		return total, err
	}
	if installed, checked := s.designs.get(directory.AccountDBName(accountID)); checked && !installed {
		return total, err
	}
	s.designs.del(directory.AccountDBName(accountID))
	if err := s.ensureDesignDocs(ctx, accountID); err != nil {
		return 0, err
	}
	return s.eachRowOnce(ctx, db, q, fn)
}

// eachRowOnce sends the query: over HTTP with its own row reader for a CouchDB server,
// through kivik for the embedded store. With "keys" in params the query is a POST.
func (s *Store) eachRowOnce(ctx context.Context, db *kivik.DB, q viewQuery, fn func(*viewRow) error) (int64, error) {
	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	method := http.MethodGet
	if _, ok := q.params["keys"]; ok {
		method = http.MethodPost
	}
	s.request(method, db.Name(), "_design/"+q.ddoc, "_view", q.view)
	path := q.ddoc + "/" + q.view
	var total int64
	var err error
	if s.http != nil {
		total, err = s.httpRows(ctx, method, db.Name(), q, fn)
	} else {
		total, err = kivikRows(ctx, db, q, fn)
	}
	return total, translate(err, path, missingView(path))
}

// kivikRows reads the rows of q through kivik.
func kivikRows(ctx context.Context, db *kivik.DB, q viewQuery, fn func(*viewRow) error) (int64, error) {
	rs := db.Query(ctx, q.ddoc, q.view, kivik.Params(q.params))
	defer rs.Close()
	var r viewRow
	for rs.Next() {
		r = viewRow{}
		var err error
		if r.ID, err = rs.ID(); err != nil {
			return 0, err
		}
		if q.key {
			if err := rs.ScanKey(&r.Key); err != nil {
				return 0, err
			}
		}
		if err := rs.ScanValue(&r.Value); err != nil {
			return 0, err
		}
		if q.doc {
			_ = rs.ScanDoc(&r.Doc) // no doc: left empty
		}
		if err := fn(&r); err != nil {
			return 0, err
		}
	}
	if err := rs.Err(); err != nil {
		return 0, err
	}
	m, err := rs.Metadata()
	if err != nil {
		return 0, err
	}
	return m.TotalRows, nil
}

// row decodes a viewRow as a directory.Row, numbers as json.Number; the key only when
// withKey, the doc only when docs (nil for a vanished doc).
func (vr *viewRow) row(docs, withKey bool) (directory.Row, error) {
	r := directory.Row{ID: vr.ID}
	var err error
	if withKey {
		if r.Key, err = decodeJSON(vr.Key); err != nil {
			return r, err
		}
	}
	if r.Value, err = decodeJSON(vr.Value); err != nil {
		return r, err
	}
	if docs && len(vr.Doc) > 0 && !isNull(vr.Doc) {
		if r.Doc, err = directory.DecodeDoc(vr.Doc); err != nil {
			return r, err
		}
	}
	return r, nil
}

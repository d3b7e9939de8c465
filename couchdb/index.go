package couchdb

import (
	"context"
	"encoding/json"
	"maps"
	"net/http"
	"slices"
	"time"

	kivik "github.com/go-kivik/kivik/v4"

	"github.com/kazoo-directories/kazoo-directories/pkg/directory"
)

// indexDesign is our own design doc (design_docs/account/directories_index.json): rows
// that carry what the printout and the search need, so that they read no documents.
const (
	indexDesign  = "directories_index"
	membersIndex = "members"
	numbersIndex = "numbers"
)

// memberRow is a directories_index/members value: the users_listing value and the
// member doc's names and revision, absent fields left nil.
type memberRow struct {
	Callflow  rawValue `json:"callflow"`
	FirstName rawValue `json:"first_name"`
	LastName  rawValue `json:"last_name"`
	Rev       string   `json:"rev"`
}

// MemberNames returns the members of a directory as Members does, in the same order,
// each with a User holding only _id, _rev and the doc's first_name and last_name (when
// present): read from directories_index/members, one request, no document reads. A
// member whose users_listing value links to another doc ({"_id": ...}) gets that doc's
// fields, as include_docs gives them (one more request, only when there are links).
// Where directories_index cannot be installed (a CouchDB user without design-doc
// rights), it is Members with include_docs.
func (s *Store) MemberNames(ctx context.Context, accountID, directoryID string) ([]directory.Member, error) {
	members, err := s.memberNames(ctx, accountID, directoryID)
	if directory.IsCode(err, directory.ECodeMissingView) {
		return s.Members(ctx, accountID, directoryID, true)
	}
	return members, err
}

func (s *Store) memberNames(ctx context.Context, accountID, directoryID string) ([]directory.Member, error) {
	params := memberRange(directoryID)
	var members []directory.Member
	var linked []any
	_, err := s.eachRow(ctx, accountID, viewQuery{ddoc: indexDesign, view: membersIndex, params: params}, func(r *viewRow) error {
		var v memberRow
		if err := json.Unmarshal(r.Value, &v); err != nil {
			return err
		}
		id := r.ID
		m := directory.Member{UserID: id, Value: v.Callflow.v}
		if isLink(m.Value) {
			linked = append(linked, []any{directoryID, id})
		} else {
			m.User = directory.Doc{"_id": id, "_rev": v.Rev}
			setPresent(m.User, "first_name", v.FirstName)
			setPresent(m.User, "last_name", v.LastName)
		}
		members = append(members, m)
		return nil
	})
	if err != nil || len(linked) == 0 {
		return members, err
	}
	return members, s.followLinks(ctx, accountID, members, linked)
}

// isLink reports whether a users_listing value makes include_docs read another doc
// than the row's, or another revision: an object with `_id` or `_rev` (CouchDB's
// couch_mrview_util:docid_rev), which followLinks leaves to CouchDB to resolve.
func isLink(value any) bool {
	obj, ok := value.(map[string]any)
	if !ok {
		return false
	}
	_, id := obj["_id"]
	_, rev := obj["_rev"]
	return id || rev
}

// setPresent sets doc[key] when the view value had the field (a JSON null included).
func setPresent(doc directory.Doc, key string, v rawValue) {
	if v.set {
		doc[key] = v.v
	}
}

// followLinks fills the User of the linked members from users_listing with
// include_docs for exactly their keys, so CouchDB resolves each link as it does for
// KAZOO (a missing linked doc leaves User nil).
func (s *Store) followLinks(ctx context.Context, accountID string, members []directory.Member, keys []any) error {
	docs := map[string]directory.Doc{}
	params := map[string]any{"keys": keys, "include_docs": true}
	_, err := s.eachRow(ctx, accountID, viewQuery{ddoc: designName, view: usersView, params: params, doc: true}, func(vr *viewRow) error {
		r, err := vr.row(true, false)
		if r.Doc != nil {
			docs[r.ID] = r.Doc
		}
		return err
	})
	if err != nil {
		return err
	}
	for i, m := range members {
		if m.User == nil {
			members[i].User = docs[m.UserID]
		}
	}
	return nil
}

// numbersRow is a directories_index/numbers value.
type numbersRow struct {
	Numbers rawValue `json:"numbers"`
	Rev     string   `json:"rev"`
}

// A multi-key view query costs CouchDB about 0.3 ms a key, reading a range about
// 15 µs a row (Apache CouchDB 3.5, docs/benchmarks.md): Numbers reads the whole
// numbers index unless the wanted ids are fewer than a twentieth of its rows, or, when
// its size is not known yet, no more than fewKeys (a few milliseconds by keys).
const (
	keysPerRow = 20
	fewKeys    = 50
)

// Numbers returns, for each of the ids whose doc has a `numbers` field (a callflow,
// soft-deleted or not), a Doc with just _id, _rev and numbers, read from
// directories_index/numbers in one request whatever the count, no document reads.
// Missing ids, deleted docs and docs without numbers are absent. Where
// directories_index cannot be installed, the docs are read (_all_docs). The request is a
// multi-key query when the account's index had more than keysPerRow rows per id when
// last read (not read yet: for up to fewKeys ids), else a read of the whole index,
// rows streamed and those of other ids skipped undecoded.
func (s *Store) Numbers(ctx context.Context, accountID string, ids []string) (map[string]directory.Doc, error) {
	out := make(map[string]directory.Doc, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	want := make(map[string]bool, len(ids))
	for _, id := range ids {
		want[id] = true
	}
	params := map[string]any{}
	dbName := directory.AccountDBName(accountID)
	if rows, ok := s.indexRows.get(dbName); (ok && rows > keysPerRow*len(want)) || (!ok && len(want) <= fewKeys) {
		params["keys"] = slices.Sorted(maps.Keys(want))
	}
	total, err := s.eachRow(ctx, accountID, viewQuery{ddoc: indexDesign, view: numbersIndex, params: params}, func(r *viewRow) error {
		if !want[r.ID] {
			return nil
		}
		var v numbersRow
		if err := json.Unmarshal(r.Value, &v); err != nil {
			return err
		}
		out[r.ID] = directory.Doc{"_id": r.ID, "_rev": v.Rev, "numbers": v.Numbers.v}
		return nil
	})
	switch {
	case err == nil:
		s.indexRows.put(dbName, int(total), time.Time{})
	case directory.IsCode(err, directory.ECodeMissingView):
		return s.numbersOfDocs(ctx, accountID, slices.Sorted(maps.Keys(want)))
	}
	return out, err
}

// numbersOfDocs is Numbers read from the docs themselves, in one _all_docs request.
func (s *Store) numbersOfDocs(ctx context.Context, accountID string, ids []string) (map[string]directory.Doc, error) {
	db, err := s.db(accountID)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	s.request(http.MethodPost, db.Name(), "_all_docs")
	rs := db.AllDocs(ctx, kivik.Params(map[string]any{"keys": ids, "include_docs": true}))
	defer rs.Close()
	out := make(map[string]directory.Doc, len(ids))
	for rs.Next() {
		var raw json.RawMessage
		if err := rs.ScanDoc(&raw); err != nil {
			if kivik.HTTPStatus(err) == http.StatusNotFound || kivik.HTTPStatus(err) == http.StatusBadRequest {
				continue // an error row (missing id) or a row without doc
			}
			return nil, translate(err, "_all_docs", nil)
		}
		if isNull(raw) {
			continue // deleted
		}
		doc, err := directory.DecodeDoc(raw)
		if err != nil {
			return nil, translate(err, "_all_docs", nil)
		}
		if numbers, ok := doc["numbers"]; ok {
			out[doc.ID()] = directory.Doc{"_id": doc.ID(), "_rev": doc.Rev(), "numbers": numbers}
		}
	}
	if err := rs.Err(); err != nil {
		return nil, translate(err, "_all_docs", directory.BadIdentifier(accountID))
	}
	return out, nil
}

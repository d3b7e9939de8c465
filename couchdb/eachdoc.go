package couchdb

import (
	"context"
	"encoding/json"
	"net/http"

	kivik "github.com/go-kivik/kivik/v4"

	"github.com/kazoo-directories/kazoo-directories/pkg/directory"
)

// eachDocPage is how many docs EachDoc reads per _all_docs request.
const eachDocPage = 500

// EachDoc calls fn with every live document of the account's database except design
// docs, in id order, reading _all_docs?include_docs=true in pages (each request bounded
// by the request timeout). A missing database is BadIdentifier(accountID).
func (s *Store) EachDoc(ctx context.Context, accountID string, fn func(directory.Doc) error) error {
	db, err := s.db(accountID)
	if err != nil {
		return err
	}
	start := ""
	for {
		ids, docs, err := s.docPage(ctx, db, start)
		if err != nil {
			return translate(err, "_all_docs", directory.BadIdentifier(accountID))
		}
		for _, d := range docs {
			if err := fn(d); err != nil {
				return err
			}
		}
		if len(ids) < eachDocPage+1 {
			return nil
		}
		start = ids[eachDocPage]
	}
}

// docPage reads up to eachDocPage+1 rows from startkey (the extra row's id starts the
// next page) and returns the ids read and the docs of the first eachDocPage rows.
func (s *Store) docPage(ctx context.Context, db *kivik.DB, start string) ([]string, []directory.Doc, error) {
	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	params := map[string]any{"include_docs": true, "limit": eachDocPage + 1}
	if start != "" {
		params["startkey"] = start
	}
	s.request(http.MethodGet, db.Name(), "_all_docs")
	rs := db.AllDocs(ctx, kivik.Params(params))
	defer rs.Close()
	var ids []string
	var docs []directory.Doc
	for rs.Next() {
		id, _ := rs.ID()
		ids = append(ids, id)
		if len(ids) > eachDocPage || len(id) > 0 && id[0] == '_' {
			continue
		}
		var raw json.RawMessage
		if err := rs.ScanDoc(&raw); err != nil || isNull(raw) {
			continue
		}
		doc, err := directory.DecodeDoc(raw)
		if err != nil {
			return nil, nil, err
		}
		docs = append(docs, doc)
	}
	return ids, docs, rs.Err()
}

package couchdb

import (
	"context"
	"encoding/json"
	"net/http"
	"slices"

	kivik "github.com/go-kivik/kivik/v4"

	"github.com/kazoo-directories/kazoo-directories/pkg/directory"
)

// DefaultPageSize is how many database names one _all_dbs request asks for.
const DefaultPageSize = 1000

// AccountIDs calls fn with the account id of every account database on the server
// ("account/xx/yy/rest", see directory.AccountIDFromDBName), in database name order,
// reading _all_dbs in pages of pageSize names (≤ 0: DefaultPageSize; 1 is 2) with startkey and
// limit, so a server with many databases is never listed in one response. Other
// databases are skipped. An error from fn stops the listing and is returned as is;
// a failed request is ECodeUnavailable or ECodeFault. Databases created during the
// listing may or may not be seen.
func (s *Store) AccountIDs(ctx context.Context, pageSize int, fn func(accountID string) error) error {
	if pageSize <= 0 {
		pageSize = DefaultPageSize
	}
	return pageNames(ctx, pageSize, s.allDBs, func(name string) error {
		id, ok := directory.AccountIDFromDBName(name)
		if !ok || name != directory.AccountDBName(id) {
			return nil
		}
		return fn(id)
	})
}

// allDBs reads one page of _all_dbs from startkey (inclusive; "" from the start).
func (s *Store) allDBs(ctx context.Context, startkey string, limit int) ([]string, error) {
	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	params := map[string]any{"limit": limit}
	if startkey != "" {
		// _all_dbs keys are JSON, and kivik passes the value to the query as is.
		key, err := json.Marshal(startkey)
		if err != nil {
			return nil, translate(err, "_all_dbs", nil)
		}
		params["startkey"] = string(key)
	}
	s.request(http.MethodGet, "", "_all_dbs")
	names, err := s.client.AllDBs(ctx, kivik.Params(params))
	return names, translate(err, "_all_dbs", nil)
}

// pageNames calls fn once per name, in order, for every page fetch returns. The next
// page starts at the last name seen (CouchDB's startkey is inclusive). Names at or
// before the last one seen are dropped and each page is sorted first, so a server
// that ignores startkey and limit (the compat test server answers the whole list,
// unsorted) still yields every name once. The listing ends at a short page or a page
// without new names. A limit below 2 is 2: a page of one after the first would hold
// only the last name seen and end the listing.
func pageNames(ctx context.Context, limit int, fetch func(ctx context.Context, startkey string, limit int) ([]string, error), fn func(string) error) error {
	limit = max(limit, 2)
	last, started := "", false
	for {
		page, err := fetch(ctx, last, limit)
		if err != nil {
			return err
		}
		page = slices.Clone(page)
		slices.Sort(page)
		seen := false
		for _, name := range page {
			if started && name <= last {
				continue
			}
			if err := fn(name); err != nil {
				return err
			}
			last, started, seen = name, true, true
		}
		if len(page) < limit || !seen {
			return nil
		}
	}
}

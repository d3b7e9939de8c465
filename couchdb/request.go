package couchdb

import (
	"net/url"
	"strings"
)

// request reports one request to Config.OnRequest, if set: the method and the path
// CouchDB's HTTP API receives for it, built from the database name and the segments
// after it (a doc id, an attachment name, "_all_docs", ...), each escaped as kivik's
// CouchDB driver escapes it. db "" is a server-level path ("/_all_dbs").
func (s *Store) request(method, db string, segments ...string) {
	if s.onRequest == nil {
		return
	}
	var b strings.Builder
	if db != "" {
		b.WriteString("/" + url.PathEscape(db))
	}
	for _, seg := range segments {
		b.WriteString("/" + escapeSegment(seg))
	}
	s.onRequest(method, b.String())
}

// escapeSegment escapes one path segment; the slash after _design and _local stays
// (CouchDB's URL form of those doc ids).
func escapeSegment(seg string) string {
	for _, p := range []string{"_design/", "_local/"} {
		if rest, ok := strings.CutPrefix(seg, p); ok {
			return p + url.PathEscape(rest)
		}
	}
	return url.PathEscape(seg)
}

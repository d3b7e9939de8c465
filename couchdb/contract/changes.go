package contract

import (
	"sort"
	"testing"

	kivik "github.com/go-kivik/kivik/v4"
)

func changesTests() group {
	return group{name: "Changes", tests: []test{
		{"Feed", testChanges},
	}}
}

type change struct {
	id      string
	seq     string
	deleted bool
	revs    []string
	doc     map[string]any
}

func changes(t *testing.T, db *kivik.DB, opts map[string]any) ([]change, string) {
	t.Helper()
	ch := db.Changes(ctx(), kivik.Params(opts))
	defer ch.Close()
	var out []change
	for ch.Next() {
		c := change{id: ch.ID(), seq: ch.Seq(), deleted: ch.Deleted(), revs: ch.Changes()}
		if opts["include_docs"] == true {
			if err := ch.ScanDoc(&c.doc); err != nil {
				t.Fatal(err)
			}
		}
		out = append(out, c)
	}
	if err := ch.Err(); err != nil {
		t.Fatalf("changes: %v", err)
	}
	meta, err := ch.Metadata()
	if err != nil {
		t.Fatal(err)
	}
	return out, meta.LastSeq
}

func ids(cs []change) []string {
	out := make([]string, len(cs))
	for i, c := range cs {
		out[i] = c.id
	}
	return out
}

// sortedIDs returns the ids of cs in byte order: a sharded database (Apache CouchDB
// with q > 1) merges its shards' feeds, so the feed is not in global write order;
// only each document's place relative to since is defined.
func sortedIDs(cs []change) []string {
	out := ids(cs)
	sort.Strings(out)
	return out
}

// byID returns the changes by document id; it fails on an id seen twice.
func byID(t *testing.T, cs []change) map[string]change {
	t.Helper()
	m := make(map[string]change, len(cs))
	for _, c := range cs {
		if _, dup := m[c.id]; dup {
			t.Fatalf("%s twice in the feed: %v", c.id, ids(cs))
		}
		m[c.id] = c
	}
	return m
}

func testChanges(t *testing.T, c *kivik.Client) {
	db := newDB(t, c)
	ra := put(t, db, "a", doc{"v": 1})
	put(t, db, "b", doc{"v": 2})
	rc := put(t, db, "c", doc{"v": 3})
	put(t, db, "a", doc{"_rev": ra, "v": 11})
	if _, err := db.Delete(ctx(), "c", rc); err != nil {
		t.Fatal(err)
	}
	all, last := changes(t, db, map[string]any{})
	equal(t, "all", sortedIDs(all), []string{"a", "b", "c"})
	m := byID(t, all)
	if !m["c"].deleted || m["a"].deleted || m["b"].deleted || len(m["a"].revs) != 1 || m["a"].revs[0][:2] != "2-" {
		t.Fatalf("changes: %+v", all)
	}
	if last == "" {
		t.Fatal("no last_seq")
	}
	limited, limitLast := changes(t, db, map[string]any{"limit": 1})
	if len(limited) != 1 || limitLast == "" {
		t.Fatalf("limit 1: %+v last_seq %q", limited, limitLast)
	}
	// Resuming from a limited feed's last_seq reaches every other change.
	rest, _ := changes(t, db, map[string]any{"since": limitLast})
	seen := map[string]bool{limited[0].id: true}
	for _, c := range rest {
		seen[c.id] = true
	}
	if len(seen) != 3 {
		t.Fatalf("limit 1 (%v) then since its last_seq (%v) miss changes", ids(limited), ids(rest))
	}
	withDocs, _ := changes(t, db, map[string]any{"include_docs": true, "style": "all_docs"})
	d := byID(t, withDocs)
	if d["a"].doc["v"] != 11.0 || d["c"].doc["_deleted"] != true || d["b"].doc["v"] != 2.0 {
		t.Fatalf("include_docs: %+v", withDocs)
	}
	filtered, _ := changes(t, db, map[string]any{"filter": "_doc_ids", "doc_ids": []string{"c", "b"}})
	equal(t, "doc_ids", sortedIDs(filtered), []string{"b", "c"})
	put(t, db, "d", doc{})
	after, _ := changes(t, db, map[string]any{"since": last})
	equal(t, "since last_seq", ids(after), []string{"d"})
}

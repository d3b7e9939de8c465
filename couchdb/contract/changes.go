package contract

import (
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
	equal(t, "all", ids(all), []string{"b", "a", "c"})
	if !all[2].deleted || all[1].deleted || len(all[1].revs) != 1 || all[1].revs[0][:2] != "2-" {
		t.Fatalf("changes: %+v", all)
	}
	if last != all[2].seq {
		t.Fatalf("last_seq %q, want %q", last, all[2].seq)
	}
	since, _ := changes(t, db, map[string]any{"since": all[0].seq})
	equal(t, "since", ids(since), []string{"a", "c"})
	limited, last := changes(t, db, map[string]any{"limit": 1})
	equal(t, "limit", ids(limited), []string{"b"})
	if last != limited[0].seq {
		t.Fatalf("last_seq with limit %q, want %q", last, limited[0].seq)
	}
	withDocs, _ := changes(t, db, map[string]any{"include_docs": true, "style": "all_docs"})
	if withDocs[1].doc["v"] != 11.0 || withDocs[2].doc["_deleted"] != true {
		t.Fatalf("include_docs: %+v", withDocs)
	}
	filtered, _ := changes(t, db, map[string]any{"filter": "_doc_ids", "doc_ids": []string{"c", "b"}})
	equal(t, "doc_ids", ids(filtered), []string{"b", "c"})
	put(t, db, "d", doc{})
	after, _ := changes(t, db, map[string]any{"since": last})
	equal(t, "since last_seq", ids(after), []string{"a", "c", "d"})
}

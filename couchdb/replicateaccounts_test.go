package couchdb_test

import (
	"context"
	"encoding/json"
	"slices"
	"testing"

	kivik "github.com/go-kivik/kivik/v4"

	"github.com/kazoo-directories/kazoo-directories/couchdb"
	"github.com/kazoo-directories/kazoo-directories/couchdb/couchdbtest"
	"github.com/kazoo-directories/kazoo-directories/pkg/directory"
)

// seedAccount creates an account with a directory edited twice, a member, a deleted
// user and the design doc.
func seedAccount(t *testing.T, cfg couchdb.Config) string {
	t.Helper()
	id := couchdbtest.NewAccount(t, cfg)
	dir := directory.Doc{"_id": "d1", "pvt_type": "directory", "name": "Sales"}
	gone := directory.Doc{"_id": "gone", "pvt_type": "user"}
	couchdbtest.PutDocs(t, cfg, id, dir, gone,
		directory.Doc{"_id": "u1", "pvt_type": "user", "first_name": "Ann", "directories": map[string]any{"d1": "cf1"}})
	dir["name"] = "Sales 2"
	couchdbtest.PutDocs(t, cfg, id, dir)
	dir["name"] = "Sales 3"
	couchdbtest.PutDocs(t, cfg, id, dir)
	s := couchdbtest.Open(t, cfg)
	if _, err := s.InstallDesignDocs(context.Background(), id); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Delete(context.Background(), id, "gone", gone.Rev()); err != nil {
		t.Fatal(err)
	}
	return id
}

// dbDocs returns every live doc of an account database with its revision history
// (GET ?revs=true), as JSON by id.
func dbDocs(t *testing.T, cfg couchdb.Config, accountID string) map[string]string {
	t.Helper()
	db := kivikClient(t, cfg).DB(directory.AccountDBName(accountID))
	rs := db.AllDocs(context.Background())
	var ids []string
	for rs.Next() {
		id, _ := rs.ID()
		ids = append(ids, id)
	}
	if err := rs.Err(); err != nil {
		t.Fatalf("%s: %v", db.Name(), err)
	}
	out := map[string]string{}
	for _, id := range ids {
		b, _ := json.Marshal(getJSON(t, db, id, kivik.Param("revs", true)))
		out[id] = string(b)
	}
	return out
}

func sameDocs(t *testing.T, what string, got, want map[string]string) {
	t.Helper()
	if len(got) != len(want) {
		t.Errorf("%s: %d docs, want %d", what, len(got), len(want))
	}
	for id, w := range want {
		if got[id] != w {
			t.Errorf("%s: doc %s\n got %s\nwant %s", what, id, got[id], w)
		}
	}
}

func TestReplicateBothWays(t *testing.T) {
	ctx := context.Background()
	a, b := couchdbtest.Fresh(t), couchdbtest.Fresh(t)
	acct1, acct2 := seedAccount(t, a), seedAccount(t, a)
	want := []string{acct1, acct2}
	slices.Sort(want)

	var progress []string
	res, err := couchdb.Replicate(ctx, a, b, couchdb.ReplicateOptions{Progress: func(r couchdb.Replication) {
		progress = append(progress, r.AccountID)
	}})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(progress, want) || len(res) != 2 {
		t.Fatalf("progress %v, results %+v; want %v", progress, res, want)
	}
	for _, r := range res {
		if r.Err != nil || !r.Created || r.DocsWritten != 6 || r.DocsRead != 6 || r.DB != directory.AccountDBName(r.AccountID) {
			t.Errorf("%+v, want a created database and 6 documents (account, d1, u1, the deleted one, the two design docs)", r)
		}
		sameDocs(t, "a→b "+r.AccountID, dbDocs(t, b, r.AccountID), dbDocs(t, a, r.AccountID))
	}
	// The views work on the copy.
	members, err := couchdbtest.Open(t, b).Members(ctx, acct1, "d1", false)
	if err != nil || len(members) != 1 || members[0].UserID != "u1" {
		t.Errorf("members on the copy: %+v, %v", members, err)
	}

	// Nothing new: nothing written.
	res, err = couchdb.Replicate(ctx, a, b, couchdb.ReplicateOptions{AccountIDs: []string{acct1}})
	if err != nil || len(res) != 1 || res[0].DocsWritten != 0 || res[0].Created || res[0].Err != nil {
		t.Errorf("second run: %+v, %v", res, err)
	}

	// Edit on b, copy back to a.
	u1 := couchdbtest.GetDoc(t, b, acct1, "u1")
	u1["first_name"] = "Anna"
	couchdbtest.PutDocs(t, b, acct1, u1)
	res, err = couchdb.Replicate(ctx, b, a, couchdb.ReplicateOptions{AccountIDs: []string{acct1}})
	if err != nil || len(res) != 1 || res[0].Err != nil || res[0].DocsWritten != 1 || res[0].Created {
		t.Fatalf("b→a: %+v, %v", res, err)
	}
	sameDocs(t, "b→a", dbDocs(t, a, acct1), dbDocs(t, b, acct1))
	if got := couchdbtest.GetDoc(t, a, acct1, "u1"); got.String("first_name") != "Anna" || got.Rev() != u1.Rev() {
		t.Errorf("u1 on a: %v, want rev %s", got, u1.Rev())
	}
}

func TestReplicateFailuresDoNotStopOthers(t *testing.T) {
	a, b := couchdbtest.Fresh(t), couchdbtest.Fresh(t)
	good := seedAccount(t, a)
	withAtt := couchdbtest.NewAccount(t, a)
	couchdbtest.PutAttachment(t, a, directory.AccountDBName(withAtt), "vm1", "message.mp3", "audio/mpeg", []byte("ID3"))
	missing := couchdbtest.NewAccountID()
	res, err := couchdb.Replicate(context.Background(), a, b, couchdb.ReplicateOptions{AccountIDs: []string{missing, withAtt, good}})
	if err != nil {
		t.Fatal(err)
	}
	if len(res) != 3 {
		t.Fatalf("results %+v", res)
	}
	wantCode(t, res[0].Err, directory.ECodeBadIdentifier)
	if res[0].Created {
		t.Errorf("target database created for a missing source")
	}
	// kivik's replicator alone would write attachment stubs and fail (412).
	if res[1].Err != nil || res[1].DocsWritten != 2 {
		t.Errorf("account with an attachment: %+v", res[1])
	}
	if res[2].Err != nil || res[2].DocsWritten != 6 {
		t.Errorf("good account after failures: %+v", res[2])
	}
}

package couchdb_test

import (
	"context"
	"slices"
	"testing"
	"time"

	kivik "github.com/go-kivik/kivik/v4"

	"github.com/kazoo-directories/kazoo-directories/couchdb"
	"github.com/kazoo-directories/kazoo-directories/couchdb/couchdbtest"
	"github.com/kazoo-directories/kazoo-directories/pkg/auth"
	"github.com/kazoo-directories/kazoo-directories/pkg/directory"
)

// withStore runs fn with a store on cfg and closes it.
func withStore(t *testing.T, cfg couchdb.Config, fn func(s *couchdb.Store)) {
	t.Helper()
	s, err := couchdb.Open(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	fn(s)
}

// bootstrap sets cfg's store up as KAZOO would have it (see couchdb.Setup), plus a
// doc of system_config and one of system_auth that are not part of token
// verification, and returns the setup.
func bootstrap(t *testing.T, cfg couchdb.Config) couchdb.Setup {
	t.Helper()
	setup := newSetup("Acme")
	withStore(t, cfg, func(s *couchdb.Store) {
		if err := s.Bootstrap(context.Background(), setup); err != nil {
			t.Fatal(err)
		}
	})
	withKivik(t, cfg, func(c *kivik.Client) {
		put(t, c.DB(couchdb.SystemConfigDB), map[string]any{"_id": "crossbar", "default": map[string]any{"port": 8000}})
		put(t, c.DB(couchdb.SystemAuthDB), map[string]any{"_id": "google", "pvt_type": "provider"})
	})
	return setup
}

// apiToken mints an api token of setup's account as KAZOO would, identity_sig
// included.
func apiToken(t *testing.T, setup couchdb.Setup) string {
	t.Helper()
	key, err := auth.ParsePrivateKey(setup.PrivateKeyPEM)
	if err != nil {
		t.Fatal(err)
	}
	tok, err := auth.Mint(key, setup.KeyID, auth.Claims{
		AccountID:   setup.AccountID,
		Method:      "cb_api_auth",
		IdentitySig: auth.IdentitySig(setup.SignatureSecret, setup.SecretForUserSignature, setup.AccountID),
		Exp:         time.Now().Add(time.Hour).Unix(),
	})
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// verifyOn authenticates tok against cfg's store as the service does (AUTH_MODE=jwt).
func verifyOn(t *testing.T, cfg couchdb.Config, tok string) (id directory.Identity, err error) {
	t.Helper()
	withStore(t, cfg, func(s *couchdb.Store) {
		id, err = auth.NewJWT(s.AuthSource(), auth.Options{}).Authenticate(context.Background(), directory.Credentials{Token: tok})
	})
	return id, err
}

// leaves returns the leaf revisions of doc id in db on cfg's store.
func leaves(t *testing.T, cfg couchdb.Config, db, id string) []string {
	t.Helper()
	var out []string
	withKivik(t, cfg, func(c *kivik.Client) {
		ch := c.DB(db).Changes(context.Background(), kivik.Params(map[string]any{"style": "all_docs", "filter": "_doc_ids", "doc_ids": []string{id}}))
		for ch.Next() {
			out = append(out, ch.Changes()...)
		}
		if err := ch.Err(); err != nil {
			t.Fatal(err)
		}
	})
	slices.Sort(out)
	return out
}

func docExists(t *testing.T, cfg couchdb.Config, db, id string) bool {
	t.Helper()
	var rev string
	withKivik(t, cfg, func(c *kivik.Client) {
		rev, _ = c.DB(db).GetRev(context.Background(), id)
	})
	return rev != ""
}

// TestReplicateSystem copies KAZOO's token keys with System: a token minted with the
// source's key verifies on the target; nothing else of the system databases is
// copied; a rerun copies nothing; a target with an auth config of its own keeps it
// and reports the divergence.
func TestReplicateSystem(t *testing.T) {
	couchdbtest.SkipEmbedded(t, skipPairs)
	for _, tc := range pairs() {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			from, to := tc.from(t), tc.to(t)
			setup := bootstrap(t, from)
			tok := apiToken(t, setup)
			if _, err := verifyOn(t, to, tok); err == nil {
				t.Fatal("token verifies on the target before replication")
			}
			opts := couchdb.ReplicateOptions{System: true, AccountIDs: []string{setup.AccountID}}
			res, err := couchdb.Replicate(ctx, from, to, opts)
			if err != nil || len(res) != 3 {
				t.Fatalf("%+v, %v", res, err)
			}
			for i, want := range []string{couchdb.SystemConfigDB, couchdb.SystemAuthDB, directory.AccountDBName(setup.AccountID)} {
				docs := []int{1, 1, 3}[i] // the key; the auth config; the account doc and the two design docs
				if r := res[i]; r.DB != want || r.Err != nil || !r.Created || r.DocsWritten != docs || len(r.Diverged) != 0 {
					t.Errorf("result %d: %+v, want %s created, %d docs", i, r, want, docs)
				}
			}
			if res[0].AccountID != "" || res[2].AccountID != setup.AccountID {
				t.Errorf("account ids: %q %q", res[0].AccountID, res[2].AccountID)
			}
			if id, err := verifyOn(t, to, tok); err != nil || id.AccountID != setup.AccountID || id.Method != "cb_api_auth" {
				t.Errorf("token on the target: %+v, %v", id, err)
			}
			for _, doc := range [][2]string{{couchdb.SystemConfigDB, couchdb.AuthConfigDoc}, {couchdb.SystemAuthDB, setup.KeyID}} {
				if got, want := leaves(t, to, doc[0], doc[1]), leaves(t, from, doc[0], doc[1]); !slices.Equal(got, want) {
					t.Errorf("%s/%s: leaves %v, want %v", doc[0], doc[1], got, want)
				}
			}
			if docExists(t, to, couchdb.SystemConfigDB, "crossbar") || docExists(t, to, couchdb.SystemAuthDB, "google") {
				t.Error("docs other than the auth config and the keys were copied")
			}

			res, err = couchdb.Replicate(ctx, from, to, opts)
			for _, r := range res {
				if r.Err != nil || r.Created || r.DocsWritten != 0 || len(r.Diverged) != 0 {
					t.Errorf("rerun: %+v", r)
				}
			}
			if err != nil || len(res) != 3 {
				t.Errorf("rerun: %+v, %v", res, err)
			}
		})
	}
}

// TestReplicateSystemDiverged: a target set up on its own (directoriesd init) has an
// auth config of its own. Replicating KAZOO's keys into it overwrites nothing: both
// auth configs are kept, in conflict, reported as diverged on every run; the keys
// of both are there.
func TestReplicateSystemDiverged(t *testing.T) {
	couchdbtest.SkipEmbedded(t, skipPairs)
	for _, tc := range pairs() {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			from, to := tc.from(t), tc.to(t)
			kazoo, own := bootstrap(t, from), bootstrap(t, to)
			ownAuth := leaves(t, to, couchdb.SystemConfigDB, couchdb.AuthConfigDoc)
			opts := couchdb.ReplicateOptions{System: true, AccountIDs: []string{kazoo.AccountID}}
			for run := range 2 {
				res, err := couchdb.Replicate(ctx, from, to, opts)
				if err != nil || len(res) != 3 {
					t.Fatalf("run %d: %+v, %v", run, res, err)
				}
				if r := res[0]; r.Err != nil || r.Created || r.DocsWritten != 1-run || !slices.Equal(r.Diverged, []string{couchdb.AuthConfigDoc}) {
					t.Errorf("run %d: system_config: %+v, want auth diverged", run, r)
				}
				if r := res[1]; r.Err != nil || r.Created || r.DocsWritten != 1-run || len(r.Diverged) != 0 {
					t.Errorf("run %d: system_auth: %+v", run, r)
				}
			}
			want := append(leaves(t, from, couchdb.SystemConfigDB, couchdb.AuthConfigDoc), ownAuth...)
			slices.Sort(want)
			if got := leaves(t, to, couchdb.SystemConfigDB, couchdb.AuthConfigDoc); !slices.Equal(got, want) {
				t.Errorf("auth leaves on the target %v, want both %v", got, want)
			}
			for _, kid := range []string{kazoo.KeyID, own.KeyID} {
				if !docExists(t, to, couchdb.SystemAuthDB, kid) {
					t.Errorf("key %s missing on the target", kid)
				}
			}
		})
	}
}

// TestReplicateSystemMissing: a source without KAZOO's auth data fails the two
// system databases and still copies the accounts.
func TestReplicateSystemMissing(t *testing.T) {
	from, to := embeddedConfig(t), embeddedConfig(t)
	acct := seedWithAttachments(t, from, true)
	res, err := couchdb.Replicate(context.Background(), from, to, couchdb.ReplicateOptions{System: true})
	if err != nil || len(res) != 3 {
		t.Fatalf("%+v, %v", res, err)
	}
	wantCode(t, res[0].Err, directory.ECodeBadIdentifier)
	wantCode(t, res[1].Err, directory.ECodeBadIdentifier)
	if res[0].Created || res[1].Created {
		t.Error("system databases created on the target for nothing")
	}
	if r := res[2]; r.Err != nil || r.AccountID != acct || r.DocsWritten != 6 {
		t.Errorf("account: %+v", r)
	}
}

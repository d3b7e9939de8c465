package couchdb_test

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"reflect"
	"sync"
	"testing"
	"time"

	kivik "github.com/go-kivik/kivik/v4"

	"github.com/kazoo-directories/kazoo-directories/couchdb"
	"github.com/kazoo-directories/kazoo-directories/couchdb/couchdbtest"
	"github.com/kazoo-directories/kazoo-directories/pkg/auth"
	"github.com/kazoo-directories/kazoo-directories/pkg/directory"
)

// testKeyPEM is one 2048-bit key for every bootstrap test (generation is slow).
var testKeyPEM = sync.OnceValue(func() []byte {
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		panic(err)
	}
	return auth.PrivateKeyPEM(k)
})

func newSetup(name string) couchdb.Setup {
	return couchdb.Setup{
		KeyID:                  directory.NewID(),
		PrivateKeyPEM:          testKeyPEM(),
		SecretForUserSignature: directory.NewID(),
		AccountID:              directory.NewID(),
		AccountName:            name,
		SignatureSecret:        directory.NewID(),
		Now:                    time.Date(2024, 5, 6, 7, 8, 9, 0, time.UTC),
	}
}

func TestBootstrap(t *testing.T) {
	ctx := context.Background()
	cfg := couchdbtest.Fresh(t)
	s := couchdbtest.Open(t, cfg)
	setup := newSetup("Acme")
	setup.Realm = "acme.example.com"
	if err := s.Bootstrap(ctx, setup); err != nil {
		t.Fatal(err)
	}
	src := s.AuthSource()
	if kid, err := src.SystemKeyID(ctx); err != nil || kid != setup.KeyID {
		t.Errorf("SystemKeyID = %q, %v; want %s", kid, err, setup.KeyID)
	}
	if pem, err := src.SystemKey(ctx, setup.KeyID); err != nil || string(pem) != string(setup.PrivateKeyPEM) {
		t.Errorf("SystemKey: %v", err)
	}
	if secret, err := src.AuthConfig(ctx); err != nil || secret != setup.SecretForUserSignature {
		t.Errorf("AuthConfig = %q, %v", secret, err)
	}
	if secret, err := src.SignatureSecret(ctx, setup.AccountID, setup.AccountID); err != nil || secret != setup.SignatureSecret {
		t.Errorf("account SignatureSecret = %q, %v", secret, err)
	}
	client := kivikClient(t, cfg)
	key := getJSON(t, client.DB(couchdb.SystemAuthDB), setup.KeyID)
	att, _ := key["_attachments"].(map[string]any)[couchdb.SystemKeyAttachment].(map[string]any)
	if key["pvt_type"] != "system_key" || att["content_type"] != "application/x-pem-file" {
		t.Errorf("key doc %v", key)
	}
	acct := getJSON(t, client.DB(directory.AccountDBName(setup.AccountID)), setup.AccountID)
	g := float64(directory.GregorianSeconds(setup.Now))
	for k, want := range map[string]any{
		"pvt_type": "account", "name": "Acme", "realm": "acme.example.com",
		"pvt_account_id": setup.AccountID, "pvt_account_db": directory.EncodedAccountDBName(setup.AccountID),
		"pvt_created": g, "pvt_modified": g, "pvt_enabled": true,
	} {
		if acct[k] != want {
			t.Errorf("account doc %s = %v, want %v", k, acct[k], want)
		}
	}
	if tree, ok := acct["pvt_tree"].([]any); !ok || len(tree) != 0 {
		t.Errorf("pvt_tree = %v", acct["pvt_tree"])
	}
	a, err := s.Account(ctx, setup.AccountID)
	if err != nil || a.Name != "Acme" {
		t.Errorf("Account = %+v, %v", a, err)
	}
	if _, err := s.Doc(ctx, setup.AccountID, "_design/directories"); err != nil {
		t.Errorf("design doc: %v", err)
	}
}

func TestBootstrapRefusesExistingSetup(t *testing.T) {
	for name, seed := range map[string]func(t *testing.T, cfg couchdb.Config){
		"auth config": func(t *testing.T, cfg couchdb.Config) { couchdbtest.SetAuthConfig(t, cfg) },
		"system key": func(t *testing.T, cfg couchdb.Config) {
			couchdbtest.PutSystemKey(t, cfg, directory.NewID(), testKeyPEM())
		},
	} {
		t.Run(name, func(t *testing.T) {
			cfg := couchdbtest.Fresh(t)
			seed(t, cfg)
			couchdbtest.NewAccount(t, cfg)
			before := couchdbtest.Snapshot(t, cfg)
			err := couchdbtest.Open(t, cfg).Bootstrap(context.Background(), newSetup("Acme"))
			wantCode(t, err, directory.ECodeConflict)
			if after := couchdbtest.Snapshot(t, cfg); !reflect.DeepEqual(before, after) {
				t.Errorf("refused bootstrap wrote:\nbefore %v\nafter  %v", before, after)
			}
		})
	}
}

// TestBootstrapRace: of concurrent bootstraps exactly one sets the store up; the
// others fail with a conflict and write nothing of their own.
func TestBootstrapRace(t *testing.T) {
	cfg := couchdbtest.Fresh(t)
	const n = 4
	errs := make([]error, n)
	setups := make([]couchdb.Setup, n)
	var wg sync.WaitGroup
	for i := range n {
		setups[i] = newSetup("Racer")
		s := couchdbtest.Open(t, cfg)
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = s.Bootstrap(context.Background(), setups[i])
		}()
	}
	wg.Wait()
	won := -1
	for i, err := range errs {
		switch {
		case err == nil && won >= 0:
			t.Fatalf("bootstraps %d and %d both succeeded", won, i)
		case err == nil:
			won = i
		default:
			wantCode(t, err, directory.ECodeConflict)
		}
	}
	if won < 0 {
		t.Fatalf("no bootstrap succeeded: %v", errs)
	}
	snap := couchdbtest.Snapshot(t, cfg)
	for i, st := range setups {
		_, hasDB := snap[directory.AccountDBName(st.AccountID)]
		if hasDB != (i == won) {
			t.Errorf("bootstrap %d (won: %v): account database present = %v", i, i == won, hasDB)
		}
	}
	if got := snap[couchdb.SystemAuthDB]; len(got) != 1 {
		t.Errorf("system_auth = %v, want the winner's key only", got)
	}
}

func TestBootstrapValidates(t *testing.T) {
	s := couchdbtest.Open(t, couchdbtest.Config(t))
	for name, mutate := range map[string]func(*couchdb.Setup){
		"key id":     func(s *couchdb.Setup) { s.KeyID = "_design/x" },
		"key":        func(s *couchdb.Setup) { s.PrivateKeyPEM = nil },
		"secret":     func(s *couchdb.Setup) { s.SecretForUserSignature = "" },
		"account id": func(s *couchdb.Setup) { s.AccountID = "ABC" },
		"name":       func(s *couchdb.Setup) { s.AccountName = " " },
	} {
		setup := newSetup("Acme")
		mutate(&setup)
		err := s.Bootstrap(context.Background(), setup)
		if !directory.IsCode(err, directory.ECodeValidation) {
			t.Errorf("%s: %v", name, err)
		}
	}
}

// kivikClient is a kivik client of cfg's driver on cfg's URL, closed when the test ends.
func kivikClient(t *testing.T, cfg couchdb.Config) *kivik.Client {
	t.Helper()
	driver := cfg.Driver
	if driver == "" {
		driver = "couch"
	}
	c, err := kivik.New(driver, cfg.URL)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close() })
	return c
}

func getJSON(t *testing.T, db *kivik.DB, id string, opts ...kivik.Option) map[string]any {
	t.Helper()
	var doc map[string]any
	if err := db.Get(context.Background(), id, opts...).ScanDoc(&doc); err != nil {
		t.Fatalf("get %s/%s: %v", db.Name(), id, err)
	}
	return doc
}

package couchdbtest

import (
	"net/http"
	"testing"

	kivik "github.com/go-kivik/kivik/v4"

	"github.com/kazoo-directories/kazoo-directories/couchdb"
	"github.com/kazoo-directories/kazoo-directories/pkg/directory"
)

// SecretForUserSignature is the secret_for_user_signature that SetAuthConfig stores.
// Every test package uses this one value, so packages that share a CouchDB (through
// COUCHDB_URL) never disagree about system_config/auth.
const SecretForUserSignature = "couchdbtest-secret-for-user-signature"

// PutSystemKey stores a KAZOO signing key as KAZOO does (kz_auth_keys): doc kid in
// system_auth with pvt_type "system_key" and attachment private_key.pem
// (application/x-pem-file) holding pem. The doc is removed when the test ends; use a
// fresh kid per test.
func PutSystemKey(tb testing.TB, cfg couchdb.Config, kid string, pem []byte) {
	tb.Helper()
	PutDBDocs(tb, cfg, couchdb.SystemAuthDB, directory.Doc{"_id": kid, "pvt_type": "system_key"})
	PutAttachment(tb, cfg, couchdb.SystemAuthDB, kid, couchdb.SystemKeyAttachment, "application/x-pem-file", pem)
}

// SetAuthConfig makes system_config/auth hold secret_for_user_signature =
// SecretForUserSignature under "default", where KAZOO keeps it. It writes only when
// the doc differs and leaves the doc in place (like EnsureDB), retrying when another
// test process saved the doc meanwhile.
func SetAuthConfig(tb testing.TB, cfg couchdb.Config) {
	tb.Helper()
	SetSystemConfig(tb, cfg, couchdb.AuthConfigDoc, func(def map[string]any) bool {
		if def["secret_for_user_signature"] == SecretForUserSignature {
			return false
		}
		def["secret_for_user_signature"] = SecretForUserSignature
		return true
	})
}

// SetTokenCost makes crossbar's token_costs (system_config/crossbar, "default") charge
// cost for every request on accountID, as KAZOO's own load tests set token_costs to 0.
// Other accounts keep costing what they cost (1 unless set), so test packages sharing
// one CouchDB do not disturb each other.
func SetTokenCost(tb testing.TB, cfg couchdb.Config, accountID string, cost int) {
	tb.Helper()
	SetSystemConfig(tb, cfg, "crossbar", func(def map[string]any) bool {
		costs, _ := def["token_costs"].(map[string]any)
		if costs == nil {
			costs = map[string]any{}
		}
		if v, ok := costs[accountID].(float64); ok && int(v) == cost {
			return false
		}
		costs[accountID] = cost
		def["token_costs"] = costs
		return true
	})
}

// SetSystemConfig changes the "default" section of system_config/id with change
// (which reports whether it changed anything), creating database and doc when
// missing; the doc is left in place. It retries when another test process saved the
// doc meanwhile.
func SetSystemConfig(tb testing.TB, cfg couchdb.Config, id string, change func(def map[string]any) bool) {
	tb.Helper()
	EnsureDB(tb, cfg, couchdb.SystemConfigDB)
	c := newClient(tb, cfg)
	defer c.close()
	for range 10 {
		doc := c.getDoc(tb, couchdb.SystemConfigDB, id)
		if doc == nil {
			doc = directory.Doc{"_id": id, "pvt_type": "config"}
		}
		def, _ := doc["default"].(map[string]any)
		if def == nil {
			def = map[string]any{}
		}
		if !change(def) {
			return
		}
		doc["default"] = def
		_, err := c.put(couchdb.SystemConfigDB, id, doc)
		switch {
		case kivik.HTTPStatus(err) == http.StatusConflict:
			continue
		case err != nil:
			tb.Fatalf("couchdbtest: put system_config/%s: %v", id, err)
		}
		return
	}
	tb.Fatalf("couchdbtest: put system_config/%s: conflicts on every try", id)
}

// SetSignatureSecret sets pvt_signature_secret of doc id in the account's database
// (creating the doc when missing), as KAZOO does when it resets a user's identity
// secret. It returns the doc's new revision.
func SetSignatureSecret(tb testing.TB, cfg couchdb.Config, accountID, id, secret string) string {
	tb.Helper()
	c := newClient(tb, cfg)
	defer c.close()
	db := directory.AccountDBName(accountID)
	doc := c.getDoc(tb, db, id)
	if doc == nil {
		doc = directory.Doc{"_id": id}
	}
	doc["pvt_signature_secret"] = secret
	return c.mustPut(tb, db, id, doc)
}

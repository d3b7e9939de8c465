package directory

import (
	"regexp"
	"strings"
)

// Account is what the service needs of a KAZOO account doc (stored with _id = account
// id inside the account's own database).
type Account struct {
	ID   string
	Name string
	// Tree lists the ancestor account ids, top of the hierarchy first (pvt_tree).
	Tree []string
	// SuperduperAdmin is pvt_superduper_admin.
	SuperduperAdmin bool
	// TrialExpires is pvt_trial_expires in Gregorian seconds (0: not a trial account).
	TrialExpires int64
}

var accountIDPattern = regexp.MustCompile(`^[0-9a-f]{32}$`)

// ValidAccountID reports whether id has the form KAZOO generates: 32 lowercase hex chars.
// KAZOO only checks the length; the stricter check keeps odd ids away from CouchDB.
func ValidAccountID(id string) bool { return accountIDPattern.MatchString(id) }

// AccountDBName returns the real CouchDB database name of an account:
// "account/xx/yy/rest" (kz_util:format_account_db, unencoded form).
func AccountDBName(accountID string) string {
	return "account/" + accountID[0:2] + "/" + accountID[2:4] + "/" + accountID[4:]
}

// EncodedAccountDBName returns the %2F-encoded form KAZOO stores in pvt_account_db.
func EncodedAccountDBName(accountID string) string {
	return strings.ReplaceAll(AccountDBName(accountID), "/", "%2F")
}

// AccountIDFromDBName returns the account id of an account database name in raw,
// unencoded or encoded form, and whether name was one.
func AccountIDFromDBName(name string) (string, bool) {
	if ValidAccountID(name) {
		return name, true
	}
	n := strings.NewReplacer("%2F", "", "%2f", "", "/", "").Replace(name)
	id, ok := strings.CutPrefix(n, "account")
	if !ok {
		return "", false
	}
	if !ValidAccountID(id) {
		return "", false
	}
	return id, true
}

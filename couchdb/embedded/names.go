package embedded

import (
	"net/http"
	"regexp"
	"strings"
)

// dbNamePattern is CouchDB's rule for database names; "/" is allowed, which KAZOO
// uses for account databases (account/xx/yy/rest).
var dbNamePattern = regexp.MustCompile(`^[a-z][a-z0-9_$()+/-]*$`)

// systemDBs are the underscore names CouchDB accepts besides the pattern.
var systemDBs = map[string]bool{"_users": true, "_replicator": true, "_global_changes": true}

// validDBName reports whether CouchDB would accept name, as the error it answers.
func validDBName(name string) error {
	if dbNamePattern.MatchString(name) || systemDBs[name] {
		return nil
	}
	return newError(http.StatusBadRequest, "illegal_database_name",
		"Name: '%s'. Only lowercase characters (a-z), digits (0-9), and any of the characters _, $, (, ), +, -, and / are allowed. Must begin with a letter.", name)
}

const (
	designPrefix = "_design/"
	localPrefix  = "_local/"
)

// validDocID rejects ids CouchDB rejects: empty, or starting with "_" other than
// the design and local prefixes.
func validDocID(id string) error {
	switch {
	case id == "":
		return errBadRequest("Document id must not be empty")
	case strings.HasPrefix(id, designPrefix) && len(id) > len(designPrefix):
		return nil
	case strings.HasPrefix(id, localPrefix) && len(id) > len(localPrefix):
		return nil
	case strings.HasPrefix(id, "_"):
		return newError(http.StatusBadRequest, "illegal_docid", "Only reserved document ids may start with underscore.")
	}
	return nil
}

func isDesignID(id string) bool { return strings.HasPrefix(id, designPrefix) }
func isLocalID(id string) bool  { return strings.HasPrefix(id, localPrefix) }

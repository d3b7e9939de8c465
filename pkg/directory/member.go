package directory

import (
	"encoding/json"
	"strconv"
)

// Member is one row of the users_listing view for a directory: a doc (normally a user)
// whose `directories` object has the directory id as a key.
type Member struct {
	// UserID is the member doc's _id.
	UserID string
	// Value is the raw view value: normally the callflow id string, passed through
	// whatever it is.
	Value any
	// User is the member doc when it was loaded (include_docs); nil otherwise or when
	// the doc has vanished.
	User Doc
}

// CallflowID renders Value the way crossbar does for `callflow_id`: strings as they are,
// numbers and booleans as text, null as "null"; ok is false when the value is absent,
// an empty string, an object or an array (the key is then omitted).
func (m Member) CallflowID() (id string, ok bool) {
	switch v := m.Value.(type) {
	case string:
		return v, v != ""
	case json.Number:
		return v.String(), true
	case float64:
		return strconv.FormatFloat(v, 'f', -1, 64), true
	case bool:
		return strconv.FormatBool(v), true
	case nil:
		return "null", true
	default:
		return "", false
	}
}

// FirstName returns the member doc's first_name ("" if unknown).
func (m Member) FirstName() string { return m.User.String("first_name") }

// LastName returns the member doc's last_name ("" if unknown).
func (m Member) LastName() string { return m.User.String("last_name") }

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

// MemberRefs marshals as the `users` of a directory GET: one {"user_id", "callflow_id"}
// object per member, in order, callflow_id omitted when CallflowID is not ok. It writes
// the whole list into one buffer (a directory of 10,000 members is one allocation
// pass, not one encoder per member).
type MemberRefs []Member

// MarshalJSON implements json.Marshaler.
func (ms MemberRefs) MarshalJSON() ([]byte, error) {
	b := make([]byte, 0, 2+len(ms)*64)
	b = append(b, '[')
	for i, m := range ms {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, `{"user_id":`...)
		b = appendJSONString(b, m.UserID)
		if cf, ok := m.CallflowID(); ok {
			b = append(b, `,"callflow_id":`...)
			b = appendJSONString(b, cf)
		}
		b = append(b, '}')
	}
	return append(b, ']'), nil
}

// appendJSONString appends s as a JSON string the way marshalNoEscape writes it: plain
// printable ASCII as is, anything else through encoding/json (no HTML escaping).
func appendJSONString(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= 0x7f || c == '"' || c == '\\' {
			v, _ := marshalNoEscape(s)
			return append(b, v...)
		}
	}
	b = append(b, '"')
	b = append(b, s...)
	return append(b, '"')
}

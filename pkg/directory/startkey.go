package directory

import (
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"errors"
	"net/url"
	"strconv"
)

// Erlang External Term Format tags used by KAZOO's start keys (api_util:encode_start_key).
const (
	etfVersion = 0x83
	etfBinary  = 0x6D
	etfList    = 0x6C
	etfNil     = 0x6A
	etfString  = 0x6B
)

// maxStartKeyLen bounds what DecodeStartKey looks at; real keys are far shorter.
const maxStartKeyLen = 4096

// EncodeStartKey encodes a view key as KAZOO does: base64url without padding of the
// Erlang term. Strings become binaries, []any lists; other keys are not produced by
// this service's views and encode as their string form is not needed.
func EncodeStartKey(key any) string {
	b := []byte{etfVersion}
	b = appendTerm(b, key)
	return base64.RawURLEncoding.EncodeToString(b)
}

func appendTerm(b []byte, key any) []byte {
	switch k := key.(type) {
	case string:
		b = append(b, etfBinary)
		b = binary.BigEndian.AppendUint32(b, uint32(len(k)))
		return append(b, k...)
	case []any:
		if len(k) == 0 {
			return append(b, etfNil)
		}
		b = append(b, etfList)
		b = binary.BigEndian.AppendUint32(b, uint32(len(k)))
		for _, e := range k {
			b = appendTerm(b, e)
		}
		return append(b, etfNil)
	default:
		// Only string and list keys exist in our views; anything else is encoded as
		// an empty list so a round trip never fails.
		return append(b, etfNil)
	}
}

// DecodeStartKey decodes a client's start_key: KAZOO's encoding of a binary or a list
// of binaries; anything else (a raw id, garbage) is used as given, like crossbar does.
// It never decodes arbitrary terms.
func DecodeStartKey(s string) any {
	if len(s) > maxStartKeyLen {
		return s
	}
	raw, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		if raw, err = base64.URLEncoding.DecodeString(s); err != nil {
			return s
		}
	}
	if len(raw) < 2 || raw[0] != etfVersion {
		return s
	}
	key, rest, err := readTerm(raw[1:], 0)
	if err != nil || len(rest) != 0 {
		return s
	}
	return key
}

// MaxStartKeyBytes bounds a start key as CouchDB receives it: its JSON encoding,
// URL-escaped, in the view request's query string. CouchDB (and the test server)
// refuse request lines much past 8 KB, which used to come back as a 500; real keys
// (document ids) are under 100 bytes.
const MaxStartKeyBytes = 4096

// CheckStartKey returns a validation error (400 in KAZOO's envelope) for a start key
// too long to send to CouchDB (MaxStartKeyBytes), nil otherwise.
func CheckStartKey(key any) error {
	b, err := json.Marshal(key)
	if err == nil && len(url.QueryEscape(string(b))) <= MaxStartKeyBytes {
		return nil
	}
	var v ValidationError
	v.Add("start_key", "maxLength", NewObject(
		"message", "start_key is longer than "+strconv.Itoa(MaxStartKeyBytes)+" bytes once encoded for the datastore",
		"target", MaxStartKeyBytes))
	return v.Err()
}

var errTerm = errors.New("unsupported term")

func readTerm(b []byte, depth int) (any, []byte, error) {
	if len(b) == 0 || depth > 4 {
		return nil, nil, errTerm
	}
	switch b[0] {
	case etfBinary:
		if len(b) < 5 {
			return nil, nil, errTerm
		}
		n := binary.BigEndian.Uint32(b[1:5])
		if uint64(n) > uint64(len(b)-5) {
			return nil, nil, errTerm
		}
		return string(b[5 : 5+n]), b[5+n:], nil
	case etfString: // a list of bytes, as Erlang prints short strings
		if len(b) < 3 {
			return nil, nil, errTerm
		}
		n := int(binary.BigEndian.Uint16(b[1:3]))
		if n > len(b)-3 {
			return nil, nil, errTerm
		}
		return string(b[3 : 3+n]), b[3+n:], nil
	case etfNil:
		return []any{}, b[1:], nil
	case etfList:
		if len(b) < 5 {
			return nil, nil, errTerm
		}
		n := binary.BigEndian.Uint32(b[1:5])
		if uint64(n) > uint64(len(b)) {
			return nil, nil, errTerm
		}
		rest := b[5:]
		list := make([]any, 0, n)
		for i := uint32(0); i < n; i++ {
			var e any
			var err error
			if e, rest, err = readTerm(rest, depth+1); err != nil {
				return nil, nil, err
			}
			list = append(list, e)
		}
		if len(rest) == 0 || rest[0] != etfNil {
			return nil, nil, errTerm
		}
		return list, rest[1:], nil
	}
	return nil, nil, errTerm
}

package embedded

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"io"
	"strconv"
	"unicode/utf8"
)

// incomingDoc is a document as written by a client, split into CouchDB's special
// members and the body proper (a compact JSON object in the order written).
type incomingDoc struct {
	ID        string
	HasID     bool
	Rev       string
	Deleted   bool
	Revisions *revisionsField
	HasAtts   bool
	Atts      []incomingAtt
	Body      []byte
}

// revisionsField is the _revisions member: the history of _rev, newest first.
type revisionsField struct {
	Start int      `json:"start"`
	IDs   []string `json:"ids"`
}

// revs returns the full revision ids, newest first.
func (r *revisionsField) revs() []string {
	out := make([]string, len(r.IDs))
	for i, h := range r.IDs {
		out[i] = strconv.Itoa(r.Start-i) + "-" + h
	}
	return out
}

// incomingAtt is one member of _attachments as written.
type incomingAtt struct {
	Name        string `json:"-"`
	ContentType string `json:"content_type"`
	Data        []byte `json:"data"` // base64 in JSON
	Stub        bool   `json:"stub"`
	Follows     bool   `json:"follows"`
	RevPos      int    `json:"revpos"`
	Digest      string `json:"digest"`
	Length      int64  `json:"length"`
}

// marshalDoc turns what a caller passed to Put into JSON bytes.
func marshalDoc(doc any) ([]byte, error) {
	switch t := doc.(type) {
	case json.RawMessage:
		return t, nil
	case []byte:
		return t, nil
	case io.Reader:
		return io.ReadAll(t)
	}
	b, err := json.Marshal(doc)
	if err != nil {
		return nil, errBadRequest("%v", err)
	}
	return b, nil
}

// ignoredSpecials are members CouchDB returns and silently drops on write.
var ignoredSpecials = map[string]bool{
	"_revs_info": true, "_conflicts": true, "_deleted_conflicts": true, "_local_seq": true,
}

// parseDoc splits a JSON document into its special members and its body.
// It answers 400 for a non-object and for unknown "_" members, as CouchDB does.
func parseDoc(raw []byte) (*incomingDoc, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	tok, err := dec.Token()
	if err != nil || tok != json.Delim('{') {
		return nil, errBadRequest("Document must be a JSON object")
	}
	d := &incomingDoc{}
	body := bytes.NewBuffer(make([]byte, 0, len(raw)))
	body.WriteByte('{')
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, errBadRequest("invalid JSON: %v", err)
		}
		key := tok.(string)
		var val json.RawMessage
		if err := dec.Decode(&val); err != nil {
			return nil, errBadRequest("invalid JSON: %v", err)
		}
		if len(key) > 0 && key[0] == '_' {
			if err := d.special(key, val); err != nil {
				return nil, err
			}
			continue
		}
		if body.Len() > 1 {
			body.WriteByte(',')
		}
		body.Write(appendString(nil, key))
		body.WriteByte(':')
		if err := json.Compact(body, val); err != nil {
			return nil, errBadRequest("invalid JSON: %v", err)
		}
	}
	if _, err := dec.Token(); err != nil {
		return nil, errBadRequest("invalid JSON: %v", err)
	}
	body.WriteByte('}')
	d.Body = body.Bytes()
	return d, nil
}

func (d *incomingDoc) special(key string, val json.RawMessage) error {
	switch key {
	case "_id":
		if err := json.Unmarshal(val, &d.ID); err != nil {
			return errBadRequest("Document id must be a string")
		}
		d.HasID = true
	case "_rev":
		if err := json.Unmarshal(val, &d.Rev); err != nil {
			return errBadRequest("Invalid rev format")
		}
	case "_deleted":
		d.Deleted = string(val) == "true"
	case "_revisions":
		var r revisionsField
		if err := json.Unmarshal(val, &r); err != nil || r.Start < len(r.IDs) || len(r.IDs) == 0 {
			return errBadRequest("_revisions member must be {start, ids}")
		}
		d.Revisions = &r
	case "_attachments":
		return d.attachments(val)
	default:
		if !ignoredSpecials[key] {
			return newError(400, "doc_validation", "Bad special document member: %s", key)
		}
	}
	return nil
}

func (d *incomingDoc) attachments(val json.RawMessage) error {
	if string(val) == "null" {
		return nil
	}
	dec := json.NewDecoder(bytes.NewReader(val))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return errBadRequest("_attachments must be an object")
	}
	d.HasAtts = true
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return errBadRequest("invalid _attachments: %v", err)
		}
		a := incomingAtt{Name: tok.(string)}
		if err := dec.Decode(&a); err != nil {
			return errBadRequest("invalid attachment %q: %v", a.Name, err)
		}
		d.Atts = append(d.Atts, a)
	}
	return nil
}

// attMode selects how _attachments are rendered on read.
type attMode int

const (
	attStubs   attMode = iota // {"stub":true}
	attFollows                // {"follows":true}, content through driver.Attachments
	attInline                 // {"data":"<base64>"}
)

// docOut renders a stored revision the way CouchDB returns it: _id, _rev,
// body members, _deleted, _revisions, meta members, then _attachments.
type docOut struct {
	ID               string
	Rev              string
	Rev0             *revision
	Revisions        []string // newest first, for revs=true
	Conflicts        []string
	DeletedConflicts []string
	RevsInfo         []revInfo
	LocalSeq         uint64
	AttMode          attMode
	AttData          map[string][]byte
}

type revInfo struct {
	Rev    string `json:"rev"`
	Status string `json:"status"`
}

func (o *docOut) appendJSON(b []byte) []byte {
	b = append(b, `{"_id":`...)
	b = appendString(b, o.ID)
	b = append(b, `,"_rev":`...)
	b = appendString(b, o.Rev)
	if body := o.Rev0.Body; len(body) > 2 {
		b = append(b, ',')
		b = append(b, body[1:len(body)-1]...)
	}
	if o.Rev0.Deleted {
		b = append(b, `,"_deleted":true`...)
	}
	if len(o.Revisions) > 0 {
		b = append(b, `,"_revisions":{"start":`...)
		b = strconv.AppendInt(b, int64(revGen(o.Revisions[0])), 10)
		b = append(b, `,"ids":[`...)
		for i, r := range o.Revisions {
			if i > 0 {
				b = append(b, ',')
			}
			_, h, _ := parseRev(r)
			b = appendString(b, h)
		}
		b = append(b, "]}"...)
	}
	b = appendStrings(b, "_conflicts", o.Conflicts)
	b = appendStrings(b, "_deleted_conflicts", o.DeletedConflicts)
	if len(o.RevsInfo) > 0 {
		info, _ := json.Marshal(o.RevsInfo)
		b = append(b, `,"_revs_info":`...)
		b = append(b, info...)
	}
	if o.LocalSeq > 0 {
		b = append(b, `,"_local_seq":`...)
		b = strconv.AppendUint(b, o.LocalSeq, 10)
	}
	if len(o.Rev0.Atts) > 0 {
		b = o.appendAtts(b)
	}
	return append(b, '}')
}

func (o *docOut) appendAtts(b []byte) []byte {
	b = append(b, `,"_attachments":{`...)
	for i, a := range o.Rev0.Atts {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendString(b, a.Name)
		b = append(b, `:{"content_type":`...)
		b = appendString(b, a.ContentType)
		b = append(b, `,"revpos":`...)
		b = strconv.AppendInt(b, int64(a.RevPos), 10)
		b = append(b, `,"digest":`...)
		b = appendString(b, a.Digest)
		b = append(b, `,"length":`...)
		b = strconv.AppendInt(b, a.Length, 10)
		switch o.AttMode {
		case attFollows:
			b = append(b, `,"follows":true}`...)
		case attInline:
			b = append(b, `,"data":"`...)
			b = base64.StdEncoding.AppendEncode(b, o.AttData[a.Name])
			b = append(b, `"}`...)
		default:
			b = append(b, `,"stub":true}`...)
		}
	}
	return append(b, '}')
}

func appendStrings(b []byte, key string, list []string) []byte {
	if len(list) == 0 {
		return b
	}
	b = append(b, ',')
	b = appendString(b, key)
	b = append(b, ":["...)
	for i, s := range list {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendString(b, s)
	}
	return append(b, ']')
}

// appendString appends s as a JSON string without HTML escaping, as CouchDB writes.
func appendString(b []byte, s string) []byte {
	if !utf8.ValidString(s) {
		q, _ := json.Marshal(s)
		return append(b, q...)
	}
	b = append(b, '"')
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '"' || c == '\\':
			b = append(b, '\\', c)
		case c == '\n':
			b = append(b, '\\', 'n')
		case c == '\r':
			b = append(b, '\\', 'r')
		case c == '\t':
			b = append(b, '\\', 't')
		case c < 0x20:
			b = append(b, '\\', 'u', '0', '0', hexDigit(c>>4), hexDigit(c&0xf))
		default:
			b = append(b, c)
		}
	}
	return append(b, '"')
}

func hexDigit(c byte) byte { return "0123456789abcdef"[c] }

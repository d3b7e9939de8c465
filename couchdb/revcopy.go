package couchdb

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"time"

	kivik "github.com/go-kivik/kivik/v4"
)

// dbPair is one database on the source and on the target of a replication, each
// request bounded by its store's timeout.
type dbPair struct {
	name                   string
	src, dst               *kivik.DB
	srcTimeout, dstTimeout time.Duration
}

func newDBPair(src, dst *Store, name string) *dbPair {
	return &dbPair{name: name, src: src.client.DB(name), dst: dst.client.DB(name),
		srcTimeout: src.timeout, dstTimeout: dst.timeout}
}

// copyDoc copies the revisions of doc id that the target lacks as CouchDB's
// replicator does: the leaves (the source's leaf revisions; nil: read them) are
// compared with the target (_revs_diff), each missing one is read from the source
// with its revision history and attachment content (open_revs, revs=true,
// latest=true, attachments=true) and written with new_edits=false, so revision ids,
// history, deletions and attachment bytes arrive unchanged and a target that has
// revisions of its own keeps them (as conflicts). A doc the source no longer has
// copies nothing. It returns the revisions read and written.
func (p *dbPair) copyDoc(ctx context.Context, id string, leaves []string) (read, written int, err error) {
	if leaves == nil {
		all, err := p.leafRevs(ctx, p.src, p.srcTimeout, id)
		if err != nil {
			return 0, 0, err
		}
		leaves = all[id]
	}
	missing, err := p.missingRevs(ctx, id, leaves)
	if err != nil || len(missing) == 0 {
		return 0, 0, err
	}
	docs, err := p.readRevs(ctx, id, missing)
	if err != nil {
		return 0, 0, err
	}
	for _, doc := range docs {
		if err := p.writeRev(ctx, id, doc); err != nil {
			return len(docs), written, err
		}
		written++
	}
	return len(docs), written, nil
}

// leafRevs returns every leaf revision (deleted ones included) of the docs ids in
// db, by id: _changes with filter=_doc_ids and style=all_docs, since open_revs=all
// cannot be asked for through kivik. A doc or database that does not exist has none.
func (p *dbPair) leafRevs(ctx context.Context, db *kivik.DB, timeout time.Duration, ids ...string) (map[string][]string, error) {
	out := make(map[string][]string, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	ch := db.Changes(ctx, kivik.Params(map[string]any{
		"feed": "normal", "style": "all_docs", "filter": "_doc_ids", "doc_ids": ids,
	}))
	defer ch.Close()
	for ch.Next() {
		out[ch.ID()] = ch.Changes()
	}
	if err := ch.Err(); err != nil && kivik.HTTPStatus(err) != http.StatusNotFound {
		return nil, translate(err, "_changes "+p.name, nil)
	}
	return out, nil
}

// missingRevs returns those of revs the target does not have.
func (p *dbPair) missingRevs(ctx context.Context, id string, revs []string) ([]string, error) {
	if len(revs) == 0 {
		return nil, nil
	}
	ctx, cancel := context.WithTimeout(ctx, p.dstTimeout)
	defer cancel()
	rs := p.dst.RevsDiff(ctx, map[string][]string{id: revs})
	defer rs.Close()
	var missing []string
	for rs.Next() {
		var v struct {
			Missing []string `json:"missing"`
		}
		if err := rs.ScanValue(&v); err != nil {
			return nil, translate(err, "_revs_diff "+p.name, nil)
		}
		missing = append(missing, v.Missing...)
	}
	return missing, translate(rs.Err(), "_revs_diff "+p.name, nil)
}

// readRevs reads revisions of doc id from the source, each ready to be written with
// new_edits=false: its body as stored (members in order) with _revisions and the
// attachments' content inline. Revisions the source no longer has are skipped;
// latest=true turns a superseded one into its newest descendant (once).
func (p *dbPair) readRevs(ctx context.Context, id string, revs []string) ([]json.RawMessage, error) {
	ctx, cancel := context.WithTimeout(ctx, p.srcTimeout)
	defer cancel()
	op := "open_revs " + p.name + "/" + id
	rs := p.src.OpenRevs(ctx, id, revs, kivik.Params(map[string]any{"revs": true, "latest": true, "attachments": true}))
	defer rs.Close()
	seen := map[string]bool{}
	var docs []json.RawMessage
	for rs.Next() {
		rev, err := rs.Rev()
		if kivik.HTTPStatus(err) == http.StatusNotFound || (err == nil && seen[rev]) {
			continue
		}
		if err != nil {
			return nil, translate(err, op, nil)
		}
		seen[rev] = true
		doc, err := replicaDoc(rs)
		if err != nil {
			return nil, translate(err, fmt.Sprintf("%s rev %s", op, rev), nil)
		}
		docs = append(docs, doc)
	}
	if err := rs.Err(); err != nil && kivik.HTTPStatus(err) != http.StatusNotFound {
		return nil, translate(err, op, nil)
	}
	return docs, nil
}

// writeRev stores one replicated revision on the target.
func (p *dbPair) writeRev(ctx context.Context, id string, doc json.RawMessage) error {
	ctx, cancel := context.WithTimeout(ctx, p.dstTimeout)
	defer cancel()
	_, err := p.dst.Put(ctx, id, doc, kivik.Param("new_edits", false))
	return translate(err, "put "+p.name+"/"+id+" new_edits=false", nil)
}

// replicaDoc returns the current row of an open_revs result set as the JSON body to
// write with new_edits=false: every member as read except _attachments, whose
// entries become {content_type, revpos, data} with the content base64-encoded.
// Content arrives inline ("data", CouchDB's JSON answer) or after the body
// ("follows", CouchDB's multipart answer and the embedded driver); gzip-encoded
// content is decoded.
func replicaDoc(rs *kivik.ResultSet) (json.RawMessage, error) {
	var raw json.RawMessage
	if err := rs.ScanDoc(&raw); err != nil {
		return nil, err
	}
	members, err := objectMembers(raw)
	if err != nil {
		return nil, err
	}
	for i, m := range members {
		if m.key != "_attachments" {
			continue
		}
		if members[i].value, err = inlineAttachments(rs, m.value); err != nil {
			return nil, err
		}
	}
	return encodeMembers(members)
}

// attachmentStub is what replicaDoc reads of an _attachments entry.
type attachmentStub struct {
	ContentType string          `json:"content_type"`
	RevPos      json.RawMessage `json:"revpos,omitempty"`
	Data        *string         `json:"data"`
	Follows     bool            `json:"follows"`
}

// inlineAttachments rewrites the _attachments member raw with every content inline.
func inlineAttachments(rs *kivik.ResultSet, raw json.RawMessage) (json.RawMessage, error) {
	entries, err := objectMembers(raw)
	if err != nil {
		return nil, fmt.Errorf("_attachments: %w", err)
	}
	var following map[string][]byte
	for i, e := range entries {
		var a attachmentStub
		if err := json.Unmarshal(e.value, &a); err != nil {
			return nil, fmt.Errorf("attachment %q: %w", e.key, err)
		}
		if a.Data == nil {
			if !a.Follows {
				return nil, fmt.Errorf("attachment %q: the source sent a stub without content", e.key)
			}
			if following == nil {
				if following, err = followingContent(rs); err != nil {
					return nil, err
				}
			}
			content, ok := following[e.key]
			if !ok {
				return nil, fmt.Errorf("attachment %q: no content after the document", e.key)
			}
			s := base64.StdEncoding.EncodeToString(content)
			a.Data = &s
		}
		out := struct {
			ContentType string          `json:"content_type"`
			RevPos      json.RawMessage `json:"revpos,omitempty"`
			Data        string          `json:"data"`
		}{a.ContentType, a.RevPos, *a.Data}
		if entries[i].value, err = json.Marshal(out); err != nil {
			return nil, err
		}
	}
	return encodeMembers(entries)
}

// followingContent reads the attachment contents that follow the current row.
func followingContent(rs *kivik.ResultSet) (map[string][]byte, error) {
	atts, err := rs.Attachments()
	if err != nil {
		return nil, fmt.Errorf("attachments: %w", err)
	}
	defer atts.Close()
	out := map[string][]byte{}
	for {
		att, err := atts.Next()
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return nil, fmt.Errorf("attachments: %w", err)
		}
		b, err := readContent(att)
		if err != nil {
			return nil, fmt.Errorf("attachment %q: %w", att.Filename, err)
		}
		out[att.Filename] = b
	}
}

// readContent reads and closes an attachment's content, decoding gzip.
func readContent(att *kivik.Attachment) ([]byte, error) {
	defer att.Content.Close()
	var r io.Reader = att.Content
	switch att.ContentEncoding {
	case "", "identity":
	case "gzip":
		zr, err := gzip.NewReader(att.Content)
		if err != nil {
			return nil, err
		}
		defer zr.Close()
		r = zr
	default:
		return nil, fmt.Errorf("unknown content encoding %q", att.ContentEncoding)
	}
	return io.ReadAll(r)
}

// member is one member of a JSON object, its value as written.
type member struct {
	key   string
	value json.RawMessage
}

// objectMembers splits a JSON object into its members, in order.
func objectMembers(raw []byte) ([]member, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return nil, fmt.Errorf("not a JSON object")
	}
	var out []member
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			return nil, err
		}
		key, _ := t.(string)
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			return nil, err
		}
		out = append(out, member{key, v})
	}
	if _, err := dec.Token(); err != nil {
		return nil, err
	}
	return out, nil
}

// encodeMembers writes members as a JSON object, in order.
func encodeMembers(members []member) (json.RawMessage, error) {
	var b bytes.Buffer
	b.WriteByte('{')
	for i, m := range members {
		if i > 0 {
			b.WriteByte(',')
		}
		k, err := json.Marshal(m.key)
		if err != nil {
			return nil, err
		}
		b.Write(k)
		b.WriteByte(':')
		b.Write(m.value)
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

package embedded

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"

	"github.com/go-kivik/kivik/v4/driver"
)

// Put writes a document under docID (the body's _id is ignored, as CouchDB does).
// Options: rev (must agree with the body's _rev), new_edits=false to store a
// replicated revision with its _revisions history as is.
func (db *db) Put(ctx context.Context, docID string, doc any, options driver.Options) (string, error) {
	if docID == "" {
		return "", errMissingArg("docID")
	}
	in, newEdits, err := readWrite(doc, options)
	if err != nil {
		return "", err
	}
	return db.write(ctx, docID, in, newEdits)
}

// CreateDoc writes a document under its _id, or under a new random id.
func (db *db) CreateDoc(ctx context.Context, doc any, options driver.Options) (string, string, error) {
	in, newEdits, err := readWrite(doc, options)
	if err != nil {
		return "", "", err
	}
	id := in.ID
	if !in.HasID || id == "" {
		id = newDocID()
	}
	rev, err := db.write(ctx, id, in, newEdits)
	return id, rev, err
}

// Delete writes a tombstone on top of the rev option's revision; rev is required.
// A missing document is 404 "missing", a deleted one 404 "deleted".
func (db *db) Delete(ctx context.Context, docID string, options driver.Options) (string, error) {
	if docID == "" {
		return "", errMissingArg("docID")
	}
	rev, _, err := readParams(options).text("rev")
	if err != nil {
		return "", err
	}
	if rev == "" {
		return "", errMissingArg("rev")
	}
	in := &incomingDoc{Rev: rev, Deleted: true, Body: []byte("{}")}
	if isLocalID(docID) {
		return db.write(ctx, docID, in, true)
	}
	var newRev string
	err = db.c.update(ctx, db.name, func(d *dbTx) error {
		if _, _, _, err := readRevision(d, docID, ""); err != nil {
			return err
		}
		var err error
		newRev, err = db.c.writeOne(d, docID, in, true)
		return err
	})
	return newRev, err
}

func readWrite(doc any, options driver.Options) (*incomingDoc, bool, error) {
	raw, err := marshalDoc(doc)
	if err != nil {
		return nil, false, err
	}
	in, err := parseDoc(raw)
	if err != nil {
		return nil, false, err
	}
	p := readParams(options)
	rev, ok, err := p.text("rev")
	if err != nil {
		return nil, false, err
	}
	if ok && rev != "" {
		if in.Rev != "" && in.Rev != rev {
			return nil, false, errBadRequest("Document rev from request body and query string have different values")
		}
		in.Rev = rev
	}
	newEdits, err := p.boolDefault("new_edits", true)
	return in, newEdits, err
}

func (db *db) write(ctx context.Context, id string, in *incomingDoc, newEdits bool) (string, error) {
	var rev string
	err := db.c.update(ctx, db.name, func(d *dbTx) error {
		var err error
		rev, err = db.c.writeOne(d, id, in, newEdits)
		return err
	})
	return rev, err
}

// writeOne prepares and applies one write in d's transaction.
func (c *client) writeOne(d *dbTx, id string, in *incomingDoc, newEdits bool) (string, error) {
	if isLocalID(id) {
		return putLocal(d, id, in)
	}
	w := &docWrite{id: id, in: in, newEdits: newEdits}
	if err := c.prepare(d, w); err != nil {
		return "", err
	}
	return w.rev, c.apply(d, w)
}

// BulkDocs writes many documents in one transaction, with a result per document
// (conflicts are per-document errors). With new_edits=false only failures are
// returned, as CouchDB does.
func (db *db) BulkDocs(ctx context.Context, docs []any, options driver.Options) ([]driver.BulkResult, error) {
	newEdits, err := readParams(options).boolDefault("new_edits", true)
	if err != nil {
		return nil, err
	}
	ins := make([]*incomingDoc, len(docs))
	for i, doc := range docs {
		raw, err := marshalDoc(doc)
		if err != nil {
			return nil, err
		}
		if ins[i], err = parseDoc(raw); err != nil {
			return nil, err
		}
		if !ins[i].HasID || ins[i].ID == "" {
			ins[i].ID = newDocID()
		}
	}
	var results []driver.BulkResult
	err = db.c.update(ctx, db.name, func(d *dbTx) error {
		results = results[:0]
		for _, in := range ins {
			res, err := db.c.bulkOne(d, in, newEdits)
			if err != nil {
				return err
			}
			if newEdits || res.Error != nil {
				results = append(results, res)
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if results == nil {
		results = []driver.BulkResult{}
	}
	return results, nil
}

// bulkOne writes one document of a batch: failed checks become the document's
// result; a failure while applying aborts the batch.
func (c *client) bulkOne(d *dbTx, in *incomingDoc, newEdits bool) (driver.BulkResult, error) {
	res := driver.BulkResult{ID: in.ID}
	if isLocalID(in.ID) {
		rev, err := putLocal(d, in.ID, in)
		res.Rev, res.Error = rev, bulkError(err)
		return res, nil
	}
	w := &docWrite{id: in.ID, in: in, newEdits: newEdits}
	if err := c.prepare(d, w); err != nil {
		res.Error = bulkError(err)
		return res, nil
	}
	res.Rev = w.rev
	return res, c.apply(d, w)
}

// bulkError reports a per-document failure as kivik's CouchDB driver does: a
// conflict keeps 409, anything else arrives as a 500 carrying CouchDB's reason.
func bulkError(err error) error {
	if err == nil {
		return nil
	}
	e, ok := err.(*Error)
	if !ok || e.Status == http.StatusConflict {
		return err
	}
	return &Error{Status: http.StatusInternalServerError, Name: e.Name, Reason: e.Reason}
}

// newDocID returns 32 random hex digits, like CouchDB's random UUIDs.
func newDocID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

func localRev(n int) string { return "0-" + strconv.Itoa(n) }

// putLocal writes or deletes a _local document. Local documents have no history
// and, as in CouchDB (couch_db_updater:increment_local_doc_revs), no conflicts: the
// revision is a counter "0-N", a write stores the given revision plus one (no
// revision: 0-1), whatever is stored; a delete removes the doc whatever revision it
// names (404 when there is none).
func putLocal(d *dbTx, id string, in *incomingDoc) (string, error) {
	given := 0
	if in.Rev != "" {
		n, ok := strings.CutPrefix(in.Rev, "0-")
		g, err := strconv.Atoi(n)
		if !ok || err != nil {
			return "", errBadRequest("Invalid rev format")
		}
		given = g
	}
	if in.Deleted {
		if d.local.Get([]byte(id)) == nil {
			return "", errDocMissing
		}
		return "0-0", d.local.Delete([]byte(id))
	}
	raw, err := json.Marshal(localDoc{Rev: given + 1, Body: in.Body})
	if err != nil {
		return "", err
	}
	return localRev(given + 1), d.local.Put([]byte(id), raw)
}

// editAttachments makes a new revision of a document with its attachments
// changed by edit (which sees the current attachments as stubs). Without a rev
// it creates the document, or is a 409 if the document exists.
func (db *db) editAttachments(ctx context.Context, docID, rev string, edit func([]incomingAtt) ([]incomingAtt, error)) (string, error) {
	var newRev string
	err := db.c.update(ctx, db.name, func(d *dbTx) error {
		in := &incomingDoc{Rev: rev, Body: []byte("{}"), HasAtts: true}
		if rev != "" {
			_, r, _, err := readRevision(d, docID, rev)
			if err != nil && err != errDocMissing {
				return err
			}
			if err == errDocMissing {
				return errConflict
			}
			in.Body = append([]byte(nil), r.Body...)
			for _, a := range r.Atts {
				in.Atts = append(in.Atts, incomingAtt{Name: a.Name, Stub: true})
			}
		}
		atts, err := edit(in.Atts)
		if err != nil {
			return err
		}
		in.Atts = atts
		newRev, err = db.c.writeOne(d, docID, in, true)
		return err
	})
	return newRev, err
}

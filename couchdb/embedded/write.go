package embedded

import (
	"crypto/md5"
	"encoding/hex"
	"strconv"
)

// docWrite is one document write, checked by prepare before apply changes
// anything, so that a failed document in a _bulk_docs batch leaves no trace.
type docWrite struct {
	id       string
	in       *incomingDoc
	newEdits bool

	existed    bool
	info       *docInfo
	oldWinner  string
	oldDeleted bool

	rev       string // the revision written
	noop      bool   // replicated revision already known
	anchor    int    // parent revision index, -1 for none
	anchorRev string
	dropBody  bool // the anchor was a leaf whose body is superseded
	revision  *revision
	attPuts   []attPut
}

// prepare checks the write against the stored document (MVCC, stubs, design doc
// validity) and computes the new revision. It writes nothing.
func (c *client) prepare(d *dbTx, w *docWrite) error {
	if err := validDocID(w.id); err != nil {
		return err
	}
	w.info = &docInfo{}
	w.oldDeleted = true
	if raw := d.doc.Get([]byte(w.id)); raw != nil {
		info, err := decodeDocInfo(raw)
		if err != nil {
			return err
		}
		w.info, w.existed = info, true
		w.oldWinner, w.oldDeleted = info.winningRev()
	}
	var err error
	if w.newEdits {
		err = w.prepareEdit()
	} else {
		err = w.prepareReplicated()
	}
	if err != nil || w.noop {
		return err
	}
	if isDesignID(w.id) && !w.in.Deleted {
		if err := c.validateDesign(w.in.Body); err != nil {
			return err
		}
	}
	var parent *revision
	if w.anchor >= 0 {
		w.anchorRev = w.info.Revs[w.anchor].Rev
		if raw := d.body.Get(bodyKey(w.id, w.anchorRev)); raw != nil {
			if parent, err = decodeRevision(raw); err != nil {
				return err
			}
			w.dropBody = true
		}
	}
	w.revision = &revision{Body: w.in.Body, Deleted: w.in.Deleted}
	if w.in.HasAtts {
		w.revision.Atts, w.attPuts, err = resolveAtts(d, w.id, w.rev, revGen(w.rev), w.in.Atts, w.anchorRev, parent)
	}
	return err
}

// prepareEdit applies CouchDB's interactive-edit rules: a new document must not
// name a _rev; an existing one must name a leaf revision, unless every revision
// is deleted (re-creation continues the deleted branch).
func (w *docWrite) prepareEdit() error {
	w.anchor = -1
	switch {
	case !w.existed:
		if w.in.Rev != "" {
			return errConflict
		}
	case w.in.Rev == "":
		win := w.info.winner()
		if !w.info.Revs[win].Deleted {
			return errConflict
		}
		w.anchor = win
	default:
		if _, _, ok := parseRev(w.in.Rev); !ok {
			return errBadRequest("Invalid rev format")
		}
		w.anchor = w.info.find(w.in.Rev)
		if w.anchor < 0 || !w.info.isLeaf(w.anchor) {
			return errConflict
		}
	}
	gen, parentRev := 1, ""
	if w.anchor >= 0 {
		parentRev = w.info.Revs[w.anchor].Rev
		gen = revGen(parentRev) + 1
	}
	w.rev = strconv.Itoa(gen) + "-" + revHash(parentRev, w.in)
	w.info.addChild(w.anchor, w.rev, w.in.Deleted)
	return nil
}

// prepareReplicated merges a revision with its _revisions history as written by
// a replicator (new_edits=false).
func (w *docWrite) prepareReplicated() error {
	revs := []string{w.in.Rev}
	if w.in.Revisions != nil {
		revs = w.in.Revisions.revs()
		if w.in.Rev != "" && w.in.Rev != revs[0] {
			return errBadRequest("_rev does not match _revisions")
		}
	}
	for _, r := range revs {
		if _, _, ok := parseRev(r); !ok {
			return errBadRequest("Invalid rev format")
		}
	}
	var added bool
	_, w.anchor, added = w.info.mergePath(revs, w.in.Deleted)
	w.rev, w.noop = revs[0], !added
	return nil
}

// revHash derives a revision hash from the parent revision and the content, so
// that the same edit of the same revision yields the same revision id.
func revHash(parentRev string, in *incomingDoc) string {
	h := md5.New()
	h.Write([]byte(parentRev))
	if in.Deleted {
		h.Write([]byte{0, 1})
	} else {
		h.Write([]byte{0, 0})
	}
	h.Write(in.Body)
	for _, a := range in.Atts {
		h.Write([]byte{0})
		h.Write([]byte(a.Name))
		h.Write([]byte{0})
		if a.Data != nil {
			h.Write([]byte(digestOf(a.Data)))
		} else {
			h.Write([]byte("stub"))
		}
	}
	return hex.EncodeToString(h.Sum(nil))
}

// apply stores a prepared write: revision body and attachments, revision tree,
// by-sequence entry, counters and every view index, all in d's transaction.
func (c *client) apply(d *dbTx, w *docWrite) error {
	if w.noop {
		return nil
	}
	enc, err := encodeRevision(w.revision)
	if err != nil {
		return err
	}
	if err := d.body.Put(bodyKey(w.id, w.rev), enc); err != nil {
		return err
	}
	for _, p := range w.attPuts {
		if err := d.att.Put(p.key, p.data); err != nil {
			return err
		}
	}
	if w.dropBody {
		if err := deleteRevision(d, w.id, w.anchorRev); err != nil {
			return err
		}
	}
	w.info.stem(revsLimit)
	if err := c.writeInfo(d, w); err != nil {
		return err
	}
	newWinner, _ := w.info.winningRev()
	if newWinner == w.oldWinner {
		return nil
	}
	if isDesignID(w.id) {
		return c.designChanged(d, w.id)
	}
	return c.reindexDoc(d, w.id, w.info)
}

// writeInfo stores the revision tree under a new update sequence and keeps the
// document counters.
func (c *client) writeInfo(d *dbTx, w *docWrite) error {
	seq, err := d.nextSeq()
	if err != nil {
		return err
	}
	if w.info.Seq > 0 {
		if err := d.seq.Delete(u64(w.info.Seq)); err != nil {
			return err
		}
	}
	w.info.Seq = seq
	if err := d.seq.Put(u64(seq), []byte(w.id)); err != nil {
		return err
	}
	enc, err := encodeDocInfo(w.info)
	if err != nil {
		return err
	}
	if err := d.doc.Put([]byte(w.id), enc); err != nil {
		return err
	}
	_, deleted := w.info.winningRev()
	return adjustCounts(d, w.existed, w.oldDeleted, deleted)
}

func adjustCounts(d *dbTx, existed, wasDeleted, deleted bool) error {
	var docs, dels int64
	if existed {
		if wasDeleted == deleted {
			return nil
		}
		if wasDeleted {
			dels--
		} else {
			docs--
		}
	}
	if deleted {
		dels++
	} else {
		docs++
	}
	if err := d.addCounter(metaDocs, docs); err != nil {
		return err
	}
	return d.addCounter(metaDeleted, dels)
}

// deleteRevision removes a superseded revision's body and attachment content.
func deleteRevision(d *dbTx, id, rev string) error {
	key := bodyKey(id, rev)
	raw := d.body.Get(key)
	if raw == nil {
		return nil
	}
	r, err := decodeRevision(raw)
	if err != nil {
		return err
	}
	for _, a := range r.Atts {
		if err := d.att.Delete(attKey(id, rev, a.Name)); err != nil {
			return err
		}
	}
	return d.body.Delete(key)
}

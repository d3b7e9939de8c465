package embedded

import (
	"bytes"
	"context"
	"encoding/json"
	"io"

	"github.com/go-kivik/kivik/v4/driver"
)

// readRevision finds a revision of a document: the winner when rev is empty (404
// "deleted" if the winner is a deletion), else the named revision (404 "missing"
// if unknown or its body was superseded). The revision's Body aliases the
// transaction's memory.
func readRevision(d *dbTx, id, rev string) (*docInfo, *revision, string, error) {
	raw := d.doc.Get([]byte(id))
	if raw == nil {
		return nil, nil, "", errDocMissing
	}
	if rev == "" {
		h, err := decodeDocHead(raw)
		if err != nil {
			return nil, nil, "", err
		}
		if h.Deleted {
			return nil, nil, "", errDocDeleted
		}
		r, err := loadRevision(d, id, h.Winner)
		return nil, r, h.Winner, err
	}
	info, err := decodeDocInfo(raw)
	if err != nil {
		return nil, nil, "", err
	}
	if info.find(rev) < 0 {
		return nil, nil, "", errDocMissing
	}
	r, err := loadRevision(d, id, rev)
	return info, r, rev, err
}

// getOptions are the options of Get and OpenRevs.
type getOptions struct {
	rev              string
	revs             bool
	conflicts        bool
	deletedConflicts bool
	revsInfo         bool
	latest           bool
	localSeq         bool
	attachments      bool
}

func readGetOptions(p params) (*getOptions, error) {
	o := &getOptions{}
	var err error
	if o.rev, _, err = p.text("rev"); err != nil {
		return nil, err
	}
	flags := []struct {
		name string
		dst  *bool
	}{
		{"revs", &o.revs}, {"conflicts", &o.conflicts}, {"deleted_conflicts", &o.deletedConflicts},
		{"revs_info", &o.revsInfo}, {"latest", &o.latest}, {"local_seq", &o.localSeq},
		{"attachments", &o.attachments},
	}
	for _, f := range flags {
		if *f.dst, err = p.bool(f.name); err != nil {
			return nil, err
		}
	}
	meta, err := p.bool("meta")
	if err != nil {
		return nil, err
	}
	if meta {
		o.conflicts, o.deletedConflicts, o.revsInfo = true, true, true
	}
	return o, nil
}

// needsTree reports whether the options need the whole revision tree.
func (o *getOptions) needsTree() bool {
	return o.rev != "" || o.revs || o.conflicts || o.deletedConflicts || o.revsInfo || o.localSeq
}

// render builds the JSON of one revision with the requested extras, copying
// everything out of the transaction.
func (o *getOptions) render(d *dbTx, id, rev string, r *revision, info *docInfo) ([]byte, driver.Attachments, error) {
	if info == nil && o.needsTree() {
		var err error
		if info, err = decodeDocInfo(d.doc.Get([]byte(id))); err != nil {
			return nil, nil, err
		}
	}
	out := docOut{ID: id, Rev: rev, Rev0: r}
	if info != nil {
		i := info.find(rev)
		if o.revs {
			out.Revisions = info.path(i)
		}
		if o.conflicts {
			out.Conflicts = info.otherLeaves(false)
		}
		if o.deletedConflicts {
			out.DeletedConflicts = info.otherLeaves(true)
		}
		if o.revsInfo {
			out.RevsInfo = revsInfo(d, id, info, i)
		}
		if o.localSeq {
			out.LocalSeq = info.Seq
		}
	}
	var atts driver.Attachments
	if o.attachments && len(r.Atts) > 0 {
		out.AttMode = attFollows
		atts = &attachments{metas: r.Atts, data: loadAttData(d, id, rev, r)}
	}
	return out.appendJSON(nil), atts, nil
}

func revsInfo(d *dbTx, id string, info *docInfo, i int) []revInfo {
	var out []revInfo
	for ; i >= 0; i = info.Revs[i].Parent {
		status := "missing"
		switch {
		case info.Revs[i].Deleted:
			status = "deleted"
		case d.body.Get(bodyKey(id, info.Revs[i].Rev)) != nil:
			status = "available"
		}
		out = append(out, revInfo{Rev: info.Revs[i].Rev, Status: status})
	}
	return out
}

// latestLeaf returns the winning leaf among the descendants of revision i (i
// itself when it is a leaf), for latest=true.
func (info *docInfo) latestLeaf(i int) int {
	best := -1
	for _, l := range info.leaves() {
		for j := l; j >= 0; j = info.Revs[j].Parent {
			if j == i {
				if best < 0 || info.beats(l, best) {
					best = l
				}
				break
			}
		}
	}
	return best
}

// Get returns a document: the winning revision, or the rev option's. Options:
// rev, revs, conflicts, deleted_conflicts, revs_info, meta, latest, local_seq,
// attachments (then _attachments carry "follows" and the content comes through
// Document.Attachments, as with kivik's CouchDB driver).
func (db *db) Get(ctx context.Context, docID string, options driver.Options) (*driver.Document, error) {
	if docID == "" {
		return nil, errMissingArg("docID")
	}
	o, err := readGetOptions(readParams(options))
	if err != nil {
		return nil, err
	}
	if isLocalID(docID) {
		return db.getLocal(ctx, docID)
	}
	var doc driver.Document
	err = db.c.viewDB(ctx, db.name, func(d *dbTx) error {
		info, r, rev, err := db.lookup(d, docID, o)
		if err != nil {
			return err
		}
		body, atts, err := o.render(d, docID, rev, r, info)
		if err != nil {
			return err
		}
		doc = driver.Document{Rev: rev, Body: io.NopCloser(bytes.NewReader(body)), Attachments: atts}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &doc, nil
}

// lookup applies rev and latest.
func (db *db) lookup(d *dbTx, docID string, o *getOptions) (*docInfo, *revision, string, error) {
	if !o.latest || o.rev == "" {
		return readRevision(d, docID, o.rev)
	}
	raw := d.doc.Get([]byte(docID))
	if raw == nil {
		return nil, nil, "", errDocMissing
	}
	info, err := decodeDocInfo(raw)
	if err != nil {
		return nil, nil, "", err
	}
	i := info.find(o.rev)
	if i < 0 {
		return nil, nil, "", errDocMissing
	}
	rev := info.Revs[info.latestLeaf(i)].Rev
	r, err := loadRevision(d, docID, rev)
	return info, r, rev, err
}

// GetRev returns the revision Get would return.
func (db *db) GetRev(ctx context.Context, docID string, options driver.Options) (string, error) {
	if docID == "" {
		return "", errMissingArg("docID")
	}
	o, err := readGetOptions(readParams(options))
	if err != nil {
		return "", err
	}
	if isLocalID(docID) {
		doc, err := db.getLocal(ctx, docID)
		if err != nil {
			return "", err
		}
		return doc.Rev, nil
	}
	var rev string
	err = db.c.viewDB(ctx, db.name, func(d *dbTx) error {
		var err error
		_, _, rev, err = db.lookup(d, docID, o)
		return err
	})
	return rev, err
}

// OpenRevs returns the requested revisions (["all"]: every leaf), each as a row
// with the document, or with a 404 error and Rev set for an unknown revision. Each
// row carries its attachments' content whatever the options say, as CouchDB's
// multipart open_revs answer (what kivik's CouchDB driver asks for) does: that is
// how kivik's replication copies attachments.
func (db *db) OpenRevs(ctx context.Context, docID string, revs []string, options driver.Options) (driver.Rows, error) {
	if docID == "" {
		return nil, errMissingArg("docID")
	}
	o, err := readGetOptions(readParams(options))
	if err != nil {
		return nil, err
	}
	o.rev, o.attachments = "", true
	var rows []driver.Row
	err = db.c.viewDB(ctx, db.name, func(d *dbTx) error {
		raw := d.doc.Get([]byte(docID))
		if raw == nil {
			return errDocMissing
		}
		info, err := decodeDocInfo(raw)
		if err != nil {
			return err
		}
		for _, rev := range db.openRevList(info, revs, o.latest) {
			row, err := openRev(d, docID, rev, info, o)
			if err != nil {
				return err
			}
			rows = append(rows, row)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &rowsIter{rows: rows}, nil
}

func (db *db) openRevList(info *docInfo, revs []string, latest bool) []string {
	if len(revs) == 1 && revs[0] == "all" {
		return info.leafRevs()
	}
	var out []string
	seen := map[string]bool{}
	for _, rev := range revs {
		if i := info.find(rev); i >= 0 && latest {
			rev = info.Revs[info.latestLeaf(i)].Rev
		}
		if !seen[rev] {
			seen[rev] = true
			out = append(out, rev)
		}
	}
	return out
}

func openRev(d *dbTx, id, rev string, info *docInfo, o *getOptions) (driver.Row, error) {
	missing := driver.Row{ID: id, Rev: rev, Error: errNotFound("missing")}
	if info.find(rev) < 0 {
		return missing, nil
	}
	raw := d.body.Get(bodyKey(id, rev))
	if raw == nil {
		return missing, nil
	}
	r, err := decodeRevision(raw)
	if err != nil {
		return driver.Row{}, err
	}
	body, atts, err := o.render(d, id, rev, r, info)
	if err != nil {
		return driver.Row{}, err
	}
	return driver.Row{ID: id, Rev: rev, Doc: bytes.NewReader(body), Attachments: atts}, nil
}

// localDoc is a stored _local document: a counter revision and a body.
type localDoc struct {
	Rev  int             `json:"rev"`
	Body json.RawMessage `json:"body"`
}

func (db *db) getLocal(ctx context.Context, id string) (*driver.Document, error) {
	var doc driver.Document
	err := db.c.viewDB(ctx, db.name, func(d *dbTx) error {
		raw := d.local.Get([]byte(id))
		if raw == nil {
			return errDocMissing
		}
		var l localDoc
		if err := json.Unmarshal(raw, &l); err != nil {
			return errCorrupt
		}
		rev := localRev(l.Rev)
		out := docOut{ID: id, Rev: rev, Rev0: &revision{Body: l.Body}}
		doc = driver.Document{Rev: rev, Body: io.NopCloser(bytes.NewReader(out.appendJSON(nil)))}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &doc, nil
}

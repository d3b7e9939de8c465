package couchdb

import (
	"context"
	"encoding/json"
	"net/http"
	"slices"
	"sync"

	kivik "github.com/go-kivik/kivik/v4"
)

// changesPage is how many _changes rows candidates reads per request.
const changesPage = 500

// diffBatch is how many docs diverged checks per _all_docs request.
const diffBatch = 200

// replicateDB brings the target database up to date with the source: first the docs
// kivik's replicator cannot copy (see candidates) with copyDoc, then everything else
// with kivik.Replicate. Should kivik still meet a doc it cannot write (412: an
// attachment stub, e.g. a doc that gained attachments meanwhile), that doc is copied
// with copyDoc and kivik runs again, once per such doc. It fills r's counts and
// returns the ids of the docs it wrote.
func (p *dbPair) replicateDB(ctx context.Context, r *Replication) ([]string, error) {
	written := map[string]bool{}
	copyOne := func(id string, leaves []string) error {
		read, n, err := p.copyDoc(ctx, id, leaves)
		r.DocsRead += read
		r.DocsWritten += n
		if n > 0 {
			written[id] = true
		}
		return err
	}
	cands, err := p.candidates(ctx)
	if err != nil {
		return nil, err
	}
	for _, c := range cands {
		if err := copyOne(c.id, c.leaves); err != nil {
			return sortedKeys(written), err
		}
	}
	retried := map[string]bool{}
	for {
		var w writeLog
		res, err := kivik.Replicate(ctx, p.dst, p.src, kivik.ReplicateCallback(w.event))
		if res != nil {
			r.DocsRead += res.DocsRead
			r.DocsWritten += res.DocsWritten
		}
		for _, id := range w.written {
			written[id] = true
		}
		if err == nil {
			return sortedKeys(written), nil
		}
		id := w.refused
		if id == "" || retried[id] || kivik.HTTPStatus(w.refusedErr) != http.StatusPreconditionFailed {
			if res != nil {
				r.WriteFailures += res.DocWriteFailures
			}
			return sortedKeys(written), translate(err, "replicate "+p.name, nil)
		}
		retried[id] = true
		if err := copyOne(id, nil); err != nil {
			return sortedKeys(written), err
		}
	}
}

// writeLog records the writes of one kivik.Replicate run. kivik calls event from
// several goroutines.
type writeLog struct {
	mu         sync.Mutex
	written    []string
	refused    string
	refusedErr error
}

func (w *writeLog) event(e kivik.ReplicationEvent) {
	if e.Type != "document" || e.Read {
		return
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if e.Error == nil {
		w.written = append(w.written, e.DocID)
		return
	}
	w.refused, w.refusedErr = e.DocID, e.Error
}

// candidate is a doc for copyDoc with the source's leaf revisions.
type candidate struct {
	id     string
	leaves []string
}

// candidates lists the source's docs that kivik.Replicate cannot copy: those whose
// winning revision has attachments (kivik v4.5 reads them without their content and
// writes stubs the target lacks), and those with more than one leaf (a conflicting
// or deleted leaf may have attachments too). It reads _changes (style=all_docs,
// include_docs) in pages.
func (p *dbPair) candidates(ctx context.Context) ([]candidate, error) {
	var out []candidate
	since := "0"
	for {
		n, last, err := p.candidatesPage(ctx, since, &out)
		if err != nil || n < changesPage {
			return out, err
		}
		since = last
	}
}

func (p *dbPair) candidatesPage(ctx context.Context, since string, out *[]candidate) (int, string, error) {
	ctx, cancel := context.WithTimeout(ctx, p.srcTimeout)
	defer cancel()
	ch := p.src.Changes(ctx, kivik.Params(map[string]any{
		"feed": "normal", "style": "all_docs", "include_docs": true, "since": since, "limit": changesPage,
	}))
	defer ch.Close()
	n, last := 0, since
	for ch.Next() {
		n++
		last = ch.Seq()
		var doc struct {
			Attachments map[string]json.RawMessage `json:"_attachments"`
		}
		if err := ch.ScanDoc(&doc); err != nil && !ch.Deleted() {
			return 0, "", translate(err, "_changes "+p.name, nil)
		}
		if leaves := ch.Changes(); len(doc.Attachments) > 0 || len(leaves) > 1 {
			*out = append(*out, candidate{ch.ID(), leaves})
		}
	}
	return n, last, translate(ch.Err(), "_changes "+p.name, nil)
}

// diverged returns those of ids that are in conflict on the target with a live leaf
// revision the source does not have as a leaf: the target had edits of its own,
// which new_edits=false kept next to the source's. Sorted.
func (p *dbPair) diverged(ctx context.Context, ids []string) ([]string, error) {
	var out []string
	for batch := range slices.Chunk(ids, diffBatch) {
		conflicted, err := p.conflicted(ctx, batch)
		if err != nil {
			return nil, err
		}
		if len(conflicted) == 0 {
			continue
		}
		cids := make([]string, len(conflicted))
		for i, c := range conflicted {
			cids[i] = c.id
		}
		srcLeaves, err := p.leafRevs(ctx, p.src, p.srcTimeout, cids...)
		if err != nil {
			return nil, err
		}
		for _, c := range conflicted {
			for _, rev := range c.leaves {
				if !slices.Contains(srcLeaves[c.id], rev) {
					out = append(out, c.id)
					break
				}
			}
		}
	}
	slices.Sort(out)
	return out, nil
}

// conflicted returns those of ids whose doc on the target has more than one live
// leaf, with those leaves (_all_docs keys, include_docs, conflicts).
func (p *dbPair) conflicted(ctx context.Context, ids []string) ([]candidate, error) {
	ctx, cancel := context.WithTimeout(ctx, p.dstTimeout)
	defer cancel()
	rs := p.dst.AllDocs(ctx, kivik.Params(map[string]any{"keys": ids, "include_docs": true, "conflicts": true}))
	defer rs.Close()
	var out []candidate
	for rs.Next() {
		var doc struct {
			ID        string   `json:"_id"`
			Rev       string   `json:"_rev"`
			Conflicts []string `json:"_conflicts"`
		}
		if err := rs.ScanDoc(&doc); err != nil {
			if s := kivik.HTTPStatus(err); s == http.StatusNotFound || s == http.StatusBadRequest {
				continue // a missing id, or a deleted doc (no doc in the row)
			}
			return nil, translate(err, "_all_docs "+p.name, nil)
		}
		if len(doc.Conflicts) > 0 {
			out = append(out, candidate{doc.ID, append([]string{doc.Rev}, doc.Conflicts...)})
		}
	}
	return out, translate(rs.Err(), "_all_docs "+p.name, nil)
}

func sortedKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

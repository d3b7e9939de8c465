package embedded

import (
	"bytes"
	"context"
	"encoding/json"
	"strconv"

	"github.com/go-kivik/kivik/v4/driver"
	bolt "go.etcd.io/bbolt"
)

// docOptions say how included documents are rendered.
type docOptions struct {
	include     bool
	conflicts   bool
	attachments bool
}

func readDocOptions(p params) (docOptions, error) {
	var o docOptions
	var err error
	if o.include, err = p.bool("include_docs"); err != nil {
		return o, err
	}
	if o.conflicts, err = p.bool("conflicts"); err != nil {
		return o, err
	}
	o.attachments, err = p.bool("attachments")
	return o, err
}

// renderWinner renders the winning revision of id for include_docs; nil when the
// document is missing or deleted (the row then carries "doc": null).
func (o docOptions) renderWinner(d *dbTx, id string) ([]byte, error) {
	raw := d.doc.Get([]byte(id))
	if raw == nil {
		return nil, nil
	}
	h, err := decodeDocHead(raw)
	if err != nil || h.Deleted {
		return nil, err
	}
	return o.render(d, id, h.Winner, raw)
}

// render renders one revision of id with the conflicts and attachments options.
func (o docOptions) render(d *dbTx, id, rev string, infoRaw []byte) ([]byte, error) {
	r, err := loadRevision(d, id, rev)
	if err != nil {
		return nil, err
	}
	out := docOut{ID: id, Rev: rev, Rev0: r}
	if o.conflicts {
		info, err := decodeDocInfo(infoRaw)
		if err != nil {
			return nil, err
		}
		out.Conflicts = info.otherLeaves(false)
	}
	if o.attachments && len(r.Atts) > 0 {
		out.AttMode = attInline
		out.AttData = loadAttData(d, id, rev, r)
	}
	return out.appendJSON(nil), nil
}

var nullJSON = []byte("null")

// AllDocs lists documents by id in byte order (design docs included, _local and
// deleted ones not), with CouchDB's options: startkey, endkey, key, keys,
// inclusive_end, descending, skip, limit, include_docs, conflicts, attachments,
// update_seq. With keys, a missing id yields a row with only its key (CouchDB's
// {"key":..,"error":"not_found"}, seen through kivik's CouchDB driver) and a
// deleted one a row whose value has "deleted":true and whose doc is null.
func (db *db) AllDocs(ctx context.Context, options driver.Options) (driver.Rows, error) {
	return db.allDocs(ctx, options, nil)
}

// DesignDocs is AllDocs restricted to _design/ ids.
func (db *db) DesignDocs(ctx context.Context, options driver.Options) (driver.Rows, error) {
	return db.allDocs(ctx, options, []byte(designPrefix))
}

func (db *db) allDocs(ctx context.Context, options driver.Options, prefix []byte) (driver.Rows, error) {
	p := readParams(options)
	r, err := readStringRange(p, false)
	if err != nil {
		return nil, err
	}
	o, err := readDocOptions(p)
	if err != nil {
		return nil, err
	}
	keysJSON, hasKeys, err := p.json("keys")
	if err != nil {
		return nil, err
	}
	updateSeq, err := p.bool("update_seq")
	if err != nil {
		return nil, err
	}
	var keys []json.RawMessage
	if hasKeys {
		if json.Unmarshal(keysJSON, &keys) != nil {
			return nil, errBadRequest("`keys` must be an array")
		}
		if r.hasStart || r.hasEnd {
			return nil, errQueryParse("`keys` is incompatible with `key`, `start_key` and `end_key`")
		}
	}
	it := &rowsIter{}
	err = db.c.viewDB(ctx, db.name, func(d *dbTx) error {
		it.totalRows = int64(d.counter(metaDocs))
		if updateSeq {
			it.updateSeq = strconv.FormatUint(d.counter(metaSeq), 10)
		}
		if hasKeys {
			return allDocsKeys(d, it, keys, r, o)
		}
		return allDocsRange(d, it, r, o, prefix)
	})
	if err != nil {
		return nil, err
	}
	return it, nil
}

func allDocsRange(d *dbTx, it *rowsIter, r *stringRange, o docOptions, prefix []byte) error {
	cur := d.doc.Cursor()
	k, v := first(cur, r, prefix)
	var skipped int64
	for ; k != nil && bytes.HasPrefix(k, prefix); k, v = step(cur, r) {
		if !r.contains(k) {
			if r.pastEnd(k) {
				break
			}
			continue
		}
		h, err := decodeDocHead(v)
		if err != nil {
			return err
		}
		if h.Deleted {
			continue
		}
		if skipped < r.skip {
			skipped++
			continue
		}
		if r.hasLimit && int64(len(it.rows)) >= r.limit {
			break
		}
		row, err := allDocsRow(d, string(k), h, v, o)
		if err != nil {
			return err
		}
		it.rows = append(it.rows, row)
	}
	it.offset = min(it.totalRows, skipped+countBefore(d, r, prefix))
	return nil
}

// first positions the cursor at the first candidate of the range.
func first(cur *bolt.Cursor, r *stringRange, prefix []byte) ([]byte, []byte) {
	if !r.descending {
		switch {
		case r.hasStart && bytes.Compare(r.start, prefix) > 0:
			return cur.Seek(r.start)
		default:
			return cur.Seek(prefix)
		}
	}
	var k, v []byte
	if r.hasStart {
		k, v = cur.Seek(r.start)
		if k == nil {
			return cur.Last()
		}
		if !bytes.Equal(k, r.start) {
			return cur.Prev()
		}
		return k, v
	}
	if len(prefix) > 0 {
		k, _ = cur.Seek(prefixEnd(prefix))
		if k == nil {
			return cur.Last()
		}
		return cur.Prev()
	}
	return cur.Last()
}

func step(cur *bolt.Cursor, r *stringRange) ([]byte, []byte) {
	if r.descending {
		return cur.Prev()
	}
	return cur.Next()
}

// prefixEnd returns the smallest key greater than every key with prefix.
func prefixEnd(prefix []byte) []byte {
	end := bytes.Clone(prefix)
	for i := len(end) - 1; i >= 0; i-- {
		if end[i] < 0xFF {
			end[i]++
			return end[:i+1]
		}
	}
	return nil
}

// pastEnd reports whether k lies beyond the end key in the query's direction.
func (r *stringRange) pastEnd(k []byte) bool {
	if !r.hasEnd {
		return false
	}
	c := bytes.Compare(k, r.end)
	if r.descending {
		return c < 0 || (c == 0 && !r.inclusiveEnd)
	}
	return c > 0 || (c == 0 && !r.inclusiveEnd)
}

// countBefore counts live documents that precede the range in the query's
// direction: CouchDB's offset.
func countBefore(d *dbTx, r *stringRange, prefix []byte) int64 {
	if !r.hasStart {
		return 0
	}
	var n int64
	count := func(v []byte) {
		if h, err := decodeDocHead(v); err == nil && !h.Deleted {
			n++
		}
	}
	cur := d.doc.Cursor()
	if !r.descending {
		for k, v := cur.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix) && bytes.Compare(k, r.start) < 0; k, v = cur.Next() {
			count(v)
		}
		return n
	}
	for k, v := cur.Seek(r.start); k != nil && bytes.HasPrefix(k, prefix); k, v = cur.Next() {
		if !bytes.Equal(k, r.start) {
			count(v)
		}
	}
	return n
}

func allDocsRow(d *dbTx, id string, h docHead, infoRaw []byte, o docOptions) (driver.Row, error) {
	key := appendString(nil, id)
	value := append(append([]byte(`{"rev":`), appendString(nil, h.Winner)...), '}')
	row := driver.Row{ID: id, Key: key, Value: bytes.NewReader(value)}
	if o.include {
		doc, err := o.render(d, id, h.Winner, infoRaw)
		if err != nil {
			return row, err
		}
		row.Doc = bytes.NewReader(doc)
	}
	return row, nil
}

func allDocsKeys(d *dbTx, it *rowsIter, keys []json.RawMessage, r *stringRange, o docOptions) error {
	if r.descending {
		for i, j := 0, len(keys)-1; i < j; i, j = i+1, j-1 {
			keys[i], keys[j] = keys[j], keys[i]
		}
	}
	for n, key := range keys {
		if int64(n) < r.skip {
			continue
		}
		if r.hasLimit && int64(len(it.rows)) >= r.limit {
			break
		}
		it.rows = append(it.rows, allDocsKeyRow(d, key, o))
	}
	return nil
}

func allDocsKeyRow(d *dbTx, key json.RawMessage, o docOptions) driver.Row {
	missing := driver.Row{Key: bytes.Clone(key)}
	var id string
	if json.Unmarshal(key, &id) != nil {
		return missing
	}
	raw := d.doc.Get([]byte(id))
	if raw == nil {
		return missing
	}
	h, err := decodeDocHead(raw)
	if err != nil {
		return missing
	}
	if !h.Deleted {
		row, err := allDocsRow(d, id, h, raw, o)
		if err != nil {
			return missing
		}
		return row
	}
	value := append(append([]byte(`{"rev":`), appendString(nil, h.Winner)...), `,"deleted":true}`...)
	row := driver.Row{ID: id, Key: appendString(nil, id), Value: bytes.NewReader(value)}
	if o.include {
		row.Doc = bytes.NewReader(nullJSON)
	}
	return row
}

// LocalDocs lists _local documents by id.
func (db *db) LocalDocs(ctx context.Context, options driver.Options) (driver.Rows, error) {
	p := readParams(options)
	r, err := readStringRange(p, false)
	if err != nil {
		return nil, err
	}
	include, err := p.bool("include_docs")
	if err != nil {
		return nil, err
	}
	it := &rowsIter{}
	err = db.c.viewDB(ctx, db.name, func(d *dbTx) error {
		var all []driver.Row
		err := d.local.ForEach(func(k, v []byte) error {
			if !r.contains(k) {
				return nil
			}
			var l localDoc
			if err := json.Unmarshal(v, &l); err != nil {
				return errCorrupt
			}
			id := string(k)
			rev := localRev(l.Rev)
			row := driver.Row{ID: id, Key: appendString(nil, id),
				Value: bytes.NewReader(append(append([]byte(`{"rev":`), appendString(nil, rev)...), '}'))}
			if include {
				out := docOut{ID: id, Rev: rev, Rev0: &revision{Body: l.Body}}
				row.Doc = bytes.NewReader(out.appendJSON(nil))
			}
			all = append(all, row)
			return nil
		})
		if r.descending {
			for i, j := 0, len(all)-1; i < j; i, j = i+1, j-1 {
				all[i], all[j] = all[j], all[i]
			}
		}
		for n, row := range all {
			if int64(n) >= r.skip && (!r.hasLimit || int64(len(it.rows)) < r.limit) {
				it.rows = append(it.rows, row)
			}
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	return it, nil
}

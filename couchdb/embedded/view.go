package embedded

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"

	"github.com/go-kivik/kivik/v4/driver"
	bolt "go.etcd.io/bbolt"
)

// viewQuery holds the options of a view query.
type viewQuery struct {
	r          keyRange
	keys       [][]byte // encoded keys, for keys=[...]
	skip       int64
	limit      int64
	hasLimit   bool
	docs       docOptions
	reduce     bool
	hasReduce  bool
	group      bool
	groupLevel int64
	hasLevel   bool
	updateSeq  bool
}

// keyRange is a range of encoded row keys (see viewindex.go).
type keyRange struct {
	start, end       []byte
	hasStart, hasEnd bool
	inclusiveEnd     bool
	descending       bool
}

func (c *client) readViewQuery(p params) (*viewQuery, error) {
	q := &viewQuery{}
	var err error
	if q.r.descending, err = p.bool("descending"); err != nil {
		return nil, err
	}
	if q.r.inclusiveEnd, err = p.boolDefault("inclusive_end", true); err != nil {
		return nil, err
	}
	if q.limit, q.hasLimit, err = p.int("limit"); err != nil {
		return nil, err
	}
	if q.skip, _, err = p.int("skip"); err != nil {
		return nil, err
	}
	if q.docs, err = readDocOptions(p); err != nil {
		return nil, err
	}
	if q.updateSeq, err = p.bool("update_seq"); err != nil {
		return nil, err
	}
	if _, q.hasReduce = p["reduce"]; q.hasReduce {
		if q.reduce, err = p.bool("reduce"); err != nil {
			return nil, err
		}
	}
	if q.group, err = p.bool("group"); err != nil {
		return nil, err
	}
	if q.groupLevel, q.hasLevel, err = p.int("group_level"); err != nil {
		return nil, err
	}
	if err := c.readKeys(p, q); err != nil {
		return nil, err
	}
	return q, nil
}

// readKeys encodes startkey/endkey/key/keys (with the *_docid refinements).
func (c *client) readKeys(p params, q *viewQuery) error {
	enc := func(names ...string) ([]byte, bool, error) {
		raw, ok, err := p.firstJSON(names...)
		if err != nil || !ok {
			return nil, ok, err
		}
		v, err := decodeOrdered(raw)
		if err != nil {
			return nil, false, errQueryParse("Invalid JSON for %s", names[0])
		}
		return c.keys.encode(nil, v), true, nil
	}
	docid := func(b []byte, names ...string) ([]byte, error) {
		id, ok, err := p.firstText(names...)
		if err != nil || !ok {
			return b, err
		}
		return appendEscaped(b, []byte(id)), nil
	}
	var err error
	if q.r.start, q.r.hasStart, err = enc("startkey", "start_key"); err != nil {
		return err
	}
	if q.r.hasStart {
		if q.r.start, err = docid(q.r.start, "startkey_docid", "start_key_doc_id"); err != nil {
			return err
		}
	}
	if q.r.end, q.r.hasEnd, err = enc("endkey", "end_key"); err != nil {
		return err
	}
	if q.r.hasEnd {
		if q.r.end, err = docid(q.r.end, "endkey_docid", "end_key_doc_id"); err != nil {
			return err
		}
	}
	key, hasKey, err := enc("key")
	if err != nil {
		return err
	}
	keysRaw, hasKeys, err := p.json("keys")
	if err != nil {
		return err
	}
	switch {
	case hasKeys && (hasKey || q.r.hasStart || q.r.hasEnd):
		return errQueryParse("`keys` is incompatible with `key`, `start_key` and `end_key`")
	case hasKeys:
		var list []json.RawMessage
		if json.Unmarshal(keysRaw, &list) != nil {
			return errQueryParse("`keys` member must be an array.")
		}
		for _, k := range list {
			v, err := decodeOrdered(k)
			if err != nil {
				return err
			}
			q.keys = append(q.keys, c.keys.encode(nil, v))
		}
	case hasKey:
		q.r.start, q.r.end, q.r.hasStart, q.r.hasEnd, q.r.inclusiveEnd = key, key, true, true, true
	}
	if q.r.hasStart && q.r.hasEnd {
		c := bytes.Compare(q.r.start, q.r.end)
		if !q.r.descending && c > 0 || q.r.descending && c < 0 {
			return errQueryParse("No rows can match your key range, reverse your start_key and end_key or set descending=true")
		}
	}
	return nil
}

// cmpPrefix compares a row key with an encoded bound on the bound's length: 0
// means the row's key (and doc id, if the bound has one) equals the bound.
func cmpPrefix(k, bound []byte) int {
	return bytes.Compare(k[:min(len(k), len(bound))], bound)
}

// scan calls fn for each row of the range in order, until fn returns false.
func (r keyRange) scan(b *bolt.Bucket, fn func(k, v []byte) bool) {
	cur := b.Cursor()
	var k, v []byte
	switch {
	case !r.descending && r.hasStart:
		k, v = cur.Seek(r.start)
	case !r.descending:
		k, v = cur.First()
	case r.hasStart:
		if k, _ = cur.Seek(append(bytes.Clone(r.start), 0xFF)); k == nil {
			k, v = cur.Last()
		} else {
			k, v = cur.Prev()
		}
	default:
		k, v = cur.Last()
	}
	for ; k != nil; k, v = r.step(cur) {
		if r.hasEnd && r.past(k) {
			return
		}
		if !fn(k, v) {
			return
		}
	}
}

func (r keyRange) step(cur *bolt.Cursor) ([]byte, []byte) {
	if r.descending {
		return cur.Prev()
	}
	return cur.Next()
}

func (r keyRange) past(k []byte) bool {
	c := cmpPrefix(k, r.end)
	if r.descending {
		return c < 0 || c == 0 && !r.inclusiveEnd
	}
	return c > 0 || c == 0 && !r.inclusiveEnd
}

// countBefore counts the rows preceding the range in its direction (offset).
func (r keyRange) countBefore(b *bolt.Bucket) int64 {
	if !r.hasStart {
		return 0
	}
	var n int64
	cur := b.Cursor()
	if !r.descending {
		for k, _ := cur.First(); k != nil && bytes.Compare(k, r.start) < 0; k, _ = cur.Next() {
			n++
		}
		return n
	}
	for k, _ := cur.Seek(append(bytes.Clone(r.start), 0xFF)); k != nil; k, _ = cur.Next() {
		n++
	}
	return n
}

// Query queries a view of a design document in the database, with CouchDB's
// options: startkey, endkey, startkey_docid, endkey_docid, key, keys,
// inclusive_end, descending, skip, limit, include_docs (also for emitted
// {"_id": ...} values), conflicts, attachments, update_seq, and for views with a
// built-in reduce (_count, _sum, _stats, _approx_count_distinct): reduce, group,
// group_level. A missing design doc is 404 "missing", a missing view 404
// "missing_named_view". Indexes are always up to date (stale/update are ignored).
func (db *db) Query(ctx context.Context, ddoc, view string, options driver.Options) (driver.Rows, error) {
	p := readParams(options)
	if _, ok := p["queries"]; ok {
		return nil, newError(http.StatusNotImplemented, "not_implemented", "multiple queries are not supported by the embedded store")
	}
	q, err := db.c.readViewQuery(p)
	if err != nil {
		return nil, err
	}
	ddocID := designPrefix + strings.TrimPrefix(ddoc, designPrefix)
	it := &rowsIter{}
	err = db.c.viewDB(ctx, db.name, func(d *dbTx) error {
		b, v, err := db.c.openView(d, ddocID, view)
		if err != nil {
			return err
		}
		if q.updateSeq {
			it.updateSeq = strconv.FormatUint(d.counter(metaSeq), 10)
		}
		reduce := v.Reduce != "" && (!q.hasReduce || q.reduce)
		if err := q.check(v, reduce); err != nil {
			return err
		}
		vb := b.Bucket(viewBucketName(view))
		if reduce {
			it.rows, err = q.reduceRows(db.c.keys, vb, v)
			return err
		}
		it.totalRows = int64(binaryCount(b.Get(viewCountKey(view))))
		return q.mapRows(d, vb, it)
	})
	if err != nil {
		return nil, err
	}
	return it, nil
}

// openView finds the index bucket and definition of a view.
func (c *client) openView(d *dbTx, ddocID, view string) (*bolt.Bucket, *viewDef, error) {
	raw := d.doc.Get([]byte(ddocID))
	if raw == nil {
		return nil, nil, errDocMissing
	}
	if h, err := decodeDocHead(raw); err != nil || h.Deleted {
		if err != nil {
			return nil, nil, err
		}
		return nil, nil, errDocDeleted
	}
	b := d.view.Bucket([]byte(ddocID))
	if b == nil {
		def, err := c.loadDesign(d, ddocID)
		if err != nil {
			return nil, nil, err
		}
		if def == nil || def.view(view) == nil {
			return nil, nil, errNotFound("missing_named_view")
		}
		return nil, nil, newError(http.StatusNotImplemented, "not_implemented",
			"design doc language %q is not supported by the embedded store", def.language)
	}
	def, err := c.indexedDesign(d, ddocID, b)
	if err != nil {
		return nil, nil, err
	}
	v := def.view(view)
	if v == nil {
		return nil, nil, errNotFound("missing_named_view")
	}
	return b, v, nil
}

func (q *viewQuery) check(v *viewDef, reduce bool) error {
	switch {
	case reduce && q.docs.include:
		return errQueryParse("`include_docs` is invalid for reduce")
	case !reduce && (q.group || q.hasLevel) && v.Reduce == "":
		return errQueryParse("Invalid use of grouping on a map view.")
	case !reduce && (q.group || q.hasLevel):
		return errQueryParse("`group` and `group_level` are invalid when `reduce` is false")
	case reduce && !strings.HasPrefix(v.Reduce, "_"):
		return newError(http.StatusNotImplemented, "not_implemented",
			"JavaScript reduce functions are not supported by the embedded store; query with reduce=false")
	}
	return nil
}

// ranges returns the key ranges to read: one per key for keys=[...].
func (q *viewQuery) ranges() []keyRange {
	if q.keys == nil {
		return []keyRange{q.r}
	}
	out := make([]keyRange, len(q.keys))
	for i, k := range q.keys {
		out[i] = keyRange{start: k, end: k, hasStart: true, hasEnd: true, inclusiveEnd: true, descending: q.r.descending}
	}
	return out
}

// mapRows reads map rows with skip and limit, and the included docs.
func (q *viewQuery) mapRows(d *dbTx, vb *bolt.Bucket, it *rowsIter) error {
	skipped := int64(0)
	var err error
	for i, r := range q.ranges() {
		if i == 0 {
			it.offset = r.countBefore(vb)
		}
		r.scan(vb, func(_, v []byte) bool {
			if skipped < q.skip {
				skipped++
				return true
			}
			if q.hasLimit && int64(len(it.rows)) >= q.limit {
				return false
			}
			var row driver.Row
			if row, err = q.mapRow(d, v); err != nil {
				return false
			}
			it.rows = append(it.rows, row)
			return true
		})
		if err != nil {
			return err
		}
	}
	it.offset = min(it.totalRows, it.offset+skipped)
	return nil
}

func (q *viewQuery) mapRow(d *dbTx, v []byte) (driver.Row, error) {
	id, key, value, err := decodeRow(v)
	if err != nil {
		return driver.Row{}, err
	}
	row := driver.Row{ID: string(id), Key: bytes.Clone(key), Value: bytes.NewReader(bytes.Clone(value))}
	if !q.docs.include {
		return row, nil
	}
	doc, err := q.includedDoc(d, string(id), value)
	if err != nil {
		return row, err
	}
	if doc == nil {
		doc = nullJSON
	}
	row.Doc = bytes.NewReader(doc)
	return row, nil
}

// includedDoc is the row's document, or the one a {"_id": ..., "_rev": ...} value
// links to, as CouchDB's include_docs does.
func (q *viewQuery) includedDoc(d *dbTx, id string, value []byte) ([]byte, error) {
	if len(value) > 0 && value[0] == '{' && bytes.Contains(value, []byte(`"_id"`)) {
		var link struct {
			ID  *string `json:"_id"`
			Rev string  `json:"_rev"`
		}
		if json.Unmarshal(value, &link) == nil && link.ID != nil {
			if link.Rev == "" {
				return q.docs.renderWinner(d, *link.ID)
			}
			raw := d.doc.Get([]byte(*link.ID))
			if raw == nil || d.body.Get(bodyKey(*link.ID, link.Rev)) == nil {
				return nil, nil
			}
			return q.docs.render(d, *link.ID, link.Rev, raw)
		}
	}
	return q.docs.renderWinner(d, id)
}

func binaryCount(b []byte) uint64 {
	if len(b) != 8 {
		return 0
	}
	return uint64(b[0])<<56 | uint64(b[1])<<48 | uint64(b[2])<<40 | uint64(b[3])<<32 |
		uint64(b[4])<<24 | uint64(b[5])<<16 | uint64(b[6])<<8 | uint64(b[7])
}

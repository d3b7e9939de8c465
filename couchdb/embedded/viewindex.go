package embedded

import (
	"encoding/binary"
	"fmt"

	bolt "go.etcd.io/bbolt"
)

// A design document's index is a bucket under the database's view bucket, named
// by the design doc id:
//
//	sig         -> signature of the indexed definition (designDef.sig)
//	n/<view>    -> number of rows in the view (uint64)
//	ids/        -> bucket: doc id -> the rows it emitted: (view, row key) pairs
//	v/<view>/   -> bucket: row key -> row value
//
// A row key is the collation encoding of the emitted key, the escaped doc id (raw
// byte order, as CouchDB breaks ties) and the emit's index (big-endian uint32),
// so bbolt's key order is CouchDB's view order. A row value holds the doc id, the
// key as JSON and the value as JSON.
var (
	viewSig   = []byte("sig")
	viewIDs   = []byte("ids")
	maxKeyLen = bolt.MaxKeySize
)

func viewBucketName(view string) []byte { return []byte("v/" + view) }
func viewCountKey(view string) []byte   { return []byte("n/" + view) }

// designChanged brings a design doc's index in line with its winning revision:
// unchanged views keep their index, changed ones are rebuilt over every document
// in this transaction, a deleted design doc drops its index.
func (c *client) designChanged(d *dbTx, ddocID string) error {
	def, err := c.loadDesign(d, ddocID)
	if err != nil {
		return err
	}
	var oldSig []byte
	if b := d.view.Bucket([]byte(ddocID)); b != nil {
		oldSig = b.Get(viewSig)
	}
	newSig := ""
	if def != nil && def.indexed() {
		newSig = def.sig
	}
	if string(oldSig) == newSig {
		return nil
	}
	if oldSig != nil {
		if err := d.view.DeleteBucket([]byte(ddocID)); err != nil {
			return err
		}
	}
	if newSig == "" {
		return nil
	}
	return c.buildIndex(d, ddocID, def)
}

// loadDesign parses the winning revision of a design doc; nil when deleted.
func (c *client) loadDesign(d *dbTx, ddocID string) (*designDef, error) {
	raw := d.doc.Get([]byte(ddocID))
	if raw == nil {
		return nil, nil
	}
	h, err := decodeDocHead(raw)
	if err != nil || h.Deleted {
		return nil, err
	}
	r, err := loadRevision(d, ddocID, h.Winner)
	if err != nil {
		return nil, err
	}
	return parseDesign(r.Body)
}

// buildIndex creates a design doc's index and maps every document into it.
func (c *client) buildIndex(d *dbTx, ddocID string, def *designDef) error {
	b, err := d.view.CreateBucket([]byte(ddocID))
	if err != nil {
		return err
	}
	if err := b.Put(viewSig, []byte(def.sig)); err != nil {
		return err
	}
	if _, err := b.CreateBucket(viewIDs); err != nil {
		return err
	}
	for _, v := range def.views {
		if _, err := b.CreateBucket(viewBucketName(v.Name)); err != nil {
			return err
		}
		if err := b.Put(viewCountKey(v.Name), u64(0)); err != nil {
			return err
		}
	}
	c.designs.put(def)
	cur := d.doc.Cursor()
	for k, v := cur.First(); k != nil; k, v = cur.Next() {
		id := string(k)
		if isDesignID(id) {
			continue
		}
		h, err := decodeDocHead(v)
		if err != nil {
			return err
		}
		if h.Deleted {
			continue
		}
		docJSON, err := mapInput(d, id, h.Winner)
		if err != nil {
			return err
		}
		if err := c.indexRows(d, b, def, id, docJSON); err != nil {
			return err
		}
	}
	return nil
}

// mapInput renders a revision as map functions see it.
func mapInput(d *dbTx, id, rev string) ([]byte, error) {
	r, err := loadRevision(d, id, rev)
	if err != nil {
		return nil, err
	}
	out := docOut{ID: id, Rev: rev, Rev0: r}
	return out.appendJSON(nil), nil
}

// reindexDoc replaces a document's rows in every index of the database after its
// winning revision changed.
func (c *client) reindexDoc(d *dbTx, id string, info *docInfo) error {
	var docJSON []byte
	if rev, deleted := info.winningRev(); !deleted {
		var err error
		if docJSON, err = mapInput(d, id, rev); err != nil {
			return err
		}
	}
	cur := d.view.Cursor()
	for k, v := cur.First(); k != nil; k, v = cur.Next() {
		if v != nil {
			continue
		}
		b := d.view.Bucket(k)
		def, err := c.indexedDesign(d, string(k), b)
		if err != nil {
			return err
		}
		if err := removeRows(b, id); err != nil {
			return err
		}
		if docJSON != nil {
			if err := c.indexRows(d, b, def, id, docJSON); err != nil {
				return err
			}
		}
	}
	return nil
}

// indexedDesign returns the definition an index was built from, cached by
// signature.
func (c *client) indexedDesign(d *dbTx, ddocID string, b *bolt.Bucket) (*designDef, error) {
	sig := string(b.Get(viewSig))
	if def := c.designs.get(sig); def != nil {
		return def, nil
	}
	def, err := c.loadDesign(d, ddocID)
	if err != nil {
		return nil, err
	}
	if def == nil || def.sig != sig {
		return nil, fmt.Errorf("embedded: index of %s is out of step with its design doc", ddocID)
	}
	c.designs.put(def)
	return def, nil
}

// removeRows deletes every row a document emitted into one design doc's index.
func removeRows(b *bolt.Bucket, id string) error {
	ids := b.Bucket(viewIDs)
	list := ids.Get([]byte(id))
	if list == nil {
		return nil
	}
	counts := map[string]int64{}
	for len(list) > 0 {
		view, rest, ok := readChunk(list)
		if !ok {
			return errCorrupt
		}
		key, rest, ok := readChunk(rest)
		if !ok {
			return errCorrupt
		}
		list = rest
		if err := b.Bucket(viewBucketName(string(view))).Delete(key); err != nil {
			return err
		}
		counts[string(view)]--
	}
	if err := addViewCounts(b, counts); err != nil {
		return err
	}
	return ids.Delete([]byte(id))
}

// indexRows maps one document with a design doc's views and stores the rows.
func (c *client) indexRows(d *dbTx, b *bolt.Bucket, def *designDef, id string, docJSON []byte) error {
	results, err := c.js.mapDoc(d.name, id, docJSON, def.mapSources())
	if err != nil {
		return err
	}
	var list []byte
	counts := map[string]int64{}
	for i, rows := range results {
		view := def.views[i].Name
		vb := b.Bucket(viewBucketName(view))
		for j, row := range rows {
			key, err := decodeOrdered(row.Key)
			if err != nil {
				return err
			}
			rk := c.keys.encode(nil, key)
			rk = appendEscaped(rk, []byte(id))
			rk = binary.BigEndian.AppendUint32(rk, uint32(j))
			if len(rk) > maxKeyLen {
				c.log.Warn("view key too large; row skipped", "db", d.name, "doc", id, "view", view)
				continue
			}
			if err := vb.Put(rk, encodeRow(id, row)); err != nil {
				return err
			}
			list = appendChunk(appendChunk(list, []byte(view)), rk)
			counts[view]++
		}
	}
	if len(list) == 0 {
		return nil
	}
	if err := addViewCounts(b, counts); err != nil {
		return err
	}
	return b.Bucket(viewIDs).Put([]byte(id), list)
}

func addViewCounts(b *bolt.Bucket, counts map[string]int64) error {
	for view, delta := range counts {
		n := int64(binary.BigEndian.Uint64(b.Get(viewCountKey(view)))) + delta
		if err := b.Put(viewCountKey(view), u64(uint64(n))); err != nil {
			return err
		}
	}
	return nil
}

// encodeRow stores doc id, key JSON and value JSON of a row.
func encodeRow(id string, row emitted) []byte {
	b := make([]byte, 0, 2*binary.MaxVarintLen32+len(id)+len(row.Key)+len(row.Value))
	b = appendChunk(b, []byte(id))
	b = appendChunk(b, row.Key)
	return append(b, row.Value...)
}

func decodeRow(b []byte) (id, key, value []byte, err error) {
	id, rest, ok := readChunk(b)
	if !ok {
		return nil, nil, nil, errCorrupt
	}
	key, value, ok = readChunk(rest)
	if !ok {
		return nil, nil, nil, errCorrupt
	}
	return id, key, value, nil
}

func appendChunk(b, chunk []byte) []byte {
	b = binary.AppendUvarint(b, uint64(len(chunk)))
	return append(b, chunk...)
}

func readChunk(b []byte) (chunk, rest []byte, ok bool) {
	n, k := binary.Uvarint(b)
	if k <= 0 || k+int(n) > len(b) {
		return nil, nil, false
	}
	return b[k : k+int(n)], b[k+int(n):], true
}

// loadRevision reads one stored revision.
func loadRevision(d *dbTx, id, rev string) (*revision, error) {
	raw := d.body.Get(bodyKey(id, rev))
	if raw == nil {
		return nil, errDocMissing
	}
	return decodeRevision(raw)
}

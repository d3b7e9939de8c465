package embedded

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"io"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/go-kivik/kivik/v4/driver"
	bolt "go.etcd.io/bbolt"
)

// changesOptions are the supported _changes options.
type changesOptions struct {
	feed       string
	since      uint64
	sinceNow   bool
	limit      int64
	hasLimit   bool
	descending bool
	allLeaves  bool
	docs       docOptions
	docIDs     map[string]bool
	designOnly bool
	timeout    time.Duration
}

func readChangesOptions(p params) (*changesOptions, error) {
	o := &changesOptions{feed: "normal", timeout: time.Minute}
	var err error
	if f, ok, err := p.text("feed"); err != nil {
		return nil, err
	} else if ok {
		o.feed = f
	}
	switch o.feed {
	case "normal", "longpoll", "continuous":
	default:
		return nil, errBadRequest("unsupported feed %q", o.feed)
	}
	if err := o.readSince(p); err != nil {
		return nil, err
	}
	if o.limit, o.hasLimit, err = p.int("limit"); err != nil {
		return nil, err
	}
	if o.descending, err = p.bool("descending"); err != nil {
		return nil, err
	}
	style, _, err := p.text("style")
	if err != nil {
		return nil, err
	}
	o.allLeaves = style == "all_docs"
	if o.docs, err = readDocOptions(p); err != nil {
		return nil, err
	}
	if ms, ok, err := p.int("timeout"); err != nil {
		return nil, err
	} else if ok {
		o.timeout = time.Duration(ms) * time.Millisecond
	}
	return o, o.readFilter(p)
}

func (o *changesOptions) readSince(p params) error {
	s, ok, err := p.text("since")
	if err != nil || !ok {
		return err
	}
	if s == "now" {
		o.sinceNow = true
		return nil
	}
	s = strings.Trim(s, `"`)
	if n, _, found := strings.Cut(s, "-"); found {
		s = n
	}
	if o.since, err = strconv.ParseUint(s, 10, 64); err != nil {
		return errBadRequest("Malformed sequence supplied in 'since' parameter.")
	}
	return nil
}

func (o *changesOptions) readFilter(p params) error {
	filter, _, err := p.text("filter")
	if err != nil {
		return err
	}
	switch filter {
	case "":
	case "_design":
		o.designOnly = true
	case "_doc_ids":
		raw, ok, err := p.json("doc_ids")
		if err != nil {
			return err
		}
		var ids []string
		if ok {
			if s, isText := p["doc_ids"].(string); isText {
				raw = []byte(s)
			}
			if json.Unmarshal(raw, &ids) != nil {
				return errBadRequest("`doc_ids` must be an array of strings")
			}
		}
		o.docIDs = map[string]bool{}
		for _, id := range ids {
			o.docIDs[id] = true
		}
	default:
		return errBadRequest("filter %q is not supported by the embedded store", filter)
	}
	return nil
}

// Changes returns the changes feed: every document once, at its latest update
// sequence, in sequence order. Feeds normal, longpoll and continuous; options
// since (a number or "now"), limit, descending, style=all_docs, include_docs,
// conflicts, attachments, filter=_doc_ids with doc_ids, filter=_design, timeout.
// Sequences are plain integers.
func (db *db) Changes(ctx context.Context, options driver.Options) (driver.Changes, error) {
	o, err := readChangesOptions(readParams(options))
	if err != nil {
		return nil, err
	}
	f := &changesFeed{ctx: ctx, db: db, o: o, done: make(chan struct{})}
	wake := db.c.feeds.wait(db.name)
	if err := f.fill(); err != nil {
		return nil, err
	}
	if o.feed == "longpoll" && len(f.buf) == 0 {
		f.await(wake)
		if err := f.fill(); err != nil {
			return nil, err
		}
	}
	return f, nil
}

// changesFeed materialises batches of changes in read transactions.
type changesFeed struct {
	ctx     context.Context
	db      *db
	o       *changesOptions
	buf     []driver.Change
	sent    int64
	last    uint64
	pending int64
	done    chan struct{}
	closed  atomic.Bool
	once    sync.Once
}

var _ driver.Changes = (*changesFeed)(nil)

// fill reads the changes after f.o.since into buf.
func (f *changesFeed) fill() error {
	return f.db.c.viewDB(f.ctx, f.db.name, func(d *dbTx) error {
		current := d.counter(metaSeq)
		if f.o.sinceNow {
			f.o.since, f.o.sinceNow = current, false
		}
		f.last = max(f.o.since, current)
		cur := d.seq.Cursor()
		k, v := cur.Seek(u64(f.o.since + 1))
		if f.o.descending {
			k, v = cur.Last()
		}
		for ; k != nil; k, v = f.next(cur) {
			seq := binary.BigEndian.Uint64(k)
			if f.o.descending && seq <= f.o.since {
				break
			}
			if f.o.hasLimit && f.sent+int64(len(f.buf)) >= f.o.limit {
				f.last = f.lastSeqBefore(seq)
				f.pending = countFrom(cur, k, f.o.descending)
				return nil
			}
			ch, ok, err := f.change(d, seq, string(v))
			if err != nil {
				return err
			}
			if ok {
				f.buf = append(f.buf, ch)
			}
		}
		if f.o.descending && len(f.buf) > 0 {
			f.last, _ = strconv.ParseUint(f.buf[len(f.buf)-1].Seq, 10, 64)
		}
		f.pending = 0
		return nil
	})
}

func (f *changesFeed) next(cur *bolt.Cursor) ([]byte, []byte) {
	if f.o.descending {
		return cur.Prev()
	}
	return cur.Next()
}

// lastSeqBefore is last_seq when the limit stops the feed before seq.
func (f *changesFeed) lastSeqBefore(seq uint64) uint64 {
	if len(f.buf) > 0 {
		s, _ := strconv.ParseUint(f.buf[len(f.buf)-1].Seq, 10, 64)
		return s
	}
	if f.o.descending {
		return seq
	}
	return f.o.since
}

func countFrom(cur *bolt.Cursor, k []byte, descending bool) int64 {
	var n int64
	for ; k != nil; n++ {
		if descending {
			k, _ = cur.Prev()
		} else {
			k, _ = cur.Next()
		}
	}
	return n
}

// change builds the entry for one sequence; ok is false when filtered out.
func (f *changesFeed) change(d *dbTx, seq uint64, id string) (driver.Change, bool, error) {
	if f.o.docIDs != nil && !f.o.docIDs[id] || f.o.designOnly && !isDesignID(id) {
		return driver.Change{}, false, nil
	}
	raw := d.doc.Get([]byte(id))
	if raw == nil {
		return driver.Change{}, false, errCorrupt
	}
	info, err := decodeDocInfo(raw)
	if err != nil {
		return driver.Change{}, false, err
	}
	winner, deleted := info.winningRev()
	ch := driver.Change{ID: id, Seq: strconv.FormatUint(seq, 10), Deleted: deleted, Changes: []string{winner}}
	if f.o.allLeaves {
		ch.Changes = info.leafRevs()
	}
	if f.o.docs.include {
		doc, err := f.o.docs.render(d, id, winner, raw)
		if err != nil {
			return driver.Change{}, false, err
		}
		ch.Doc = doc
	}
	return ch, true, nil
}

// await blocks until the database changes, the timeout passes, the context ends
// or the feed is closed.
func (f *changesFeed) await(wake <-chan struct{}) bool {
	t := time.NewTimer(f.o.timeout)
	defer t.Stop()
	select {
	case <-wake:
		return true
	case <-t.C:
	case <-f.ctx.Done():
	case <-f.done:
	}
	return false
}

// Next returns the next change; a continuous feed waits for new ones until its
// timeout passes or it is closed.
func (f *changesFeed) Next(ch *driver.Change) error {
	for len(f.buf) == 0 {
		if f.closed.Load() || f.o.feed != "continuous" || f.o.hasLimit && f.sent >= f.o.limit {
			return io.EOF
		}
		wake := f.db.c.feeds.wait(f.db.name)
		f.o.since = f.last
		if err := f.fill(); err != nil {
			return err
		}
		if len(f.buf) == 0 && !f.await(wake) {
			return io.EOF
		}
	}
	*ch = f.buf[0]
	f.buf = f.buf[1:]
	f.sent++
	return nil
}

func (f *changesFeed) Close() error {
	f.closed.Store(true)
	f.once.Do(func() { close(f.done) })
	return nil
}

func (f *changesFeed) LastSeq() string { return strconv.FormatUint(f.last, 10) }
func (f *changesFeed) Pending() int64  { return f.pending }
func (f *changesFeed) ETag() string    { return "" }

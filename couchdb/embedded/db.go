package embedded

import (
	"context"
	"encoding/json"
	"strconv"

	"github.com/go-kivik/kivik/v4/driver"
)

// db is a handle on one database; the database itself may not exist (404 on use).
type db struct {
	c    *client
	name string
}

var (
	_ driver.DB                   = (*db)(nil)
	_ driver.DocCreator           = (*db)(nil)
	_ driver.OpenRever            = (*db)(nil)
	_ driver.RevGetter            = (*db)(nil)
	_ driver.BulkDocer            = (*db)(nil)
	_ driver.RevsDiffer           = (*db)(nil)
	_ driver.SecurityDB           = (*db)(nil)
	_ driver.AttachmentMetaGetter = (*db)(nil)
	_ driver.DesignDocer          = (*db)(nil)
	_ driver.LocalDocer           = (*db)(nil)
	_ driver.Flusher              = (*db)(nil)
)

// Stats reports document counts and the update sequence. Sizes are not tracked
// per database (all databases share one file) and are reported as 0.
func (db *db) Stats(ctx context.Context) (*driver.DBStats, error) {
	var st driver.DBStats
	err := db.c.viewDB(ctx, db.name, func(d *dbTx) error {
		st = driver.DBStats{
			Name:         db.name,
			DocCount:     int64(d.counter(metaDocs)),
			DeletedCount: int64(d.counter(metaDeleted)),
			UpdateSeq:    strconv.FormatUint(d.counter(metaSeq), 10),
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	st.RawResponse, _ = json.Marshal(map[string]any{
		"db_name": st.Name, "doc_count": st.DocCount, "doc_del_count": st.DeletedCount,
		"update_seq": st.UpdateSeq, "compact_running": false,
		"sizes": map[string]int64{"file": 0, "external": 0, "active": 0},
	})
	return &st, nil
}

// Compact is a no-op: superseded revision bodies are dropped on every write.
func (db *db) Compact(ctx context.Context) error { return db.exists(ctx) }

// CompactView is a no-op: indexes never hold stale rows.
func (db *db) CompactView(ctx context.Context, _ string) error { return db.exists(ctx) }

// ViewCleanup is a no-op: indexes of changed design docs are dropped at once.
func (db *db) ViewCleanup(ctx context.Context) error { return db.exists(ctx) }

// Flush is a no-op: every write is already fsynced.
func (db *db) Flush(ctx context.Context) error { return db.exists(ctx) }

// Close releases nothing: handles hold no resources.
func (db *db) Close() error { return nil }

func (db *db) exists(ctx context.Context) error {
	return db.c.viewDB(ctx, db.name, func(*dbTx) error { return nil })
}

// Security returns the stored security object ({} by default).
func (db *db) Security(ctx context.Context) (*driver.Security, error) {
	sec := &driver.Security{}
	err := db.c.viewDB(ctx, db.name, func(d *dbTx) error {
		if raw := d.meta.Get(metaSecurity); raw != nil {
			return json.Unmarshal(raw, sec)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return sec, nil
}

// SetSecurity stores the security object. It is not enforced: the embedded store
// has no users.
func (db *db) SetSecurity(ctx context.Context, security *driver.Security) error {
	raw, err := json.Marshal(security)
	if err != nil {
		return errBadRequest("%v", err)
	}
	return db.c.update(ctx, db.name, func(d *dbTx) error {
		return d.meta.Put(metaSecurity, raw)
	})
}

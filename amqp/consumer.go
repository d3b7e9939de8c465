package amqp

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	amqp091 "github.com/rabbitmq/amqp091-go"

	"github.com/kazoo-directories/kazoo-directories/pkg/directory"
)

// Bindings are the routing keys our queue binds on `configuration`: KAZOO's own
// patterns (spec §7-8) for the docs this service caches — database notices, every
// system_auth doc (signing keys), system_config docs (auth; crossbar,
// crossbar.token_restrictions and token_buckets for token restrictions), account docs
// (account and accounts databases), user docs, and token_restrictions docs.
var Bindings = []string{
	"*.*.database.*",
	"*.system_auth.*.*",
	"*.system_config.*.*",
	"*.*.account.*",
	"*.*.user.*",
	"*.*.token_restrictions.*",
}

// Invalidator drops cached copies of KAZOO docs. db is the database as the notice
// names it (raw, account/…, account%2F… or account%2f…); id is the doc id.
type Invalidator interface {
	InvalidateDoc(db, id string)
	// InvalidateDB drops what was cached from one account database (created,
	// deleted or replaced).
	InvalidateDB(db string)
	InvalidateAll()
}

// Consumer listens to KAZOO's doc-change notices on its own queue (server-named,
// exclusive, deleted with the connection) and drops the cached copies they name.
// Our own notices (same Node) are ignored. After every (re)subscription it flushes
// every cache, since notices sent meanwhile were lost.
type Consumer struct {
	cfg    Config
	inv    []Invalidator
	cancel context.CancelFunc
	done   chan struct{}
}

// NewConsumer starts a consumer that tells every inv; Close stops it.
func NewConsumer(cfg Config, inv ...Invalidator) *Consumer {
	cfg = cfg.withDefaults()
	ctx, cancel := context.WithCancel(context.Background())
	c := &Consumer{cfg: cfg, inv: inv, cancel: cancel, done: make(chan struct{})}
	cfg.Metrics.Connected("consumer", false)
	go c.run(ctx)
	return c
}

// Close stops consuming.
func (c *Consumer) Close() {
	c.cancel()
	select {
	case <-c.done:
	case <-time.After(closeWait):
		c.cfg.Logger.Warn("amqp: consumer did not stop in time; leaving it")
	}
}

func (c *Consumer) run(ctx context.Context) {
	defer close(c.done)
	bo := newBackoff(c.cfg.MinBackoff, c.cfg.MaxBackoff)
	for ctx.Err() == nil {
		conn, deliveries, err := c.subscribe(ctx)
		if err != nil {
			c.cfg.Logger.Warn("amqp: consumer cannot subscribe", "url", redact(c.cfg.URL), "err", err)
			if !bo.wait(ctx, nil) {
				return
			}
			continue
		}
		bo.reset()
		c.flushAll("reconnect")
		c.cfg.Metrics.Connected("consumer", true)
		c.cfg.Logger.Info("amqp: consumer subscribed", "url", redact(c.cfg.URL), "bindings", len(Bindings))
		c.consume(ctx, deliveries)
		_ = conn.Close()
		c.cfg.Metrics.Connected("consumer", false)
		if ctx.Err() == nil {
			c.cfg.Logger.Warn("amqp: consumer connection lost")
			if !bo.wait(ctx, nil) {
				return
			}
		}
	}
}

func (c *Consumer) subscribe(ctx context.Context) (*amqp091.Connection, <-chan amqp091.Delivery, error) {
	conn, ch, err := dial(ctx, c.cfg, "consumer")
	if err != nil {
		return nil, nil, err
	}
	fail := func(what string, err error) (*amqp091.Connection, <-chan amqp091.Delivery, error) {
		_ = conn.Close()
		return nil, nil, fmt.Errorf("%s: %w", what, err)
	}
	q, err := ch.QueueDeclare("", false, true, true, false, nil)
	if err != nil {
		return fail("declare queue", err)
	}
	for _, key := range Bindings {
		if err := ch.QueueBind(q.Name, key, Exchange, false, nil); err != nil {
			return fail("bind "+key, err)
		}
	}
	d, err := ch.Consume(q.Name, "", true, true, false, false, nil)
	if err != nil {
		return fail("consume", err)
	}
	return conn, d, nil
}

func (c *Consumer) consume(ctx context.Context, deliveries <-chan amqp091.Delivery) {
	for {
		select {
		case d, ok := <-deliveries:
			if !ok {
				return
			}
			c.handle(d.ContentType, d.Body)
		case <-ctx.Done():
			return
		}
	}
}

// notice is what a consumer reads of a doc-change notice.
type notice struct {
	ID            *string `json:"ID"`
	Database      *string `json:"Database"`
	Type          string  `json:"Type"`
	Node          string  `json:"Node"`
	EventCategory string  `json:"Event-Category"`
	EventName     string  `json:"Event-Name"`
	AppName       *string `json:"App-Name"`
	AppVersion    *string `json:"App-Version"`
	MsgID         *string `json:"Msg-ID"`
}

// handle applies one delivery: only what kapi_conf:doc_update_v accepts, not our own.
func (c *Consumer) handle(contentType string, body []byte) {
	if contentType != ContentType {
		c.cfg.Logger.Debug("amqp: notice ignored: content type", "content_type", contentType)
		return
	}
	var n notice
	if err := json.Unmarshal(body, &n); err != nil || !n.valid() {
		c.cfg.Logger.Debug("amqp: notice ignored: not a doc-change notice", "err", err)
		return
	}
	if n.Node == c.cfg.Node {
		return
	}
	if n.Type == "database" || strings.HasPrefix(n.EventName, "db_") {
		// A database we read cached docs from was created, deleted or changed: drop
		// what came from it (an account's), or everything (a system database). Others
		// (a new month's MODB of every account, say) concern no cache of ours.
		switch {
		case systemDatabase(*n.Database):
			c.flushAll("notice")
		case accountDatabase(*n.Database):
			for _, inv := range c.inv {
				inv.InvalidateDB(*n.Database)
			}
			c.cfg.Metrics.Flushed("notice")
		}
		return
	}
	for _, inv := range c.inv {
		inv.InvalidateDoc(*n.Database, *n.ID)
	}
	c.cfg.Metrics.Flushed("notice")
	c.cfg.Logger.Debug("amqp: cached doc dropped", "database", *n.Database, "id", *n.ID, "event", n.EventName, "node", n.Node)
}

// systemDatabase reports whether db is a system database we cache docs of: KAZOO's
// signing keys, its system config, account docs.
func systemDatabase(db string) bool {
	return db == "system_auth" || db == "system_config" || db == "accounts"
}

// accountDatabase reports whether db is an account database (not one of its MODBs).
func accountDatabase(db string) bool {
	_, ok := directory.AccountIDFromDBName(db)
	return ok
}

// valid is kapi_conf:doc_update_v: required keys, category, event names.
func (n notice) valid() bool {
	if n.ID == nil || n.Database == nil || n.AppName == nil || n.AppVersion == nil || n.MsgID == nil {
		return false
	}
	switch n.EventName {
	case "doc_edited", "doc_created", "doc_deleted", "db_edited", "db_created", "db_deleted", "db_views_updated":
	default:
		return false
	}
	return n.EventCategory == eventCategory
}

func (c *Consumer) flushAll(reason string) {
	for _, inv := range c.inv {
		inv.InvalidateAll()
	}
	c.cfg.Metrics.Flushed(reason)
}

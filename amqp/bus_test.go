package amqp_test

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kazoo-directories/kazoo-directories/amqp"
	"github.com/kazoo-directories/kazoo-directories/amqp/amqptest"
	"github.com/kazoo-directories/kazoo-directories/pkg/directory"
)

// recorder is an Invalidator that remembers what it was told.
type recorder struct {
	mu   sync.Mutex
	docs []string
	all  atomic.Int64
	seen chan string
}

func newRecorder() *recorder { return &recorder{seen: make(chan string, 100)} }

func (r *recorder) InvalidateDoc(db, id string) {
	r.mu.Lock()
	r.docs = append(r.docs, db+" "+id)
	r.mu.Unlock()
	r.seen <- db + " " + id
}
func (r *recorder) InvalidateAll() { r.all.Add(1) }
func (r *recorder) InvalidateDB(db string) {
	r.mu.Lock()
	r.docs = append(r.docs, db+" (database)")
	r.mu.Unlock()
	r.seen <- db + " (database)"
}

func (r *recorder) wait(t *testing.T, want string, timeout time.Duration) {
	t.Helper()
	deadline := time.After(timeout)
	for {
		select {
		case got := <-r.seen:
			if got == want {
				return
			}
		case <-deadline:
			t.Fatalf("no invalidation of %q within %s", want, timeout)
		}
	}
}

// metrics counts what the bus reports.
type metrics struct {
	published, dropped, flushes atomic.Int64
	mu                          sync.Mutex
	up                          map[string]bool
}

func (m *metrics) Published(n int) { m.published.Add(int64(n)) }
func (m *metrics) Dropped(n int)   { m.dropped.Add(int64(n)) }
func (m *metrics) Queued(int)      {}
func (m *metrics) Flushed(string)  { m.flushes.Add(1) }
func (m *metrics) Connected(role string, up bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.up == nil {
		m.up = map[string]bool{}
	}
	m.up[role] = up
}
func (m *metrics) isUp(role string) bool { m.mu.Lock(); defer m.mu.Unlock(); return m.up[role] }

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(15 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if cond() {
			return
		}
	}
	t.Fatalf("timed out waiting for %s", what)
}

func change(id string) directory.Change {
	return directory.Change{Event: directory.DocEdited, Database: directory.EncodedAccountDBName(strings.Repeat("a", 32)), ID: id, Type: "directory", Rev: "2-x", AccountID: strings.Repeat("a", 32)}
}

func fastConfig(url, node string, m amqp.Metrics, log *slog.Logger) amqp.Config {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return amqp.Config{URL: url, Node: node, MinBackoff: 20 * time.Millisecond, MaxBackoff: 200 * time.Millisecond, Logger: log, Metrics: m}
}

// Notices queued while the broker is unreachable (at start, and again later) are
// delivered once it is back; Notify never waits.
func TestPublisherSurvivesBrokerOutage(t *testing.T) {
	url := amqptest.URL(t)
	l := amqptest.Listen(t, url, "#")
	proxy, purl := amqptest.NewProxy(t, url)
	proxy.Cut()
	var m metrics
	p := amqp.NewPublisher(fastConfig(purl, amqptest.NodeName("pub"), &m, nil))
	defer p.Close(time.Second)

	start := time.Now()
	p.Notify(context.Background(), change("while-down-1"))
	if d := time.Since(start); d > 50*time.Millisecond {
		t.Errorf("Notify took %s with the broker down", d)
	}
	time.Sleep(300 * time.Millisecond)
	proxy.Restore()
	l.Next(t, 10*time.Second, `"ID":"while-down-1"`)

	waitFor(t, "publisher connected", func() bool { return m.isUp("publisher") })
	proxy.Cut()
	p.Notify(context.Background(), change("while-down-2"))
	time.Sleep(300 * time.Millisecond)
	proxy.Restore()
	l.Next(t, 10*time.Second, `"ID":"while-down-2"`)
	if m.dropped.Load() != 0 {
		t.Errorf("%d notices dropped", m.dropped.Load())
	}
}

// A full queue drops the newest notice, counts it and logs its doc id.
func TestPublisherDropsWhenFull(t *testing.T) {
	url := amqptest.URL(t)
	proxy, purl := amqptest.NewProxy(t, url)
	proxy.Cut()
	var m metrics
	var logs bytes.Buffer
	var logMu sync.Mutex
	cfg := fastConfig(purl, amqptest.NodeName("pub"), &m, slog.New(slog.NewTextHandler(lockedWriter{&logs, &logMu}, nil)))
	cfg.QueueSize = 2
	p := amqp.NewPublisher(cfg)
	defer p.Close(time.Second)
	for _, id := range []string{"q1", "q2", "q3", "q4"} {
		p.Notify(context.Background(), change(id))
	}
	// The publisher may hold one batch out of the queue; at least the last one drops.
	if m.dropped.Load() < 1 {
		t.Fatalf("dropped = %d, want ≥ 1", m.dropped.Load())
	}
	logMu.Lock()
	defer logMu.Unlock()
	if !strings.Contains(logs.String(), "id=q4") {
		t.Errorf("the dropped doc id is not logged:\n%s", logs.String())
	}
}

type lockedWriter struct {
	b  *bytes.Buffer
	mu *sync.Mutex
}

func (w lockedWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.b.Write(p)
}

// The consumer acts on KAZOO's notices (only those doc_update_v accepts), ignores our
// own, flushes everything when it (re)subscribes, and resumes after the broker
// closes its connection; so does the publisher.
func TestConsumerAndBrokerClosingConnections(t *testing.T) {
	url := amqptest.URL(t)
	node := amqptest.NodeName("bus")
	rec := newRecorder()
	var m metrics
	c := amqp.NewConsumer(fastConfig(url, node, &m, nil), rec)
	defer c.Close()
	p := amqp.NewPublisher(fastConfig(url, node, &m, nil))
	defer p.Close(time.Second)
	waitFor(t, "consumer subscribed", func() bool { return rec.all.Load() == 1 && m.isUp("consumer") })

	kazoo := func(key, body string) { amqptest.Publish(t, url, key, []byte(body)) }
	userDB := "account%2Fab%2Fcd%2Fef0123456789abcdef0123456789"
	body := func(db, id, node string) string {
		return `{"Origin-Cache":"kazoo_data_cache","Type":"user","Rev":"2-a","Is-Soft-Deleted":false,"Database":"` + db + `","ID":"` + id + `","Node":"` + node + `","Msg-ID":"0123456789abcdef","Event-Name":"doc_edited","Event-Category":"configuration","App-Version":"4.0.0","App-Name":"datamgr"}`
	}
	// Our own notice (same Node) and a malformed one are ignored; KAZOO's is applied.
	kazoo("doc_edited."+userDB+".user.own", body(userDB, "own", node))
	kazoo("doc_edited."+userDB+".user.bad", strings.Replace(body(userDB, "bad", "kazoo_apps@kz1"), `"Event-Category":"configuration"`, `"Event-Category":"other"`, 1))
	kazoo("doc_edited."+userDB+".user.u1", body(userDB, "u1", "kazoo_apps@kz1"))
	rec.wait(t, userDB+" u1", time.Second)
	kazoo("doc_created.system_auth.system_key.k1", strings.ReplaceAll(body("system_auth", "k1", "kazoo_apps@kz1"), `"Type":"user"`, `"Type":"system_key"`))
	rec.wait(t, "system_auth k1", time.Second)
	kazoo("doc_edited.system_config.config.auth", strings.ReplaceAll(body("system_config", "auth", "kazoo_apps@kz1"), `"Type":"user"`, `"Type":"config"`))
	rec.wait(t, "system_config auth", time.Second)
	// A directory notice is not bound (we cache no directories).
	kazoo("doc_edited."+userDB+".directory.d1", body(userDB, "d1", "kazoo_apps@kz1"))
	kazoo("doc_edited."+userDB+".account.ef0", body(userDB, "ef0", "kazoo_apps@kz1"))
	rec.wait(t, userDB+" ef0", time.Second)
	// A database notice drops what came from that database (an account's), or flushes
	// every cache (a system database); a new month's MODB (one per account at month
	// start) drops nothing.
	dbNotice := func(db string) {
		kazoo("db_created."+db+".database."+db, strings.NewReplacer(`"Type":"user"`, `"Type":"database"`,
			`"Event-Name":"doc_edited"`, `"Event-Name":"db_created"`).Replace(body(db, db, "kazoo_apps@kz1")))
	}
	dbNotice(userDB + "-202612")
	dbNotice(userDB)
	rec.wait(t, userDB+" (database)", time.Second)
	dbNotice("system_config")
	waitFor(t, "system database notice applied", func() bool { return rec.all.Load() >= 2 })
	time.Sleep(100 * time.Millisecond)
	if n := rec.all.Load(); n != 2 {
		t.Errorf("%d full flushes, want 2 (subscribing, system_config; not an account database or its MODB)", n)
	}
	rec.mu.Lock()
	for _, d := range rec.docs {
		if strings.HasSuffix(d, " own") || strings.HasSuffix(d, " bad") || strings.HasSuffix(d, " d1") {
			t.Errorf("acted on %q", d)
		}
	}
	rec.mu.Unlock()

	// The broker closes both our connections.
	waitFor(t, "publisher connected", func() bool { return m.isUp("publisher") })
	l := amqptest.Listen(t, url, "#")
	if n := amqptest.CloseConnections(t, node); n != 2 {
		t.Fatalf("closed %d connections named %s, want 2", n, node)
	}
	waitFor(t, "consumer resubscribed (full flush)", func() bool { return rec.all.Load() >= 3 })
	kazoo("doc_edited."+userDB+".user.u2", body(userDB, "u2", "kazoo_apps@kz1"))
	rec.wait(t, userDB+" u2", time.Second)
	p.Notify(context.Background(), change("after-close"))
	l.Next(t, 10*time.Second, `"ID":"after-close"`)
}

// Close publishes what is queued; an idle publisher whose broker is down closes at
// once, and one with notices it cannot deliver gives up after the grace, counting them.
func TestPublisherClose(t *testing.T) {
	url := amqptest.URL(t)
	l := amqptest.Listen(t, url, "#")
	var m metrics
	p := amqp.NewPublisher(fastConfig(url, amqptest.NodeName("close"), &m, nil))
	for i := range 50 {
		p.Notify(context.Background(), change(fmt.Sprintf("closing-%d", i)))
	}
	p.Close(5 * time.Second)
	l.Next(t, 5*time.Second, `"ID":"closing-49"`)
	if m.published.Load() != 50 || m.dropped.Load() != 0 {
		t.Errorf("published %d dropped %d, want 50 and 0", m.published.Load(), m.dropped.Load())
	}

	proxy, purl := amqptest.NewProxy(t, url)
	proxy.Cut()
	var m2 metrics
	cfg := fastConfig(purl, amqptest.NodeName("close"), &m2, nil)
	cfg.MinBackoff, cfg.MaxBackoff = time.Second, 5*time.Second
	idle := amqp.NewPublisher(cfg)
	time.Sleep(100 * time.Millisecond)
	start := time.Now()
	idle.Close(5 * time.Second)
	if d := time.Since(start); d > time.Second {
		t.Errorf("closing an idle publisher took %s", d)
	}

	stuck := amqp.NewPublisher(cfg)
	stuck.Notify(context.Background(), change("never"))
	start = time.Now()
	stuck.Close(300 * time.Millisecond)
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("Close ignored its grace: %s", d)
	}
	if m2.dropped.Load() != 1 {
		t.Errorf("dropped %d, want the undeliverable notice counted", m2.dropped.Load())
	}
}

// A notice whose routing key AMQP cannot carry (an id of 128 bytes escapes to three
// times that) is dropped, counted and logged at once; the notices around it go out.
func TestPublisherDropsUnsendableNotice(t *testing.T) {
	url := amqptest.URL(t)
	l := amqptest.Listen(t, url, "#")
	var m metrics
	p := amqp.NewPublisher(fastConfig(url, amqptest.NodeName("long"), &m, nil))
	defer p.Close(time.Second)
	p.Notify(context.Background(), change("before-long"))
	p.Notify(context.Background(), change(strings.Repeat("é", 40)))
	p.Notify(context.Background(), change("after-long"))
	l.Next(t, 10*time.Second, `"ID":"before-long"`)
	l.Next(t, 10*time.Second, `"ID":"after-long"`)
	if n := m.dropped.Load(); n != 1 {
		t.Errorf("%d notices dropped, want 1", n)
	}
}

// A peer that accepts TCP and never speaks AMQP holds neither a dial nor Close.
func TestPublisherAndConsumerCloseWithSilentBroker(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			defer c.Close()
		}
	}()
	url := "amqp://guest:guest@" + ln.Addr().String()
	var m metrics
	p := amqp.NewPublisher(fastConfig(url, amqptest.NodeName("silent"), &m, nil))
	c := amqp.NewConsumer(fastConfig(url, amqptest.NodeName("silent"), &m, nil), newRecorder())
	p.Notify(context.Background(), change("never"))
	time.Sleep(200 * time.Millisecond) // both are in their handshake now
	start := time.Now()
	done := make(chan struct{})
	go func() { p.Close(100 * time.Millisecond); c.Close(); close(done) }()
	select {
	case <-done:
		t.Logf("closed in %s", time.Since(start).Round(time.Millisecond))
	case <-time.After(15 * time.Second):
		t.Fatal("Close still blocked after 15 s with a silent broker")
	}
}

package api_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kazoo-directories/kazoo-directories/couchdb"
	"github.com/kazoo-directories/kazoo-directories/couchdb/couchdbtest"
	"github.com/kazoo-directories/kazoo-directories/pkg/api"
	"github.com/kazoo-directories/kazoo-directories/pkg/directory"
)

// notices is a directory.Notifier that keeps what it is told, to count bus notices.
type notices struct {
	mu   sync.Mutex
	seen []directory.Change
}

func (n *notices) Notify(_ context.Context, c directory.Change) {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.seen = append(n.seen, c)
}

func (n *notices) all() []directory.Change {
	n.mu.Lock()
	defer n.mu.Unlock()
	return append([]directory.Change(nil), n.seen...)
}

// faultEnv is an env whose store reaches CouchDB through a FaultProxy, with its
// notices recorded. It skips on the embedded backend (no HTTP replies to lose).
func faultEnv(t *testing.T, hook func(*couchdb.Config), opts ...envOption) (*env, *couchdbtest.FaultProxy, *notices) {
	t.Helper()
	cfg := couchdbtest.Config(t)
	cfg.Logger = testLogger()
	if hook != nil {
		hook(&cfg)
	}
	proxy := couchdbtest.NewFaultProxy(t, &cfg)
	store := couchdbtest.Open(t, cfg)
	acct := couchdbtest.NewAccount(t, cfg, couchdbtest.WithName("Acme Corp"))
	var seq atomic.Int64
	bus := &notices{}
	ac := api.Config{
		Directories: directory.NewService(store, func() time.Time { return fixedNow }, func() string {
			return fmt.Sprintf("%032x", 0xd000+seq.Add(1))
		}).WithNotifier(bus),
		Auth:         tokenAuth{},
		Logger:       testLogger(),
		Now:          func() time.Time { return fixedNow },
		NewRequestID: func() string { return "req-0000" },
		Node:         "directoriesd@test",
		Version:      "4.3.0",
		Ready:        store.Ping,
	}
	for _, o := range opts {
		o(&ac)
	}
	srv, err := api.New(ac)
	if err != nil {
		t.Fatal(err)
	}
	return &env{t: t, cfg: cfg, store: store, acct: acct, token: "token-" + acct, handler: srv}, proxy, bus
}

// TestLostWriteReplies: when CouchDB's reply to a write is lost, after CouchDB stored
// it (DropReply) or before CouchDB saw it (DropRequest), the client still gets the
// write's real outcome: 2xx, the doc stored exactly once as written, one notice whose
// rev is the stored one. Twice lost before CouchDB saw it: 503, nothing stored, no
// notice.
func TestLostWriteReplies(t *testing.T) {
	couchdbtest.SkipEmbedded(t, "replies are lost between the store and CouchDB's HTTP server")
	const dir = "ab0123456789abcdef0123456789abcd"
	type op struct {
		name, method, path, body string
		seed                     bool
		status                   int
		event                    directory.ChangeEvent
		// check inspects the directory doc afterwards (nil: missing).
		check func(t *testing.T, doc directory.Doc)
	}
	named := func(name string) func(*testing.T, directory.Doc) {
		return func(t *testing.T, doc directory.Doc) {
			if doc == nil || doc.String("name") != name || doc.Bool("pvt_deleted") {
				t.Errorf("doc = %v, want name %q, not deleted", doc, name)
			}
		}
	}
	ops := []op{
		{"create_put", "PUT", "", `{"data":{"id":"` + dir + `","name":"Support"}}`, false, 201, directory.DocCreated, named("Support")},
		{"replace_post", "POST", "/" + dir, `{"data":{"name":"Support"}}`, true, 200, directory.DocEdited, named("Support")},
		{"patch", "PATCH", "/" + dir, `{"data":{"name":"Support"}}`, true, 200, directory.DocEdited, named("Support")},
		{"soft_delete", "DELETE", "/" + dir, "", true, 200, directory.DocDeleted, func(t *testing.T, doc directory.Doc) {
			if doc == nil || !doc.Bool("pvt_deleted") {
				t.Errorf("doc = %v, want pvt_deleted", doc)
			}
		}},
		{"hard_delete", "DELETE", "/" + dir + "?should_soft_delete=false", "", true, 200, directory.DocDeleted, func(t *testing.T, doc directory.Doc) {
			if doc != nil {
				t.Errorf("doc = %v, want it gone", doc)
			}
		}},
	}
	faults := []struct {
		name   string
		fault  couchdbtest.Fault
		times  int
		stored bool
		writes int // write requests sent for the doc
	}{
		{"reply_lost", couchdbtest.DropReply, 1, true, 1},
		{"request_lost_once", couchdbtest.DropRequest, 1, true, 2},
		{"request_lost_twice", couchdbtest.DropRequest, 2, false, 2},
		// nginx in front of CouchDB resends a PUT or DELETE that reached a node which
		// then failed; the resend is refused as a conflict with our own write.
		{"resent", couchdbtest.Resend, 1, true, 1},
		// A cluster's 500 timeout: some nodes may have stored the write.
		{"stored_then_500_timeout", couchdbtest.Timeout500, 1, true, 1},
	}
	for _, o := range ops {
		for _, f := range faults {
			t.Run(o.name+"/"+f.name, func(t *testing.T) {
				e, proxy, bus := faultEnv(t, nil)
				if o.seed {
					e.seed(sales(dir))
				}
				before := e.rawDoc(dir)
				proxy.Inject(f.fault, f.times, couchdbtest.Writes(directory.AccountDBName(e.acct)))
				rec := e.do(o.method, e.path(o.path), o.body)
				after := e.rawDoc(dir)
				if n := docWrites(proxy, dir); n != f.writes {
					t.Errorf("%d writes of the doc sent, want %d", n, f.writes)
				}
				if n := e.directoryCount(); n > 1 {
					t.Errorf("%d directories stored, want at most 1 (a duplicate)", n)
				}
				if !f.stored {
					wantStatus(t, rec, http.StatusServiceUnavailable)
					if fmt.Sprint(after) != fmt.Sprint(before) {
						t.Errorf("doc changed by a write answered 503:\nbefore %v\nafter  %v", before, after)
					}
					if n := len(bus.all()); n != 0 {
						t.Errorf("%d notices for a write not stored", n)
					}
					return
				}
				wantStatus(t, rec, o.status)
				o.check(t, after)
				seen := bus.all()
				if len(seen) != 1 || seen[0].Event != o.event {
					t.Fatalf("notices = %+v, want one %s", seen, o.event)
				}
				if after != nil && seen[0].Rev != after.Rev() {
					t.Errorf("notice rev %s, stored rev %s", seen[0].Rev, after.Rev())
				}
			})
		}
	}
}

// rawDoc returns the doc id as stored (private fields included; nil when missing).
func (e *env) rawDoc(id string) directory.Doc {
	e.t.Helper()
	doc, err := e.store.Doc(context.Background(), e.acct, id)
	if directory.IsCode(err, directory.ECodeBadIdentifier) {
		return nil
	}
	if err != nil {
		e.t.Fatal(err)
	}
	return doc
}

// directoryCount is the number of directory docs in the account database.
func (e *env) directoryCount() int {
	e.t.Helper()
	rows, err := e.store.Directories(context.Background(), e.acct, directory.ViewQuery{})
	if err != nil {
		e.t.Fatal(err)
	}
	return len(rows)
}

// docWrites counts the PUT and DELETE requests for doc id the proxy received.
func docWrites(p *couchdbtest.FaultProxy, id string) int {
	n := 0
	for _, r := range p.Requests() {
		if (strings.HasPrefix(r, "PUT ") || strings.HasPrefix(r, "DELETE ")) && strings.HasSuffix(r, "/"+id) {
			n++
		}
	}
	return n
}

// TestWriteOutlivesItsClient: a client that goes away while its write is under way
// does not leave the write's outcome unknown: the write is seen through, stored once,
// and its notice published.
func TestWriteOutlivesItsClient(t *testing.T) {
	couchdbtest.SkipEmbedded(t, "the reply is lost between the store and CouchDB's HTTP server")
	const dir = "cd0123456789abcdef0123456789abcd"
	e, proxy, bus := faultEnv(t, nil)
	wantStatus(t, e.do("GET", e.path(""), ""), http.StatusOK) // the account is cached
	ctx, cancel := context.WithCancel(context.Background())
	// The client hangs up as its write goes out; CouchDB's reply is lost too.
	proxy.Inject(couchdbtest.DropReply, 1, func(r *http.Request) bool {
		if couchdbtest.Writes(directory.AccountDBName(e.acct))(r) {
			cancel()
			return true
		}
		return false
	})
	req := httptest.NewRequest("PUT", e.path(""), strings.NewReader(`{"data":{"id":"`+dir+`","name":"Support"}}`)).WithContext(ctx)
	req.Header.Set("X-Auth-Token", e.token)
	req.Header.Set("Content-Type", "application/json")
	e.handler.ServeHTTP(httptest.NewRecorder(), req)
	if doc := e.rawDoc(dir); doc == nil || doc.String("name") != "Support" {
		t.Fatalf("doc = %v, want stored", doc)
	}
	if seen := bus.all(); len(seen) != 1 || seen[0].Event != directory.DocCreated {
		t.Errorf("notices = %+v, want one doc_created", seen)
	}
	if n := e.directoryCount(); n != 1 {
		t.Errorf("%d directories, want 1", n)
	}
}

// TestLostDeleteOfDocDeletedByAnother: our hard delete is lost on its way, and another
// writer changes and deletes the doc meanwhile. The tombstone found is not ours: 409,
// as KAZOO answers a stale delete, and no notice.
func TestLostDeleteOfDocDeletedByAnother(t *testing.T) {
	couchdbtest.SkipEmbedded(t, "the request is lost between the store and CouchDB's HTTP server")
	const dir = "ef0123456789abcdef0123456789abcd"
	e, proxy, bus := faultEnv(t, nil)
	e.seed(sales(dir))
	direct := couchdbtest.Config(t) // the server itself, not through the proxy
	proxy.Inject(couchdbtest.DropRequest, 1, func(r *http.Request) bool {
		if r.Method != http.MethodDelete || !strings.Contains(r.URL.Path, dir) {
			return false
		}
		doc := couchdbtest.GetDoc(t, direct, e.acct, dir)
		doc["name"] = "Changed"
		couchdbtest.PutDocs(t, direct, e.acct, doc)
		couchdbtest.PutDocs(t, direct, e.acct, directory.Doc{"_id": dir, "_rev": doc.Rev(), "_deleted": true})
		return true
	})
	rec := e.do("DELETE", e.path("/"+dir+"?should_soft_delete=false"), "")
	wantStatus(t, rec, http.StatusConflict)
	if n := len(bus.all()); n != 0 {
		t.Errorf("%d notices for a delete that was not ours", n)
	}
}

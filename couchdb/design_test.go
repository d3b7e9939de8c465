package couchdb_test

import (
	"context"
	"net/http"
	"strings"
	"sync"
	"testing"

	kivik "github.com/go-kivik/kivik/v4"

	"github.com/kazoo-directories/kazoo-directories/couchdb"
	"github.com/kazoo-directories/kazoo-directories/couchdb/couchdbtest"
	"github.com/kazoo-directories/kazoo-directories/pkg/directory"
)

// kazooMasterCopy is _design/directories as KAZOO master stores it: its source has each
// map as an array of lines, which KAZOO concatenates without separators.
func kazooMasterCopy() directory.Doc {
	return directory.Doc{
		"_id":      "_design/directories",
		"language": "javascript",
		"views": map[string]any{
			"crossbar_listing": map[string]any{"map": strings.Join([]string{
				"function(doc) {",
				"  if (doc.pvt_type != 'directory' || doc.pvt_deleted) return;",
				"  emit(doc._id, {",
				"    'id': doc._id,",
				"    'name': doc.name,",
				"    'flags': doc.flags || []",
				"  });",
				"}",
			}, "")},
			"users_listing": map[string]any{"map": strings.Join([]string{
				"function(doc) {",
				"  if (doc.pvt_deleted || typeof doc.directories !== 'object') return;",
				"  for (directory_id in doc.directories) {",
				"    emit([directory_id, doc._id], doc.directories[directory_id]);",
				"  }",
				"}",
			}, "")},
		},
	}
}

func countMethod(reqs []string, method, pathSuffix string) int {
	n := 0
	for _, r := range reqs {
		p, _, _ := strings.Cut(r, "?")
		if strings.HasPrefix(p, method+" ") && strings.HasSuffix(p, pathSuffix) {
			n++
		}
	}
	return n
}

func TestDesignDocInstalledOnce(t *testing.T) {
	cfg := couchdbtest.Config(t)
	id := couchdbtest.NewAccount(t, cfg)

	first, ct1, _ := newStore(t)
	mustAccount(t, first, id)
	if n := countMethod(ct1.Requests(), "PUT", "/_design/directories"); n != 1 {
		t.Fatalf("first store wrote the design doc %d times, want 1: %v", n, ct1.Requests())
	}
	ddoc, err := first.Doc(context.Background(), id, "_design/directories")
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := ddoc["views"].(map[string]any)["users_listing"]; !ok {
		t.Fatalf("installed design doc lacks users_listing: %v", ddoc)
	}

	// Another process (a second store) finds it current: read, no write.
	second, ct2, _ := newStore(t)
	mustAccount(t, second, id)
	if got := ct2.Requests(); countMethod(got, "PUT", "/_design/directories") != 0 || countMethod(got, "GET", "/_design/directories") != 1 {
		t.Fatalf("second store: %v, want one design doc read and no write", got)
	}
	after, _ := second.Doc(context.Background(), id, "_design/directories")
	if after.Rev() != ddoc.Rev() {
		t.Errorf("design doc rewritten: rev %s -> %s", ddoc.Rev(), after.Rev())
	}
}

func TestDesignDocKazooCopiesKept(t *testing.T) {
	oneLine := kazooMasterCopy()
	views := oneLine["views"].(map[string]any)
	// 4.3 style: one line each, different spacing.
	views["crossbar_listing"] = map[string]any{"map": "function(doc) { if (doc.pvt_type != 'directory' || doc.pvt_deleted) return; emit(doc._id, {'id': doc._id, 'name': doc.name, 'flags': doc.flags || []}); }"}
	views["users_listing"] = map[string]any{"map": "function(doc) {\n\tif (doc.pvt_deleted || typeof doc.directories !== 'object') return;\n\tfor (directory_id in doc.directories) {\n\t\temit([directory_id, doc._id], doc.directories[directory_id]);\n\t}\n}"}

	arrayOfLines := kazooMasterCopy()
	arrayOfLines["views"].(map[string]any)["users_listing"] = map[string]any{"map": []any{
		"function(doc) {",
		"  if (doc.pvt_deleted || typeof doc.directories !== 'object') return;",
		"  for (directory_id in doc.directories) {",
		"    emit([directory_id, doc._id], doc.directories[directory_id]);",
		"  }",
		"}",
	}}

	withExtraView := kazooMasterCopy()
	withExtraView["views"].(map[string]any)["extra"] = map[string]any{"map": "function(doc) { emit(doc._id, null); }"}

	for name, ddoc := range map[string]directory.Doc{
		"master": kazooMasterCopy(), "4.3": oneLine, "array of lines": arrayOfLines, "extra view": withExtraView,
	} {
		t.Run(name, func(t *testing.T) {
			s, ct, cfg := newStore(t)
			id := couchdbtest.NewAccount(t, cfg)
			if name == "array of lines" && !couchdbtest.TestServer() {
				// Apache CouchDB (and the embedded store) refuse a map that is not
				// a string; KAZOO joins its view files' lines before saving, so a
				// real database never holds that shape.
				db := kivikClient(t, cfg).DB(directory.AccountDBName(id))
				_, err := db.Put(context.Background(), "_design/directories", map[string]any(ddoc))
				if kivik.HTTPStatus(err) != http.StatusBadRequest {
					t.Fatalf("array-of-lines map: %v, want 400", err)
				}
				return
			}
			// Test-server difference: PouchDB stores an array-of-lines map; the store
			// must then keep KAZOO's copy.
			couchdbtest.PutDocs(t, cfg, id, ddoc)
			ct.Reset()
			mustAccount(t, s, id)
			if n := countMethod(ct.Requests(), "PUT", "/_design/directories"); n != 0 {
				t.Fatalf("KAZOO's copy was rewritten: %v", ct.Requests())
			}
		})
	}
}

func TestDesignDocStaleRewritten(t *testing.T) {
	s, ct, cfg := newStore(t)
	id := couchdbtest.NewAccount(t, cfg)
	stale := kazooMasterCopy()
	views := stale["views"].(map[string]any)
	views["users_listing"] = map[string]any{"map": "function(doc) { if (doc.pvt_type != 'user') return; emit(doc._id, null); }"}
	views["kazoo_extra"] = map[string]any{"map": "function(doc) { emit(doc._id, 1); }"}
	couchdbtest.PutDocs(t, cfg, id, stale)
	ct.Reset()
	mustAccount(t, s, id)
	if n := countMethod(ct.Requests(), "PUT", "/_design/directories"); n != 1 {
		t.Fatalf("stale design doc written %d times: %v", n, ct.Requests())
	}
	got, err := s.Doc(context.Background(), id, "_design/directories")
	if err != nil {
		t.Fatal(err)
	}
	gv := got["views"].(map[string]any)
	if m := gv["users_listing"].(map[string]any)["map"].(string); !strings.Contains(m, "directories") {
		t.Errorf("users_listing not replaced: %s", m)
	}
	if _, ok := gv["kazoo_extra"]; !ok {
		t.Errorf("a view only the stored copy had was dropped: %v", gv)
	}
}

// raceDesignWrite makes the store of c run write (a competing design doc) just before
// its first write of the design doc, so that write gets a 409. It acts in
// Config.OnRequest, so it works on every backend.
func raceDesignWrite(c *couchdb.Config, write func()) {
	var once sync.Once
	c.OnRequest = func(method, path string) {
		if method == http.MethodPut && strings.HasSuffix(path, "/_design/directories") {
			once.Do(write)
		}
	}
}

func TestDesignDocConcurrentInstall(t *testing.T) {
	cfg := couchdbtest.Config(t)
	id := couchdbtest.NewAccount(t, cfg)
	s, ct, _ := newStore(t, func(c *couchdb.Config) {
		raceDesignWrite(c, func() { couchdbtest.PutDocs(t, cfg, id, kazooMasterCopy()) })
	})
	mustAccount(t, s, id)
	want := []string{"GET " + id, "GET _design/directories", "PUT _design/directories", "GET _design/directories",
		"GET _design/directories_index", "PUT _design/directories_index"}
	got := ct.Requests()
	if len(got) != len(want) {
		t.Fatalf("requests %v, want %v", got, want)
	}
	for i, w := range want {
		m, p, _ := strings.Cut(w, " ")
		if !strings.HasPrefix(got[i], m+" ") || !strings.HasSuffix(strings.SplitN(got[i], "?", 2)[0], "/"+p) {
			t.Errorf("request %d = %s, want %s", i, got[i], w)
		}
	}
	// The competitor's copy stays (same views): no second write.
	ddoc, err := s.Doc(context.Background(), id, "_design/directories")
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := ddoc["kazoo"]; ok {
		t.Errorf("the store overwrote the competitor's equivalent copy")
	}
}

func TestDesignDocConcurrentStores(t *testing.T) {
	cfg := couchdbtest.Config(t)
	id := couchdbtest.NewAccount(t, cfg)
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s, err := couchdb.Open(context.Background(), cfg)
			if err != nil {
				errs <- err
				return
			}
			defer s.Close()
			_, err = s.Account(context.Background(), id)
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Errorf("concurrent install: %v", err)
		}
	}
}

func TestMissingViewReinstalled(t *testing.T) {
	s, ct, cfg := newStore(t)
	id := couchdbtest.NewAccount(t, cfg)
	couchdbtest.PutDocs(t, cfg, id, directory.Doc{"_id": "d1", "pvt_type": "directory", "name": "Sales"})
	mustAccount(t, s, id)
	ddoc, err := s.Doc(context.Background(), id, "_design/directories")
	if err != nil {
		t.Fatal(err)
	}
	// Someone deletes the design doc after this process installed it.
	if _, err := s.Delete(context.Background(), id, ddoc.ID(), ddoc.Rev()); err != nil {
		t.Fatal(err)
	}
	ct.Reset()
	rows, err := s.Directories(context.Background(), id, directory.ViewQuery{})
	if err != nil {
		t.Fatalf("Directories after the design doc vanished: %v (%v)", err, ct.Requests())
	}
	if len(rows) != 1 || rows[0].ID != "d1" {
		t.Errorf("rows = %+v", rows)
	}
}

package api_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kazoo-directories/kazoo-directories/couchdb/couchdbtest"
	"github.com/kazoo-directories/kazoo-directories/pdf"
	"github.com/kazoo-directories/kazoo-directories/pkg/api"
	"github.com/kazoo-directories/kazoo-directories/pkg/directory"
)

// withRenderers wires the real PDF and CSV renderers.
func withRenderers(t testing.TB) envOption {
	r, err := pdf.New(pdf.Options{})
	if err != nil {
		t.Fatal(err)
	}
	csv, err := pdf.NewCSV("en")
	if err != nil {
		t.Fatal(err)
	}
	return func(c *api.Config) { c.PDF, c.CSV = r, csv }
}

func seedPrintable(e *env, dir string) {
	e.seed(sales(dir),
		user("u1", "Zoë", "Adams", map[string]any{dir: "cf1"}),
		user("u2", "Дмитрий", "Иванов", map[string]any{dir: "cf2"}),
		user("u3", "bob", "adams", map[string]any{dir: "missing-callflow"}),
		directory.Doc{"_id": "cf1", "pvt_type": "callflow", "numbers": []any{"+15551230001", "1001"}, "flow": map[string]any{}},
		directory.Doc{"_id": "cf2", "pvt_type": "callflow", "numbers": []any{"1002"}, "flow": map[string]any{}},
	)
}

func TestPDFNegotiation(t *testing.T) {
	e := newEnv(t, withRenderers(t))
	seedPrintable(e, "print")
	tests := []struct {
		name, query, body string
		headers           []string
	}{
		{"accept header", "", "", []string{"Accept: application/pdf"}},
		{"x-pdf", "", "", []string{"Accept: application/x-pdf"}},
		{"monster ui link", "?accept=pdf&paginate=false&auth_token=" + e.token, "", []string{"Accept: */*", "X-Auth-Token:"}},
		{"accept media type", "?accept=application/pdf", "", nil},
		{"envelope accept", "", `{"accept":"pdf"}`, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := e.do("GET", e.path("/print"+tt.query), tt.body, tt.headers...)
			wantStatus(t, rec, http.StatusOK)
			if ct := rec.Header().Get("Content-Type"); ct != "application/pdf" {
				t.Errorf("Content-Type = %q", ct)
			}
			if !bytes.HasPrefix(rec.Body.Bytes(), []byte("%PDF-")) {
				t.Errorf("body is not a PDF: %.20q", rec.Body.String())
			}
			if cd := rec.Header().Get("Content-Disposition"); cd != `attachment; filename="Acme Corp-directory.pdf"` {
				t.Errorf("Content-Disposition = %q", cd)
			}
		})
	}
	for _, accept := range []string{"*/*", "", "application/json"} {
		rec := e.do("GET", e.path("/print"), "", "Accept: "+accept)
		if ct := rec.Header().Get("Content-Type"); rec.Code != 200 || ct != "application/json" {
			t.Errorf("Accept %q: %d %q", accept, rec.Code, ct)
		}
	}
	wantStatus(t, e.do("GET", e.path("?accept=pdf"), ""), http.StatusNotAcceptable)
}

func TestPDFContentAndRequests(t *testing.T) {
	e := newEnv(t, withRenderers(t))
	seedPrintable(e, "print")
	wantStatus(t, e.do("GET", e.path("/print?accept=pdf"), ""), http.StatusOK) // warm the account cache
	e.counter.Reset()
	rec := e.do("GET", e.path("/print?accept=pdf"), "")
	wantStatus(t, rec, http.StatusOK)
	if n := e.counter.Count(); n != 3 {
		t.Errorf("PDF took %d CouchDB requests, want 3: %v", n, e.counter.Requests())
	}
	text := pdfText(t, rec.Body.Bytes())
	for _, want := range []string{"Sales", "Adams", "Zoë", "+15551230001", "1001", "Иванов", "Дмитрий", "1002", "bob"} {
		if !strings.Contains(text, want) {
			t.Errorf("PDF text lacks %q:\n%s", want, text)
		}
	}
	if a, b := strings.Index(text, "bob"), strings.Index(text, "Zoë"); a < 0 || b < 0 || a > b {
		t.Errorf("want adams, bob before Adams, Zoë (collation, ties by first name):\n%s", text)
	}
}

// pdfText extracts a PDF's text with pdftotext (poppler-utils, installed by .ci/run).
func pdfText(t *testing.T, pdfBytes []byte) string {
	t.Helper()
	if _, err := exec.LookPath("pdftotext"); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("pdftotext is missing (apt-get install poppler-utils)")
		}
		t.Skip("pdftotext is missing")
	}
	cmd := exec.Command("pdftotext", "-layout", "-", "-")
	cmd.Stdin = bytes.NewReader(pdfBytes)
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("pdftotext: %v", err)
	}
	return string(out)
}

func TestPDFETagFollowsMembers(t *testing.T) {
	e := newEnv(t, withRenderers(t))
	seedPrintable(e, "print")
	first := e.do("GET", e.path("/print?accept=pdf"), "")
	etag := first.Header().Get("ETag")
	if etag == "" {
		t.Fatal("no ETag")
	}
	notMod := e.do("GET", e.path("/print?accept=pdf"), "", "If-None-Match: "+etag)
	wantStatus(t, notMod, http.StatusNotModified)
	if v := notMod.Header().Get("Vary"); v != "Accept-Encoding" {
		t.Errorf("304 Vary = %q, want Accept-Encoding as on the 200", v)
	}
	u := couchdbtest.GetDoc(t, e.cfg, e.acct, "u1")
	u["first_name"] = "Zoe"
	e.seed(u)
	second := e.do("GET", e.path("/print?accept=pdf"), "", "If-None-Match: "+etag)
	wantStatus(t, second, http.StatusOK)
	if second.Header().Get("ETag") == etag {
		t.Error("ETag did not change with a member's name")
	}
}

func TestPDFFilenameAndGzip(t *testing.T) {
	e := newEnv(t, withRenderers(t))
	acct := couchdbtest.NewAccount(t, e.cfg, couchdbtest.WithName(`Ångström "Labs"/Øst`))
	e.acct, e.token = acct, "token-"+acct
	seedPrintable(e, "print")
	rec := e.do("GET", e.path("/print?accept=pdf"), "", "Accept-Encoding: gzip")
	wantStatus(t, rec, http.StatusOK)
	want := `attachment; filename="_ngstr_m _Labs___st-directory.pdf"; filename*=UTF-8''%C3%85ngstr%C3%B6m%20%22Labs%22%2F%C3%98st-directory.pdf`
	if cd := rec.Header().Get("Content-Disposition"); cd != want {
		t.Errorf("Content-Disposition\n got %s\nwant %s", cd, want)
	}
	if rec.Header().Get("Content-Encoding") != "gzip" {
		t.Fatal("PDF not gzipped for a gzip client")
	}
	zr, err := gzip.NewReader(rec.Body)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(zr)
	if !bytes.HasPrefix(b, []byte("%PDF-")) {
		t.Error("gunzipped body is not a PDF")
	}
}

// failingRenderer injects a rendering failure no real input produces on demand.
type failingRenderer struct{}

func (failingRenderer) Render(_ context.Context, w io.Writer, _ directory.Printout) error {
	_, _ = io.WriteString(w, "%PDF-1.4 half")
	return errors.New("font exploded")
}

func TestPDFFailureIsAJSONError(t *testing.T) {
	e := newEnv(t, func(c *api.Config) { c.PDF = failingRenderer{} })
	seedPrintable(e, "print")
	rec := e.do("GET", e.path("/print?accept=pdf"), "")
	wantStatus(t, rec, http.StatusInternalServerError)
	if ct := rec.Header().Get("Content-Type"); ct != "application/json" {
		t.Errorf("Content-Type = %q", ct)
	}
	if strings.Contains(rec.Body.String(), "%PDF") || strings.Contains(rec.Body.String(), "exploded") {
		t.Errorf("body leaks the partial PDF or the cause: %s", rec.Body.String())
	}
	e.golden("pdf_render_failure", rec)
}

func TestCSV(t *testing.T) {
	e := newEnv(t, withRenderers(t))
	seedPrintable(e, "print")
	rec := e.do("GET", e.path("/print"), "", "Accept: text/csv")
	wantStatus(t, rec, http.StatusOK)
	e.golden("csv_members", rec)
	rec = e.do("GET", e.path("?accept=csv"), "")
	wantStatus(t, rec, http.StatusOK)
	e.golden("csv_listing", rec)
}

// gatedRenderer holds every render until release is closed, counting renders at once.
type gatedRenderer struct {
	release         chan struct{}
	calls           atomic.Int32
	active, maxSeen atomic.Int32
}

func (g *gatedRenderer) Render(ctx context.Context, w io.Writer, _ directory.Printout) error {
	g.calls.Add(1)
	n := g.active.Add(1)
	defer g.active.Add(-1)
	for {
		m := g.maxSeen.Load()
		if n <= m || g.maxSeen.CompareAndSwap(m, n) {
			break
		}
	}
	select {
	case <-g.release:
	case <-ctx.Done():
		return ctx.Err()
	}
	_, err := io.WriteString(w, "%PDF-1.7 gated")
	return err
}

// waitFor polls cond for up to 5 s.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); !cond(); time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
	}
}

// TestMaxRenders: no more than Config.MaxRenders printouts render at once; the others
// wait their turn and are all answered; a client that gives up while waiting never
// gets a render.
func TestMaxRenders(t *testing.T) {
	g := &gatedRenderer{release: make(chan struct{})}
	e := newEnv(t, func(c *api.Config) { c.PDF, c.MaxRenders = g, 2 })
	seedPrintable(e, "print")
	const clients = 5
	codes := make(chan int, clients)
	for range clients {
		go func() { codes <- e.do("GET", e.path("/print?accept=pdf"), "").Code }()
	}
	waitFor(t, "two renders", func() bool { return g.active.Load() == 2 })
	time.Sleep(100 * time.Millisecond) // the other three had time to start, were they let in

	// A client giving up while it waits for a turn is not rendered for.
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	req := httptest.NewRequest("GET", e.path("/print?accept=pdf"), nil).WithContext(ctx)
	req.Header.Set("X-Auth-Token", e.token)
	rec := httptest.NewRecorder()
	e.handler.ServeHTTP(rec, req)
	if rec.Code == http.StatusOK {
		t.Errorf("a request cancelled while waiting was answered 200")
	}
	if got := g.maxSeen.Load(); got != 2 {
		t.Fatalf("%d renders at once, want 2", got)
	}
	close(g.release)
	for range clients {
		if code := <-codes; code != http.StatusOK {
			t.Errorf("status %d, want 200", code)
		}
	}
	if got := g.calls.Load(); got != clients {
		t.Errorf("%d renders, want %d (the cancelled request must not render)", got, clients)
	}
	if got := g.maxSeen.Load(); got != 2 {
		t.Errorf("%d renders at once, want 2", got)
	}
}

// bigRenderer writes 64 KiB of PDF-ish bytes.
type bigRenderer struct{}

func (bigRenderer) Render(_ context.Context, w io.Writer, _ directory.Printout) error {
	_, err := w.Write(append([]byte("%PDF-1.7\n"), make([]byte, 64<<10)...))
	return err
}

// stalledWriter is a client that stops reading: its first write blocks until release.
type stalledWriter struct {
	*httptest.ResponseRecorder
	writing, release chan struct{}
}

func (s *stalledWriter) Write(p []byte) (int, error) {
	select {
	case s.writing <- struct{}{}:
	default:
	}
	<-s.release
	return s.ResponseRecorder.Write(p)
}

// TestSlowClientHoldsNoRenderSlot: a client slow to download its printout does not
// keep the next one from rendering (MaxRenders 1).
func TestSlowClientHoldsNoRenderSlot(t *testing.T) {
	e := newEnv(t, func(c *api.Config) { c.PDF, c.MaxRenders = bigRenderer{}, 1 })
	seedPrintable(e, "print")
	slow := &stalledWriter{httptest.NewRecorder(), make(chan struct{}, 1), make(chan struct{})}
	req := httptest.NewRequest("GET", e.path("/print?accept=pdf"), nil)
	req.Header.Set("X-Auth-Token", e.token)
	done := make(chan struct{})
	go func() { e.handler.ServeHTTP(slow, req); close(done) }()
	defer func() { close(slow.release); <-done }()
	<-slow.writing
	got := make(chan int, 1)
	go func() { got <- e.do("GET", e.path("/print?accept=pdf"), "").Code }()
	select {
	case code := <-got:
		if code != http.StatusOK {
			t.Fatalf("status %d", code)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("a printout waits for another client's download: the render slot is held while sending")
	}
}

// TestCSVGzipWhenWorthIt: a printout is gzipped for a gzip client from minGzip bytes
// on (compressed as it is rendered) and decompresses to the plain answer; a smaller
// one is sent as it is.
func TestCSVGzipWhenWorthIt(t *testing.T) {
	e := newEnv(t, withRenderers(t))
	seedPrintable(e, "small")
	seedMembers(e, "big", 60)
	for _, tc := range []struct {
		dir  string
		gzip bool
	}{{"small", false}, {"big", true}} {
		plain := e.do("GET", e.path("/"+tc.dir+"?accept=csv"), "")
		wantStatus(t, plain, http.StatusOK)
		rec := e.do("GET", e.path("/"+tc.dir+"?accept=csv"), "", "Accept-Encoding: gzip")
		wantStatus(t, rec, http.StatusOK)
		if got := rec.Header().Get("Content-Encoding") == "gzip"; got != tc.gzip {
			t.Fatalf("%s (%d bytes): gzipped = %v, want %v", tc.dir, plain.Body.Len(), got, tc.gzip)
		}
		if tc.gzip != (plain.Body.Len() >= 1024) {
			t.Fatalf("%s: fixture of %d bytes does not test the threshold", tc.dir, plain.Body.Len())
		}
		body := rec.Body.Bytes()
		if tc.gzip {
			zr, err := gzip.NewReader(rec.Body)
			if err != nil {
				t.Fatal(err)
			}
			if body, err = io.ReadAll(zr); err != nil {
				t.Fatal(err)
			}
		}
		if !bytes.Equal(body, plain.Body.Bytes()) {
			t.Errorf("%s: gzip answer differs from the plain one", tc.dir)
		}
		if v := rec.Header().Get("Vary"); v != "Accept-Encoding" {
			t.Errorf("%s: Vary = %q", tc.dir, v)
		}
	}
}

// BenchmarkPDF10000Members runs the whole HTTP GET of a 10,000-member directory as PDF
// and reports the CouchDB requests per call (must be ≤ 4).
func BenchmarkPDF10000Members(b *testing.B) {
	e := newEnv(b, withRenderers(b))
	docs := []directory.Doc{sales("big")}
	for i := 0; i < 10000; i++ {
		docs = append(docs,
			user(fmt.Sprintf("user%05d", i), fmt.Sprintf("First%d", i), fmt.Sprintf("Last%d", i%977), map[string]any{"big": fmt.Sprintf("cf%05d", i)}),
			directory.Doc{"_id": fmt.Sprintf("cf%05d", i), "pvt_type": "callflow", "numbers": []any{fmt.Sprintf("+1555%07d", i)}})
	}
	for i := 0; i < len(docs); i += 2000 {
		e.seed(docs[i:min(i+2000, len(docs))]...)
	}
	// Build the view index first with a patient store: the compat server takes longer
	// than a request timeout to index 20,000 docs.
	patient := e.cfg
	patient.RequestTimeout = 10 * time.Minute
	if _, err := couchdbtest.Open(b, patient).Members(context.Background(), e.acct, "big", false); err != nil {
		b.Fatal(err)
	}
	wantStatus(b, e.do("GET", e.path("/big?accept=pdf"), ""), http.StatusOK)
	e.counter.Reset()
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if rec := e.do("GET", e.path("/big?accept=pdf"), ""); rec.Code != http.StatusOK {
			b.Fatalf("status %d", rec.Code)
		}
	}
	b.StopTimer()
	perOp := float64(e.counter.Count()) / float64(b.N)
	b.ReportMetric(perOp, "couchdb-req/op")
	if perOp > 4 {
		b.Errorf("%.1f CouchDB requests per PDF, want ≤ 4", perOp)
	}
}

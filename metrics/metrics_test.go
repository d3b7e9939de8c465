package metrics_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/kazoo-directories/kazoo-directories/metrics"
	"github.com/kazoo-directories/kazoo-directories/pkg/directory"
)

// scrape fetches reg's /metrics through its Handler and returns the text exposition.
func scrape(t *testing.T, reg *metrics.Registry) string {
	t.Helper()
	srv := httptest.NewServer(reg.Handler())
	defer srv.Close()
	resp, err := http.Get(srv.URL + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /metrics: %s", resp.Status)
	}
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/plain") {
		t.Errorf("Content-Type = %q, want the text format", ct)
	}
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// wantLines fails for every line of want missing from out.
func wantLines(t *testing.T, out string, want ...string) {
	t.Helper()
	have := map[string]bool{}
	for _, l := range strings.Split(out, "\n") {
		have[l] = true
	}
	for _, w := range want {
		if !have[w] {
			t.Errorf("scrape lacks %q", w)
		}
	}
	if t.Failed() {
		t.Logf("scrape:\n%s", grep(out, "directoriesd_"))
	}
}

func grep(out, prefix string) string {
	var b strings.Builder
	for _, l := range strings.Split(out, "\n") {
		if strings.HasPrefix(l, prefix) {
			b.WriteString(l + "\n")
		}
	}
	return b.String()
}

func TestObserveRequest(t *testing.T) {
	reg := metrics.New()
	const item = "/v2/accounts/:account/directories/:id"
	reg.ObserveRequest(item, "GET", 200, 30*time.Millisecond)
	reg.ObserveRequest(item, "GET", 200, 3*time.Second)
	reg.ObserveRequest(item, "GET", 404, time.Millisecond)
	reg.ObserveRequest("", "GET", 404, time.Millisecond)
	reg.ObserveRequest("/healthz", "BREW", 405, time.Millisecond)
	out := scrape(t, reg)
	wantLines(t, out,
		`directoriesd_http_requests_total{method="GET",route="`+item+`",status="200"} 2`,
		`directoriesd_http_requests_total{method="GET",route="`+item+`",status="404"} 1`,
		`directoriesd_http_requests_total{method="GET",route="unmatched",status="404"} 1`,
		`directoriesd_http_requests_total{method="OTHER",route="/healthz",status="405"} 1`,
		`directoriesd_http_request_duration_seconds_bucket{method="GET",route="`+item+`",le="0.05"} 2`,
		`directoriesd_http_request_duration_seconds_bucket{method="GET",route="`+item+`",le="2.5"} 2`,
		`directoriesd_http_request_duration_seconds_bucket{method="GET",route="`+item+`",le="+Inf"} 3`,
		`directoriesd_http_request_duration_seconds_count{method="GET",route="`+item+`"} 3`,
	)
}

// TestRuntimeCollectors: the Go and process collectors are on the registry, and two
// registries are independent (no global state: a second New would panic on the
// default registry).
func TestRuntimeCollectors(t *testing.T) {
	a, b := metrics.New(), metrics.New()
	a.ObserveRequest("/healthz", "GET", 200, time.Millisecond)
	scrape(t, b) // a second Handler on one registry must not panic on re-registration
	out := scrape(t, b)
	for _, name := range []string{"go_goroutines ", "go_memstats_alloc_bytes ", "process_cpu_seconds_total ", "process_open_fds "} {
		if !strings.Contains(out, "\n"+name) {
			t.Errorf("scrape lacks %s", name)
		}
	}
	if strings.Contains(out, `route="/healthz"`) {
		t.Error("a request observed on one registry shows up on another")
	}
}

// fakeRenderer writes "rendered" or fails.
type fakeRenderer struct{ err error }

func (f fakeRenderer) Render(ctx context.Context, w io.Writer, p directory.Printout) error {
	if f.err != nil {
		return f.err
	}
	_, err := io.WriteString(w, "rendered")
	return err
}

func TestInstrumentRenderer(t *testing.T) {
	reg := metrics.New()
	ok := reg.InstrumentRenderer("pdf", fakeRenderer{})
	boom := errors.New("boom")
	bad := reg.InstrumentRenderer("pdf", fakeRenderer{err: boom})
	var buf strings.Builder
	if err := ok.Render(context.Background(), &buf, directory.Printout{}); err != nil || buf.String() != "rendered" {
		t.Fatalf("Render = %v, %q; want the wrapped renderer's output", err, buf.String())
	}
	if err := bad.Render(context.Background(), &buf, directory.Printout{}); !errors.Is(err, boom) {
		t.Fatalf("Render error = %v, want the wrapped renderer's error", err)
	}
	if reg.InstrumentRenderer("csv", nil) != nil {
		t.Error("a nil renderer must stay nil (representation disabled)")
	}
	wantLines(t, scrape(t, reg),
		`directoriesd_render_duration_seconds_count{kind="pdf"} 2`,
		`directoriesd_render_errors_total{kind="pdf"} 1`,
	)
}

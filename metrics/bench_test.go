package metrics_test

import (
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/kazoo-directories/kazoo-directories/metrics"
)

// BenchmarkObserveRequest is the cost added to every HTTP request.
func BenchmarkObserveRequest(b *testing.B) {
	reg := metrics.New()
	b.ReportAllocs()
	for b.Loop() {
		reg.ObserveRequest("/v2/accounts/:account/directories/:id", "GET", 200, 3*time.Millisecond)
	}
}

// BenchmarkInstrumentTransport is the cost added to every CouchDB request.
func BenchmarkInstrumentTransport(b *testing.B) {
	reg := metrics.New()
	ok := &http.Response{StatusCode: 200, Body: io.NopCloser(strings.NewReader(""))}
	rt := reg.InstrumentTransport(roundTripFunc(func(*http.Request) (*http.Response, error) { return ok, nil }))
	req, _ := http.NewRequest("GET", "http://couch/account%2Fab%2Fcd%2Fef/_design/directories/_view/users_listing", nil)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := rt.RoundTrip(req); err != nil {
			b.Fatal(err)
		}
	}
}

// Package metrics exposes the service's Prometheus metrics: HTTP requests by route,
// CouchDB requests by operation and PDF render times. A Registry owns its own
// prometheus.Registry (never the global default one), so several can live in one
// process, e.g. one per test.
//
// The package sees the rest of the service only through the standard library and
// pkg/directory: pkg/api reports requests through its Observer interface, which
// Registry implements; CouchDB traffic is measured by wrapping the client's
// http.RoundTripper; renderers are wrapped as directory.Renderer.
//
// Every label takes its values from a small fixed set: route patterns (never raw
// paths), normalised methods, status codes, operation names and renderer kinds.
package metrics

import (
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Namespace prefixes every metric of the service.
const Namespace = "directoriesd"

// Registry holds the service's metrics. Its methods are safe for concurrent use.
type Registry struct {
	reg *prometheus.Registry

	httpRequests *prometheus.CounterVec   // route, method, status
	httpDuration *prometheus.HistogramVec // route, method

	couchRequests *prometheus.CounterVec   // operation
	couchErrors   *prometheus.CounterVec   // operation
	couchDuration *prometheus.HistogramVec // operation

	couchAccepted *prometheus.CounterVec // operation: writes answered 202 Accepted

	renderDuration *prometheus.HistogramVec // kind
	renderErrors   *prometheus.CounterVec   // kind
}

// renderBuckets cover a one-page directory (milliseconds) up to tens of thousands of
// members (seconds).
var renderBuckets = []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30}

// New returns a Registry with the service's metrics and the Go runtime and process
// collectors registered.
func New() *Registry {
	r := &Registry{
		reg: prometheus.NewRegistry(),
		httpRequests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: Namespace, Subsystem: "http", Name: "requests_total",
			Help: "HTTP requests answered, by route pattern, method and status code.",
		}, []string{"route", "method", "status"}),
		httpDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Namespace: Namespace, Subsystem: "http", Name: "request_duration_seconds",
			Help:    "Time to answer an HTTP request, by route pattern and method.",
			Buckets: prometheus.DefBuckets,
		}, []string{"route", "method"}),
		couchRequests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: Namespace, Subsystem: "couchdb", Name: "requests_total",
			Help: "Requests sent to CouchDB, by operation.",
		}, []string{"operation"}),
		couchErrors: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: Namespace, Subsystem: "couchdb", Name: "errors_total",
			Help: "CouchDB requests that failed in transport (timeouts included, client cancellations not) or got a 5xx, by operation.",
		}, []string{"operation"}),
		couchDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Namespace: Namespace, Subsystem: "couchdb", Name: "request_duration_seconds",
			Help:    "Time from sending a CouchDB request to its response headers, by operation.",
			Buckets: prometheus.DefBuckets,
		}, []string{"operation"}),
		couchAccepted: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: Namespace, Subsystem: "couchdb", Name: "accepted_total",
			Help: "Writes CouchDB answered 202 Accepted (stored, but not yet on its write quorum of nodes), by operation.",
		}, []string{"operation"}),
		renderDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Namespace: Namespace, Subsystem: "render", Name: "duration_seconds",
			Help:    "Time to render a directory printout, by kind (pdf, csv), failures included.",
			Buckets: renderBuckets,
		}, []string{"kind"}),
		renderErrors: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: Namespace, Subsystem: "render", Name: "errors_total",
			Help: "Directory printouts that failed to render, by kind.",
		}, []string{"kind"}),
	}
	r.reg.MustRegister(
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		r.httpRequests, r.httpDuration,
		r.couchRequests, r.couchErrors, r.couchDuration,
		r.couchAccepted,
		r.renderDuration, r.renderErrors,
	)
	return r
}

// Handler serves the registry in the Prometheus text (or negotiated) exposition
// format, for GET /metrics. It also counts its own scrapes.
func (reg *Registry) Handler() http.Handler {
	h := promhttp.HandlerFor(reg.reg, promhttp.HandlerOpts{Registry: reg.reg})
	return promhttp.InstrumentMetricHandler(reg.reg, h)
}

// ObserveRequest records one answered HTTP request. route must be a route pattern
// (e.g. "/v2/accounts/:account/directories/:id") or a fixed word such as
// "unmatched", never a raw path; an empty route is recorded as "unmatched". Methods
// outside the standard set are recorded as "OTHER".
func (reg *Registry) ObserveRequest(route, method string, status int, elapsed time.Duration) {
	if route == "" {
		route = "unmatched"
	}
	method = normalMethod(method)
	reg.httpRequests.WithLabelValues(route, method, strconv.Itoa(status)).Inc()
	reg.httpDuration.WithLabelValues(route, method).Observe(elapsed.Seconds())
}

// normalMethod keeps the label's values bounded whatever clients send.
func normalMethod(m string) string {
	switch m {
	case http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch,
		http.MethodDelete, http.MethodOptions, http.MethodConnect, http.MethodTrace:
		return m
	}
	return "OTHER"
}

package metrics

import "github.com/prometheus/client_golang/prometheus"

// AMQP counts the message bus's work (it implements amqp.Metrics): notices published,
// dropped and waiting, cache flushes caused by KAZOO's notices, connection states.
type AMQP struct {
	published prometheus.Counter
	dropped   prometheus.Counter
	queued    prometheus.Gauge
	flushes   *prometheus.CounterVec // reason: notice, reconnect
	connected *prometheus.GaugeVec   // role: publisher, consumer
}

// AMQP registers the bus metrics in reg and returns them. Call it once per Registry.
func (reg *Registry) AMQP() *AMQP {
	m := &AMQP{
		published: prometheus.NewCounter(prometheus.CounterOpts{
			Namespace: Namespace, Subsystem: "amqp", Name: "notices_published_total",
			Help: "Doc-change notices the broker confirmed.",
		}),
		dropped: prometheus.NewCounter(prometheus.CounterOpts{
			Namespace: Namespace, Subsystem: "amqp", Name: "notices_dropped_total",
			Help: "Doc-change notices given up (queue full, or still queued at shutdown); each is logged with its doc id.",
		}),
		queued: prometheus.NewGauge(prometheus.GaugeOpts{
			Namespace: Namespace, Subsystem: "amqp", Name: "notices_queued",
			Help: "Doc-change notices waiting to be published.",
		}),
		flushes: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: Namespace, Subsystem: "amqp", Name: "cache_flushes_total",
			Help: "Cache invalidations by KAZOO's notices (reason notice) and full flushes after the consumer (re)subscribed (reason reconnect).",
		}, []string{"reason"}),
		connected: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Namespace: Namespace, Subsystem: "amqp", Name: "connected",
			Help: "1 while the publisher or consumer holds a broker connection, else 0.",
		}, []string{"role"}),
	}
	reg.reg.MustRegister(m.published, m.dropped, m.queued, m.flushes, m.connected)
	return m
}

// Published counts n notices the broker confirmed.
func (m *AMQP) Published(n int) { m.published.Add(float64(n)) }

// Dropped counts n notices given up.
func (m *AMQP) Dropped(n int) { m.dropped.Add(float64(n)) }

// Queued sets the number of notices waiting.
func (m *AMQP) Queued(n int) { m.queued.Set(float64(n)) }

// Flushed counts one cache invalidation for reason (notice or reconnect).
func (m *AMQP) Flushed(reason string) { m.flushes.WithLabelValues(reason).Inc() }

// Connected sets the connection state of role (publisher or consumer).
func (m *AMQP) Connected(role string, up bool) {
	v := 0.0
	if up {
		v = 1
	}
	m.connected.WithLabelValues(role).Set(v)
}

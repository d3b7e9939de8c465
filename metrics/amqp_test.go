package metrics_test

import (
	"testing"

	"github.com/kazoo-directories/kazoo-directories/metrics"
)

func TestAMQPMetrics(t *testing.T) {
	reg := metrics.New()
	m := reg.AMQP()
	m.Connected("publisher", true)
	m.Connected("consumer", false)
	m.Published(3)
	m.Published(2)
	m.Dropped(1)
	m.Queued(7)
	m.Flushed("notice")
	m.Flushed("notice")
	m.Flushed("reconnect")
	wantLines(t, scrape(t, reg),
		`directoriesd_amqp_connected{role="consumer"} 0`,
		`directoriesd_amqp_connected{role="publisher"} 1`,
		`directoriesd_amqp_notices_published_total 5`,
		`directoriesd_amqp_notices_dropped_total 1`,
		`directoriesd_amqp_notices_queued 7`,
		`directoriesd_amqp_cache_flushes_total{reason="notice"} 2`,
		`directoriesd_amqp_cache_flushes_total{reason="reconnect"} 1`,
	)
}

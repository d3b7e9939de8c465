package amqp_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/kazoo-directories/kazoo-directories/amqp"
	"github.com/kazoo-directories/kazoo-directories/amqp/amqptest"
)

// BenchmarkPublisherThroughput queues b.N notices as fast as Notify allows and
// reports how many the real broker confirmed per second (the target is ≥ 1,000/s),
// with a queue bound as KAZOO's doc cache (`#`) consuming them.
func BenchmarkPublisherThroughput(b *testing.B) {
	url := amqptest.URL(b)
	amqptest.Listen(b, url, "#")
	var m metrics
	cfg := fastConfig(url, amqptest.NodeName("bench"), &m, nil)
	cfg.QueueSize = b.N + 1
	p := amqp.NewPublisher(cfg)
	defer p.Close(time.Second)
	for deadline := time.Now().Add(10 * time.Second); !m.isUp("publisher"); time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			b.Fatal("publisher did not connect")
		}
	}
	b.ResetTimer()
	start := time.Now()
	for i := range b.N {
		p.Notify(context.Background(), change(fmt.Sprintf("bench-%d", i)))
	}
	for m.published.Load() < int64(b.N) {
		time.Sleep(time.Millisecond)
	}
	elapsed := time.Since(start)
	b.StopTimer()
	if d := m.dropped.Load(); d != 0 {
		b.Fatalf("%d notices dropped", d)
	}
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "notices/s")
}

package main

import (
	"log/slog"
	"time"

	"github.com/kazoo-directories/kazoo-directories/amqp"
	"github.com/kazoo-directories/kazoo-directories/metrics"
	"github.com/kazoo-directories/kazoo-directories/pkg/directory"
)

// busDrainGrace bounds how long shutdown waits for queued notices to go out.
const busDrainGrace = 3 * time.Second

// bus is KAZOO's message bus as the service uses it: a publisher of doc-change
// notices and a consumer that drops cached KAZOO docs. Zero value: no bus.
type bus struct {
	pub *amqp.Publisher
	sub *amqp.Consumer
}

// startBus connects to cfg.AMQPURL (nothing when empty). Connection happens in the
// background: a broker that is down does not stop the service from starting.
// caches are told about KAZOO's doc changes.
func startBus(cfg Config, log *slog.Logger, reg *metrics.Registry, caches ...any) bus {
	if cfg.AMQPURL == "" {
		return bus{}
	}
	ac := amqp.Config{URL: cfg.AMQPURL, Node: cfg.NodeName, Logger: log, Metrics: reg.AMQP()}
	var inv []amqp.Invalidator
	for _, c := range caches {
		if i, ok := c.(amqp.Invalidator); ok {
			inv = append(inv, i)
		}
	}
	return bus{pub: amqp.NewPublisher(ac), sub: amqp.NewConsumer(ac, inv...)}
}

// notifier is what the service publishes through (nil: nothing).
func (b bus) notifier() directory.Notifier {
	if b.pub == nil {
		return nil
	}
	return b.pub
}

func (b bus) close() {
	if b.sub != nil {
		b.sub.Close()
	}
	if b.pub != nil {
		b.pub.Close(busDrainGrace)
	}
}

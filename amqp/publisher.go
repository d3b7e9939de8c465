package amqp

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	amqp091 "github.com/rabbitmq/amqp091-go"

	"github.com/kazoo-directories/kazoo-directories/pkg/directory"
)

// maxBatch is how many notices go out before waiting for the broker's confirms.
const maxBatch = 256

// Publisher sends doc-change notices to KAZOO's `configuration` exchange. Notify
// only queues (it never waits on the network); one goroutine publishes with
// publisher confirms and reconnects with backoff, so a notice queued while the
// broker is down goes out when it returns. A notice is sent again when its
// confirm is lost with the connection: consumers may see it twice, which costs one
// extra cache flush.
type Publisher struct {
	cfg   Config
	queue chan message

	cancel context.CancelFunc
	drain  chan struct{} // closed by Close: exit once the queue is empty
	done   chan struct{}
	once   sync.Once
}

var _ directory.Notifier = (*Publisher)(nil)

// NewPublisher starts a publisher; Close stops it.
func NewPublisher(cfg Config) *Publisher {
	cfg = cfg.withDefaults()
	ctx, cancel := context.WithCancel(context.Background())
	p := &Publisher{
		cfg: cfg, queue: make(chan message, cfg.QueueSize),
		cancel: cancel, drain: make(chan struct{}), done: make(chan struct{}),
	}
	cfg.Metrics.Connected("publisher", false)
	go p.run(ctx)
	return p
}

// Notify queues the notice for c. When the queue is full the notice is dropped,
// counted and logged with its doc id.
func (p *Publisher) Notify(_ context.Context, c directory.Change) {
	m := newMessage(c, p.cfg.Node)
	select {
	case p.queue <- m:
		p.cfg.Metrics.Queued(len(p.queue))
	default:
		p.cfg.Metrics.Dropped(1)
		p.cfg.Logger.Warn("amqp: queue full, doc-change notice dropped",
			"database", m.db, "id", m.id, "routing_key", m.key, "queue_size", p.cfg.QueueSize)
	}
}

// Close publishes what is queued for up to grace, then stops. Notices still queued
// are dropped, counted and logged.
func (p *Publisher) Close(grace time.Duration) {
	p.once.Do(func() {
		close(p.drain)
		select {
		case <-p.done:
		case <-time.After(grace):
			p.cancel()
			<-p.done
		}
		p.cancel()
		for n := len(p.queue); n > 0; n-- {
			m := <-p.queue
			p.cfg.Metrics.Dropped(1)
			p.cfg.Logger.Warn("amqp: shutting down, doc-change notice dropped", "database", m.db, "id", m.id)
		}
		p.cfg.Metrics.Queued(0)
	})
}

func (p *Publisher) run(ctx context.Context) {
	defer close(p.done)
	var batch []message
	defer func() { // stopped with an unconfirmed batch
		for _, m := range batch {
			p.cfg.Metrics.Dropped(1)
			p.cfg.Logger.Warn("amqp: shutting down, doc-change notice dropped", "database", m.db, "id", m.id)
		}
	}()
	bo := newBackoff(p.cfg.MinBackoff, p.cfg.MaxBackoff)
	for ctx.Err() == nil {
		if len(batch) == 0 && p.draining() && len(p.queue) == 0 {
			return
		}
		conn, ch, err := dial(ctx, p.cfg, "publisher")
		if err != nil {
			p.cfg.Logger.Warn("amqp: publisher cannot connect", "url", redact(p.cfg.URL), "err", err, "queued", len(p.queue)+len(batch))
			if !bo.wait(ctx, p.idleDrain(batch)) {
				return
			}
			continue
		}
		bo.reset()
		p.cfg.Logger.Info("amqp: publisher connected", "url", redact(p.cfg.URL))
		p.cfg.Metrics.Connected("publisher", true)
		err = p.publish(ctx, conn, ch, &batch)
		_ = conn.Close()
		p.cfg.Metrics.Connected("publisher", false)
		if err != nil && ctx.Err() == nil {
			p.cfg.Logger.Warn("amqp: publisher connection lost", "err", err, "queued", len(p.queue)+len(batch))
			if !bo.wait(ctx, p.idleDrain(batch)) {
				return
			}
		}
	}
}

// idleDrain is the drain signal when nothing waits to be published (nil otherwise),
// so that closing an idle publisher does not wait out a reconnection delay.
func (p *Publisher) idleDrain(batch []message) <-chan struct{} {
	if len(batch) == 0 && len(p.queue) == 0 {
		return p.drain
	}
	return nil
}

func (p *Publisher) draining() bool {
	select {
	case <-p.drain:
		return true
	default:
		return false
	}
}

// publish sends batches on ch until the connection fails (error), or the queue is
// empty while draining (nil). *batch holds the notices not yet confirmed.
func (p *Publisher) publish(ctx context.Context, conn *amqp091.Connection, ch *amqp091.Channel, batch *[]message) error {
	if err := ch.Confirm(false); err != nil {
		return fmt.Errorf("confirm mode: %w", err)
	}
	closed := conn.NotifyClose(make(chan *amqp091.Error, 1))
	for {
		if len(*batch) == 0 {
			select {
			case m := <-p.queue:
				*batch = append(*batch, m)
			case err := <-closed:
				return fmt.Errorf("connection closed: %v", err)
			case <-p.drain:
				if len(p.queue) == 0 {
					return nil
				}
				continue
			case <-ctx.Done():
				return ctx.Err()
			}
		}
	fill:
		for len(*batch) < maxBatch {
			select {
			case m := <-p.queue:
				*batch = append(*batch, m)
			default:
				break fill
			}
		}
		if err := p.send(ctx, ch, closed, *batch); err != nil {
			return err
		}
		p.cfg.Metrics.Published(len(*batch))
		*batch = (*batch)[:0]
		p.cfg.Metrics.Queued(len(p.queue))
	}
}

// send publishes batch and waits until the broker confirmed every notice.
func (p *Publisher) send(ctx context.Context, ch *amqp091.Channel, closed <-chan *amqp091.Error, batch []message) error {
	confirms := make([]*amqp091.DeferredConfirmation, len(batch))
	for i, m := range batch {
		dc, err := ch.PublishWithDeferredConfirmWithContext(ctx, Exchange, m.key, false, false, amqp091.Publishing{
			ContentType: ContentType,
			Body:        m.body,
		})
		if err != nil {
			return fmt.Errorf("publish: %w", err)
		}
		confirms[i] = dc
	}
	timer := time.NewTimer(p.cfg.ConfirmTimeout)
	defer timer.Stop()
	for _, dc := range confirms {
		select {
		case <-dc.Done():
			if !dc.Acked() {
				return errors.New("broker refused a notice (nack)")
			}
		case err := <-closed:
			return fmt.Errorf("connection closed awaiting confirms: %v", err)
		case <-timer.C:
			return errors.New("no confirm from the broker in time")
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return nil
}

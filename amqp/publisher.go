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

// maxFailures is how many failed batches a notice may be in, each time on a fresh
// connection, before it is given up: a notice the broker can never take (a refusal, a
// frame it rejects) must not hold up the ones queued behind it.
const maxFailures = 5

// closeWait bounds how long Close waits for the publishing goroutine after cancelling
// it (a broker that blocks publishers ignores cancellation until it unblocks).
const closeWait = 5 * time.Second

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
	if len(m.key) > maxRoutingKey {
		p.drop(m, "routing key longer than AMQP's 255 bytes")
		return
	}
	select {
	case p.queue <- m:
		p.cfg.Metrics.Queued(len(p.queue))
	default:
		p.drop(m, "queue full")
	}
}

// drop gives up a notice: counted and logged with its doc id.
func (p *Publisher) drop(m message, why string) {
	p.cfg.Metrics.Dropped(1)
	p.cfg.Logger.Warn("amqp: doc-change notice dropped: "+why,
		"database", m.db, "id", m.id, "routing_key", m.key, "queue_size", p.cfg.QueueSize)
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
			select {
			case <-p.done:
			case <-time.After(closeWait):
				p.cfg.Logger.Warn("amqp: publisher did not stop in time; leaving it")
			}
		}
		p.cancel()
		for n := len(p.queue); n > 0; n-- {
			p.drop(<-p.queue, "shutting down")
		}
		p.cfg.Metrics.Queued(0)
	})
}

func (p *Publisher) run(ctx context.Context) {
	defer close(p.done)
	var batch []message
	defer func() { // stopped with an unconfirmed batch
		for _, m := range batch {
			p.drop(m, "shutting down")
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
		p.cfg.Logger.Info("amqp: publisher connected", "url", redact(p.cfg.URL))
		p.cfg.Metrics.Connected("publisher", true)
		err = p.publish(ctx, conn, ch, &batch, bo)
		_ = conn.Close()
		p.cfg.Metrics.Connected("publisher", false)
		if err != nil && ctx.Err() == nil {
			batch = p.giveUpFailing(batch)
			p.cfg.Logger.Warn("amqp: publisher connection lost", "err", err, "queued", len(p.queue)+len(batch))
			if !bo.wait(ctx, p.idleDrain(batch)) {
				return
			}
		}
	}
}

// giveUpFailing counts one more failure for each notice of a batch that failed on a
// live connection, and drops those that failed maxFailures times.
func (p *Publisher) giveUpFailing(batch []message) []message {
	kept := batch[:0]
	for _, m := range batch {
		if m.failures++; m.failures >= maxFailures {
			p.drop(m, "failed on every attempt")
			continue
		}
		kept = append(kept, m)
	}
	return kept
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
// empty while draining (nil). *batch holds the notices not yet confirmed. The backoff
// is reset once a batch is confirmed (not on connecting: a connection that fails every
// batch must not be retried at the shortest delay for ever).
func (p *Publisher) publish(ctx context.Context, conn *amqp091.Connection, ch *amqp091.Channel, batch *[]message, bo *backoff) error {
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
		refused, err := p.send(ctx, ch, closed, *batch)
		if err != nil {
			return err
		}
		bo.reset()
		for _, m := range refused {
			p.drop(m, "refused by the broker (nack)")
		}
		p.cfg.Metrics.Published(len(*batch) - len(refused))
		*batch = (*batch)[:0]
		p.cfg.Metrics.Queued(len(p.queue))
	}
}

// send publishes batch and waits until the broker confirmed every notice; it returns
// the notices the broker refused (nack), which resending would not change.
func (p *Publisher) send(ctx context.Context, ch *amqp091.Channel, closed <-chan *amqp091.Error, batch []message) ([]message, error) {
	confirms := make([]*amqp091.DeferredConfirmation, len(batch))
	for i, m := range batch {
		dc, err := ch.PublishWithDeferredConfirmWithContext(ctx, Exchange, m.key, false, false, amqp091.Publishing{
			ContentType: ContentType,
			Body:        m.body,
		})
		if err != nil {
			return nil, fmt.Errorf("publish: %w", err)
		}
		confirms[i] = dc
	}
	timer := time.NewTimer(p.cfg.ConfirmTimeout)
	defer timer.Stop()
	var refused []message
	for i, dc := range confirms {
		select {
		case <-dc.Done():
			if !dc.Acked() {
				refused = append(refused, batch[i])
			}
		case err := <-closed:
			return nil, fmt.Errorf("connection closed awaiting confirms: %v", err)
		case <-timer.C:
			return nil, errors.New("no confirm from the broker in time")
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	return refused, nil
}

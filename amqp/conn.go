package amqp

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"time"

	amqp091 "github.com/rabbitmq/amqp091-go"
)

// Config is what both sides of the bus need.
type Config struct {
	// URL is KAZOO's amqp_uri form, e.g. amqp://guest:guest@127.0.0.1:5672 (no path:
	// vhost "/").
	URL string
	// Node is this service's node name, sent in every notice's Node and used to
	// recognise our own notices. It must differ from every KAZOO node name.
	Node string
	// QueueSize bounds the notices waiting to be published (default 10,000); when it
	// is full, new notices are dropped, counted and logged.
	QueueSize int
	// MinBackoff and MaxBackoff bound the wait between reconnection attempts
	// (defaults 100 ms and 5 s, doubling).
	MinBackoff, MaxBackoff time.Duration
	// ConfirmTimeout bounds the wait for the broker to confirm a batch (default 5 s);
	// a batch not confirmed in time is sent again on a new connection.
	ConfirmTimeout time.Duration
	Logger         *slog.Logger
	Metrics        Metrics // nil: none
}

func (c Config) withDefaults() Config {
	if c.QueueSize <= 0 {
		c.QueueSize = 10000
	}
	if c.MinBackoff <= 0 {
		c.MinBackoff = 100 * time.Millisecond
	}
	if c.MaxBackoff < c.MinBackoff {
		c.MaxBackoff = 5 * time.Second
	}
	if c.ConfirmTimeout <= 0 {
		c.ConfirmTimeout = 5 * time.Second
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	if c.Metrics == nil {
		c.Metrics = noMetrics{}
	}
	return c
}

// Metrics receives the bus's counts. Implementations must be safe for concurrent use.
type Metrics interface {
	// Published counts notices the broker confirmed.
	Published(n int)
	// Dropped counts notices given up because the queue was full.
	Dropped(n int)
	// Queued reports how many notices wait to be published.
	Queued(n int)
	// Flushed counts cache invalidations: reason "notice" (one doc or database) or
	// "reconnect" (every cache, after the consumer (re)subscribed).
	Flushed(reason string)
	// Connected reports the connection state of role "publisher" or "consumer".
	Connected(role string, up bool)
}

type noMetrics struct{}

func (noMetrics) Published(int)          {}
func (noMetrics) Dropped(int)            {}
func (noMetrics) Queued(int)             {}
func (noMetrics) Flushed(string)         {}
func (noMetrics) Connected(string, bool) {}

// handshakeTimeout bounds the TCP connect and, separately, the TLS and AMQP handshakes.
const handshakeTimeout = 5 * time.Second

// dial connects and declares KAZOO's exchange exactly as KAZOO declares it
// (kz_amqp_util:new_exchange: topic, durable=false, auto_delete=false,
// internal=false, no arguments), so neither side's declare is refused.
func dial(ctx context.Context, cfg Config, role string) (*amqp091.Connection, *amqp091.Channel, error) {
	props := amqp091.NewConnectionProperties()
	props.SetClientConnectionName(fmt.Sprintf("%s %s", cfg.Node, role))
	conn, err := amqp091.DialConfig(cfg.URL, amqp091.Config{
		Heartbeat:  10 * time.Second,
		Properties: props,
		Dial: func(network, addr string) (net.Conn, error) {
			d := net.Dialer{Timeout: handshakeTimeout}
			c, err := d.DialContext(ctx, network, addr)
			if err != nil {
				return nil, err
			}
			// As amqp091's DefaultDial: a deadline for the TLS and AMQP handshakes
			// (cleared once the connection is open), so a peer that accepts TCP and
			// never speaks cannot hold a dial for ever.
			return c, c.SetDeadline(time.Now().Add(handshakeTimeout))
		},
	})
	if err != nil {
		return nil, nil, err
	}
	ch, err := conn.Channel()
	if err == nil {
		err = ch.ExchangeDeclare(Exchange, ExchangeType, false, false, false, false, nil)
	}
	if err != nil {
		_ = conn.Close()
		return nil, nil, fmt.Errorf("declare exchange %s: %w", Exchange, err)
	}
	return conn, ch, nil
}

// backoff is a doubling wait between min and max.
type backoff struct {
	min, max, next time.Duration
}

func newBackoff(min, max time.Duration) *backoff { return &backoff{min: min, max: max, next: min} }

// wait sleeps for the next delay and doubles it. It returns false when ctx ended or
// stop was closed first (a nil stop never is).
func (b *backoff) wait(ctx context.Context, stop <-chan struct{}) bool {
	t := time.NewTimer(b.next)
	defer t.Stop()
	b.next = min(2*b.next, b.max)
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	case <-stop:
		return false
	}
}

func (b *backoff) reset() { b.next = b.min }

// redact hides the password of an AMQP URL for logs.
func redact(raw string) string {
	u, err := amqp091.ParseURI(raw)
	if err != nil {
		return "(unparsable AMQP URL)"
	}
	u.Password = "xxxxx"
	return u.String()
}

// ParseURL checks an AMQP_URL: amqp:// or amqps://, host required.
func ParseURL(raw string) error {
	_, err := amqp091.ParseURI(raw)
	return err
}

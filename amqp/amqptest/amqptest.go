// Package amqptest gives tests the real RabbitMQ broker of this machine
// (127.0.0.1:5672, guest/guest; AMQP_TEST_URL overrides) and ways to observe and
// disturb it: a queue bound as KAZOO's caches bind, KAZOO-style publishing, a TCP
// proxy that can be cut, and closing connections from the broker's side.
package amqptest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	amqp091 "github.com/rabbitmq/amqp091-go"
)

// URL returns the test broker's URL and fails the test when it does not answer:
// the bus tests need the real broker (scripts/ensure-rabbitmq starts it).
func URL(t testing.TB) string {
	t.Helper()
	u := os.Getenv("AMQP_TEST_URL")
	if u == "" {
		u = "amqp://guest:guest@127.0.0.1:5672"
	}
	conn, err := amqp091.Dial(u)
	if err != nil {
		t.Fatalf("amqptest: the RabbitMQ test broker does not answer at %s (run scripts/ensure-rabbitmq): %v", u, err)
	}
	_ = conn.Close()
	return u
}

// NodeName returns a node name unique to this run, for the service under test.
func NodeName(prefix string) string {
	var b [4]byte
	_, _ = rand.Read(b[:])
	return prefix + "-" + hex.EncodeToString(b[:]) + "@test"
}

// Delivery is one message as a consumer saw it.
type Delivery struct {
	Key         string
	ContentType string
	Body        []byte
}

// Listener is a queue bound to `configuration` with the given keys, like a KAZOO
// cache listener's (server-named, exclusive, auto-delete).
type Listener struct {
	conn *amqp091.Connection
	ch   <-chan amqp091.Delivery
}

// Listen binds a new queue with keys (e.g. "#", as kazoo_data_cache binds) and
// closes it when the test ends. It declares the exchange as KAZOO does.
func Listen(t testing.TB, url string, keys ...string) *Listener {
	t.Helper()
	conn, err := amqp091.Dial(url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = conn.Close() })
	ch, err := conn.Channel()
	if err != nil {
		t.Fatal(err)
	}
	if err := ch.ExchangeDeclare("configuration", "topic", false, false, false, false, nil); err != nil {
		t.Fatal(err)
	}
	q, err := ch.QueueDeclare("", false, true, true, false, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range keys {
		if err := ch.QueueBind(q.Name, k, "configuration", false, nil); err != nil {
			t.Fatal(err)
		}
	}
	d, err := ch.Consume(q.Name, "", true, true, false, false, nil)
	if err != nil {
		t.Fatal(err)
	}
	return &Listener{conn: conn, ch: d}
}

// Next waits up to timeout for a message whose body contains want (skipping others,
// e.g. other tests' notices) and fails the test when none comes.
func (l *Listener) Next(t testing.TB, timeout time.Duration, want string) Delivery {
	t.Helper()
	deadline := time.After(timeout)
	for {
		select {
		case d, ok := <-l.ch:
			if !ok {
				t.Fatal("amqptest: listener closed")
			}
			if strings.Contains(string(d.Body), want) {
				return Delivery{Key: d.RoutingKey, ContentType: d.ContentType, Body: d.Body}
			}
		case <-deadline:
			t.Fatalf("amqptest: no message containing %q within %s", want, timeout)
		}
	}
}

// None fails the test when a message containing want arrives within wait.
func (l *Listener) None(t testing.TB, wait time.Duration, want string) {
	t.Helper()
	deadline := time.After(wait)
	for {
		select {
		case d := <-l.ch:
			if strings.Contains(string(d.Body), want) {
				t.Fatalf("amqptest: unexpected message %s %s", d.RoutingKey, d.Body)
			}
		case <-deadline:
			return
		}
	}
}

// Publish sends body on `configuration` with key as KAZOO's kz_amqp_util does:
// content type application/json, transient, no other properties but a Gregorian
// microseconds timestamp.
func Publish(t testing.TB, url, key string, body []byte) {
	t.Helper()
	conn, err := amqp091.Dial(url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	ch, err := conn.Channel()
	if err != nil {
		t.Fatal(err)
	}
	if err := ch.Confirm(false); err != nil {
		t.Fatal(err)
	}
	dc, err := ch.PublishWithDeferredConfirmWithContext(context.Background(), "configuration", key, false, false, amqp091.Publishing{
		ContentType: "application/json", Body: body,
	})
	if err != nil {
		t.Fatal(err)
	}
	if ok, err := dc.WaitContext(context.Background()); err != nil || !ok {
		t.Fatalf("amqptest: publish %s not confirmed: %v", key, err)
	}
}

// Proxy forwards TCP connections to the broker; Cut drops every connection and
// refuses new ones until Restore — a broker that went away, as the service sees it.
type Proxy struct {
	target string
	ln     net.Listener

	mu    sync.Mutex
	cut   bool
	conns map[net.Conn]struct{}
}

// NewProxy listens on a free local port in front of url's host and returns the
// proxy and the URL that goes through it. It stops when the test ends.
func NewProxy(t testing.TB, url string) (*Proxy, string) {
	t.Helper()
	u, err := amqp091.ParseURI(url)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &Proxy{target: net.JoinHostPort(u.Host, fmt.Sprint(u.Port)), ln: ln, conns: map[net.Conn]struct{}{}}
	t.Cleanup(func() { _ = ln.Close(); p.Cut() })
	go p.accept()
	_, port, _ := net.SplitHostPort(ln.Addr().String())
	u.Host = "127.0.0.1"
	fmt.Sscan(port, &u.Port)
	return p, u.String()
}

func (p *Proxy) accept() {
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		p.mu.Lock()
		if p.cut {
			p.mu.Unlock()
			_ = c.Close()
			continue
		}
		p.mu.Unlock()
		go p.forward(c)
	}
}

func (p *Proxy) forward(c net.Conn) {
	b, err := net.DialTimeout("tcp", p.target, 5*time.Second)
	if err != nil {
		_ = c.Close()
		return
	}
	p.mu.Lock()
	if p.cut {
		p.mu.Unlock()
		_ = c.Close()
		_ = b.Close()
		return
	}
	p.conns[c], p.conns[b] = struct{}{}, struct{}{}
	p.mu.Unlock()
	copyAndClose := func(dst, src net.Conn) {
		buf := make([]byte, 32<<10)
		for {
			n, err := src.Read(buf)
			if n > 0 {
				if _, werr := dst.Write(buf[:n]); werr != nil {
					break
				}
			}
			if err != nil {
				break
			}
		}
		_ = dst.Close()
		_ = src.Close()
	}
	go copyAndClose(b, c)
	go copyAndClose(c, b)
}

// Cut closes every proxied connection and refuses new ones.
func (p *Proxy) Cut() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.cut = true
	for c := range p.conns {
		_ = c.Close()
	}
	clear(p.conns)
}

// Restore accepts connections again.
func (p *Proxy) Restore() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.cut = false
}

// CloseConnections makes the broker close every connection whose client-provided
// name contains name (the service names its connections "<node> publisher" and
// "<node> consumer"), as `rabbitmqctl close_connection` does. It returns how many
// it closed.
func CloseConnections(t testing.TB, name string) int {
	t.Helper()
	out, err := exec.Command("rabbitmqctl", "-q", "list_connections", "--no-table-headers", "pid", "client_properties").CombinedOutput()
	if err != nil {
		t.Fatalf("rabbitmqctl list_connections: %v\n%s", err, out)
	}
	n := 0
	for _, line := range strings.Split(string(out), "\n") {
		f := strings.SplitN(line, "\t", 2)
		if len(f) != 2 || !strings.Contains(f[1], name) {
			continue
		}
		if out, err := exec.Command("rabbitmqctl", "-q", "close_connection", f[0], "amqptest: closed by the broker").CombinedOutput(); err != nil {
			t.Fatalf("rabbitmqctl close_connection %s: %v\n%s", f[0], err, out)
		}
		n++
	}
	return n
}

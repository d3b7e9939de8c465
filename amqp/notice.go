// Package amqp speaks KAZOO's message bus: it publishes the doc-change notices KAZOO's
// data layer publishes after every save (so KAZOO's caches drop their copy of a
// directory we changed), and consumes KAZOO's notices about the docs this service
// caches (so a change made in KAZOO takes effect here at once). It is the only
// importer of github.com/rabbitmq/amqp091-go; the service sees it as a
// directory.Notifier, cmd/directoriesd wires it. The wire format is
// ../shared/spec/kazoo-amqp.md (KAZOO 4.3: kzs_publish, kapi_conf, kz_amqp_util).
package amqp

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"strconv"
	"strings"

	"github.com/kazoo-directories/kazoo-directories/pkg/directory"
)

// Exchange is KAZOO's `configuration` exchange (kz_amqp.hrl), a non-durable topic
// exchange; ContentType is what every KAZOO consumer decodes.
const (
	Exchange     = "configuration"
	ExchangeType = "topic"
	ContentType  = "application/json"
)

// KAZOO's constant payload values (kz_data.hrl, kapi_conf).
const (
	originCache   = "kazoo_data_cache"
	eventCategory = "configuration"
	appName       = "datamgr"
	appVersion    = "4.0.0"
)

// RoutingKey is kz_amqp_util:document_routing_key/4: event.db.type.encode(id). The
// database and type words are verbatim; a doc without pvt_type is typed `undefined`.
func RoutingKey(event directory.ChangeEvent, db, typ, id string) string {
	if typ == "" {
		typ = "undefined"
	}
	return string(event) + "." + db + "." + typ + "." + EncodeID(id)
}

// EncodeID escapes a doc id for a routing-key word as kz_amqp_util:encode/1 does,
// byte by byte over its UTF-8: A-Z a-z 0-9 - ~ _ kept, space → "+", every other byte
// (including ".") → "%XX" in upper-case hex. An id that is exactly "*", "#" or ""
// is left alone, as in KAZOO.
func EncodeID(id string) string {
	switch id {
	case "", "*", "#":
		return id
	}
	const hexDigits = "0123456789ABCDEF"
	var b strings.Builder
	b.Grow(len(id))
	for i := 0; i < len(id); i++ {
		c := id[i]
		switch {
		case 'A' <= c && c <= 'Z', 'a' <= c && c <= 'z', '0' <= c && c <= '9', c == '-', c == '~', c == '_':
			b.WriteByte(c)
		case c == ' ':
			b.WriteByte('+')
		default:
			b.WriteByte('%')
			b.WriteByte(hexDigits[c>>4])
			b.WriteByte(hexDigits[c&15])
		}
	}
	return b.String()
}

// message is one notice ready to publish.
type message struct {
	key  string
	body []byte
	id   string // the doc id, for logs about dropped notices
	db   string
	// failures counts the batches this notice was in that failed after the
	// connection was up; a notice that keeps failing is given up (maxFailures).
	failures int
}

// maxRoutingKey is AMQP's limit on a routing key (a shortstr): a longer key cannot be
// published at all (an id of 128 bytes can escape to 3 times that).
const maxRoutingKey = 255

// newMessage builds the notice KAZOO's data layer would publish for c, sent by node.
// Keys come in KAZOO's emitted order (kz_api prepends), with its quirk kept:
// Date-Modified carries pvt_created and Date-Created pvt_modified (kzs_publish.erl:164-165).
func newMessage(c directory.Change, node string) message {
	var b bytes.Buffer
	b.Grow(512)
	b.WriteString(`{"Origin-Cache":"` + originCache + `"`)
	if c.Type != "" {
		field(&b, "Type", c.Type)
	}
	if c.Rev != "" {
		field(&b, "Rev", c.Rev)
	}
	b.WriteString(`,"Is-Soft-Deleted":` + strconv.FormatBool(c.SoftDeleted))
	if c.Created != 0 {
		b.WriteString(`,"Date-Modified":` + strconv.FormatInt(c.Created, 10))
	}
	if c.Modified != 0 {
		b.WriteString(`,"Date-Created":` + strconv.FormatInt(c.Modified, 10))
	}
	if c.AccountID != "" {
		field(&b, "Account-ID", c.AccountID)
	}
	field(&b, "Database", c.Database)
	field(&b, "ID", c.ID)
	field(&b, "Node", node)
	field(&b, "Msg-ID", newMsgID())
	field(&b, "Event-Name", string(c.Event))
	field(&b, "Event-Category", eventCategory)
	field(&b, "App-Version", appVersion)
	field(&b, "App-Name", appName)
	b.WriteByte('}')
	return message{key: RoutingKey(c.Event, c.Database, c.Type, c.ID), body: b.Bytes(), id: c.ID, db: c.Database}
}

// field appends ,"key":value with value JSON-encoded as jiffy does: "/" unescaped,
// non-ASCII as UTF-8.
func field(b *bytes.Buffer, key, value string) {
	b.WriteString(`,"` + key + `":`)
	enc := json.NewEncoder(b)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(value)   // a string always encodes
	b.Truncate(b.Len() - 1) // Encode's newline
}

// newMsgID is kz_binary:rand_hex(8): 16 lower-case hex chars.
func newMsgID() string {
	var r [8]byte
	_, _ = rand.Read(r[:])
	return hex.EncodeToString(r[:])
}

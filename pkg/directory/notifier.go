package directory

import (
	"context"
	"encoding/json"
	"math"
)

// ChangeEvent is what a write did to a document, as KAZOO's doc-change notices name it.
type ChangeEvent string

// The three events of KAZOO's doc-change notices (Event-Name and routing-key word 1).
const (
	DocCreated ChangeEvent = "doc_created"
	DocEdited  ChangeEvent = "doc_edited"
	DocDeleted ChangeEvent = "doc_deleted"
)

// Change describes one acknowledged write of a document: what KAZOO's data layer puts
// in the notice it publishes after a save (kzs_publish).
type Change struct {
	Event ChangeEvent
	// Database is the account database in KAZOO's encoded form (account%2Fab%2Fcd%2F…),
	// the form crossbar saves with.
	Database string
	ID       string
	Type     string // pvt_type ("" when the doc has none)
	Rev      string // the revision after the write (a hard delete's tombstone)
	// AccountID is pvt_account_id (or the database's account).
	AccountID string
	// Created and Modified are pvt_created and pvt_modified in Gregorian seconds (0: unset).
	Created, Modified int64
	// SoftDeleted is pvt_deleted of the doc as written.
	SoftDeleted bool
}

// Notifier tells others (KAZOO's caches, over its message bus) that a document changed.
// The service calls it once after every acknowledged write, never for a rejected one.
// Notify must not block on the network nor fail the write: an implementation queues.
type Notifier interface {
	Notify(ctx context.Context, c Change)
}

// noNotifier is the Notifier of a service without a bus.
type noNotifier struct{}

func (noNotifier) Notify(context.Context, Change) {}

// NewChange builds the Change for doc (the doc as written, private fields included) in
// accountID's database: kzs_publish's payload fields.
func NewChange(ev ChangeEvent, accountID string, doc Doc, rev string) Change {
	c := Change{
		Event:       ev,
		Database:    EncodedAccountDBName(accountID),
		ID:          doc.ID(),
		Type:        doc.String("pvt_type"),
		Rev:         rev,
		AccountID:   accountID,
		Created:     gregorian(doc["pvt_created"]),
		Modified:    gregorian(doc["pvt_modified"]),
		SoftDeleted: isSoftDeleted(doc),
	}
	if a := doc.String("pvt_account_id"); len(a) == 32 {
		c.AccountID = a // kzs_publish takes any 32-byte pvt_account_id as it is
	}
	return c
}

// gregorian reads a pvt_ timestamp (int64 when the service stamped it, json.Number or
// float64 when read from the store); anything else is 0 (absent).
func gregorian(v any) int64 {
	switch n := v.(type) {
	case int64:
		return n
	case int:
		return int64(n)
	case float64:
		if n >= math.MinInt64 && n < math.MaxInt64 {
			return int64(n)
		}
	case json.Number:
		if i, err := n.Int64(); err == nil {
			return i
		}
	}
	return 0
}

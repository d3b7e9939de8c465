// Package contract is a test suite for the CouchDB behaviour this service relies on,
// run through a *kivik.Client so that it checks any backend the same way: the
// embedded driver (couchdb/embedded), the compat server (couchdb/couchdbtest) or a
// real CouchDB. Apache CouchDB 3.5 is the reference: every test asserts what it
// does (run it with COUCHDB_URL). A backend that differs either is fixed (the
// embedded store follows the contract) or, for the PouchDB-based test server we do
// not own, declares the difference in Target.Differences, where it is asserted as
// that backend's actual behaviour instead.
//
//	func TestContract(t *testing.T) {
//		contract.Run(t, contract.Target{Client: func(t *testing.T) *kivik.Client { ... }})
//	}
package contract

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"strings"
	"syscall"
	"testing"
	"time"

	kivik "github.com/go-kivik/kivik/v4"
)

// Target is a backend under test.
type Target struct {
	// Client returns a client of the backend; it may be shared between tests.
	Client func(t *testing.T) *kivik.Client
	// Skip names subtests (as "Group/Name") the backend is known to fail, with the
	// reason; they are skipped with that reason.
	Skip map[string]string
	// Differences names subtests (as "Group/Name") where the backend is known to
	// behave unlike Apache CouchDB; each runs in place of the subtest and asserts
	// what the backend does instead, so that the difference is recorded and a
	// backend that changes is noticed.
	Differences map[string]Difference
}

// Difference is a backend's known departure from Apache CouchDB in one subtest.
type Difference struct {
	// What CouchDB does and what the backend does instead.
	Why string
	// Run asserts the backend's own behaviour.
	Run func(t *testing.T, c *kivik.Client)
}

// group is a set of subtests.
type group struct {
	name  string
	tests []test
}

type test struct {
	name string
	run  func(t *testing.T, c *kivik.Client)
}

// Run runs every contract test against the target.
func Run(t *testing.T, target Target) {
	groups := []group{
		serverTests(), docTests(), attachmentTests(), localTests(), bulkTests(),
		allDocsTests(), viewTests(), collationTests(), changesTests(), replicationTests(),
		concurrencyTests(),
	}
	for _, g := range groups {
		t.Run(g.name, func(t *testing.T) {
			for _, tc := range g.tests {
				t.Run(tc.name, func(t *testing.T) {
					if reason, ok := target.Skip[g.name+"/"+tc.name]; ok {
						t.Skip(reason)
					}
					if d, ok := target.Differences[g.name+"/"+tc.name]; ok {
						t.Logf("known difference from Apache CouchDB: %s", d.Why)
						d.Run(t, target.Client(t))
						return
					}
					tc.run(t, target.Client(t))
				})
			}
		})
	}
}

func ctx() context.Context { return context.Background() }

// randomHex returns n random hex digits.
func randomHex(n int) string {
	b := make([]byte, (n+1)/2)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)[:n]
}

// dbName returns a fresh KAZOO-style account database name (with slashes).
func dbName() string {
	h := randomHex(32)
	return "account/" + h[:2] + "/" + h[2:4] + "/" + h[4:]
}

// newDB creates a fresh database, destroyed when the test ends.
func newDB(t *testing.T, c *kivik.Client) *kivik.DB {
	t.Helper()
	name := dbName()
	if err := c.CreateDB(ctx(), name); err != nil {
		t.Fatalf("CreateDB(%s): %v", name, err)
	}
	t.Cleanup(func() { _ = c.DestroyDB(context.Background(), name) })
	return c.DB(name)
}

// doc is a JSON object.
type doc = map[string]any

func put(t *testing.T, db *kivik.DB, id string, d any, opts ...kivik.Option) string {
	t.Helper()
	rev, err := db.Put(ctx(), id, d, opts...)
	if err != nil {
		t.Fatalf("Put(%s): %v", id, err)
	}
	return rev
}

func get(t *testing.T, db *kivik.DB, id string, opts ...kivik.Option) doc {
	t.Helper()
	var d doc
	if err := db.Get(ctx(), id, opts...).ScanDoc(&d); err != nil {
		t.Fatalf("Get(%s): %v", id, err)
	}
	return d
}

// refusedPut is db.Put for a write the server refuses, sent again (up to 10 times,
// a little later each time) when the refusal itself was lost: Apache CouchDB answers
// a reserved id or a missing database as soon as it has the headers and closes the
// connection, and kivik streams the body after them, so on a loaded machine the
// client often sees a broken pipe or a reset instead of the answer (3 attempts in a
// row in 3 of 40 runs with both cores busy).
func refusedPut(db *kivik.DB, id string, d any) error {
	var err error
	for attempt := range 10 {
		_, err = db.Put(ctx(), id, d)
		if !errors.Is(err, syscall.EPIPE) && !errors.Is(err, syscall.ECONNRESET) {
			return err
		}
		time.Sleep(time.Duration(attempt+1) * 10 * time.Millisecond)
	}
	return err
}

// wantStatus fails unless err carries the HTTP status.
func wantStatus(t *testing.T, what string, err error, status int) {
	t.Helper()
	if got := kivik.HTTPStatus(err); got != status {
		t.Fatalf("%s: status %d (%v), want %d", what, got, err, status)
	}
}

// row is one result row, with raw JSON.
type row struct {
	ID    string
	Key   string
	Value string
	Doc   string
	Err   error
}

type result struct {
	rows      []row
	offset    int64
	totalRows int64
}

// collect reads a result set; it fails the test on an iteration error.
func collect(t *testing.T, rs *kivik.ResultSet) result {
	t.Helper()
	res, err := tryCollect(rs)
	if err != nil {
		t.Fatalf("result set: %v", err)
	}
	return res
}

func tryCollect(rs *kivik.ResultSet) (result, error) {
	defer rs.Close()
	var res result
	for rs.Next() {
		var r row
		r.ID, r.Err = rs.ID()
		var key, value, d json.RawMessage
		_ = rs.ScanKey(&key)
		if err := rs.ScanValue(&value); err == nil {
			r.Value = string(value)
		}
		if err := rs.ScanDoc(&d); err == nil {
			r.Doc = string(d)
		}
		r.Key = string(key)
		res.rows = append(res.rows, r)
	}
	if err := rs.Err(); err != nil {
		return res, err
	}
	if meta, err := rs.Metadata(); err == nil {
		res.offset, res.totalRows = meta.Offset, meta.TotalRows
	}
	return res, nil
}

func (r result) ids() []string {
	out := make([]string, len(r.rows))
	for i, x := range r.rows {
		out[i] = x.ID
	}
	return out
}

func (r result) keys() []string {
	out := make([]string, len(r.rows))
	for i, x := range r.rows {
		out[i] = compact(x.Key)
	}
	return out
}

// compact removes insignificant space from JSON, keeping member order.
func compact(s string) string {
	var b bytes.Buffer
	if json.Compact(&b, []byte(s)) != nil {
		return s
	}
	return b.String()
}

func equal(t *testing.T, what string, got, want []string) {
	t.Helper()
	if strings.Join(got, "\x00") != strings.Join(want, "\x00") || len(got) != len(want) {
		t.Fatalf("%s:\n got %q\nwant %q", what, got, want)
	}
}

func readAll(t *testing.T, r io.Reader) []byte {
	t.Helper()
	b, err := io.ReadAll(r)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func isStatus(err error, status int) bool { return kivik.HTTPStatus(err) == status }

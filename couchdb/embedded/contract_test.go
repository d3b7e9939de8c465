package embedded_test

import (
	"log/slog"
	"testing"

	kivik "github.com/go-kivik/kivik/v4"

	"github.com/kazoo-directories/kazoo-directories/couchdb/contract"
	"github.com/kazoo-directories/kazoo-directories/couchdb/embedded"
)

// openClient opens an embedded client on a fresh data directory.
func openClient(t testing.TB) *kivik.Client {
	t.Helper()
	c, err := kivik.New("embedded", t.TempDir(), embedded.OptionLogger(slog.New(slog.DiscardHandler)))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close() })
	return c
}

func TestContract(t *testing.T) {
	c := openClient(t)
	contract.Run(t, contract.Target{Client: func(*testing.T) *kivik.Client { return c }})
}

func BenchmarkStore(b *testing.B) {
	contract.Bench(b, openClient(b))
}

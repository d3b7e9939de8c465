package embedded_test

import (
	"testing"

	kivik "github.com/go-kivik/kivik/v4"
)

// TestRowsCloseRace: kivik closes a driver's rows from its own goroutine when the
// result set's context ends, concurrently with the caller's Close; run with -race.
func TestRowsCloseRace(t *testing.T) {
	c, err := kivik.New("embedded", t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	db := newDB(t, c, "db")
	if _, err := db.Put(ctx, "a", map[string]any{"n": 1}); err != nil {
		t.Fatal(err)
	}
	for range 200 {
		rs := db.AllDocs(ctx)
		if err := rs.Close(); err != nil {
			t.Fatal(err)
		}
	}
}

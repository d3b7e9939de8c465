package couchdb

import (
	"context"
	"errors"
	"slices"
	"testing"
)

// fakeAllDBs answers like CouchDB's _all_dbs: sorted names from startkey (inclusive),
// at most limit; or, with ignoreParams, the whole list unsorted like the compat server.
type fakeAllDBs struct {
	names        []string
	ignoreParams bool
	calls        int
}

func (f *fakeAllDBs) fetch(_ context.Context, startkey string, limit int) ([]string, error) {
	f.calls++
	if f.ignoreParams {
		return f.names, nil
	}
	sorted := slices.Sorted(slices.Values(f.names))
	i, _ := slices.BinarySearch(sorted, startkey)
	sorted = sorted[i:]
	return sorted[:min(limit, len(sorted))], nil
}

func TestPageNames(t *testing.T) {
	names := []string{"g", "b", "account/aa", "f", "a", "e", "c", "d"}
	for _, tc := range []struct {
		name      string
		fake      *fakeAllDBs
		limit     int
		wantCalls int
	}{
		{"couchdb pages", &fakeAllDBs{names: names}, 3, 4},          // 3 new, 2 new, 2 new, 1 new (short page)
		{"inclusive startkey", &fakeAllDBs{names: names[:5]}, 3, 3}, // 3 new, 2 new, 0 new (short page)
		{"one page", &fakeAllDBs{names: names}, 100, 1},
		{"server ignores startkey and limit", &fakeAllDBs{names: names, ignoreParams: true}, 3, 2},
		{"empty", &fakeAllDBs{}, 3, 1},
		// A page of one holds only the last name seen (startkey is inclusive): pages
		// of two, each with one new name after the first.
		{"page size 1", &fakeAllDBs{names: names}, 1, 8},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var got []string
			err := pageNames(context.Background(), tc.limit, tc.fake.fetch, func(n string) error {
				got = append(got, n)
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			w := slices.Sorted(slices.Values(tc.fake.names))
			if tc.fake.names == nil {
				w = nil
			}
			if !slices.Equal(got, w) {
				t.Errorf("names %v, want %v", got, w)
			}
			if tc.fake.calls != tc.wantCalls {
				t.Errorf("%d requests, want %d", tc.fake.calls, tc.wantCalls)
			}
		})
	}

	stop := errors.New("stop")
	n := 0
	err := pageNames(context.Background(), 2, (&fakeAllDBs{names: names}).fetch, func(string) error {
		n++
		if n == 3 {
			return stop
		}
		return nil
	})
	if !errors.Is(err, stop) || n != 3 {
		t.Errorf("callback error: %v after %d names", err, n)
	}
	boom := errors.New("boom")
	err = pageNames(context.Background(), 2, func(context.Context, string, int) ([]string, error) { return nil, boom }, func(string) error { return nil })
	if !errors.Is(err, boom) {
		t.Errorf("fetch error: %v", err)
	}
}

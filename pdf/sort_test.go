package pdf

import (
	"slices"
	"testing"

	"github.com/kazoo-directories/kazoo-directories/pkg/directory"
)

func sortedNames(t *testing.T, entries []directory.Entry, sortBy, locale string) []string {
	t.Helper()
	entries = slices.Clone(entries)
	if err := SortEntries(entries, sortBy, locale); err != nil {
		t.Fatal(err)
	}
	out := make([]string, len(entries))
	for i, e := range entries {
		switch {
		case e.UserMissing:
			out[i] = "missing:" + e.UserID[len(e.UserID)-1:]
		case sortBy == "first_name":
			out[i] = e.FirstName + " " + e.LastName
		default:
			out[i] = e.LastName + ", " + e.FirstName
		}
	}
	return out
}

func TestSortEntries(t *testing.T) {
	mixed := []directory.Entry{
		member(1, "Zoe", "Zimmer"),
		member(2, "bob", "adams"),
		member(3, "Anders", "Ångström"),
		member(4, "Al", "Adams"),
		member(5, "Olof", "Öberg"),
		member(6, "Otto", "Oberg"),
		{UserID: userID(9), UserMissing: true},
		member(8, "", ""),
		member(7, "Cher", ""),
	}
	tests := []struct {
		name, sortBy, locale string
		entries              []directory.Entry
		want                 []string
	}{
		{
			name: "english last name", locale: "en", entries: mixed,
			want: []string{", Cher", "Adams, Al", "adams, bob", "Ångström, Anders", "Oberg, Otto", "Öberg, Olof", "Zimmer, Zoe", ", ", "missing:9"},
		},
		{
			name: "default locale is english", entries: mixed,
			want: []string{", Cher", "Adams, Al", "adams, bob", "Ångström, Anders", "Oberg, Otto", "Öberg, Olof", "Zimmer, Zoe", ", ", "missing:9"},
		},
		{
			name: "swedish last name", locale: "sv", entries: mixed,
			want: []string{", Cher", "Adams, Al", "adams, bob", "Oberg, Otto", "Zimmer, Zoe", "Ångström, Anders", "Öberg, Olof", ", ", "missing:9"},
		},
		{
			name: "first name", sortBy: "first_name", locale: "en", entries: mixed,
			want: []string{"Al Adams", "Anders Ångström", "bob adams", "Cher ", "Olof Öberg", "Otto Oberg", "Zoe Zimmer", " ", "missing:9"},
		},
		{
			name: "ties by other name ignoring case, then case, then user id", locale: "en", entries: tieEntries(),
			want: []string{"Smith, alice", "Smith, Alice", "Smith, Alice", "smith, Bob", "Smith, Carol", "Smithers, Ann"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := sortedNames(t, tc.entries, tc.sortBy, tc.locale); !slices.Equal(got, tc.want) {
				t.Errorf("got  %q\nwant %q", got, tc.want)
			}
		})
	}
}

func TestSortEntriesTieOnUserID(t *testing.T) {
	entries := tieEntries()
	if err := SortEntries(entries, "last_name", ""); err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, e := range entries {
		if e.FirstName == "Alice" {
			ids = append(ids, e.UserID)
		}
	}
	if !slices.Equal(ids, []string{userID(1), userID(3)}) {
		t.Errorf("identical names ordered %q, want by user id", ids)
	}
}

func TestSortEntriesIsIndependentOfInputOrder(t *testing.T) {
	want := sortedNames(t, manyEntries(300), "last_name", "en")
	shuffled := manyEntries(300)
	slices.Reverse(shuffled)
	if got := sortedNames(t, shuffled, "last_name", "en"); !slices.Equal(got, want) {
		t.Error("order depends on the input order")
	}
}

func TestParseLocale(t *testing.T) {
	for _, ok := range []string{"", "en", "en-US", "sv", "de-DE", "zh-Hant", "tlh"} {
		if _, err := ParseLocale(ok); err != nil {
			t.Errorf("ParseLocale(%q) = %v", ok, err)
		}
	}
	for _, bad := range []string{"xx", "en_US!", "not a locale", "zz-QQ"} {
		if _, err := ParseLocale(bad); err == nil {
			t.Errorf("ParseLocale(%q) accepted", bad)
		}
	}
	if err := SortEntries(nil, "last_name", "xx"); err == nil {
		t.Error("SortEntries accepted locale xx")
	}
}

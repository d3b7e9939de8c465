package pdf

import (
	"bytes"
	"fmt"
	"slices"
	"strings"

	"github.com/kazoo-directories/kazoo-directories/pkg/directory"
	"golang.org/x/text/collate"
	"golang.org/x/text/language"
)

// DefaultLocale is the collation locale used when none is configured.
const DefaultLocale = "en"

// ParseLocale validates a BCP 47 locale for collation ("" means DefaultLocale). It
// fails for ill-formed or unknown tags and for languages with no collation rules.
func ParseLocale(locale string) (language.Tag, error) {
	if locale == "" {
		locale = DefaultLocale
	}
	tag, err := language.Parse(locale)
	if err != nil {
		return language.Und, fmt.Errorf("pdf: locale %q: %w", locale, err)
	}
	if _, _, conf := language.NewMatcher(collate.Supported()).Match(tag); conf == language.No {
		return language.Und, fmt.Errorf("pdf: locale %q: no collation rules for this language", locale)
	}
	return tag, nil
}

// SortEntries orders entries in place the way the printed directory lists them.
//
// With sortBy "first_name" the first name is the primary field and the last name the
// secondary one; anything else ("last_name", the default) the reverse. Names are
// compared with the Unicode collation of locale (see ParseLocale): first primary then
// secondary field ignoring case, then both again with case, so "adams" sorts next to
// "Adams" and "Ångström" where the locale puts Å. Entries with a name come first;
// entries without any name and entries whose user doc is missing follow. The last
// tie-breaker is the user id, then the input order (the sort is stable).
//
// It returns an error only for an invalid locale.
func SortEntries(entries []directory.Entry, sortBy, locale string) error {
	tag, err := ParseLocale(locale)
	if err != nil {
		return err
	}
	sortEntries(entries, sortBy, tag)
	return nil
}

// sortKey holds the precomputed collation keys of one entry.
type sortKey struct {
	unnamed bool
	keys    [4][]byte // primary and secondary ignoring case, then with case
	userID  string
	entry   directory.Entry
}

func sortEntries(entries []directory.Entry, sortBy string, tag language.Tag) {
	loose := collate.New(tag, collate.IgnoreCase)
	strict := collate.New(tag)
	var buf collate.Buffer
	keys := make([]sortKey, len(entries))
	for i, e := range entries {
		first, last := strings.TrimSpace(e.FirstName), strings.TrimSpace(e.LastName)
		primary, secondary := last, first
		if sortBy == "first_name" {
			primary, secondary = first, last
		}
		k := &keys[i]
		k.entry, k.userID = e, e.UserID
		k.unnamed = e.UserMissing || (first == "" && last == "")
		if k.unnamed {
			continue
		}
		k.keys[0] = loose.KeyFromString(&buf, primary)
		k.keys[1] = loose.KeyFromString(&buf, secondary)
		k.keys[2] = strict.KeyFromString(&buf, primary)
		k.keys[3] = strict.KeyFromString(&buf, secondary)
	}
	slices.SortStableFunc(keys, compareKeys)
	for i := range keys {
		entries[i] = keys[i].entry
	}
}

func compareKeys(a, b sortKey) int {
	if a.unnamed != b.unnamed {
		if a.unnamed {
			return 1
		}
		return -1
	}
	for i := range a.keys {
		if c := bytes.Compare(a.keys[i], b.keys[i]); c != 0 {
			return c
		}
	}
	return strings.Compare(a.userID, b.userID)
}

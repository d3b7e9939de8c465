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

// sortKey holds what one entry is compared by.
type sortKey struct {
	unnamed            bool
	loose              [2][]byte // collation keys ignoring case: primary, secondary field
	strict             [2][]byte // with case; computed on the first tie
	primary, secondary string
	userID             string
	index              int
}

func sortEntries(entries []directory.Entry, sortBy string, tag language.Tag) {
	loose := newKeyer(tag, collate.IgnoreCase)
	strict := newKeyer(tag)
	keys := make([]sortKey, len(entries))
	order := make([]int32, len(entries))
	for i, e := range entries {
		first, last := strings.TrimSpace(e.FirstName), strings.TrimSpace(e.LastName)
		k := &keys[i]
		k.primary, k.secondary = last, first
		if sortBy == "first_name" {
			k.primary, k.secondary = first, last
		}
		k.userID, k.index = e.UserID, i
		k.unnamed = e.UserMissing || (first == "" && last == "")
		if !k.unnamed {
			k.loose[0] = loose.key(k.primary)
			k.loose[1] = loose.key(k.secondary)
		}
		order[i] = int32(i)
	}
	// Names equal but for case are rare: their keys with case are made on demand.
	strictKeys := func(k *sortKey) *[2][]byte {
		if k.strict[0] == nil {
			k.strict[0] = strict.key(k.primary)
			k.strict[1] = strict.key(k.secondary)
		}
		return &k.strict
	}
	slices.SortFunc(order, func(a, b int32) int { return compareKeys(strictKeys, &keys[a], &keys[b]) })
	sorted := make([]directory.Entry, len(entries))
	for i, j := range order {
		sorted[i] = entries[j]
	}
	copy(entries, sorted)
}

// compareKeys orders a and b; the input index makes the order total, so the
// unstable sort is deterministic.
func compareKeys(strict func(*sortKey) *[2][]byte, a, b *sortKey) int {
	if a.unnamed != b.unnamed {
		if a.unnamed {
			return 1
		}
		return -1
	}
	if !a.unnamed {
		for i := range a.loose {
			if c := bytes.Compare(a.loose[i], b.loose[i]); c != 0 {
				return c
			}
		}
		sa, sb := strict(a), strict(b)
		for i := range sa {
			if c := bytes.Compare(sa[i], sb[i]); c != 0 {
				return c
			}
		}
	}
	if c := strings.Compare(a.userID, b.userID); c != 0 {
		return c
	}
	return a.index - b.index
}

// keyer makes collation keys, once per distinct string (names repeat a lot).
type keyer struct {
	c    *collate.Collator
	buf  collate.Buffer
	keys map[string][]byte
}

func newKeyer(tag language.Tag, opts ...collate.Option) *keyer {
	return &keyer{c: collate.New(tag, opts...), keys: make(map[string][]byte)}
}

// key returns the collation key of s; it stays valid for the keyer's lifetime.
func (k *keyer) key(s string) []byte {
	if key, ok := k.keys[s]; ok {
		return key
	}
	key := k.c.KeyFromString(&k.buf, s)
	k.keys[s] = key
	return key
}

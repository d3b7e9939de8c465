package directory

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
)

var syllables = []string{
	"an", "ber", "car", "da", "el", "fin", "gar", "ha", "is", "jo", "ka", "lau", "ma", "nel",
	"or", "pe", "quin", "ro", "sa", "ton", "ul", "vi", "wal", "xe", "yo", "zei", "ström", "mül", "ło",
}

// benchMembers returns n members with made-up names of 2-4 syllables (a few with
// diacritics), user docs loaded, as the users_listing view returns them.
func benchMembers(n int) []Member {
	r := rand.New(rand.NewPCG(10, 0))
	name := func(parts int) string {
		var b strings.Builder
		for i := 0; i < parts; i++ {
			b.WriteString(syllables[r.IntN(len(syllables))])
		}
		s := b.String()
		return strings.ToUpper(s[:1]) + s[1:]
	}
	ms := make([]Member, n)
	for i := range ms {
		ms[i] = Member{
			UserID: fmt.Sprintf("%032x", i),
			Value:  fmt.Sprintf("cf%030x", i),
			User: Doc{
				"_id": fmt.Sprintf("%032x", i), "first_name": name(2 + r.IntN(2)), "last_name": name(2 + r.IntN(3)),
				"username": "user", "email": "user@example.com", "pvt_type": "user",
			},
		}
	}
	return ms
}

// BenchmarkSearch10k is one dial-by-name query against a 10,000-member directory:
// names read from the docs, both keys matched, the matches sorted. The target is
// under 5 ms/op.
func BenchmarkSearch10k(b *testing.B) {
	ms := benchMembers(10000)
	dir := Doc{"sort_by": "last_name", "confirm_match": true}
	for _, q := range []SearchQuery{
		{DTMF: "52"},  // 2 digits, both keys: the most matches
		{DTMF: "527"}, // a typical query
		{DTMF: "52", SearchFields: "last_name"},
		{DTMF: "52", Fold: true},
		{DTMF: "5284", SearchFields: "first_name", Fold: true},
	} {
		res, err := Search(dir, ms, q)
		if err != nil {
			b.Fatal(err)
		}
		b.Run(fmt.Sprintf("dtmf=%s,fields=%s,fold=%v,matches=%d", q.DTMF, q.SearchFields, q.Fold, len(res.Matches)), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := Search(dir, ms, q); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkSortThenFilter10k is KAZOO's literal order of work on 10,000 members:
// read everyone, sort everyone, then filter; for comparison with Search.
func BenchmarkSortThenFilter10k(b *testing.B) {
	ms := benchMembers(10000)
	b.ReportAllocs()
	for b.Loop() {
		ps := People(ms)
		SortPeople(ps, FieldLastName)
		FilterPeople(ps, "52", FieldBoth, false)
	}
}

package directory

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
)

// nameParts are the pieces random names are made of: both cases, digits, punctuation,
// Latin letters with diacritics, other scripts and an invalid UTF-8 byte.
var nameParts = []string{
	"a", "b", "j", "k", "m", "o", "p", "s", "w", "z", "A", "B", "M", "S", "Z",
	"0", "7", " ", "-", "'", "Å", "ö", "ß", "Ł", "é", "Œ", "Ж", "李", "\xff",
}

func randomName(r *rand.Rand) string {
	var b strings.Builder
	for n := r.IntN(7); n > 0; n-- {
		b.WriteString(nameParts[r.IntN(len(nameParts))])
	}
	return b.String()
}

// randomMembers makes up to 40 members with unique user ids; names repeat often so
// that ties occur, and some members lack a usable name.
func randomMembers(r *rand.Rand) []Member {
	pool := make([][2]string, 1+r.IntN(12))
	for i := range pool {
		pool[i] = [2]string{randomName(r), randomName(r)}
	}
	ms := make([]Member, r.IntN(41))
	for i := range ms {
		n := pool[r.IntN(len(pool))]
		ms[i] = Member{UserID: fmt.Sprintf("u%03d", i), Value: fmt.Sprintf("cf%03d", i), User: Doc{"first_name": n[0], "last_name": n[1]}}
		switch r.IntN(12) {
		case 0:
			ms[i].User = nil
		case 1:
			delete(ms[i].User, "last_name")
		case 2:
			ms[i].User["first_name"] = 42
		}
	}
	return ms
}

// randomDTMF is usually a prefix of some member's key, so that there are matches.
func randomDTMF(r *rand.Rand, ms []Member, fold bool) string {
	if len(ms) > 0 && r.IntN(4) > 0 {
		if p, ok := NewPerson(ms[r.IntN(len(ms))]); ok {
			fl, lf := p.Keys(fold)
			key := fl
			if r.IntN(2) == 0 {
				key = lf
			}
			return key[:r.IntN(len(key)+1)]
		}
	}
	var b strings.Builder
	for n := r.IntN(5); n > 0; n-- {
		b.WriteByte(byte('0' + r.IntN(10)))
	}
	return b.String()
}

func pick(r *rand.Rand, xs ...string) string { return xs[r.IntN(len(xs))] }

// TestSearchProperties checks Search against KAZOO's pipeline written out the slow
// way on random directories: every match has the digits as a prefix of the right key,
// nobody who should match is missing, the order is the sort (ties in member order),
// and the action follows from the number of matches.
func TestSearchProperties(t *testing.T) {
	r := rand.New(rand.NewPCG(4, 2))
	for iter := 0; iter < 3000; iter++ {
		ms := randomMembers(r)
		dir := Doc{"confirm_match": r.IntN(2) == 0}
		if v := pick(r, "", "first_name", "last_name", "both", "firstly", "x"); v != "" {
			dir["search_fields"] = v
		}
		if v := pick(r, "", "first_name", "last_name", "first"); v != "" {
			dir["sort_by"] = v
		}
		fold := r.IntN(2) == 0
		q := SearchQuery{DTMF: randomDTMF(r, ms, fold), SearchFields: pick(r, "", "", "first_name", "last_name", "both"), Fold: fold}

		res, err := Search(dir, ms, q)
		if q.DTMF == "" {
			if !IsCode(err, ECodeValidation) {
				t.Fatalf("empty dtmf: err %v", err)
			}
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		checkSearch(t, fmt.Sprintf("iteration %d %+v dir %v", iter, q, dir), dir["confirm_match"] == true, ms, q, res)
	}
}

// checkSearch verifies res against a direct reading of KAZOO's rules.
func checkSearch(t *testing.T, ctx string, confirm bool, ms []Member, q SearchQuery, res SearchResult) {
	t.Helper()
	fields := res.SearchFields
	byFirst := res.SortBy == FieldFirstName
	position := map[string]int{}
	want := 0
	for i, m := range ms {
		first, ok1 := m.User["first_name"].(string)
		last, ok2 := m.User["last_name"].(string)
		if !ok1 || !ok2 {
			continue
		}
		position[m.UserID] = i
		if len(q.DTMF) >= 2 && keyMatches(first, last, q.DTMF, fields, q.Fold) {
			want++
		}
	}
	if len(res.Matches) != want {
		t.Fatalf("%s: %d matches, want %d: %+v", ctx, len(res.Matches), want, res.Matches)
	}
	for i, p := range res.Matches {
		if !keyMatches(p.FirstName, p.LastName, q.DTMF, fields, q.Fold) {
			t.Fatalf("%s: match %+v has no key starting %s", ctx, p, q.DTMF)
		}
		if i == 0 {
			continue
		}
		prev := res.Matches[i-1]
		a, b := [2]string{prev.LastName, prev.FirstName}, [2]string{p.LastName, p.FirstName}
		if byFirst {
			a, b = [2]string{prev.FirstName, prev.LastName}, [2]string{p.FirstName, p.LastName}
		}
		if a[0] > b[0] || a[0] == b[0] && a[1] > b[1] || a == b && position[prev.UserID] > position[p.UserID] {
			t.Fatalf("%s: %+v before %+v", ctx, prev, p)
		}
	}
	wantAction := ActionMenu
	switch {
	case len(res.Matches) == 0:
		wantAction = ActionNone
	case len(res.Matches) == 1 && confirm:
		wantAction = ActionConfirm
	case len(res.Matches) == 1:
		wantAction = ActionConnect
	}
	if res.Action != wantAction || res.Matches == nil {
		t.Fatalf("%s: action %s with %d matches (nil %v)", ctx, res.Action, len(res.Matches), res.Matches == nil)
	}
}

// keyMatches builds KAZOO's keys in full and compares prefixes.
func keyMatches(first, last, digits string, fields NameField, fold bool) bool {
	fl, lf := Person{FirstName: first, LastName: last}.Keys(fold)
	switch fields {
	case FieldFirstName:
		return strings.HasPrefix(fl, digits)
	case FieldLastName:
		return strings.HasPrefix(lf, digits)
	}
	return strings.HasPrefix(fl, digits) || strings.HasPrefix(lf, digits)
}

// TestSearchEqualsSortThenFilter: Search (filter, then sort the matches) gives the same
// list as KAZOO's order of work (sort everyone, then filter).
func TestSearchEqualsSortThenFilter(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 7))
	for iter := 0; iter < 2000; iter++ {
		ms := randomMembers(r)
		fold := r.IntN(2) == 0
		q := SearchQuery{DTMF: randomDTMF(r, ms, fold), SearchFields: pick(r, "first_name", "last_name", "both"), Fold: fold}
		if len(q.DTMF) < MinDTMF {
			continue
		}
		by := ParseSortBy(pick(r, "first_name", "last_name"))
		res, err := Search(Doc{"sort_by": string(by)}, ms, q)
		if err != nil {
			t.Fatal(err)
		}
		everyone := People(ms)
		SortPeople(everyone, by)
		want := FilterPeople(everyone, q.DTMF, NameField(q.SearchFields), fold)
		if fmt.Sprint(res.Matches) != fmt.Sprint(want) {
			t.Fatalf("iteration %d %+v by %s:\n got %+v\nwant %+v", iter, q, by, res.Matches, want)
		}
	}
}

// FuzzSearch checks that Search never panics, rejects exactly the bad queries, and
// keeps its invariants on whatever names and digits it is given.
func FuzzSearch(f *testing.F) {
	f.Add("Rob", "Lech", "Ångström", "158", "762", "both", "first_name", false)
	f.Add("", "", "\xff", "Ж", "2", "", "", true)
	f.Add("ß", "Œ", "a", "A", "77", "last_name", "x", true)
	f.Add("Rob", "Lech", "Rob", "Lech", "12a", "first", "last_name", false)
	f.Fuzz(func(t *testing.T, f1, l1, f2, l2, dtmf, fields, sortBy string, fold bool) {
		ms := []Member{
			{UserID: "a", Value: "x", User: Doc{"first_name": f1, "last_name": l1}},
			{UserID: "b", Value: nil, User: Doc{"first_name": f2, "last_name": l2}},
			{UserID: "c", Value: 3.5, User: Doc{"first_name": f1, "last_name": l1}},
			{UserID: "d", User: Doc{"first_name": f2}},
		}
		q := SearchQuery{DTMF: dtmf, SearchFields: fields, Fold: fold}
		res, err := Search(Doc{"sort_by": sortBy, "search_fields": fields}, ms, q)
		valid := dtmf != "" && allDigits(dtmf) && (fields == "" || validSearchFields(fields))
		if err != nil {
			var e *Error
			if valid || !errors.As(err, &e) || e.Code != ECodeValidation || e.Data == nil {
				t.Fatalf("Search(%+v) = %v", q, err)
			}
			marshal(t, e.Data)
			return
		}
		if !valid {
			t.Fatalf("Search(%+v) accepted", q)
		}
		checkSearch(t, fmt.Sprintf("%+v", q), false, ms, q, res)
		marshal(t, res)
	})
}

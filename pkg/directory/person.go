package directory

import (
	"cmp"
	"slices"
	"strings"
)

// Person is a directory member as KAZOO's dial-by-name IVR sees it (cf_directory's
// directory_user): the member's names and where a match routes to.
type Person struct {
	UserID string `json:"user_id"`
	// CallflowID is Member.CallflowID(); empty (and omitted) when that is not ok.
	CallflowID string `json:"callflow_id,omitempty"`
	FirstName  string `json:"first_name"`
	LastName   string `json:"last_name"`
}

// NewPerson returns the Person for a member, and false when the member cannot take
// part in dial-by-name: its doc is not loaded, or its first_name or last_name is
// absent or not a JSON string. (KAZOO's IVR crashes on such a member and so fails the
// whole directory; skipping it is our documented deviation. An empty string is a
// name: KAZOO handles it, and so do we.)
func NewPerson(m Member) (Person, bool) {
	first, last, ok := memberNames(m)
	if !ok {
		return Person{}, false
	}
	return newPerson(m, first, last), true
}

func memberNames(m Member) (first, last string, ok bool) {
	first, ok1 := m.User["first_name"].(string)
	last, ok2 := m.User["last_name"].(string)
	return first, last, ok1 && ok2
}

func newPerson(m Member, first, last string) Person {
	p := Person{UserID: m.UserID, FirstName: first, LastName: last}
	if cf, ok := m.CallflowID(); ok {
		p.CallflowID = cf
	}
	return p
}

// People returns NewPerson of every member that has one, in the members' order.
func People(members []Member) []Person {
	ps := make([]Person, 0, len(members))
	for _, m := range members {
		if p, ok := NewPerson(m); ok {
			ps = append(ps, p)
		}
	}
	return ps
}

// Keys returns the person's two dialpad keys: first+last and last+first, as KAZOO's
// first_last_keys and last_first_keys. With fold each name is converted with
// DialpadFolded on its own, so a UTF-8 sequence is never completed across the two.
func (p Person) Keys(fold bool) (firstLast, lastFirst string) {
	if !fold {
		return Dialpad(p.FirstName + p.LastName), Dialpad(p.LastName + p.FirstName)
	}
	first, last := DialpadFolded(p.FirstName), DialpadFolded(p.LastName)
	return first + last, last + first
}

// NameField names a name field, or both, in KAZOO's terms: the value of a directory's
// sort_by (FieldFirstName or FieldLastName) and search_fields (any of the three).
type NameField string

// The name fields.
const (
	FieldFirstName NameField = "first_name"
	FieldLastName  NameField = "last_name"
	FieldBoth      NameField = "both"
)

// ParseSortBy reads a sort_by value as KAZOO's IVR does: anything beginning with
// "first" is FieldFirstName, anything else FieldLastName.
func ParseSortBy(s string) NameField {
	if strings.HasPrefix(s, "first") {
		return FieldFirstName
	}
	return FieldLastName
}

// ParseSearchFields reads a search_fields value as KAZOO's IVR does: exactly "both" is
// FieldBoth, anything beginning with "first" FieldFirstName, anything else
// FieldLastName.
func ParseSearchFields(s string) NameField {
	switch {
	case s == "both":
		return FieldBoth
	case strings.HasPrefix(s, "first"):
		return FieldFirstName
	}
	return FieldLastName
}

// SortPeople sorts ps in place the way KAZOO's IVR orders a directory before any
// matching: by last name then first name (FieldLastName, also for any other value),
// or by first name then last name (FieldFirstName). Names compare as raw bytes
// (case-sensitive; digits before upper case before lower case; UTF-8 bytes unsigned).
// The sort is stable: people with the same two names keep their order in ps.
func SortPeople(ps []Person, by NameField) {
	// Sorting positions, with the position as the last tie-break, is stable and
	// moves ints instead of whole Persons.
	order := make([]int, len(ps))
	for i := range order {
		order[i] = i
	}
	primary, secondary := lastNames, firstNames
	if by == FieldFirstName {
		primary, secondary = firstNames, lastNames
	}
	slices.SortFunc(order, func(i, j int) int {
		a, b := &ps[i], &ps[j]
		if c := primary(a, b); c != 0 {
			return c
		}
		if c := secondary(a, b); c != 0 {
			return c
		}
		return cmp.Compare(i, j)
	})
	sorted := make([]Person, len(ps))
	for k, i := range order {
		sorted[k] = ps[i]
	}
	copy(ps, sorted)
}

func firstNames(a, b *Person) int { return strings.Compare(a.FirstName, b.FirstName) }
func lastNames(a, b *Person) int  { return strings.Compare(a.LastName, b.LastName) }

// FilterPeople returns, in the order of ps, the people a caller reaches by typing
// digits (KAZOO's filter_users): FieldFirstName keeps those whose first+last key starts
// with digits, FieldBoth those whose first+last or last+first key does, and any other
// value those whose last+first key does. Empty digits match nobody. With fold the keys
// are built with DialpadFolded. The result never aliases ps.
func FilterPeople(ps []Person, digits string, fields NameField, fold bool) []Person {
	out := []Person{}
	for _, p := range ps {
		if p.matches(digits, fields, fold) {
			out = append(out, p)
		}
	}
	return out
}

func (p Person) matches(digits string, fields NameField, fold bool) bool {
	return namesMatch(p.FirstName, p.LastName, digits, fields, fold)
}

func namesMatch(first, last, digits string, fields NameField, fold bool) bool {
	switch fields {
	case FieldFirstName:
		return keyHasPrefix(first, last, digits, fold)
	case FieldBoth:
		return keyHasPrefix(first, last, digits, fold) || keyHasPrefix(last, first, digits, fold)
	}
	return keyHasPrefix(last, first, digits, fold)
}

package directory

import (
	"encoding/json"
	"fmt"
	"slices"
	"testing"
)

// upstreamNames are the 17 first/last name pairs of KAZOO's
// applications/callflow/test/cf_directory_tests.erl, in its order.
var upstreamNames = [][2]string{
	{"Terry", "White"},
	{"Empty", "158"},
	{"Alyssa", "Gruzwalski"},
	{"Lauren", "Underwood"},
	{"Julie", "Bloomenstein"},
	{"Laurie", "Zeidman"},
	{"Empty", "162"},
	{"NaChelle", "Webster"},
	{"Robert", "Sosin"},
	{"Dawna", "Wilson"},
	{"Greg", "Shanaberger"},
	{"Mort", "Noveck"},
	{"Rob", "Lech"},
	{"Jessica", "Kalvenas"},
	{"Ralph", "Sosin"},
	{"Empty", "160"},
	{"Daniel", "Noveck"},
}

// upstreamMembers returns the upstream names as members u01.. with callflows cf01..
func upstreamMembers() []Member {
	ms := make([]Member, len(upstreamNames))
	for i, n := range upstreamNames {
		ms[i] = Member{
			UserID: fmt.Sprintf("u%02d", i+1),
			Value:  fmt.Sprintf("cf%02d", i+1),
			User:   Doc{"first_name": n[0], "last_name": n[1]},
		}
	}
	return ms
}

func fullNames(ps []Person) []string {
	out := make([]string, len(ps))
	for i, p := range ps {
		out[i] = p.FirstName + " " + p.LastName
	}
	return out
}

// The expected orders are worked out by hand from byte-wise comparison.
var (
	upstreamByFirst = []string{
		"Alyssa Gruzwalski", "Daniel Noveck", "Dawna Wilson", "Empty 158", "Empty 160",
		"Empty 162", "Greg Shanaberger", "Jessica Kalvenas", "Julie Bloomenstein",
		"Lauren Underwood", "Laurie Zeidman", "Mort Noveck", "NaChelle Webster",
		"Ralph Sosin", "Rob Lech", "Robert Sosin", "Terry White",
	}
	upstreamByLast = []string{
		"Empty 158", "Empty 160", "Empty 162", "Julie Bloomenstein", "Alyssa Gruzwalski",
		"Jessica Kalvenas", "Rob Lech", "Daniel Noveck", "Mort Noveck", "Greg Shanaberger",
		"Ralph Sosin", "Robert Sosin", "Lauren Underwood", "NaChelle Webster",
		"Terry White", "Dawna Wilson", "Laurie Zeidman",
	}
)

// TestUpstreamSort reproduces cf_directory_tests:sort_order_test_.
func TestUpstreamSort(t *testing.T) {
	byFirst := People(upstreamMembers())
	SortPeople(byFirst, FieldFirstName)
	if byFirst[0].FirstName != "Alyssa" {
		t.Errorf("sort first: head %q, upstream asserts Alyssa", byFirst[0].FirstName)
	}
	if got := fullNames(byFirst); !slices.Equal(got, upstreamByFirst) {
		t.Errorf("sort first:\n got %q\nwant %q", got, upstreamByFirst)
	}

	byLast := People(upstreamMembers())
	SortPeople(byLast, FieldLastName)
	if byLast[0].LastName != "158" {
		t.Errorf("sort last: head %q, upstream asserts 158", byLast[0].LastName)
	}
	if got := fullNames(byLast); !slices.Equal(got, upstreamByLast) {
		t.Errorf("sort last:\n got %q\nwant %q", got, upstreamByLast)
	}
}

// TestUpstreamFilter reproduces cf_directory_tests:filter_users_test_ and checks the
// whole result, not only its head.
func TestUpstreamFilter(t *testing.T) {
	byFirst := People(upstreamMembers())
	SortPeople(byFirst, FieldFirstName)
	byLast := People(upstreamMembers())
	SortPeople(byLast, FieldLastName)

	tests := []struct {
		name   string
		sorted []Person
		digits string
		fields NameField
		want   []string
	}{
		// Upstream: the first FIRST-mode match of 528 is Lauren.
		{"upstream first 528", byFirst, "528", FieldFirstName, []string{"Lauren Underwood", "Laurie Zeidman"}},
		// Upstream: the first LAST-mode match of 668 is Daniel Noveck.
		{"upstream last 668", byLast, "668", FieldLastName, []string{"Daniel Noveck", "Mort Noveck"}},
		{"first 52873 tells Lauren from Laurie", byFirst, "52873", FieldFirstName, []string{"Lauren Underwood"}},
		{"first key runs into last name", byFirst, "7625", FieldFirstName, []string{"Rob Lech"}},
		{"last key runs into first name", byLast, "767467", FieldLastName, []string{"Ralph Sosin", "Robert Sosin"}},
		{"last mode ignores first names", byLast, "528", FieldLastName, []string{}},
		{"both finds either key", byLast, "52", FieldBoth, []string{"Jessica Kalvenas", "Lauren Underwood", "Laurie Zeidman"}},
		{"digits in names drop", byLast, "36789", FieldBoth, []string{"Empty 158", "Empty 160", "Empty 162"}},
		{"key shorter than digits", byLast, "367890", FieldBoth, []string{}},
		{"mixed case", byFirst, "6224355", FieldFirstName, []string{"NaChelle Webster"}},
		{"empty digits", byFirst, "", FieldBoth, []string{}},
		{"one digit", byFirst, "9", FieldBoth, []string{"Dawna Wilson", "Laurie Zeidman", "NaChelle Webster", "Terry White"}},
		{"unknown mode is last", byLast, "668", "nonsense", []string{"Daniel Noveck", "Mort Noveck"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := FilterPeople(tt.sorted, tt.digits, tt.fields, false)
			if got == nil || !slices.Equal(fullNames(got), tt.want) {
				t.Errorf("FilterPeople(%q, %s) = %q, want %q", tt.digits, tt.fields, fullNames(got), tt.want)
			}
		})
	}
}

func TestSortPeopleBytewise(t *testing.T) {
	ps := []Person{
		{UserID: "1", FirstName: "b", LastName: "adams"},
		{UserID: "2", FirstName: "B", LastName: "Élodie"},
		{UserID: "3", FirstName: "a", LastName: "Zoe"},
		{UserID: "4", FirstName: "a", LastName: "zoe"},
		{UserID: "5", FirstName: "z", LastName: "Baker"},
		{UserID: "6", FirstName: "c", LastName: "007"},
		{UserID: "7", FirstName: "b", LastName: "adams"}, // same names as 1: stays after it
		{UserID: "8", FirstName: "a", LastName: "Zoe"},   // same names as 3
		{UserID: "9", FirstName: "", LastName: "Zoe"},
	}
	ids := func(ps []Person) string {
		s := ""
		for _, p := range ps {
			s += p.UserID
		}
		return s
	}
	last := slices.Clone(ps)
	SortPeople(last, FieldLastName)
	// 007 < Baker < Zoe("", a, a) < adams(b, b) < zoe < Élodie (0xC3 after ASCII)
	if got, want := ids(last), "659381742"; got != want {
		t.Errorf("by last: %s, want %s", got, want)
	}
	first := slices.Clone(ps)
	SortPeople(first, FieldFirstName)
	// "" < B < a(Zoe, Zoe, zoe) < b(adams, adams) < c < z
	if got, want := ids(first), "923841765"; got != want {
		t.Errorf("by first: %s, want %s", got, want)
	}
}

func TestParseModes(t *testing.T) {
	for in, want := range map[string]NameField{
		"first_name": FieldFirstName, "first": FieldFirstName, "firstly": FieldFirstName,
		"last_name": FieldLastName, "": FieldLastName, "First_name": FieldLastName, "both": FieldLastName,
	} {
		if got := ParseSortBy(in); got != want {
			t.Errorf("ParseSortBy(%q) = %s, want %s", in, got, want)
		}
	}
	for in, want := range map[string]NameField{
		"both": FieldBoth, "Both": FieldLastName, "both ": FieldLastName, "first_name": FieldFirstName,
		"first": FieldFirstName, "last_name": FieldLastName, "": FieldLastName, "x": FieldLastName,
	} {
		if got := ParseSearchFields(in); got != want {
			t.Errorf("ParseSearchFields(%q) = %s, want %s", in, got, want)
		}
	}
}

func TestNewPerson(t *testing.T) {
	tests := []struct {
		name string
		m    Member
		want string // JSON of the Person, "" when skipped
	}{
		{"both names", Member{UserID: "u", Value: "cf", User: Doc{"first_name": "A", "last_name": "B"}},
			`{"user_id":"u","callflow_id":"cf","first_name":"A","last_name":"B"}`},
		{"empty names are names", Member{UserID: "u", Value: "cf", User: Doc{"first_name": "", "last_name": ""}},
			`{"user_id":"u","callflow_id":"cf","first_name":"","last_name":""}`},
		{"callflow null", Member{UserID: "u", Value: nil, User: Doc{"first_name": "A", "last_name": "B"}},
			`{"user_id":"u","callflow_id":"null","first_name":"A","last_name":"B"}`},
		{"callflow number", Member{UserID: "u", Value: json.Number("12"), User: Doc{"first_name": "A", "last_name": "B"}},
			`{"user_id":"u","callflow_id":"12","first_name":"A","last_name":"B"}`},
		{"callflow object omitted", Member{UserID: "u", Value: map[string]any{}, User: Doc{"first_name": "A", "last_name": "B"}},
			`{"user_id":"u","first_name":"A","last_name":"B"}`},
		{"callflow empty omitted", Member{UserID: "u", Value: "", User: Doc{"first_name": "A", "last_name": "B"}},
			`{"user_id":"u","first_name":"A","last_name":"B"}`},
		{"no doc", Member{UserID: "u", Value: "cf"}, ""},
		{"no last name", Member{UserID: "u", Value: "cf", User: Doc{"first_name": "A"}}, ""},
		{"no first name", Member{UserID: "u", Value: "cf", User: Doc{"last_name": "B"}}, ""},
		{"null name", Member{UserID: "u", Value: "cf", User: Doc{"first_name": nil, "last_name": "B"}}, ""},
		{"number name", Member{UserID: "u", Value: "cf", User: Doc{"first_name": "A", "last_name": json.Number("7")}}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, ok := NewPerson(tt.m)
			got := ""
			if ok {
				b, err := json.Marshal(p)
				if err != nil {
					t.Fatal(err)
				}
				got = string(b)
			}
			if got != tt.want {
				t.Errorf("NewPerson = %s (ok %v), want %s", got, ok, tt.want)
			}
		})
	}
}

func TestPersonKeys(t *testing.T) {
	p := Person{FirstName: "Zoë", LastName: "Ångström"}
	if fl, lf := p.Keys(false); fl != "96647876" || lf != "64787696" {
		t.Errorf("Keys(false) = %s, %s", fl, lf)
	}
	if fl, lf := p.Keys(true); fl != "96326478766" || lf != "26478766963" {
		t.Errorf("Keys(true) = %s, %s", fl, lf)
	}
}

package directory

import "context"

// DTMFPattern is the pattern a search's dtmf must match.
const DTMFPattern = "^[0-9]+$"

// MinDTMF is how many digits KAZOO's IVR needs before it matches (a first digit, then
// at least one more); min_dtmf and max_dtmf of the directory are ignored, as in KAZOO.
const MinDTMF = 2

// SearchQuery is a dial-by-name question: the digits a caller types, and optionally
// which keys to search (overriding the directory's search_fields) and whether to fold
// diacritics.
type SearchQuery struct {
	// DTMF is the digits, required, only 0-9.
	DTMF string
	// SearchFields is "" (use the directory's) or first_name, last_name or both.
	SearchFields string
	// Fold matches with DialpadFolded instead of KAZOO's Dialpad.
	Fold bool
}

// Validate checks q. Failure is an *Error with ECodeValidation in KAZOO's shape:
// `dtmf` missing or empty → required; not all digits → pattern ^[0-9]+$;
// `search_fields` not one of first_name, last_name, both → enum. Both fields are
// checked and reported together.
func (q SearchQuery) Validate() error {
	var v ValidationError
	switch {
	case q.DTMF == "":
		requiredError(&v, "dtmf")
	case !allDigits(q.DTMF):
		v.Add("dtmf", "pattern", Object{
			{"message", "Failed to match pattern '" + DTMFPattern + "'"},
			{"target", DTMFPattern},
			{"value", q.DTMF},
		})
	}
	if q.SearchFields != "" && !validSearchFields(q.SearchFields) {
		enumError(&v, "search_fields", searchFieldsValues, q.SearchFields)
	}
	return v.Err()
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

func validSearchFields(s string) bool {
	for _, a := range searchFieldsValues {
		if s == a {
			return true
		}
	}
	return false
}

// Action is what KAZOO's IVR does after matching the digits.
type Action string

// The IVR's next steps.
const (
	ActionNone    Action = "none"    // no match: "no results found", start over
	ActionConfirm Action = "confirm" // one match and confirm_match: ask the caller to press 1
	ActionConnect Action = "connect" // one match, no confirmation: route to its callflow
	ActionMenu    Action = "menu"    // several matches: offer them one by one, in order
)

// SearchResult is the answer to a SearchQuery, the `data` of the search endpoint.
// Matches is never nil, so it marshals as [] when empty.
type SearchResult struct {
	DTMF         string    `json:"dtmf"`
	SearchFields NameField `json:"search_fields"`
	SortBy       NameField `json:"sort_by"`
	Action       Action    `json:"action"`
	Matches      []Person  `json:"matches"`
}

// Search answers what KAZOO's IVR does when a caller types q.DTMF at directory dir
// with these members: the people matched, in the order the IVR offers them, and the
// IVR's next step. SearchFields in the result is q.SearchFields when given, else the
// directory's (DirectorySearchFields); SortBy is DirectorySortBy. Fewer than MinDTMF
// digits match nobody (the IVR never matches them). Members without names are
// skipped (see NewPerson). Errors: those of q.Validate.
func Search(dir Doc, members []Member, q SearchQuery) (SearchResult, error) {
	if err := q.Validate(); err != nil {
		return SearchResult{}, err
	}
	res := SearchResult{
		DTMF:         q.DTMF,
		SearchFields: DirectorySearchFields(dir),
		SortBy:       DirectorySortBy(dir),
		Matches:      []Person{},
	}
	if q.SearchFields != "" {
		res.SearchFields = NameField(q.SearchFields)
	}
	if len(q.DTMF) >= MinDTMF {
		for _, m := range members {
			first, last, ok := memberNames(m)
			if ok && namesMatch(first, last, q.DTMF, res.SearchFields, q.Fold) {
				res.Matches = append(res.Matches, newPerson(m, first, last))
			}
		}
		// KAZOO sorts everyone, then filters. A stable sort of the matches alone gives
		// the same order, for a fraction of the work.
		SortPeople(res.Matches, res.SortBy)
	}
	res.Action = nextAction(len(res.Matches), DirectoryConfirmMatch(dir))
	return res, nil
}

func nextAction(matches int, confirm bool) Action {
	switch {
	case matches == 0:
		return ActionNone
	case matches > 1:
		return ActionMenu
	case confirm:
		return ActionConfirm
	}
	return ActionConnect
}

// DirectorySortBy returns how KAZOO's IVR sorts a directory: ParseSortBy of its
// sort_by; FieldLastName when absent or not a string.
func DirectorySortBy(dir Doc) NameField {
	s, _ := dir["sort_by"].(string)
	return ParseSortBy(s)
}

// DirectorySearchFields returns which keys KAZOO's IVR searches for a directory:
// FieldBoth when search_fields is absent, ParseSearchFields of it when it is a string,
// FieldLastName for any other JSON value (null included).
func DirectorySearchFields(dir Doc) NameField {
	v, ok := dir["search_fields"]
	if !ok {
		return FieldBoth
	}
	s, _ := v.(string)
	return ParseSearchFields(s)
}

// DirectoryConfirmMatch reports whether KAZOO's IVR asks the caller to confirm a
// single match: confirm_match is JSON true or the string "true" (kz_term:is_true);
// absent means false, unlike the schema default.
func DirectoryConfirmMatch(dir Doc) bool {
	v := dir["confirm_match"]
	return v == true || v == "true"
}

// Search answers q against directory id of an account: it loads the directory and its
// members' names at the same time (two CouchDB requests, like a directory GET, and no
// member doc read), and calls Search. Errors: BadIdentifier(id) for a missing,
// soft-deleted or non-directory doc (checked before q), the validation errors of
// q.Validate, and store errors.
func (s *Service) Search(ctx context.Context, accountID, id string, q SearchQuery) (SearchResult, error) {
	if err := q.Validate(); err != nil {
		if _, lerr := s.load(ctx, accountID, id); lerr != nil {
			return SearchResult{}, lerr
		}
		return SearchResult{}, err
	}
	dir, members, err := s.loadWithNames(ctx, accountID, id)
	if err != nil {
		return SearchResult{}, err
	}
	return Search(dir, members, q)
}

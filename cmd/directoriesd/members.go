package main

import (
	"context"
	"crypto/md5"
	"encoding/csv"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/kazoo-directories/kazoo-directories/couchdb"
	"github.com/kazoo-directories/kazoo-directories/pkg/directory"
)

// memberRow is one person to put into directories: a user doc, a callflow doc
// ringing that user on Numbers, and membership in the named directories.
type memberRow struct {
	Line        int // the row's number in the input (1 = the first line)
	First, Last string
	Numbers     []string
	Directories []string
}

// rowError is a row that was rejected, with its number and why.
type rowError struct {
	Line   int
	Reason string
}

// parseMembersCSV reads rows of `first name, last name, numbers, directories`;
// numbers and directory names are separated by `;` (numbers also by spaces). A
// first line whose first cell is "first_name" or "first name" is a header. Rows
// that cannot be read are returned as rejections, with their line numbers.
func parseMembersCSV(r io.Reader) ([]memberRow, []rowError, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	cr.TrimLeadingSpace = true
	var rows []memberRow
	var bad []rowError
	for n := 1; ; n++ {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		var pe *csv.ParseError
		if errors.As(err, &pe) {
			bad = append(bad, rowError{pe.StartLine, pe.Err.Error()})
			continue
		}
		if err != nil {
			return nil, nil, err
		}
		line, _ := cr.FieldPos(0)
		if n == 1 && len(rec) > 0 {
			rec[0] = strings.TrimPrefix(rec[0], "\ufeff") // a byte-order mark, header or not
			h := strings.ToLower(strings.TrimSpace(rec[0]))
			if h == "first_name" || h == "first name" || h == "firstname" {
				continue
			}
		}
		if len(rec) == 1 && strings.TrimSpace(rec[0]) == "" {
			continue
		}
		if len(rec) != 4 {
			bad = append(bad, rowError{line, fmt.Sprintf("%d columns, want 4 (first name, last name, numbers, directories)", len(rec))})
			continue
		}
		rows = append(rows, memberRow{
			Line:        line,
			First:       strings.TrimSpace(rec[0]),
			Last:        strings.TrimSpace(rec[1]),
			Numbers:     splitList(rec[2], "; \t"),
			Directories: splitList(rec[3], ";"),
		})
	}
	return rows, bad, nil
}

func splitList(s, seps string) []string {
	var out []string
	for _, f := range strings.FieldsFunc(s, func(r rune) bool { return strings.ContainsRune(seps, r) }) {
		if f = strings.TrimSpace(f); f != "" {
			out = append(out, f)
		}
	}
	return out
}

// importReport is what an import did.
type importReport struct {
	Rows                        int
	Created, Updated, Unchanged int
	Rejected                    []rowError
	DirectoriesCreated          []string          // names
	Directories                 map[string]string // name → id, every directory a row named
	UserIDs                     map[int]string    // line → user id, for accepted rows
}

// write prints one line per rejected row and a summary.
func (r importReport) write(w io.Writer) {
	for _, e := range r.Rejected {
		fmt.Fprintf(w, "row %d: rejected: %s\n", e.Line, e.Reason)
	}
	created := "none"
	if len(r.DirectoriesCreated) > 0 {
		created = strings.Join(r.DirectoriesCreated, ", ")
	}
	fmt.Fprintf(w, "%d rows: %d users created, %d updated, %d unchanged, %d rejected; directories created: %s\n",
		r.Rows, r.Created, r.Updated, r.Unchanged, len(r.Rejected), created)
}

// importID is the doc id an import gives to what it writes for a person: the same
// on every run (that makes a re-run update instead of duplicate), 32 hex characters
// like KAZOO's ids, different per account.
func importID(kind, accountID, first, last string) string {
	sum := md5.Sum([]byte(kind + "\x00" + accountID + "\x00" + strings.ToLower(first) + "\x00" + strings.ToLower(last)))
	return hex.EncodeToString(sum[:])
}

// validNumber is a dialable number as callflows hold them: digits, an optional
// leading +, at most 20 characters.
func validNumber(n string) bool {
	d := strings.TrimPrefix(n, "+")
	if d == "" || len(n) > 20 {
		return false
	}
	for _, c := range d {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// importMembers writes, for every valid row, a user doc (KAZOO's `user` shape, with
// `directories: {directory_id: callflow_id}`) and a callflow doc (`numbers`, a
// `user` flow to that user, `owner_id`), creating the directories it names by name
// when the account has none of that name. Ids are derived from the account and the
// name (importID), so a re-run updates what it wrote and adds nothing; membership in
// other directories, and other keys of existing docs, are kept.
//
// Every doc written is announced through notify (nil: nobody), as KAZOO's data layer
// announces its saves, so that KAZOO's caches of users and callflows drop their copies.
func importMembers(ctx context.Context, store *couchdb.Store, notify directory.Notifier, accountID string, rows []memberRow, now time.Time) (importReport, error) {
	if notify == nil {
		notify = noNotices{}
	}
	rep := importReport{Rows: len(rows), Directories: map[string]string{}, UserIDs: map[int]string{}}
	if _, err := store.Account(ctx, accountID); err != nil {
		return rep, fmt.Errorf("account %s: %w", accountID, err)
	}
	byName, err := directoriesByName(ctx, store, accountID)
	if err != nil {
		return rep, err
	}
	have, err := indexAccount(ctx, store, accountID)
	if err != nil {
		return rep, err
	}
	svc := directory.NewService(store, func() time.Time { return now }, nil).WithNotifier(notify)
	people := map[string]int{}  // user id → line
	numbers := map[string]int{} // number → line
	for _, row := range rows {
		if reason := checkRow(row, people, numbers); reason != "" {
			rep.Rejected = append(rep.Rejected, rowError{row.Line, reason})
			continue
		}
		userID := have.users[nameKey(row.First, row.Last)]
		if userID == "" {
			userID = importID("user", accountID, row.First, row.Last)
		}
		foreignUser := userID != importID("user", accountID, row.First, row.Last)
		ownCF := importID("callflow", accountID, row.First, row.Last)
		callflowID, foreignCF, reason := have.callflowFor(userID, ownCF, row.Numbers)
		if reason != "" {
			rep.Rejected = append(rep.Rejected, rowError{row.Line, reason})
			continue
		}
		if callflowID == "" {
			callflowID = ownCF
		}
		people[importID("user", "", row.First, row.Last)] = row.Line
		for _, n := range row.Numbers {
			numbers[n] = row.Line
		}
		dirs := map[string]any{}
		for _, name := range row.Directories {
			id, ok := byName[strings.ToLower(name)]
			if !ok {
				// An id derived from the name: two imports creating the same directory at
				// once make one directory, not two of one name.
				id = importID("directory", accountID, name, "")
				res, err := svc.Create(ctx, accountID, directory.Doc{"id": id, "name": name}, directory.Meta{RequestID: "directoriesd-import"})
				if directory.IsCode(err, directory.ECodeConflict) {
					// Created meanwhile by another import (a soft-deleted one stays an error).
					res, err = svc.Get(ctx, accountID, id, directory.Filters{})
				}
				if err != nil {
					return rep, fmt.Errorf("row %d: create directory %q: %w", row.Line, name, err)
				}
				id = res.Data.String("id")
				byName[strings.ToLower(name)] = id
				rep.DirectoriesCreated = append(rep.DirectoriesCreated, name)
			}
			rep.Directories[name] = id
			dirs[id] = callflowID
		}
		// Docs KAZOO wrote (or anyone but an import) keep everything but what the
		// import adds: memberships, numbers.
		wantUser := userDoc(accountID, userID, row, dirs, now)
		if foreignUser {
			wantUser = directory.Doc{"_id": userID, "directories": dirs}
		}
		wantCF := callflowDoc(accountID, callflowID, userID, row, now)
		if foreignCF != nil {
			wantCF = directory.Doc{"_id": callflowID, "numbers": unionNumbers(foreignCF["numbers"], row.Numbers)}
		}
		created, changed, err := upsert(ctx, store, notify, accountID, wantUser, now)
		if err != nil {
			return rep, fmt.Errorf("row %d: user %s: %w", row.Line, userID, err)
		}
		cfCreated, cfChanged, err := upsert(ctx, store, notify, accountID, wantCF, now)
		if err != nil {
			return rep, fmt.Errorf("row %d: callflow %s: %w", row.Line, callflowID, err)
		}
		rep.UserIDs[row.Line] = userID
		switch {
		case created:
			rep.Created++
		case changed || cfChanged || cfCreated:
			rep.Updated++
		default:
			rep.Unchanged++
		}
	}
	return rep, nil
}

// accountIndex is what an account holds already: live users by name, and the
// callflows that hold each number.
type accountIndex struct {
	users     map[string]string        // nameKey → user id (the first by id)
	callflows map[string]directory.Doc // number → callflow doc
}

func nameKey(first, last string) string {
	return strings.ToLower(first) + "\x00" + strings.ToLower(last)
}

// indexAccount reads every doc of the account once (_all_docs in pages).
func indexAccount(ctx context.Context, store *couchdb.Store, accountID string) (accountIndex, error) {
	ix := accountIndex{users: map[string]string{}, callflows: map[string]directory.Doc{}}
	err := store.EachDoc(ctx, accountID, func(d directory.Doc) error {
		if d.Bool("pvt_deleted") {
			return nil
		}
		switch d.String("pvt_type") {
		case "user":
			k := nameKey(strings.TrimSpace(d.String("first_name")), strings.TrimSpace(d.String("last_name")))
			if _, ok := ix.users[k]; !ok && k != "\x00" {
				ix.users[k] = d.ID()
			}
		case "callflow":
			nums, _ := d["numbers"].([]any)
			for _, n := range nums {
				if s, ok := n.(string); ok {
					ix.callflows[s] = d
				}
			}
		}
		return nil
	})
	if err != nil {
		return ix, fmt.Errorf("read account %s: %w", accountID, err)
	}
	return ix, nil
}

// callflowFor finds the callflow already holding one of numbers: it must ring userID
// (owner_id, or a `user` flow to it), else the row is rejected (a number routes to one
// callflow only). foreign is that callflow when it is not the import's own.
func (ix accountIndex) callflowFor(userID, ownCF string, numbers []string) (id string, foreign directory.Doc, reason string) {
	for _, n := range numbers {
		cf, ok := ix.callflows[n]
		if !ok {
			continue
		}
		if !ringsUser(cf, userID) {
			return "", nil, fmt.Sprintf("number %s is already on callflow %s, which does not ring this person", n, cf.ID())
		}
		if id != "" && id != cf.ID() {
			return "", nil, fmt.Sprintf("numbers %v are on two callflows (%s, %s)", numbers, id, cf.ID())
		}
		id = cf.ID()
		if cf.ID() != ownCF {
			foreign = cf
		}
	}
	return id, foreign, ""
}

func ringsUser(cf directory.Doc, userID string) bool {
	if cf.String("owner_id") == userID {
		return true
	}
	flow, _ := cf["flow"].(map[string]any)
	data, _ := flow["data"].(map[string]any)
	return flow["module"] == "user" && data["id"] == userID
}

// unionNumbers is the stored numbers followed by the new ones they lack.
func unionNumbers(stored any, add []string) []any {
	out, _ := stored.([]any)
	out = slices.Clone(out)
	for _, n := range add {
		if !slices.Contains(out, any(n)) {
			out = append(out, n)
		}
	}
	return out
}

// maxNameLength is KAZOO's user schema's maxLength for first_name and last_name.
const maxNameLength = 128

// checkRow returns why row cannot be imported ("" when it can).
func checkRow(row memberRow, people, numbers map[string]int) string {
	switch {
	case row.First == "":
		return "no first name (KAZOO's dial-by-name needs both names)"
	case row.Last == "":
		return "no last name (KAZOO's dial-by-name needs both names)"
	case utf8.RuneCountInString(row.First) > maxNameLength:
		return fmt.Sprintf("first name longer than %d characters (KAZOO's user schema)", maxNameLength)
	case utf8.RuneCountInString(row.Last) > maxNameLength:
		return fmt.Sprintf("last name longer than %d characters (KAZOO's user schema)", maxNameLength)
	case len(row.Numbers) == 0:
		return "no extension number"
	}
	for _, n := range row.Numbers {
		if !validNumber(n) {
			return fmt.Sprintf("number %q is not a number (digits, optionally a leading +)", n)
		}
		if l, ok := numbers[n]; ok {
			return fmt.Sprintf("number %s is already on row %d", n, l)
		}
	}
	for _, d := range row.Directories {
		if _, err := directory.Validate(directory.Doc{"name": d}); err != nil {
			return fmt.Sprintf("directory name %q: %v", d, errText(err))
		}
	}
	if l, ok := people[importID("user", "", row.First, row.Last)]; ok {
		return fmt.Sprintf("%s %s is already on row %d", row.First, row.Last, l)
	}
	return ""
}

// directoriesByName maps the lower-cased names of the account's live directories to
// their ids (the first by id when two share a name).
func directoriesByName(ctx context.Context, store *couchdb.Store, accountID string) (map[string]string, error) {
	rows, err := store.Directories(ctx, accountID, directory.ViewQuery{IncludeDocs: true})
	if err != nil {
		return nil, fmt.Errorf("list directories: %w", err)
	}
	out := map[string]string{}
	for _, r := range rows {
		if r.Doc == nil || r.Doc.Bool("pvt_deleted") {
			continue
		}
		name := strings.ToLower(r.Doc.String("name"))
		if _, ok := out[name]; !ok && name != "" {
			out[name] = r.ID
		}
	}
	return out, nil
}

// userDoc is a user doc as KAZOO's crossbar users API writes it (the fields an
// import knows; kzd_users' defaults for the rest).
func userDoc(accountID, id string, row memberRow, dirs map[string]any, now time.Time) directory.Doc {
	d := directory.Doc{
		"_id":              id,
		"first_name":       row.First,
		"last_name":        row.Last,
		"priv_level":       "user",
		"enabled":          true,
		"presence_id":      row.Numbers[0],
		"directories":      dirs,
		"call_restriction": map[string]any{},
		"caller_id": map[string]any{
			"internal": map[string]any{"name": row.First + " " + row.Last, "number": row.Numbers[0]},
		},
		"pvt_type": "user",
	}
	stampDoc(d, accountID, now)
	return d
}

// callflowDoc is the callflow KAZOO (SmartPBX) makes for a user's extensions: its
// numbers ring the user.
func callflowDoc(accountID, id, userID string, row memberRow, now time.Time) directory.Doc {
	d := directory.Doc{
		"_id":      id,
		"name":     row.First + " " + row.Last,
		"numbers":  stringsToAny(row.Numbers),
		"patterns": []any{},
		"owner_id": userID,
		"flow": map[string]any{
			"module":   "user",
			"data":     map[string]any{"id": userID, "timeout": 20, "can_call_self": false},
			"children": map[string]any{},
		},
		"pvt_type": "callflow",
	}
	stampDoc(d, accountID, now)
	return d
}

func stringsToAny(ss []string) []any {
	out := make([]any, len(ss))
	for i, s := range ss {
		out[i] = s
	}
	return out
}

// stampDoc sets the private fields crossbar_doc stamps on a new doc.
func stampDoc(d directory.Doc, accountID string, now time.Time) {
	d["pvt_vsn"] = "1"
	d["pvt_account_id"] = accountID
	d["pvt_account_db"] = directory.EncodedAccountDBName(accountID)
	d["pvt_created"] = directory.GregorianSeconds(now)
	d["pvt_modified"] = directory.GregorianSeconds(now)
}

// upsert creates want, or merges it into the stored doc of its id: want's keys
// replace the stored ones except `directories` (merged: other directories kept) and
// pvt_created (kept); nothing is written when nothing changes.
func upsert(ctx context.Context, store *couchdb.Store, notify directory.Notifier, accountID string, want directory.Doc, now time.Time) (created, changed bool, err error) {
	have, err := store.Doc(ctx, accountID, want.ID())
	switch {
	case directory.IsCode(err, directory.ECodeBadIdentifier):
		rev, err := store.Put(ctx, accountID, want)
		if err == nil {
			notify.Notify(ctx, directory.NewChange(directory.DocCreated, accountID, want, rev))
		}
		return err == nil, false, err
	case err != nil:
		return false, false, err
	}
	next := have.Clone()
	for k, v := range want {
		switch k {
		case "pvt_created", "pvt_modified":
			continue
		case "directories":
			merged := map[string]any{}
			if old, ok := have[k].(map[string]any); ok {
				maps.Copy(merged, old)
			}
			maps.Copy(merged, v.(map[string]any))
			next[k] = merged
		default:
			next[k] = v
		}
	}
	delete(next, "pvt_deleted")
	if directory.SameJSON(have, next) {
		return false, false, nil
	}
	next["pvt_modified"] = directory.GregorianSeconds(now)
	rev, err := store.Put(ctx, accountID, next)
	if err == nil {
		notify.Notify(ctx, directory.NewChange(directory.DocEdited, accountID, next, rev))
	}
	return false, err == nil, err
}

// noNotices is the Notifier of an import without a message bus.
type noNotices struct{}

func (noNotices) Notify(context.Context, directory.Change) {}

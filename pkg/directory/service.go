package directory

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"strings"
	"time"
	"unicode/utf8"
)

// gregorianOffset is the number of seconds from 0000-01-01 to 1970-01-01: KAZOO stamps
// pvt_created/pvt_modified in Gregorian seconds.
const gregorianOffset = 62167219200

// GregorianSeconds returns t in KAZOO's Gregorian seconds.
func GregorianSeconds(t time.Time) int64 { return t.Unix() + gregorianOffset }

// DefaultPageSize is crossbar.pagination_page_size's default.
const DefaultPageSize = 50

// Service implements the directories operations (cb_directories) on a Store.
type Service struct {
	store  Store
	now    func() time.Time
	newID  func() string
	notify Notifier
}

// NewService returns a Service. now and newID may be nil (wall clock, random 32-hex ids).
func NewService(store Store, now func() time.Time, newID func() string) *Service {
	if now == nil {
		now = time.Now
	}
	if newID == nil {
		newID = NewID
	}
	return &Service{store: store, now: now, newID: newID, notify: noNotifier{}}
}

// WithNotifier makes s tell n about every acknowledged write (nil: nobody) and
// returns s. Call it before serving.
func (s *Service) WithNotifier(n Notifier) *Service {
	if n == nil {
		n = noNotifier{}
	}
	s.notify = n
	return s
}

// NewID returns 32 lowercase hex chars from 16 random bytes, like kz_datamgr:get_uuid.
func NewID() string {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic(err) // crypto/rand never fails on supported platforms
	}
	return hex.EncodeToString(b[:])
}

// Meta describes the request that writes: who and which request, for the pvt_ stamps,
// and the client's If-Match precondition.
type Meta struct {
	RequestID string
	// Identity is nil for an unauthenticated request.
	Identity *Identity
	// IfMatch is the raw If-Match header ("" when absent).
	IfMatch string
}

// Result is a directory as the API returns it: public fields with "id", and the
// revision for the envelope and ETag.
type Result struct {
	Data Doc
	Rev  string
}

// ListParams selects a page of the directory listing.
type ListParams struct {
	// PageSize is the number of rows per page (DefaultPageSize when < 1).
	PageSize int
	// All disables paging (paginate=false).
	All bool
	// StartKey is the decoded start_key (nil for the first page).
	StartKey any
	Filters  Filters
}

// Page is one page of the listing.
type Page struct {
	Data []any
	// NextStartKey is the key of the next page's first row (nil on the last page).
	NextStartKey any
}

// Account returns the account, or BadIdentifier(accountID) when it does not exist.
func (s *Service) Account(ctx context.Context, accountID string) (Account, error) {
	return s.store.Account(ctx, accountID)
}

// List returns a page of the crossbar_listing view: {id, name, flags} per directory,
// ascending by id.
func (s *Service) List(ctx context.Context, accountID string, p ListParams) (Page, error) {
	if p.PageSize < 1 {
		p.PageSize = DefaultPageSize
	}
	if p.StartKey != nil {
		if err := CheckStartKey(p.StartKey); err != nil {
			return Page{}, err
		}
	}
	q := ViewQuery{StartKey: p.StartKey, IncludeDocs: p.Filters.Active()}
	if !p.All {
		q.Limit = p.PageSize + 1
	}
	rows, err := s.store.Directories(ctx, accountID, q)
	if err != nil {
		return Page{}, err
	}
	var page Page
	if !p.All && len(rows) > p.PageSize {
		page.NextStartKey = rows[p.PageSize].Key
		rows = rows[:p.PageSize]
	}
	page.Data = make([]any, 0, len(rows))
	for _, r := range rows {
		if p.Filters.Active() && (r.Doc == nil || !p.Filters.Match(r.Doc)) {
			continue
		}
		page.Data = append(page.Data, r.Value)
	}
	return page, nil
}

// Get returns a directory with `users` computed from the users_listing view: every
// member as {user_id, callflow_id}, ascending by user id. Filters apply to the member
// docs. Missing, soft-deleted or non-directory docs are BadIdentifier(id).
func (s *Service) Get(ctx context.Context, accountID, id string, f Filters) (Result, error) {
	doc, err := s.load(ctx, accountID, id)
	if err != nil {
		return Result{}, err
	}
	data := doc.PublicFields()
	members, err := s.store.Members(ctx, accountID, id, f.Active())
	switch {
	case IsCode(err, ECodeMissingView):
		// crossbar returns the stored `users` when the view cannot be read.
	case err != nil:
		return Result{}, err
	default:
		users := members
		if f.Active() {
			users = make([]Member, 0, len(members))
			for _, m := range members {
				if m.User != nil && f.Match(m.User) {
					users = append(users, m)
				}
			}
		}
		data["users"] = MemberRefs(users)
	}
	return Result{Data: data, Rev: doc.Rev()}, nil
}

// Create validates data, stamps it and saves it as a new directory. data.id, when
// given, becomes the doc id (a duplicate is ECodeConflict).
func (s *Service) Create(ctx context.Context, accountID string, data Doc, m Meta) (Result, error) {
	id, clean, err := splitID(data)
	if err != nil {
		return Result{}, err
	}
	doc, err := Validate(clean)
	if err != nil {
		return Result{}, err
	}
	if m.IfMatch != "" {
		return Result{}, Errorf(ECodePrecondition, "If-Match on a new resource")
	}
	if id == "" {
		id = s.newID()
	}
	doc["_id"] = id
	doc["pvt_type"] = "directory"
	doc["pvt_created"] = GregorianSeconds(s.now())
	return s.save(ctx, accountID, doc, m)
}

// Replace validates data and replaces the public part of directory id with it; the
// private fields are kept. A concurrent change is ECodeConflict.
func (s *Service) Replace(ctx context.Context, accountID, id string, data Doc, m Meta) (Result, error) {
	_, clean, err := splitID(data)
	if err != nil {
		return Result{}, err
	}
	public, err := Validate(clean)
	if err != nil {
		return Result{}, err
	}
	existing, err := s.loadForWrite(ctx, accountID, id, m)
	if err != nil {
		return Result{}, err
	}
	return s.save(ctx, accountID, withPrivate(public, existing), m)
}

// Patch merges data over directory id (objects merged, arrays replaced, null removes a
// key), validates the result and saves it.
func (s *Service) Patch(ctx context.Context, accountID, id string, data Doc, m Meta) (Result, error) {
	existing, err := s.load(ctx, accountID, id)
	if err != nil {
		return Result{}, err
	}
	_, clean, err := splitID(data)
	if err != nil {
		return Result{}, err
	}
	base := existing.WithoutPrivate()
	delete(base, "id")
	public, err := Validate(MergePatch(base, clean))
	if err != nil {
		return Result{}, err
	}
	if err := checkIfMatch(m.IfMatch, existing.Rev()); err != nil {
		return Result{}, err
	}
	return s.save(ctx, accountID, withPrivate(public, existing), m)
}

// Delete soft-deletes directory id (pvt_deleted), or deletes it for real when soft is
// false. The result is the doc as it was, with _read_only.deleted, and its old rev.
func (s *Service) Delete(ctx context.Context, accountID, id string, soft bool, m Meta) (Result, error) {
	existing, err := s.loadForWrite(ctx, accountID, id, m)
	if err != nil {
		return Result{}, err
	}
	if soft {
		doc := existing.Clone()
		doc["pvt_deleted"] = true
		if _, err := s.save(ctx, accountID, doc, m); err != nil {
			return Result{}, err
		}
	} else {
		wctx := context.WithoutCancel(ctx) // see save
		rev, err := s.store.Delete(wctx, accountID, id, existing.Rev())
		switch {
		case IsCode(err, ECodeBadIdentifier): // already gone: not our write, nothing to tell
		case err != nil:
			return Result{}, err
		default:
			s.notify.Notify(wctx, NewChange(DocDeleted, accountID, existing, rev))
		}
	}
	data := existing.PublicFields()
	data["_read_only"] = Object{{"deleted", true}}
	return Result{Data: data, Rev: existing.Rev()}, nil
}

// load reads a directory doc: missing, soft-deleted, or of another pvt_type is
// BadIdentifier(id). A doc with no pvt_type at all passes, as in KAZOO.
func (s *Service) load(ctx context.Context, accountID, id string) (Doc, error) {
	if !ValidDocID(id) {
		return nil, BadIdentifier(id)
	}
	doc, err := s.store.Doc(ctx, accountID, id)
	if err != nil {
		return nil, err
	}
	if isSoftDeleted(doc) {
		return nil, BadIdentifier(id)
	}
	if t, ok := doc["pvt_type"]; ok && t != "directory" {
		return nil, BadIdentifier(id)
	}
	return doc, nil
}

func (s *Service) loadForWrite(ctx context.Context, accountID, id string, m Meta) (Doc, error) {
	doc, err := s.load(ctx, accountID, id)
	if err != nil {
		return nil, err
	}
	if err := checkIfMatch(m.IfMatch, doc.Rev()); err != nil {
		return nil, err
	}
	return doc, nil
}

func isSoftDeleted(doc Doc) bool {
	v := doc["pvt_deleted"]
	return v == true || v == "true"
}

// checkIfMatch applies an If-Match header to the current revision.
func checkIfMatch(header, rev string) error {
	if header == "" || strings.TrimSpace(header) == "*" {
		return nil
	}
	for _, tag := range strings.Split(header, ",") {
		tag = strings.TrimPrefix(strings.TrimSpace(tag), "W/")
		if strings.Trim(tag, `"`) == rev {
			return nil
		}
	}
	return Errorf(ECodePrecondition, "If-Match %q does not match revision %s", header, rev)
}

// withPrivate returns public with the private fields of existing laid over it.
func withPrivate(public, existing Doc) Doc {
	for k, v := range existing.PrivateFields() {
		public[k] = v
	}
	return public
}

// save stamps crossbar's private fields on doc and writes it.
func (s *Service) save(ctx context.Context, accountID string, doc Doc, m Meta) (Result, error) {
	s.stamp(doc, accountID, m)
	ev := DocEdited
	switch {
	case isSoftDeleted(doc):
		ev = DocDeleted
	case doc.Rev() == "":
		ev = DocCreated
	}
	// A write, once sent, is seen through even when the client goes away: CouchDB may
	// store it anyway, and then its outcome must be found out and its notice published.
	// The store bounds each of its requests by its own timeout.
	wctx := context.WithoutCancel(ctx)
	rev, err := s.store.Put(wctx, accountID, doc)
	if err != nil {
		return Result{}, err
	}
	doc["_rev"] = rev
	s.notify.Notify(wctx, NewChange(ev, accountID, doc, rev))
	return Result{Data: doc.PublicFields(), Rev: rev}, nil
}

// stamp sets the pvt_ fields crossbar_doc:update_pvt_parameters sets (§3.2).
func (s *Service) stamp(doc Doc, accountID string, m Meta) {
	setDefault(doc, "pvt_vsn", "1")
	setDefault(doc, "pvt_account_id", accountID)
	setDefault(doc, "pvt_account_db", EncodedAccountDBName(accountID))
	doc["pvt_modified"] = GregorianSeconds(s.now())
	doc["pvt_request_id"] = m.RequestID
	doc["pvt_is_authenticated"] = m.Identity != nil
	setOrDelete := func(key, value string) {
		if value == "" {
			delete(doc, key)
		} else {
			doc[key] = value
		}
	}
	var id Identity
	if m.Identity != nil {
		id = *m.Identity
	}
	setOrDelete("pvt_auth_account_id", id.AccountID)
	setOrDelete("pvt_auth_user_id", id.OwnerID)
	setOrDelete("pvt_original_auth_account_id", id.OriginalAccountID)
	setOrDelete("pvt_original_auth_owner_id", id.OriginalOwnerID)
	setOrDelete("pvt_alphanum_name", AlphanumName(doc.String("name")))
}

// AlphanumName is pvt_alphanum_name: the name lower-cased, keeping only [a-z0-9].
func AlphanumName(name string) string {
	var b strings.Builder
	for i := 0; i < len(name); i++ {
		c := name[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		if ('a' <= c && c <= 'z') || ('0' <= c && c <= '9') {
			b.WriteByte(c)
		}
	}
	return b.String()
}

// splitID takes "id" out of request data (the data layer never stores it) and drops
// private keys. A non-string or unsafe id is a validation error.
func splitID(data Doc) (string, Doc, error) {
	clean := data.WithoutPrivate()
	raw, ok := clean["id"]
	delete(clean, "id")
	if !ok {
		return "", clean, nil
	}
	id, isStr := raw.(string)
	if !isStr {
		var v ValidationError
		typeError(&v, "id", "string", raw)
		return "", nil, v.Err()
	}
	if !ValidDocID(id) {
		return "", nil, PatternError("id", docIDPattern, id)
	}
	return id, clean, nil
}

// docIDPattern describes the ids the service accepts for directories: no leading "_"
// (CouchDB reserves it), no "/", no control characters, valid UTF-8, at most 128 bytes.
const docIDPattern = `^[^_/\x00-\x1f\x7f][^/\x00-\x1f\x7f]{0,127}$`

// ValidDocID reports whether id matches docIDPattern.
func ValidDocID(id string) bool {
	if id == "" || len(id) > 128 || id[0] == '_' || !utf8.ValidString(id) {
		return false
	}
	for i := 0; i < len(id); i++ {
		if id[i] == '/' || id[i] < 0x20 || id[i] == 0x7f {
			return false
		}
	}
	return true
}

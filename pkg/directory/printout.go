package directory

import (
	"context"
	"crypto/md5"
	"encoding/hex"
	"fmt"
	"io"
	"time"
)

// Printout is what a Renderer needs to print a directory: its public fields, and one
// entry per member, in no particular order (renderers sort by SortBy).
type Printout struct {
	// AccountName is the account doc's name.
	AccountName string
	// Directory is the directory's public fields (with "id"), without "users".
	Directory Doc
	// Entries has one element per member of the directory.
	Entries []Entry
	// Generated is when the printout was made (injected clock).
	Generated time.Time
}

// Name returns the directory's name.
func (p Printout) Name() string { return p.Directory.String("name") }

// SortBy returns "first_name" or "last_name" (the default).
func (p Printout) SortBy() string {
	if p.Directory.String("sort_by") == "first_name" {
		return "first_name"
	}
	return "last_name"
}

// Entry is one member line of a printout.
type Entry struct {
	UserID    string
	FirstName string
	LastName  string
	// Numbers are the `numbers` of the member's callflow (empty when it has none or
	// the callflow doc is missing).
	Numbers []string
	// UserMissing is true when the member's user doc no longer exists.
	UserMissing bool
}

// Printout gathers what a Renderer needs: the directory, every member's names and the
// numbers of each member's callflow. It costs three store requests whatever the size
// (the doc and the members' names at the same time, then the callflows' numbers), no
// member or callflow doc is read, plus the cached account. The returned tag changes
// whenever what is printed may change: the directory, a member doc, or a callflow that
// has `numbers` (one without prints nothing and is not in the index).
func (s *Service) Printout(ctx context.Context, accountID, id string) (Printout, string, error) {
	account, err := s.store.Account(ctx, accountID)
	if err != nil {
		return Printout{}, "", err
	}
	doc, members, err := s.loadWithNames(ctx, accountID, id)
	if err != nil {
		return Printout{}, "", err
	}
	// Only the members' names and revisions are kept: their docs (about 4 MB for
	// 10,000 members) can be collected while the callflows' numbers are read.
	type revs struct {
		user, callflow string
		hasCallflow    bool
	}
	entries := make([]Entry, len(members))
	memberRevs := make([]revs, len(members))
	var callflowIDs []string
	for i, m := range members {
		cf, ok := m.CallflowID()
		entries[i] = Entry{UserID: m.UserID, UserMissing: m.User == nil, FirstName: m.FirstName(), LastName: m.LastName()}
		memberRevs[i] = revs{user: m.User.Rev(), callflow: cf, hasCallflow: ok}
		if ok {
			callflowIDs = append(callflowIDs, cf)
		}
	}
	callflows, err := s.store.Numbers(ctx, accountID, callflowIDs)
	if err != nil {
		return Printout{}, "", err
	}
	tag := md5.New()
	io.WriteString(tag, doc.Rev())
	for i, r := range memberRevs {
		fmt.Fprintf(tag, "\x00%s\x00%s", entries[i].UserID, r.user)
		if r.hasCallflow {
			entries[i].Numbers = stringsOf(callflows[r.callflow]["numbers"])
			fmt.Fprintf(tag, "\x00%s\x00%s", r.callflow, callflows[r.callflow].Rev())
		}
	}
	data := doc.PublicFields()
	delete(data, "users")
	p := Printout{AccountName: account.Name, Directory: data, Entries: entries, Generated: s.now()}
	return p, hex.EncodeToString(tag.Sum(nil)), nil
}

func stringsOf(v any) []string {
	items, _ := v.([]any)
	out := make([]string, 0, len(items))
	for _, it := range items {
		if s, ok := it.(string); ok {
			out = append(out, s)
		}
	}
	return out
}

// loadWithNames loads directory id and its members' names at the same time (two
// independent requests). The directory's error wins: a missing directory is
// BadIdentifier(id) whatever the members' query answered.
func (s *Service) loadWithNames(ctx context.Context, accountID, id string) (Doc, []Member, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var members []Member
	var membersErr error
	done := make(chan struct{})
	go func() {
		defer close(done)
		members, membersErr = s.store.MemberNames(ctx, accountID, id)
	}()
	doc, err := s.load(ctx, accountID, id)
	if err != nil {
		cancel()
	}
	<-done
	if err != nil {
		return nil, nil, err
	}
	return doc, members, membersErr
}

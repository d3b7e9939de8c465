package directory

import "time"

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

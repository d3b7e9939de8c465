package directory

import (
	"context"
	"io"
)

// Store is the persistence the service needs: one CouchDB database per account, named
// as KAZOO names it. Implementations translate their errors into *Error:
// ECodeBadIdentifier for a missing account database or document, ECodeConflict for a
// stale or duplicate revision, ECodeUnavailable when the server cannot be reached in
// time, ECodeMissingView for a missing view, ECodeFault for anything else.
type Store interface {
	// Account loads the account doc. A missing database or doc is
	// BadIdentifier(accountID). It also makes sure the account database carries the
	// current _design/directories (cheap after the first call).
	Account(ctx context.Context, accountID string) (Account, error)

	// Doc loads any document by id, including private fields. Missing: BadIdentifier(id).
	Doc(ctx context.Context, accountID, id string) (Doc, error)

	// Numbers loads, in one request whatever the count and without reading the docs,
	// the `numbers` of the docs with the given ids (callflows): each as a Doc with only
	// _id, _rev and numbers. Missing ids, deleted docs and docs without numbers are
	// absent from the result.
	Numbers(ctx context.Context, accountID string, ids []string) (map[string]Doc, error)

	// Directories queries directories/crossbar_listing.
	Directories(ctx context.Context, accountID string, q ViewQuery) ([]Row, error)

	// Members queries directories/users_listing for [directoryID]..[directoryID,{}], in
	// view order (ascending user id), every row, with the member docs when includeDocs.
	Members(ctx context.Context, accountID, directoryID string, includeDocs bool) ([]Member, error)

	// MemberNames returns the same members as Members, in the same order, in one
	// request without reading their docs: each User holds only _id, _rev and the doc's
	// first_name and last_name (when it has them). A member whose view value links to
	// another doc gets that doc, as include_docs would (nil when it is missing).
	MemberNames(ctx context.Context, accountID, directoryID string) ([]Member, error)

	// Put saves doc (create when it has no _rev, else update that rev) and returns the
	// new revision. A duplicate id or stale _rev is ECodeConflict.
	Put(ctx context.Context, accountID string, doc Doc) (rev string, err error)

	// Delete removes the doc at rev for real (CouchDB delete) and returns the
	// tombstone's revision. Missing: BadIdentifier.
	Delete(ctx context.Context, accountID, id, rev string) (string, error)
}

// ViewQuery selects a page of a view.
type ViewQuery struct {
	// StartKey is the first key (nil: from the start).
	StartKey any
	// Limit is the maximum number of rows (0: no limit).
	Limit int
	// IncludeDocs asks for the docs of the rows.
	IncludeDocs bool
}

// Row is one view row.
type Row struct {
	ID    string
	Key   any
	Value any
	Doc   Doc
}

// Renderer writes a printable form of a directory (PDF, CSV) to w.
type Renderer interface {
	Render(ctx context.Context, w io.Writer, p Printout) error
}

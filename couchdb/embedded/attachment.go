package embedded

import (
	"bytes"
	"context"
	"crypto/md5"
	"encoding/base64"
	"io"

	"github.com/go-kivik/kivik/v4/driver"
)

// defaultContentType is what CouchDB stores for an attachment without one.
const defaultContentType = "application/octet-stream"

func digestOf(data []byte) string {
	sum := md5.Sum(data)
	return "md5-" + base64.StdEncoding.EncodeToString(sum[:])
}

// attPut is attachment content to store once a write has passed its checks.
type attPut struct {
	key  []byte
	data []byte
}

// resolveAtts turns the _attachments of a write into the metadata of the new
// revision and the content to store under (id, rev). Stubs refer to attachments
// of the parent revision (nil when there is none): a stub without one is 412.
// It writes nothing.
func resolveAtts(d *dbTx, id, rev string, gen int, in []incomingAtt, parentRev string, parent *revision) ([]attMeta, []attPut, error) {
	metas := make([]attMeta, 0, len(in))
	puts := make([]attPut, 0, len(in))
	for _, a := range in {
		switch {
		case a.Follows:
			return nil, nil, errBadRequest("attachment %q: multipart attachments (follows) are not supported; send data inline", a.Name)
		case a.Stub || a.Data == nil:
			if parent == nil {
				return nil, nil, errMissingStub
			}
			old := parent.att(a.Name)
			if old == nil {
				return nil, nil, errMissingStub
			}
			data := bytes.Clone(d.att.Get(attKey(id, parentRev, a.Name)))
			metas = append(metas, *old)
			puts = append(puts, attPut{attKey(id, rev, a.Name), data})
		default:
			m := attMeta{Name: a.Name, ContentType: a.ContentType, Length: int64(len(a.Data)), Digest: digestOf(a.Data), RevPos: gen}
			if m.ContentType == "" {
				m.ContentType = defaultContentType
			}
			if a.RevPos > 0 && a.RevPos <= gen {
				m.RevPos = a.RevPos
			}
			metas = append(metas, m)
			puts = append(puts, attPut{attKey(id, rev, a.Name), a.Data})
		}
	}
	return metas, puts, nil
}

// attachments iterates attachment contents for Get with attachments=true.
type attachments struct {
	metas []attMeta
	data  map[string][]byte
	i     int
}

var _ driver.Attachments = (*attachments)(nil)

func (a *attachments) Next(att *driver.Attachment) error {
	if a.i >= len(a.metas) {
		return io.EOF
	}
	m := a.metas[a.i]
	a.i++
	*att = driver.Attachment{
		Filename:    m.Name,
		ContentType: m.ContentType,
		Size:        m.Length,
		Digest:      m.Digest,
		RevPos:      int64(m.RevPos),
		Content:     io.NopCloser(bytes.NewReader(a.data[m.Name])),
	}
	return nil
}

func (a *attachments) Close() error { return nil }

// loadAttData copies the contents of rev's attachments out of the transaction.
func loadAttData(d *dbTx, id, rev string, r *revision) map[string][]byte {
	out := make(map[string][]byte, len(r.Atts))
	for _, m := range r.Atts {
		out[m.Name] = bytes.Clone(d.att.Get(attKey(id, rev, m.Name)))
	}
	return out
}

// GetAttachment returns one attachment of the winning (or the rev option's)
// revision. The Digest is the base64 MD5, as CouchDB's ETag carries it.
func (db *db) GetAttachment(ctx context.Context, docID, filename string, options driver.Options) (*driver.Attachment, error) {
	att, data, err := db.attachment(ctx, docID, filename, options)
	if err != nil {
		return nil, err
	}
	att.Content = io.NopCloser(bytes.NewReader(data))
	return att, nil
}

// GetAttachmentMeta is GetAttachment without the content.
func (db *db) GetAttachmentMeta(ctx context.Context, docID, filename string, options driver.Options) (*driver.Attachment, error) {
	att, _, err := db.attachment(ctx, docID, filename, options)
	if err != nil {
		return nil, err
	}
	att.Content = io.NopCloser(bytes.NewReader(nil))
	return att, nil
}

func (db *db) attachment(ctx context.Context, docID, filename string, options driver.Options) (*driver.Attachment, []byte, error) {
	if docID == "" {
		return nil, nil, errMissingArg("docID")
	}
	if filename == "" {
		return nil, nil, errMissingArg("filename")
	}
	p := readParams(options)
	rev, _, err := p.text("rev")
	if err != nil {
		return nil, nil, err
	}
	var att *driver.Attachment
	var data []byte
	err = db.c.viewDB(ctx, db.name, func(d *dbTx) error {
		_, r, rev, err := readRevision(d, docID, rev)
		if err != nil {
			return err
		}
		m := r.att(filename)
		if m == nil {
			return errNotFound("Document is missing attachment")
		}
		data = bytes.Clone(d.att.Get(attKey(docID, rev, filename)))
		att = &driver.Attachment{
			Filename:    filename,
			ContentType: m.ContentType,
			Size:        m.Length,
			Digest:      m.Digest[len("md5-"):],
			RevPos:      int64(m.RevPos),
		}
		return nil
	})
	return att, data, err
}

// PutAttachment adds or replaces one attachment, making a new revision. Without a
// rev it creates the document, or is a 409 if the document exists.
func (db *db) PutAttachment(ctx context.Context, docID string, att *driver.Attachment, options driver.Options) (string, error) {
	if docID == "" {
		return "", errMissingArg("docID")
	}
	if att == nil || att.Filename == "" {
		return "", errMissingArg("att.Filename")
	}
	if att.Content == nil {
		return "", errMissingArg("att.Content")
	}
	data, err := io.ReadAll(att.Content)
	if err != nil {
		return "", errBadRequest("read attachment: %v", err)
	}
	rev, _, err := readParams(options).text("rev")
	if err != nil {
		return "", err
	}
	return db.editAttachments(ctx, docID, rev, func(atts []incomingAtt) ([]incomingAtt, error) {
		ct := att.ContentType
		if ct == "" {
			ct = defaultContentType
		}
		out := []incomingAtt{}
		for _, a := range atts {
			if a.Name != att.Filename {
				out = append(out, a)
			}
		}
		return append(out, incomingAtt{Name: att.Filename, ContentType: ct, Data: data}), nil
	})
}

// DeleteAttachment removes one attachment, making a new revision; rev is required.
func (db *db) DeleteAttachment(ctx context.Context, docID, filename string, options driver.Options) (string, error) {
	if docID == "" {
		return "", errMissingArg("docID")
	}
	rev, _, err := readParams(options).text("rev")
	if err != nil {
		return "", err
	}
	if rev == "" {
		return "", errMissingArg("rev")
	}
	if filename == "" {
		return "", errMissingArg("filename")
	}
	return db.editAttachments(ctx, docID, rev, func(atts []incomingAtt) ([]incomingAtt, error) {
		out := []incomingAtt{}
		for _, a := range atts {
			if a.Name != filename {
				out = append(out, a)
			}
		}
		if len(out) == len(atts) {
			return nil, errNotFound("Document is missing attachment")
		}
		return out, nil
	})
}

package embedded

import (
	"encoding/binary"
	"encoding/json"
	"errors"
)

// errCorrupt reports a stored record this package cannot read.
var errCorrupt = errors.New("embedded: corrupt record")

// encodeDocInfo stores a docInfo as a small binary header (seq, winner, deleted
// flag) followed by the revision tree as JSON, so reads of the winner need not
// decode the tree.
func encodeDocInfo(d *docInfo) ([]byte, error) {
	tree, err := json.Marshal(d.Revs)
	if err != nil {
		return nil, err
	}
	win, deleted := d.winningRev()
	b := make([]byte, 0, 8+1+binary.MaxVarintLen64+len(win)+len(tree))
	b = binary.BigEndian.AppendUint64(b, d.Seq)
	if deleted {
		b = append(b, 1)
	} else {
		b = append(b, 0)
	}
	b = binary.AppendUvarint(b, uint64(len(win)))
	b = append(b, win...)
	return append(b, tree...), nil
}

// docHead is the header of a stored docInfo.
type docHead struct {
	Seq     uint64
	Winner  string
	Deleted bool
	tree    []byte
}

func decodeDocHead(b []byte) (docHead, error) {
	if len(b) < 10 {
		return docHead{}, errCorrupt
	}
	h := docHead{Seq: binary.BigEndian.Uint64(b), Deleted: b[8] == 1}
	n, k := binary.Uvarint(b[9:])
	if k <= 0 || 9+k+int(n) > len(b) {
		return docHead{}, errCorrupt
	}
	h.Winner = string(b[9+k : 9+k+int(n)])
	h.tree = b[9+k+int(n):]
	return h, nil
}

func decodeDocInfo(b []byte) (*docInfo, error) {
	h, err := decodeDocHead(b)
	if err != nil {
		return nil, err
	}
	d := &docInfo{Seq: h.Seq}
	if err := json.Unmarshal(h.tree, &d.Revs); err != nil {
		return nil, errCorrupt
	}
	return d, nil
}

// attMeta is the metadata of one attachment of one revision.
type attMeta struct {
	Name        string `json:"n"`
	ContentType string `json:"t"`
	Length      int64  `json:"l"`
	Digest      string `json:"g"` // "md5-<base64>"
	RevPos      int    `json:"p"`
}

// revision is what the body bucket stores per leaf revision: the body members
// (a JSON object without the special "_" members, in the order written), the
// deleted flag and the attachment metadata (content lives in the att bucket).
type revision struct {
	Body    []byte
	Deleted bool
	Atts    []attMeta
}

func encodeRevision(r *revision) ([]byte, error) {
	var atts []byte
	if len(r.Atts) > 0 {
		var err error
		if atts, err = json.Marshal(r.Atts); err != nil {
			return nil, err
		}
	}
	b := make([]byte, 0, 1+binary.MaxVarintLen64+len(atts)+len(r.Body))
	if r.Deleted {
		b = append(b, 1)
	} else {
		b = append(b, 0)
	}
	b = binary.AppendUvarint(b, uint64(len(atts)))
	b = append(b, atts...)
	return append(b, r.Body...), nil
}

// decodeRevision decodes a stored revision; Body aliases b, so copy it before the
// transaction ends.
func decodeRevision(b []byte) (*revision, error) {
	if len(b) < 2 {
		return nil, errCorrupt
	}
	r := &revision{Deleted: b[0] == 1}
	n, k := binary.Uvarint(b[1:])
	if k <= 0 || 1+k+int(n) > len(b) {
		return nil, errCorrupt
	}
	if n > 0 {
		if err := json.Unmarshal(b[1+k:1+k+int(n)], &r.Atts); err != nil {
			return nil, errCorrupt
		}
	}
	r.Body = b[1+k+int(n):]
	return r, nil
}

func (r *revision) att(name string) *attMeta {
	for i := range r.Atts {
		if r.Atts[i].Name == name {
			return &r.Atts[i]
		}
	}
	return nil
}

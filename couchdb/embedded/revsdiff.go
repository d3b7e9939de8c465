package embedded

import (
	"bytes"
	"context"
	"encoding/json"
	"sort"

	"github.com/go-kivik/kivik/v4/driver"
)

// RevsDiff reports, per document, the revisions of revMap (a JSON object of doc
// id to revision list) that this database lacks, with the leaves that could be
// their ancestors. Documents lacking nothing are omitted; rows come in id order.
func (db *db) RevsDiff(ctx context.Context, revMap any) (driver.Rows, error) {
	raw, err := marshalDoc(revMap)
	if err != nil {
		return nil, err
	}
	var req map[string][]string
	if err := json.Unmarshal(raw, &req); err != nil {
		return nil, errBadRequest("_revs_diff expects an object of id to revision list")
	}
	ids := make([]string, 0, len(req))
	for id := range req {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	it := &rowsIter{}
	err = db.c.viewDB(ctx, db.name, func(d *dbTx) error {
		for _, id := range ids {
			diff, err := revsDiff(d, id, req[id])
			if err != nil {
				return err
			}
			if len(diff.Missing) == 0 {
				continue
			}
			value, _ := json.Marshal(diff)
			it.rows = append(it.rows, driver.Row{ID: id, Value: bytes.NewReader(value)})
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return it, nil
}

func revsDiff(d *dbTx, id string, revs []string) (driver.RevDiff, error) {
	var diff driver.RevDiff
	raw := d.doc.Get([]byte(id))
	if raw == nil {
		diff.Missing = dedupe(revs)
		return diff, nil
	}
	info, err := decodeDocInfo(raw)
	if err != nil {
		return diff, err
	}
	maxGen := 0
	for _, r := range dedupe(revs) {
		if info.find(r) < 0 {
			diff.Missing = append(diff.Missing, r)
			maxGen = max(maxGen, revGen(r))
		}
	}
	if len(diff.Missing) == 0 {
		return diff, nil
	}
	for _, leaf := range info.leafRevs() {
		if revGen(leaf) < maxGen {
			diff.PossibleAncestors = append(diff.PossibleAncestors, leaf)
		}
	}
	return diff, nil
}

func dedupe(list []string) []string {
	seen := map[string]bool{}
	out := make([]string, 0, len(list))
	for _, s := range list {
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	return out
}

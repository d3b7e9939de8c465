// Package designdocs ships KAZOO-named CouchDB design documents as data.
//
// account/ holds the design docs installed into every account database. Those with
// KAZOO's names (directories.json, kazoo.view_map classification "account") must behave
// exactly as KAZOO's own, so that KAZOO and this service can share a database.
// directories_index.json is ours (KAZOO neither knows nor touches it): index-only rows
// for the printout and the dial-by-name search, so that they read no documents.
package designdocs

import (
	"embed"
	"encoding/json"
	"fmt"
	"io/fs"
	"path"
	"sort"
)

//go:embed account/*.json
var files embed.FS

// Account returns the design docs for account databases, sorted by _id, each decoded
// as a JSON object.
func Account() ([]map[string]any, error) {
	names, err := fs.Glob(files, "account/*.json")
	if err != nil {
		return nil, err
	}
	sort.Strings(names)
	docs := make([]map[string]any, 0, len(names))
	for _, name := range names {
		b, err := files.ReadFile(name)
		if err != nil {
			return nil, err
		}
		var doc map[string]any
		if err := json.Unmarshal(b, &doc); err != nil {
			return nil, fmt.Errorf("design doc %s: %w", path.Base(name), err)
		}
		docs = append(docs, doc)
	}
	return docs, nil
}

package couchdb

import (
	"context"
	"time"

	"github.com/kazoo-directories/kazoo-directories/pkg/directory"
)

// replicateAuthConfig copies system_config/auth (ReplicateOptions.System).
func replicateAuthConfig(ctx context.Context, src, dst *Store) Replication {
	return replicateSystemDocs(ctx, src, dst, SystemConfigDB, func(ctx context.Context) ([]string, error) {
		return []string{AuthConfigDoc}, nil
	})
}

// replicateSystemKeys copies the signing key docs of system_auth with their
// attachments (ReplicateOptions.System).
func replicateSystemKeys(ctx context.Context, src, dst *Store) Replication {
	return replicateSystemDocs(ctx, src, dst, SystemAuthDB, src.systemKeyIDs)
}

// replicateSystemDocs copies the docs list returns of system database name with
// copyDoc, creating the target database if needed, and checks every one of them for
// divergence. A source without any of those docs is BadIdentifier.
func replicateSystemDocs(ctx context.Context, src, dst *Store, name string, list func(context.Context) ([]string, error)) Replication {
	start := time.Now()
	r := Replication{DB: name}
	r.Err = func() error {
		docIDs, err := list(ctx)
		if err != nil {
			return err
		}
		p := newDBPair(src, dst, name)
		leaves, err := p.leafRevs(ctx, p.src, p.srcTimeout, docIDs...)
		if err != nil {
			return err
		}
		var found []candidate
		for _, id := range docIDs {
			if len(leaves[id]) > 0 {
				found = append(found, candidate{id, leaves[id]})
			}
		}
		if len(found) == 0 {
			return directory.Errorf(directory.ECodeBadIdentifier, "no %s on the source", systemDocsWhat(name))
		}
		if err := dst.prepareTarget(ctx, &r); err != nil {
			return err
		}
		ids := make([]string, len(found))
		for i, c := range found {
			ids[i] = c.id
			read, written, err := p.copyDoc(ctx, c.id, c.leaves)
			r.DocsRead += read
			r.DocsWritten += written
			if err != nil {
				return err
			}
		}
		r.Diverged, err = p.diverged(ctx, ids)
		return err
	}()
	r.Duration = time.Since(start)
	return r
}

// systemDocsWhat names what replicateSystemDocs copies from a system database.
func systemDocsWhat(name string) string {
	if name == SystemAuthDB {
		return "signing key (a doc of pvt_type " + SystemKeyType + " in " + SystemAuthDB + ")"
	}
	return name + "/" + AuthConfigDoc
}

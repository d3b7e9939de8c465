package couchdb

import (
	"context"
	"encoding/json"
	"math"

	"github.com/kazoo-directories/kazoo-directories/pkg/directory"
)

// Account loads the account doc (_id = accountID in the account's own database) and
// makes sure that database carries the current design docs. Results are cached for
// AccountCacheTTL; concurrent loads of one account share one set of requests. A
// malformed id, a missing database or a missing account doc is BadIdentifier(accountID).
func (s *Store) Account(ctx context.Context, accountID string) (directory.Account, error) {
	if a, ok := s.accounts.get(accountID); ok {
		return a, nil
	}
	db, err := s.db(accountID)
	if err != nil {
		return directory.Account{}, err
	}
	return shared(ctx, &s.flight, accountFlight(accountID), func(ctx context.Context) (directory.Account, error) {
		gen := s.accounts.generation()
		doc, err := s.getDoc(ctx, db, accountID, directory.BadIdentifier(accountID))
		if err != nil {
			return directory.Account{}, err
		}
		if err := s.ensureDesignDocs(ctx, accountID); err != nil {
			return directory.Account{}, err
		}
		a := accountFromDoc(accountID, doc)
		if s.accountTTL > 0 {
			s.accounts.putFrom(gen, accountID, a, s.now().Add(s.accountTTL))
		}
		return a, nil
	})
}

// accountFlight and authAccountFlight name the shared reads of an account doc.
func accountFlight(id string) string     { return "account " + id }
func authAccountFlight(id string) string { return "auth account " + id }

// accountFromDoc reads the fields the service needs; odd types read as zero values.
func accountFromDoc(id string, doc directory.Doc) directory.Account {
	a := directory.Account{
		ID:              id,
		Name:            doc.String("name"),
		SuperduperAdmin: doc.Bool("pvt_superduper_admin"),
		TrialExpires:    int64Of(doc["pvt_trial_expires"]),
	}
	if tree, ok := doc["pvt_tree"].([]any); ok {
		for _, t := range tree {
			if s, ok := t.(string); ok {
				a.Tree = append(a.Tree, s)
			}
		}
	}
	return a
}

// int64Of returns a JSON number as an int64 (fractions truncated), else 0.
func int64Of(v any) int64 {
	n, ok := v.(json.Number)
	if !ok {
		return 0
	}
	if i, err := n.Int64(); err == nil {
		return i
	}
	f, err := n.Float64()
	if err != nil || math.IsNaN(f) || f >= math.MaxInt64 || f < math.MinInt64 { // float64(MaxInt64) is 2^63
		return 0
	}
	return int64(f)
}

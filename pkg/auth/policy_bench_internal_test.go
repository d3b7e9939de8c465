package auth

import (
	"context"
	"sync/atomic"
	"testing"

	"github.com/kazoo-directories/kazoo-directories/pkg/directory"
)

// countingPolicySource serves fixed docs and counts reads.
type countingPolicySource struct {
	calls atomic.Int64
	docs  map[string][]byte // db "\x00" id
}

func (s *countingPolicySource) Account(_ context.Context, id string) (directory.Account, error) {
	s.calls.Add(1)
	return directory.Account{ID: id}, nil
}

func (s *countingPolicySource) SystemConfig(_ context.Context, id string) ([]byte, error) {
	return s.get(SystemConfigDB, id)
}

func (s *countingPolicySource) AccountDoc(_ context.Context, acct, id string) ([]byte, error) {
	return s.get(acct, id)
}

func (s *countingPolicySource) get(db, id string) ([]byte, error) {
	s.calls.Add(1)
	if b, ok := s.docs[docKey(db, id)]; ok {
		return b, nil
	}
	return nil, directory.BadIdentifier(id)
}

// BenchmarkPolicyWarm is the admission cost of one request once the caches are warm:
// a charge and a restrictions check against a rule set of three entries. It must read
// nothing.
func BenchmarkPolicyWarm(b *testing.B) {
	const acct, user = "a0000000000000000000000000000000", "u0000000000000000000000000000000"
	src := &countingPolicySource{docs: map[string][]byte{
		docKey(acct, TokenRestrictionsDoc): []byte(`{"restrictions":{"cb_user_auth":{"user":{"directories":[
			{"allowed_accounts":["{AUTH_ACCOUNT_ID}"],"rules":{"/":["GET","PUT"],"*":["GET","POST","PATCH"]}},
			{"allowed_accounts":["{DESCENDANT_ACCOUNT_ID}"],"rules":{"#":["GET"]}},
			{"allowed_accounts":["_"],"rules":{"#":[]}}]}}}}`),
		docKey(acct, user): []byte(`{"priv_level":"user"}`),
		// A bucket that never empties, so that every iteration takes the whole path.
		docKey(SystemConfigDB, BucketsConfigDoc): []byte(`{"default":{"max_bucket_tokens":1000000000000}}`),
	}}
	p := NewPolicy(src, PolicyOptions{})
	id := directory.Identity{AccountID: acct, OwnerID: user, Method: "cb_user_auth"}
	a := directory.Access{Peer: "192.0.2.1", Account: directory.Account{ID: acct}, Endpoint: "directories",
		Params: []string{"d1"}, Verb: "GET"}
	ctx := context.Background()
	if err := p.Charge(ctx, a); err != nil {
		b.Fatal(err)
	}
	if err := p.Restrict(ctx, id, a); err != nil {
		b.Fatal(err)
	}
	src.calls.Store(0)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if err := p.Charge(ctx, a); err != nil {
			b.Fatal(err)
		}
		if err := p.Restrict(ctx, id, a); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	if n := src.calls.Load(); n != 0 {
		b.Errorf("%d source reads with warm caches, want 0", n)
	}
}

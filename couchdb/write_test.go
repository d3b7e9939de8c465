package couchdb

import (
	"encoding/json"
	"testing"

	"github.com/kazoo-directories/kazoo-directories/pkg/directory"
)

// TestSameContent: a doc read back is recognised as the write that was sent when only
// its _rev and the spelling of its numbers differ; any other difference (another
// request's pvt_request_id, a changed field, an added key) is someone else's write.
func TestSameContent(t *testing.T) {
	sent := directory.Doc{"_id": "d", "name": "Sales", "pvt_request_id": "r1", "pvt_modified": int64(63900000000),
		"users": []any{"u1"}, "opts": directory.NewObject("a", 1.5)}
	read := func(raw string) directory.Doc {
		d, err := directory.DecodeDoc([]byte(raw))
		if err != nil {
			t.Fatal(err)
		}
		return d
	}
	tests := []struct {
		name   string
		stored string
		want   bool
	}{
		{"same", `{"_id":"d","_rev":"1-a","name":"Sales","pvt_request_id":"r1","pvt_modified":63900000000,"users":["u1"],"opts":{"a":1.5}}`, true},
		{"numbers_spelled_otherwise", `{"_id":"d","_rev":"2-b","name":"Sales","pvt_request_id":"r1","pvt_modified":6.39e10,"users":["u1"],"opts":{"a":1.50}}`, true},
		{"other_request", `{"_id":"d","_rev":"1-a","name":"Sales","pvt_request_id":"r2","pvt_modified":63900000000,"users":["u1"],"opts":{"a":1.5}}`, false},
		{"other_value", `{"_id":"d","_rev":"1-a","name":"Support","pvt_request_id":"r1","pvt_modified":63900000000,"users":["u1"],"opts":{"a":1.5}}`, false},
		{"extra_key", `{"_id":"d","_rev":"1-a","name":"Sales","pvt_request_id":"r1","pvt_modified":63900000000,"users":["u1"],"opts":{"a":1.5},"x":null}`, false},
		{"missing_key", `{"_id":"d","_rev":"1-a","name":"Sales","pvt_request_id":"r1","pvt_modified":63900000000,"users":["u1"]}`, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := sameContent(read(tt.stored), sent); got != tt.want {
				b, _ := json.Marshal(sent)
				t.Errorf("sameContent(%s, %s) = %v, want %v", tt.stored, b, got, tt.want)
			}
		})
	}
}

package amqp

import (
	"encoding/json"
	"regexp"
	"testing"

	"github.com/kazoo-directories/kazoo-directories/pkg/directory"
)

// TestEncodeID pins kz_amqp_util:encode/1 (spec §2): the id word of a routing key.
func TestEncodeID(t *testing.T) {
	for _, tc := range []struct{ id, want string }{
		{"9f86d081884c7d659a2feaa0c55ad015", "9f86d081884c7d659a2feaa0c55ad015"},
		{"A-z_0~9", "A-z_0~9"},
		{"a.b", "a%2Eb"},
		{"first last", "first+last"},
		{"a/b", "a%2Fb"},
		{"a#b", "a%23b"},
		{"a*b", "a%2Ab"},
		{"100%", "100%25"},
		{"a+b", "a%2Bb"},
		{"x:y@z", "x%3Ay%40z"},
		{"é", "%C3%A9"},
		{"日本", "%E6%97%A5%E6%9C%AC"},
		{"Ωmega", "%CE%A9mega"},
		{"*", "*"},
		{"#", "#"},
		{"", ""},
		{"**", "%2A%2A"},
		{"a\x00\x7f", "a%00%7F"},
	} {
		if got := EncodeID(tc.id); got != tc.want {
			t.Errorf("EncodeID(%q) = %q, want %q", tc.id, got, tc.want)
		}
	}
}

// A routing key always has exactly four words whatever the id holds.
func TestRoutingKeyWords(t *testing.T) {
	db := directory.EncodedAccountDBName("abcdef0123456789abcdef0123456789")
	for _, id := range []string{"plain", "a.b.c", "dots. and spaces", "日本.語", "#", "*"} {
		k := RoutingKey(directory.DocEdited, db, "directory", id)
		if n := len(regexp.MustCompile(`\.`).FindAllString(k, -1)); n != 3 {
			t.Errorf("RoutingKey(id %q) = %q: %d dots, want 3", id, k, n)
		}
	}
	if k := RoutingKey(directory.DocCreated, "system_config", "", "auth"); k != "doc_created.system_config.undefined.auth" {
		t.Errorf("a doc without pvt_type: %q, want type word undefined", k)
	}
}

// TestMessageMatchesSpec rebuilds the spec's §5 "edited" example byte for byte
// (Msg-ID aside), with the Date-Modified/Date-Created swap.
func TestMessageMatchesSpec(t *testing.T) {
	c := directory.Change{
		Event: directory.DocEdited, Database: "account%2Fab%2Fcd%2Fef0123456789abcdef0123456789",
		ID: "9f86d081884c7d659a2feaa0c55ad015", Type: "directory", Rev: "2-7d3e5f1a0b9c8d7e6f5a4b3c2d1e0f9a",
		AccountID: "abcdef0123456789abcdef0123456789", Created: 63884419200, Modified: 63884419800,
	}
	m := newMessage(c, "kazoo_apps@kz1.example.com")
	wantKey := "doc_edited.account%2Fab%2Fcd%2Fef0123456789abcdef0123456789.directory.9f86d081884c7d659a2feaa0c55ad015"
	if m.key != wantKey {
		t.Errorf("key %s\nwant %s", m.key, wantKey)
	}
	msgID := regexp.MustCompile(`"Msg-ID":"([0-9a-f]{16})"`).FindSubmatch(m.body)
	if msgID == nil {
		t.Fatalf("no 16-hex Msg-ID in %s", m.body)
	}
	want := `{"Origin-Cache":"kazoo_data_cache","Type":"directory","Rev":"2-7d3e5f1a0b9c8d7e6f5a4b3c2d1e0f9a","Is-Soft-Deleted":false,"Date-Modified":63884419200,"Date-Created":63884419800,"Account-ID":"abcdef0123456789abcdef0123456789","Database":"account%2Fab%2Fcd%2Fef0123456789abcdef0123456789","ID":"9f86d081884c7d659a2feaa0c55ad015","Node":"kazoo_apps@kz1.example.com","Msg-ID":"` + string(msgID[1]) + `","Event-Name":"doc_edited","Event-Category":"configuration","App-Version":"4.0.0","App-Name":"datamgr"}`
	if string(m.body) != want {
		t.Errorf("body\n got %s\nwant %s", m.body, want)
	}
	// Ids with JSON-special characters stay valid JSON and unescaped "/" (jiffy).
	c.ID = `a"b\c/d é`
	var v map[string]any
	if err := json.Unmarshal(newMessage(c, "n").body, &v); err != nil || v["ID"] != c.ID {
		t.Errorf("ID %q round trip: %v %v", c.ID, v["ID"], err)
	}
}

// Every notice we publish passes the validation every KAZOO consumer applies
// (kapi_conf:doc_update_v), for every event.
func TestMessagePassesKazooValidation(t *testing.T) {
	for _, ev := range []directory.ChangeEvent{directory.DocCreated, directory.DocEdited, directory.DocDeleted} {
		c := directory.Change{Event: ev, Database: "account%2Fab%2Fcd%2Fef0123456789abcdef0123456789", ID: "x.y", Type: "directory", Rev: "1-a"}
		var n notice
		if err := json.Unmarshal(newMessage(c, "directoriesd@h").body, &n); err != nil || !n.valid() {
			t.Errorf("%s: rejected (%v)", ev, err)
		}
	}
	for _, bad := range []string{
		`{"ID":"a","Database":"d","App-Name":"x","App-Version":"1","Msg-ID":"m","Event-Name":"doc_edited"}`,
		`{"ID":"a","Database":"d","App-Name":"x","App-Version":"1","Msg-ID":"m","Event-Name":"doc_saved","Event-Category":"configuration"}`,
		`{"Database":"d","App-Name":"x","App-Version":"1","Msg-ID":"m","Event-Name":"doc_edited","Event-Category":"configuration"}`,
	} {
		var n notice
		if json.Unmarshal([]byte(bad), &n) == nil && n.valid() {
			t.Errorf("accepted %s", bad)
		}
	}
}

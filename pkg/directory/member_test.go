package directory

import (
	"encoding/json"
	"testing"
)

// TestMemberRefsMarshal compares MemberRefs with the Object per member it replaced.
func TestMemberRefsMarshal(t *testing.T) {
	ms := []Member{
		{UserID: "u1", Value: "cf1"}, {UserID: "u2", Value: json.Number("42")}, {UserID: "u3", Value: ""},
		{UserID: "u4", Value: map[string]any{}}, {UserID: "u5"}, {UserID: "ü<&>\"\\\n\u2028", Value: "é\x01"},
		{UserID: "u6", Value: true}, {UserID: "bad\xff", Value: 1.5},
	}
	want := []byte("[")
	for i, m := range ms {
		o := Object{{"user_id", m.UserID}}
		if cf, ok := m.CallflowID(); ok {
			o = append(o, Field{"callflow_id", cf})
		}
		b, err := o.MarshalJSON()
		if err != nil {
			t.Fatal(err)
		}
		if i > 0 {
			want = append(want, ',')
		}
		want = append(want, b...)
	}
	want = append(want, ']')
	got, err := MemberRefs(ms).MarshalJSON()
	if err != nil || string(got) != string(want) {
		t.Errorf("got  %s (%v)\nwant %s", got, err, want)
	}
	if b, _ := json.Marshal(map[string]any{"users": MemberRefs(nil)}); string(b) != `{"users":[]}` {
		t.Errorf("empty: %s", b)
	}
}

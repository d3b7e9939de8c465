package directory

import (
	"encoding/json"
	"errors"
	"testing"
)

func mustDoc(t *testing.T, s string) Doc {
	t.Helper()
	d, err := DecodeDoc([]byte(s))
	if err != nil {
		t.Fatalf("decode %s: %v", s, err)
	}
	return d
}

func TestValidateErrorsAreKAZOOsBytes(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"missing name", `{}`,
			`{"name":{"required":{"message":"Field is required but missing","value":"name"}}}`},
		{"empty name", `{"name":""}`,
			`{"name":{"minLength":{"message":"String must be at least 1 characters","target":1,"cause":"","value":""}}}`},
		{"min_dtmf 0", `{"name":"a","min_dtmf":0}`,
			`{"min_dtmf":{"minimum":{"message":"Value must be at least 1","target":1,"value":0}}}`},
		{"sort_by enum", `{"name":"a","sort_by":"x"}`,
			`{"sort_by":{"enum":{"message":"Value not found in enumerated list of values","target":["first_name","last_name"],"value":"x"}}}`},
		{"flags type", `{"name":"a","flags":"x"}`,
			`{"flags":{"type":{"message":"Value did not match type(s): array","target":"array","value":"x"}}}`},
		{"users item", `{"name":"a","users":["u",{"user_id":"x"}]}`,
			`{"users.1":{"type":{"message":"Value did not match type(s): string","target":"string","value":{"user_id":"x"}}}}`},
		{"search_fields enum", `{"name":"a","search_fields":"middle"}`,
			`{"search_fields":{"enum":{"message":"Value not found in enumerated list of values","target":["first_name","last_name","both"],"value":"middle"}}}`},
		{"max_dtmf negative", `{"name":"a","max_dtmf":-1}`,
			`{"max_dtmf":{"minimum":{"message":"Value must be at least 0","target":0,"value":-1}}}`},
		{"float is not integer", `{"name":"a","min_dtmf":3.5}`,
			`{"min_dtmf":{"type":{"message":"Value did not match type(s): integer","target":"integer","value":3.5}}}`},
		{"coerced string min below minimum", `{"name":"a","min_dtmf":"0"}`,
			`{"min_dtmf":{"minimum":{"message":"Value must be at least 1","target":1,"value":0}}}`},
		{"coercion not applied with other errors", `{"min_dtmf":"4"}`,
			`{"min_dtmf":{"type":{"message":"Value did not match type(s): integer","target":"integer","value":"4"}},"name":{"required":{"message":"Field is required but missing","value":"name"}}}`},
		{"boolean type", `{"name":"a","confirm_match":"yes"}`,
			`{"confirm_match":{"type":{"message":"Value did not match type(s): boolean","target":"boolean","value":"yes"}}}`},
		{"name null", `{"name":null}`,
			`{"name":{"type":{"message":"Value did not match type(s): string","target":"string","value":null}}}`},
		{"html not escaped", `{"name":"a","sort_by":"<b>&"}`,
			`{"sort_by":{"enum":{"message":"Value not found in enumerated list of values","target":["first_name","last_name"],"value":"<b>&"}}}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Validate(mustDoc(t, tt.in))
			var e *Error
			if !errors.As(err, &e) || e.Code != ECodeValidation {
				t.Fatalf("err = %v, want a validation error", err)
			}
			got, err := marshalNoEscape(e.Data)
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != tt.want {
				t.Errorf("data\n got %s\nwant %s", got, tt.want)
			}
		})
	}
}

func TestValidateDefaultsAndCoercion(t *testing.T) {
	got, err := Validate(mustDoc(t, `{"name":"Sales","min_dtmf":"4","confirm_match":"false","max_dtmf":2.0,"ui_metadata":{"origin":"voip"}}`))
	if err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(got)
	want := `{"confirm_match":false,"max_dtmf":2,"min_dtmf":4,"name":"Sales","sort_by":"last_name","ui_metadata":{"origin":"voip"},"users":[]}`
	if string(b) != want {
		t.Errorf("got  %s\nwant %s", b, want)
	}
	got, err = Validate(mustDoc(t, `{"name":"S"}`))
	if err != nil {
		t.Fatal(err)
	}
	b, _ = json.Marshal(got)
	want = `{"confirm_match":true,"max_dtmf":0,"min_dtmf":3,"name":"S","sort_by":"last_name","users":[]}`
	if string(b) != want {
		t.Errorf("got  %s\nwant %s", b, want)
	}
}

func TestMergePatch(t *testing.T) {
	base := mustDoc(t, `{"name":"a","flags":["x","y"],"ui":{"a":1,"b":{"c":2}},"gone":1}`)
	patch := mustDoc(t, `{"flags":["z"],"ui":{"b":{"d":3}},"gone":null,"new":true}`)
	b, _ := json.Marshal(MergePatch(base, patch))
	want := `{"flags":["z"],"name":"a","new":true,"ui":{"a":1,"b":{"c":2,"d":3}}}`
	if string(b) != want {
		t.Errorf("got  %s\nwant %s", b, want)
	}
	if _, ok := base["new"]; ok {
		t.Error("MergePatch modified its base")
	}
}

func TestAlphanumName(t *testing.T) {
	if got := AlphanumName("Sales & Support 2 Ångström"); got != "salessupport2ngstrm" {
		t.Errorf("AlphanumName = %q", got)
	}
}

func TestAccountDBName(t *testing.T) {
	id := "6b71cb72c876b5b1396a335f8f8a2594"
	if got := AccountDBName(id); got != "account/6b/71/cb72c876b5b1396a335f8f8a2594" {
		t.Errorf("AccountDBName = %q", got)
	}
	if got := EncodedAccountDBName(id); got != "account%2F6b%2F71%2Fcb72c876b5b1396a335f8f8a2594" {
		t.Errorf("EncodedAccountDBName = %q", got)
	}
	for _, name := range []string{id, AccountDBName(id), EncodedAccountDBName(id), "account%2f6b%2f71%2fcb72c876b5b1396a335f8f8a2594"} {
		if got, ok := AccountIDFromDBName(name); !ok || got != id {
			t.Errorf("AccountIDFromDBName(%q) = %q, %v", name, got, ok)
		}
	}
	for _, bad := range []string{"accounts", "account/6b/71/cb72", "system_config", "account/6B/71/cb72c876b5b1396a335f8f8a2594"} {
		if _, ok := AccountIDFromDBName(bad); ok {
			t.Errorf("AccountIDFromDBName(%q) accepted", bad)
		}
	}
}

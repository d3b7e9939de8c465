package directory

import (
	"encoding/json"
	"testing"
)

func TestSameJSON(t *testing.T) {
	decoded, err := DecodeDoc([]byte(`{"n": 1e2, "numbers": ["1001"], "d": {"x": 1.50}}`))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		a, b Doc
		want bool
	}{
		{"numbers by value, []string as []any", decoded,
			Doc{"n": 100, "numbers": []string{"1001"}, "d": map[string]any{"x": 1.5}}, true},
		{"json.Number and int", Doc{"n": json.Number("7")}, Doc{"n": 7}, true},
		{"another number", decoded, Doc{"n": 101, "numbers": []string{"1001"}, "d": map[string]any{"x": 1.5}}, false},
		{"number against its text", Doc{"n": 7}, Doc{"n": "7"}, false},
		{"a key more", Doc{"a": true}, Doc{"a": true, "b": nil}, false},
		{"list order", Doc{"l": []any{"a", "b"}}, Doc{"l": []string{"b", "a"}}, false},
		{"not marshallable", Doc{"f": func() {}}, Doc{"f": func() {}}, false},
	}
	for _, tt := range tests {
		if got := SameJSON(tt.a, tt.b); got != tt.want {
			t.Errorf("%s: SameJSON = %v, want %v", tt.name, got, tt.want)
		}
	}
}

package embedded

import (
	"bytes"
	"math/rand"
	"sort"
	"strings"
	"testing"

	"github.com/go-kivik/kivik/v4/x/collate"
)

// randomKey builds a random view key without objects (kivik's x/collate ignores
// object member order, CouchDB does not) and without "`" and "^" (placed
// differently by Go's collation tables than by ICU).
func randomKey(r *rand.Rand, depth int) any {
	switch n := r.Intn(8); {
	case n == 0:
		return nil
	case n == 1:
		return r.Intn(2) == 0
	case n <= 3:
		return float64(r.Intn(200) - 100)
	case n <= 6 || depth > 2:
		const alphabet = "aAbBzZ09 -_.~$éÉ"
		var b strings.Builder
		runes := []rune(alphabet)
		for i := r.Intn(4); i > 0; i-- {
			b.WriteRune(runes[r.Intn(len(runes))])
		}
		return b.String()
	default:
		arr := []any{}
		for i := r.Intn(4); i > 0; i-- {
			arr = append(arr, randomKey(r, depth+1))
		}
		return arr
	}
}

// TestEncodingMatchesKivikCollate checks that the byte order of encoded keys is
// the order of kivik's x/collate.
func TestEncodingMatchesKivikCollate(t *testing.T) {
	r := rand.New(rand.NewSource(1))
	enc := newKeyEncoderPool()
	keys := make([]any, 3000)
	for i := range keys {
		keys[i] = randomKey(r, 0)
	}
	encoded := make([][]byte, len(keys))
	for i, k := range keys {
		encoded[i] = enc.encode(nil, k)
	}
	for i := 0; i < 20000; i++ {
		a, b := r.Intn(len(keys)), r.Intn(len(keys))
		want := sign(collate.CompareObject(keys[a], keys[b]))
		if got := sign(bytes.Compare(encoded[a], encoded[b])); got != want {
			t.Fatalf("compare %#v with %#v: encoding says %d, x/collate %d", keys[a], keys[b], got, want)
		}
	}
}

func sign(n int) int {
	switch {
	case n < 0:
		return -1
	case n > 0:
		return 1
	}
	return 0
}

// TestEncodingOrderSpec checks CouchDB's documented collation example, objects
// included, directly on the encoding.
func TestEncodingOrderSpec(t *testing.T) {
	spec := []string{
		`null`, `false`, `true`, `-1e300`, `-2`, `-0.5`, `0`, `1`, `2`, `3.0`, `4`, `1e300`,
		`""`, `"a"`, `"A"`, `"aa"`, `"b"`, `"B"`, `"ba"`, `"bb"`,
		`[]`, `["a"]`, `["b"]`, `["b","c"]`, `["b","c","a"]`, `["b","d"]`, `["b","d","e"]`, `["b",{}]`,
		`{}`, `{"a":1}`, `{"a":2}`, `{"b":1}`, `{"b":2}`, `{"b":2,"a":1}`, `{"b":2,"c":2}`,
	}
	enc := newKeyEncoderPool()
	encoded := make([][]byte, len(spec))
	for i, s := range spec {
		v, err := decodeOrdered([]byte(s))
		if err != nil {
			t.Fatal(err)
		}
		encoded[i] = enc.encode(nil, v)
	}
	if !sort.SliceIsSorted(encoded, func(i, j int) bool { return bytes.Compare(encoded[i], encoded[j]) < 0 }) {
		for i := 1; i < len(spec); i++ {
			if bytes.Compare(encoded[i-1], encoded[i]) >= 0 {
				t.Errorf("%s does not sort before %s", spec[i-1], spec[i])
			}
		}
	}
	negZero, _ := decodeOrdered([]byte(`-0`))
	zero, _ := decodeOrdered([]byte(`0`))
	if !bytes.Equal(enc.encode(nil, negZero), enc.encode(nil, zero)) {
		t.Error("-0 and 0 must collate equal")
	}
}

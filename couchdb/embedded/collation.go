package embedded

import (
	"encoding/binary"
	"math"
	"sync"

	"golang.org/x/text/collate"
	"golang.org/x/text/language"
)

// View keys are stored as byte strings whose byte order is CouchDB's collation
// order, so that bbolt's sorted keys serve startkey/endkey ranges directly:
//
//	null < false < true < numbers < strings < arrays < objects
//
// Numbers compare by value (float64, -0 == 0). Strings compare by the Unicode
// Collation Algorithm with the root locale at tertiary strength, as CouchDB's ICU
// collator does; the sort keys come from golang.org/x/text/collate configured as
// kivik's x/collate package configures it (language.Und). Known difference from
// ICU: the x/text tables sort "`" and "^" after the other ASCII symbols. Arrays
// compare element by element, shorter prefix first; objects member by member in
// written order (key, then value), fewer members first.
//
// Every encoded value is self-delimiting and prefix-free: a type tag, then for
// numbers 8 bytes, for strings the escaped sort key and a terminator, for arrays
// and objects the encoded elements and an end byte that sorts below every tag.
const (
	tagEnd    = 0x00
	tagNull   = 0x01
	tagFalse  = 0x02
	tagTrue   = 0x03
	tagNumber = 0x04
	tagString = 0x05
	tagArray  = 0x06
	tagObject = 0x07
)

// keyEncoder holds a collator, which is not safe for concurrent use.
type keyEncoder struct {
	coll *collate.Collator
	buf  collate.Buffer
}

// keyEncoderPool shares collators between goroutines.
type keyEncoderPool struct{ pool sync.Pool }

func newKeyEncoderPool() *keyEncoderPool {
	return &keyEncoderPool{pool: sync.Pool{New: func() any {
		return &keyEncoder{coll: collate.New(language.Und)}
	}}}
}

// encode appends the collation encoding of v (as from decodeOrdered) to b.
func (p *keyEncoderPool) encode(b []byte, v any) []byte {
	e := p.pool.Get().(*keyEncoder)
	defer p.pool.Put(e)
	return e.append(b, v)
}

func (e *keyEncoder) append(b []byte, v any) []byte {
	switch t := v.(type) {
	case nil:
		return append(b, tagNull)
	case bool:
		if t {
			return append(b, tagTrue)
		}
		return append(b, tagFalse)
	case float64:
		return appendNumber(append(b, tagNumber), t)
	case string:
		return e.appendString(b, t)
	case []any:
		b = append(b, tagArray)
		for _, x := range t {
			b = e.append(b, x)
		}
		return append(b, tagEnd)
	case object:
		b = append(b, tagObject)
		for _, m := range t {
			b = e.appendString(b, m.Key)
			b = e.append(b, m.Value)
		}
		return append(b, tagEnd)
	}
	panic("embedded: unexpected JSON type in view key")
}

func (e *keyEncoder) appendString(b []byte, s string) []byte {
	key := e.coll.KeyFromString(&e.buf, s)
	b = appendEscaped(append(b, tagString), key)
	e.buf.Reset()
	return b
}

// appendNumber encodes a float64 so that byte order is numeric order.
func appendNumber(b []byte, f float64) []byte {
	if f == 0 {
		f = 0 // -0 collates equal to 0
	}
	bits := math.Float64bits(f)
	if bits&(1<<63) != 0 {
		bits = ^bits
	} else {
		bits |= 1 << 63
	}
	return binary.BigEndian.AppendUint64(b, bits)
}

// appendEscaped appends raw bytes so that the result is prefix-free and keeps the
// byte order of the input: 0x00 becomes 0x00 0xFF and 0x00 0x01 terminates.
func appendEscaped(b, raw []byte) []byte {
	for _, c := range raw {
		if c == 0 {
			b = append(b, 0, 0xFF)
		} else {
			b = append(b, c)
		}
	}
	return append(b, 0, 0x01)
}

package embedded

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strconv"

	"github.com/go-kivik/kivik/v4/driver"
	bolt "go.etcd.io/bbolt"
)

// reducer accumulates one group of rows with a built-in reduce function.
type reducer struct {
	fn       string
	count    int64
	sum      []float64 // one element for numbers, more for arrays
	isArray  bool
	min, max float64
	sumsqr   float64
	distinct map[string]bool
}

func builtinError(format string, args ...any) *Error {
	return newError(http.StatusInternalServerError, "builtin_reduce_error", format, args...)
}

func (r *reducer) add(keyJSON, value []byte) error {
	r.count++
	switch r.fn {
	case "_count":
		return nil
	case "_approx_count_distinct":
		if r.distinct == nil {
			r.distinct = map[string]bool{}
		}
		r.distinct[string(keyJSON)] = true
		return nil
	}
	var v any
	if err := json.Unmarshal(value, &v); err != nil {
		return builtinError("%v", err)
	}
	switch t := v.(type) {
	case float64:
		r.addNumbers([]float64{t})
	case []any:
		nums := make([]float64, len(t))
		for i, x := range t {
			f, ok := x.(float64)
			if !ok {
				return builtinError("The %s function requires that map values be numbers or arrays of numbers, not '%s'", r.fn, value)
			}
			nums[i] = f
		}
		r.isArray = true
		r.addNumbers(nums)
	default:
		return builtinError("The %s function requires that map values be numbers or arrays of numbers, not '%s'", r.fn, value)
	}
	return nil
}

func (r *reducer) addNumbers(nums []float64) {
	for len(r.sum) < len(nums) {
		r.sum = append(r.sum, 0)
	}
	for i, f := range nums {
		r.sum[i] += f
	}
	if len(nums) > 0 {
		f := nums[0]
		if r.count == 1 || f < r.min {
			r.min = f
		}
		if r.count == 1 || f > r.max {
			r.max = f
		}
		r.sumsqr += f * f
	}
}

func (r *reducer) result() []byte {
	switch r.fn {
	case "_count":
		return strconv.AppendInt(nil, r.count, 10)
	case "_approx_count_distinct":
		return strconv.AppendInt(nil, int64(len(r.distinct)), 10)
	case "_stats":
		sum := 0.0
		if len(r.sum) > 0 {
			sum = r.sum[0]
		}
		b, _ := json.Marshal(map[string]float64{"sum": sum, "count": float64(r.count), "min": r.min, "max": r.max, "sumsqr": r.sumsqr})
		return b
	}
	if r.isArray {
		b, _ := json.Marshal(r.sum)
		return b
	}
	if len(r.sum) == 0 {
		return []byte("0")
	}
	b, _ := json.Marshal(r.sum[0])
	return b
}

// group is one output row of a reduce query.
type group struct {
	enc []byte
	key any
	red *reducer
}

// reduceRows reduces the rows of the range, grouped by group / group_level.
func (q *viewQuery) reduceRows(enc *keyEncoderPool, vb *bolt.Bucket, v *viewDef) ([]driver.Row, error) {
	grouping := q.group || q.hasLevel
	if q.keys != nil && !grouping {
		return nil, errQueryParse("Multi-key fetches for reduce views must use `group=true`")
	}
	var groups []*group
	var err error
	for _, r := range q.ranges() {
		r.scan(vb, func(_, val []byte) bool {
			_, keyJSON, value, e := decodeRow(val)
			if e != nil {
				err = e
				return false
			}
			var gk any
			var genc []byte
			if grouping {
				if gk, err = decodeOrdered(keyJSON); err != nil {
					return false
				}
				if q.hasLevel {
					gk = truncateKey(gk, int(q.groupLevel))
				}
				genc = enc.encode(nil, gk)
			}
			if len(groups) == 0 || !bytes.Equal(groups[len(groups)-1].enc, genc) {
				groups = append(groups, &group{enc: genc, key: gk, red: &reducer{fn: v.Reduce}})
			}
			err = groups[len(groups)-1].red.add(keyJSON, value)
			return err == nil
		})
		if err != nil {
			return nil, err
		}
	}
	var rows []driver.Row
	for i, g := range groups {
		if int64(i) < q.skip {
			continue
		}
		if q.hasLimit && int64(len(rows)) >= q.limit {
			break
		}
		rows = append(rows, driver.Row{Key: appendOrdered(nil, g.key), Value: bytes.NewReader(g.red.result())})
	}
	return rows, nil
}

// truncateKey applies group_level: arrays keep their first level elements.
func truncateKey(k any, level int) any {
	arr, ok := k.([]any)
	if !ok || level == 0 || len(arr) <= level {
		return k
	}
	return arr[:level]
}

// appendOrdered marshals a decodeOrdered value, keeping object member order.
func appendOrdered(b []byte, v any) []byte {
	switch t := v.(type) {
	case nil:
		return append(b, "null"...)
	case bool:
		return strconv.AppendBool(b, t)
	case float64:
		n, _ := json.Marshal(t)
		return append(b, n...)
	case string:
		return appendString(b, t)
	case []any:
		b = append(b, '[')
		for i, x := range t {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendOrdered(b, x)
		}
		return append(b, ']')
	case object:
		b = append(b, '{')
		for i, m := range t {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendString(b, m.Key)
			b = append(b, ':')
			b = appendOrdered(b, m.Value)
		}
		return append(b, '}')
	}
	return append(b, "null"...)
}

package embedded

import (
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/dop251/goja"
)

// maxCompiled bounds the cache of compiled map functions (keyed by source, so the
// same design doc in thousands of account databases compiles once).
const maxCompiled = 4096

// maxCallStack bounds the JavaScript call depth, so that runaway recursion in a map
// function throws at once (couchjs: "too much recursion") instead of growing the heap
// until the map timeout.
const maxCallStack = 1 << 14

// jsHelpers are the CouchDB query-server helpers map functions may call.
const jsHelpers = `
function sum(a) { var s = 0; for (var i = 0; i < a.length; i++) { s += a[i]; } return s; }
function isArray(o) { return Array.isArray(o); }
function toJSON(o) { return JSON.stringify(o); }
function log(m) { __log(typeof m === 'string' ? m : JSON.stringify(m)); }
`

// emitted is one emit(key, value) call, both as JSON text.
type emitted struct {
	Key   []byte
	Value []byte
}

// jsEngine runs design-doc map functions in one goja runtime, in sloppy mode like
// CouchDB's couchjs (KAZOO's maps assign undeclared loop variables). All use is
// serialised: maps run inside write transactions, which bbolt serialises anyway.
type jsEngine struct {
	mu        sync.Mutex
	timeout   time.Duration
	log       *slog.Logger
	rt        *goja.Runtime
	stringify goja.Callable
	parse     goja.Callable
	fns       map[string]goja.Callable
	emits     []emitted
}

func newJSEngine(timeout time.Duration, log *slog.Logger) *jsEngine {
	return &jsEngine{timeout: timeout, log: log}
}

// start creates the runtime on first use.
func (e *jsEngine) start() error {
	if e.rt != nil {
		return nil
	}
	rt := goja.New()
	rt.SetMaxCallStackSize(maxCallStack)
	e.fns = map[string]goja.Callable{}
	jsonObj := rt.Get("JSON").ToObject(rt)
	e.stringify, _ = goja.AssertFunction(jsonObj.Get("stringify"))
	e.parse, _ = goja.AssertFunction(jsonObj.Get("parse"))
	if err := rt.Set("emit", e.emit); err != nil {
		return err
	}
	if err := rt.Set("__log", func(msg string) { e.log.Info("couchjs log", "message", msg) }); err != nil {
		return err
	}
	if _, err := rt.RunString(jsHelpers); err != nil {
		return err
	}
	e.rt = rt
	return nil
}

func (e *jsEngine) emit(call goja.FunctionCall) goja.Value {
	e.emits = append(e.emits, emitted{Key: e.toJSON(call.Argument(0)), Value: e.toJSON(call.Argument(1))})
	return goja.Undefined()
}

// toJSON serialises like couchjs: JSON.stringify, undefined becomes null.
func (e *jsEngine) toJSON(v goja.Value) []byte {
	s, err := e.stringify(goja.Undefined(), v)
	if err != nil {
		panic(e.rt.NewTypeError("emit: %v", err))
	}
	if goja.IsUndefined(s) {
		return []byte("null")
	}
	return []byte(s.String())
}

// errCompile is wrapped by errors about map functions that do not compile.
var errCompile = errors.New("compilation_error")

// check compiles src, reporting CouchDB's compilation_error.
func (e *jsEngine) check(src string) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	if err := e.start(); err != nil {
		return err
	}
	_, err := e.compile(src)
	return err
}

// compile evaluates a function expression. Caller holds mu.
func (e *jsEngine) compile(src string) (goja.Callable, error) {
	if fn, ok := e.fns[src]; ok {
		return fn, nil
	}
	expr := strings.TrimRight(strings.TrimSpace(src), "; \t\r\n")
	v, err := e.guard(func() (goja.Value, error) { return e.rt.RunString("(" + expr + "\n)") })
	if err != nil {
		return nil, fmt.Errorf("%w: %v (%s)", errCompile, err, src)
	}
	fn, ok := goja.AssertFunction(v)
	if !ok {
		return nil, fmt.Errorf("%w: Expression does not eval to a function. (%s)", errCompile, src)
	}
	if len(e.fns) >= maxCompiled {
		clear(e.fns)
	}
	e.fns[src] = fn
	return fn, nil
}

// guard runs fn with the map timeout armed. A timer that fires as fn returns must
// not interrupt a later run: it interrupts only while running is set, under mu.
func (e *jsEngine) guard(fn func() (goja.Value, error)) (goja.Value, error) {
	var mu sync.Mutex
	running := true
	t := time.AfterFunc(e.timeout, func() {
		mu.Lock()
		defer mu.Unlock()
		if running {
			e.rt.Interrupt("map function timed out")
		}
	})
	v, err := fn()
	mu.Lock()
	running = false
	mu.Unlock()
	t.Stop()
	e.rt.ClearInterrupt()
	return v, err
}

// mapDoc runs each map function (by source) over one document (JSON as CouchDB
// passes it: _id, _rev, body, _attachments stubs) and returns the rows each
// emitted. A function that throws on this document yields no rows for it and is
// logged, as CouchDB does; a function that does not compile is an error.
func (e *jsEngine) mapDoc(dbName, id string, docJSON []byte, srcs []string) ([][]emitted, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if err := e.start(); err != nil {
		return nil, err
	}
	fns := make([]goja.Callable, len(srcs))
	for i, src := range srcs {
		fn, err := e.compile(src)
		if err != nil {
			return nil, err
		}
		fns[i] = fn
	}
	doc, err := e.parse(goja.Undefined(), e.rt.ToValue(string(docJSON)))
	if err != nil {
		return nil, fmt.Errorf("embedded: map input: %w", err)
	}
	out := make([][]emitted, len(fns))
	for i, fn := range fns {
		e.emits = nil
		_, err := e.guard(func() (goja.Value, error) { return fn(goja.Undefined(), doc) })
		if err != nil {
			e.log.Warn("map function failed on a document; document skipped for this view",
				"db", dbName, "doc", id, "error", err.Error())
			continue
		}
		out[i] = e.emits
	}
	e.emits = nil
	return out, nil
}

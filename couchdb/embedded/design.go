package embedded

import (
	"crypto/md5"
	"encoding/hex"
	"encoding/json"
	"errors"
	"net/http"
	"sort"
	"strings"
	"sync"
)

// designDef is the part of a design document that defines its view index.
type designDef struct {
	language string
	views    []viewDef // sorted by name
	sig      string    // identifies the index: changes only when views change
}

// viewDef is one view of a design document.
type viewDef struct {
	Name   string
	Map    string
	Reduce string
}

// indexed reports whether this store builds an index for the design doc: only
// JavaScript design docs with views (Mango "query" indexes are not supported;
// their views are listed by name only).
func (d *designDef) indexed() bool {
	return (d.language == "" || d.language == "javascript") && len(d.views) > 0
}

func (d *designDef) view(name string) *viewDef {
	for i := range d.views {
		if d.views[i].Name == name {
			return &d.views[i]
		}
	}
	return nil
}

func (d *designDef) mapSources() []string {
	out := make([]string, len(d.views))
	for i, v := range d.views {
		out[i] = v.Map
	}
	return out
}

func errInvalidDesign(format string, args ...any) *Error {
	return newError(http.StatusBadRequest, "invalid_design_doc", format, args...)
}

// builtinReduces are CouchDB's built-in reduce functions.
var builtinReduces = map[string]bool{"_count": true, "_sum": true, "_stats": true, "_approx_count_distinct": true}

// parseDesign reads the view definitions from a design document body.
func parseDesign(body []byte) (*designDef, error) {
	var raw struct {
		Language string          `json:"language"`
		Views    json.RawMessage `json:"views"`
	}
	if err := json.Unmarshal(body, &raw); err != nil {
		return nil, errInvalidDesign("%v", err)
	}
	def := &designDef{language: raw.Language}
	if len(raw.Views) > 0 && string(raw.Views) != "null" {
		var views map[string]json.RawMessage
		if err := json.Unmarshal(raw.Views, &views); err != nil {
			return nil, errInvalidDesign("`views` is not an object")
		}
		js := def.language == "" || def.language == "javascript"
		for name, v := range views {
			if !js {
				def.views = append(def.views, viewDef{Name: name})
				continue
			}
			vd, err := parseView(name, v)
			if err != nil {
				return nil, err
			}
			def.views = append(def.views, vd)
		}
	}
	sort.Slice(def.views, func(i, j int) bool { return def.views[i].Name < def.views[j].Name })
	h := md5.New()
	h.Write([]byte(def.language))
	for _, v := range def.views {
		for _, s := range []string{v.Name, v.Map, v.Reduce} {
			h.Write([]byte{0})
			h.Write([]byte(s))
		}
	}
	def.sig = hex.EncodeToString(h.Sum(nil))
	return def, nil
}

func parseView(name string, raw json.RawMessage) (viewDef, error) {
	var v struct {
		Map    any `json:"map"`
		Reduce any `json:"reduce"`
	}
	if err := json.Unmarshal(raw, &v); err != nil {
		return viewDef{}, errInvalidDesign("View %s must be an object", name)
	}
	m, ok := v.Map.(string)
	if !ok {
		return viewDef{}, errInvalidDesign("View %s must have a map function as a string", name)
	}
	vd := viewDef{Name: name, Map: m}
	if v.Reduce != nil {
		r, ok := v.Reduce.(string)
		if !ok {
			return viewDef{}, errInvalidDesign("Reduce function of view %s must be a string", name)
		}
		if strings.HasPrefix(r, "_") && !builtinReduces[r] {
			return viewDef{}, errInvalidDesign("Unknown built-in reduce function %s in view %s", r, name)
		}
		vd.Reduce = r
	}
	return vd, nil
}

// validateDesign rejects a design document CouchDB would reject: malformed views,
// or map/reduce functions that do not compile (400 compilation_error).
func (c *client) validateDesign(body []byte) error {
	def, err := parseDesign(body)
	if err != nil || !def.indexed() {
		return err
	}
	for _, v := range def.views {
		srcs := []string{v.Map}
		if v.Reduce != "" && !strings.HasPrefix(v.Reduce, "_") {
			srcs = append(srcs, v.Reduce)
		}
		for _, src := range srcs {
			if err := c.js.check(src); err != nil {
				if errors.Is(err, errCompile) {
					return newError(http.StatusBadRequest, "compilation_error",
						"Compilation of the map function in the '%s' view failed: %v", v.Name, err)
				}
				return err
			}
		}
	}
	return nil
}

// designCache keeps parsed design definitions by signature.
type designCache struct {
	mu   sync.Mutex
	defs map[string]*designDef
}

func (c *designCache) get(sig string) *designDef {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.defs[sig]
}

func (c *designCache) put(def *designDef) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.defs == nil || len(c.defs) > 1024 {
		c.defs = map[string]*designDef{}
	}
	c.defs[def.sig] = def
}

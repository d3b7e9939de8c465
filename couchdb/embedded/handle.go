package embedded

import (
	"path/filepath"
	"sync"
)

// openDir is a data directory open in this process, shared by refs handles.
type openDir struct {
	c    *client
	refs int
}

// handle is the driver client kivik.New gets: the shared client of a directory,
// released once by Close. Every other method is the shared client's.
type handle struct {
	*client
	once    sync.Once
	release func() error
	err     error
}

// Close releases this handle's reference; the last one closes the file.
func (h *handle) Close() error {
	h.once.Do(func() { h.err = h.release() })
	return h.err
}

// acquire returns a new handle on the directory key, opening it with open when no
// handle of this process has it open.
func (d *Driver) acquire(key string, open func() (*client, error)) (*handle, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	od := d.open[key]
	if od == nil {
		c, err := open()
		if err != nil {
			return nil, err
		}
		od = &openDir{c: c}
		if d.open == nil {
			d.open = map[string]*openDir{}
		}
		d.open[key] = od
	}
	od.refs++
	return &handle{client: od.c, release: func() error { return d.releaseDir(key, od) }}, nil
}

// releaseDir drops one reference to od and closes its file with the last one.
func (d *Driver) releaseDir(key string, od *openDir) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if od.refs--; od.refs > 0 {
		return nil
	}
	delete(d.open, key)
	return od.c.Close()
}

// dirKey names an existing directory the same way however it is spelt: absolute,
// cleaned, symbolic links resolved.
func dirKey(dir string) (string, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return "", err
	}
	return filepath.EvalSymlinks(abs)
}

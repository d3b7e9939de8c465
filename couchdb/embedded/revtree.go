package embedded

import (
	"strconv"
	"strings"
)

// revsLimit is CouchDB's default _revs_limit: how many revisions of history a
// branch keeps before older ones are stemmed.
const revsLimit = 1000

// revNode is one revision in a document's revision tree (a forest, after stemming
// or replication of unrelated branches).
type revNode struct {
	Rev     string `json:"r"`
	Parent  int    `json:"p"` // index into revTree, -1 for a root
	Deleted bool   `json:"d,omitempty"`
}

// docInfo is what the doc bucket stores per document id.
type docInfo struct {
	Revs []revNode `json:"revs"`
	Seq  uint64    `json:"seq"`
}

// parseRev splits "N-hash" into its generation and hash.
func parseRev(rev string) (gen int, hash string, ok bool) {
	n, h, found := strings.Cut(rev, "-")
	if !found || h == "" {
		return 0, "", false
	}
	g, err := strconv.Atoi(n)
	if err != nil || g < 1 {
		return 0, "", false
	}
	return g, h, true
}

func revGen(rev string) int {
	g, _, _ := parseRev(rev)
	return g
}

func (d *docInfo) find(rev string) int {
	for i := range d.Revs {
		if d.Revs[i].Rev == rev {
			return i
		}
	}
	return -1
}

// leaves returns the indexes of the revisions that have no children.
func (d *docInfo) leaves() []int {
	hasChild := make([]bool, len(d.Revs))
	for _, n := range d.Revs {
		if n.Parent >= 0 {
			hasChild[n.Parent] = true
		}
	}
	var out []int
	for i := range d.Revs {
		if !hasChild[i] {
			out = append(out, i)
		}
	}
	return out
}

func (d *docInfo) isLeaf(i int) bool {
	for _, n := range d.Revs {
		if n.Parent == i {
			return false
		}
	}
	return true
}

// beats reports whether leaf a wins over leaf b by CouchDB's rule: a live revision
// beats a deleted one, then the higher generation, then the higher hash.
func (d *docInfo) beats(a, b int) bool {
	na, nb := d.Revs[a], d.Revs[b]
	if na.Deleted != nb.Deleted {
		return !na.Deleted
	}
	ga, ha, _ := parseRev(na.Rev)
	gb, hb, _ := parseRev(nb.Rev)
	if ga != gb {
		return ga > gb
	}
	return ha > hb
}

// winner returns the index of the winning leaf, -1 for an empty tree.
func (d *docInfo) winner() int {
	w := -1
	for _, l := range d.leaves() {
		if w < 0 || d.beats(l, w) {
			w = l
		}
	}
	return w
}

// winningRev returns the winning revision and whether it is a deletion.
func (d *docInfo) winningRev() (string, bool) {
	w := d.winner()
	if w < 0 {
		return "", true
	}
	return d.Revs[w].Rev, d.Revs[w].Deleted
}

// otherLeaves returns the leaves other than the winner, live ones (conflicts) or
// deleted ones (deleted conflicts), ordered like CouchDB lists them.
func (d *docInfo) otherLeaves(deleted bool) []string {
	w := d.winner()
	var idx []int
	for _, l := range d.leaves() {
		if l != w && d.Revs[l].Deleted == deleted {
			idx = append(idx, l)
		}
	}
	sortBy(idx, func(a, b int) bool { return d.beats(a, b) })
	out := make([]string, len(idx))
	for i, l := range idx {
		out[i] = d.Revs[l].Rev
	}
	return out
}

// leafRevs returns every leaf, winner first, for style=all_docs and open_revs=all.
func (d *docInfo) leafRevs() []string {
	idx := d.leaves()
	sortBy(idx, func(a, b int) bool { return d.beats(a, b) })
	out := make([]string, len(idx))
	for i, l := range idx {
		out[i] = d.Revs[l].Rev
	}
	return out
}

// path returns the revisions from i up to its root, newest first.
func (d *docInfo) path(i int) []string {
	var out []string
	for ; i >= 0; i = d.Revs[i].Parent {
		out = append(out, d.Revs[i].Rev)
	}
	return out
}

// addChild appends a revision below parent (-1 for a new root) and returns its index.
func (d *docInfo) addChild(parent int, rev string, deleted bool) int {
	d.Revs = append(d.Revs, revNode{Rev: rev, Parent: parent, Deleted: deleted})
	return len(d.Revs) - 1
}

// mergePath adds a replicated revision history (newest first, consecutive
// generations) to the tree. It returns the index of the newest revision, the
// index of the newest revision of the path that was already known (the anchor
// the new ones hang below, -1 for none) and whether anything was added; an
// already known newest revision changes nothing.
func (d *docInfo) mergePath(revs []string, deleted bool) (newest, anchor int, added bool) {
	if i := d.find(revs[0]); i >= 0 {
		return i, d.Revs[i].Parent, false
	}
	anchor, known := -1, len(revs)
	for k := 1; k < len(revs); k++ {
		if i := d.find(revs[k]); i >= 0 {
			anchor, known = i, k
			break
		}
	}
	parent := anchor
	for k := known - 1; k >= 0; k-- {
		parent = d.addChild(parent, revs[k], k == 0 && deleted)
	}
	return parent, anchor, true
}

// stem drops revisions more than limit generations away from every leaf, as
// CouchDB does with _revs_limit, and returns the dropped revisions.
func (d *docInfo) stem(limit int) []string {
	if len(d.Revs) <= limit {
		return nil
	}
	keep := make([]bool, len(d.Revs))
	for _, l := range d.leaves() {
		for i, n := l, 0; i >= 0 && n < limit; i, n = d.Revs[i].Parent, n+1 {
			keep[i] = true
		}
	}
	newIndex := make([]int, len(d.Revs))
	var out []revNode
	var dropped []string
	for i, n := range d.Revs {
		if !keep[i] {
			newIndex[i] = -1
			dropped = append(dropped, n.Rev)
			continue
		}
		newIndex[i] = len(out)
		out = append(out, n)
	}
	for i := range out {
		if p := out[i].Parent; p >= 0 {
			out[i].Parent = newIndex[p]
		}
	}
	d.Revs = out
	return dropped
}

// sortBy is an insertion sort: revision lists are tiny.
func sortBy(s []int, less func(a, b int) bool) {
	for i := 1; i < len(s); i++ {
		for j := i; j > 0 && less(s[j], s[j-1]); j-- {
			s[j], s[j-1] = s[j-1], s[j]
		}
	}
}

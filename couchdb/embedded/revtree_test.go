package embedded

import (
	"fmt"
	"testing"
)

func TestWinnerRules(t *testing.T) {
	d := &docInfo{}
	root := d.addChild(-1, "1-aaa", false)
	d.addChild(root, "2-bbb", false)
	d.addChild(root, "2-ccc", false)
	if w, _ := d.winningRev(); w != "2-ccc" {
		t.Fatalf("higher hash wins: %s", w)
	}
	d.addChild(d.find("2-ccc"), "3-ddd", true)
	if w, del := d.winningRev(); w != "2-bbb" || del {
		t.Fatalf("live leaf beats a deleted one: %s %v", w, del)
	}
	if c := d.otherLeaves(true); len(c) != 1 || c[0] != "3-ddd" {
		t.Fatalf("deleted conflicts: %v", c)
	}
	d.addChild(d.find("2-bbb"), "3-eee", true)
	if w, del := d.winningRev(); w != "3-eee" || !del {
		t.Fatalf("all deleted: the highest deleted leaf wins: %s %v", w, del)
	}
}

func TestMergePath(t *testing.T) {
	d := &docInfo{}
	d.addChild(-1, "1-a", false)
	i, anchor, added := d.mergePath([]string{"3-c", "2-b", "1-a"}, false)
	if !added || d.Revs[anchor].Rev != "1-a" || d.Revs[i].Rev != "3-c" || len(d.leaves()) != 1 {
		t.Fatalf("merge onto 1-a: %+v", d.Revs)
	}
	if _, _, added := d.mergePath([]string{"3-c", "2-b"}, false); added {
		t.Fatal("known revision added again")
	}
	_, anchor, _ = d.mergePath([]string{"7-x", "6-y"}, false)
	if anchor != -1 || len(d.leaves()) != 2 {
		t.Fatalf("unrelated history must start a new root: %+v", d.Revs)
	}
}

func TestStem(t *testing.T) {
	d := &docInfo{}
	parent := -1
	for g := 1; g <= 10; g++ {
		parent = d.addChild(parent, fmt.Sprintf("%d-x", g), false)
	}
	d.addChild(d.find("8-x"), "9-y", false)
	dropped := d.stem(3)
	if len(dropped) != 6 || len(d.Revs) != 5 {
		t.Fatalf("stem(3) dropped %v, kept %+v", dropped, d.Revs)
	}
	if p := d.path(d.find("10-x")); len(p) != 4 || p[3] != "7-x" {
		t.Fatalf("path after stemming: %v", p)
	}
	if w, _ := d.winningRev(); w != "10-x" {
		t.Fatalf("winner after stemming: %s", w)
	}
}

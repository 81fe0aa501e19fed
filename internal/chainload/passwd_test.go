package chainload

import "testing"

// TestFindAccountAsGetpwnamFiles: the first well-formed line with the
// name wins; comments, short lines and non-numeric ids are passed over.
func TestFindAccountAsGetpwnamFiles(t *testing.T) {
	passwd := "# comment\nshort:x:1\nbad:x:abc:1:::\nbad:x:5:6:::/bin/sh\n" +
		"root:x:0:0:root:/root:/bin/bash\nroot:x:9:9::/:/bin/sh\nnoshell:x:7:8\n:x:3:3::/:\nbig:x:4294967296:1::/:\n"
	for _, c := range []struct {
		name     string
		uid, gid uint64
		ok       bool
	}{
		{"root", 0, 0, true},
		{"bad", 5, 6, true},
		{"short", 0, 0, false},
		{"noshell", 7, 8, true},
		{"missing", 0, 0, false},
		{"# comment", 0, 0, false},
		{"big", 0, 0, false},
		{"ro", 0, 0, false},
	} {
		uid, gid, ok := findAccount(passwd, c.name)
		if uid != c.uid || gid != c.gid || ok != c.ok {
			t.Errorf("%q: %d %d %v, want %d %d %v", c.name, uid, gid, ok, c.uid, c.gid, c.ok)
		}
	}
}

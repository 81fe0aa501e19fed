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

// TestNSSLookupOnlyByName: getent reads a key that strtoul(3) takes whole
// as a user id, so such names are not asked (getpwnam would look for an
// account of that name, not that uid); getpwnam finds no empty name and
// none with ':' or a newline.
func TestNSSLookupOnlyByName(t *testing.T) {
	for name, want := range map[string]bool{
		"alice": true, "1a": true, "-x": true, "--help": true, "-": true, "+": true, " ": true, "a1": true, "0x10": true,
		"0": false, "4711": false, " 12": false, "+7": false, "-1": false, "\t-0": false, "99999999999999999999": false,
		"": false, "a:b": false, "a\nb": false,
	} {
		if got := askGetent(name); got != want {
			t.Errorf("askGetent(%q) = %v, want %v", name, got, want)
		}
	}
}

// TestPasswdLineFromGetent: getent's line is read as a passwd line; its
// name is not compared with the one asked (a source may answer in
// another case, as getpwnam's caller sees it).
func TestPasswdLineFromGetent(t *testing.T) {
	for _, c := range []struct {
		line     string
		uid, gid uint64
		ok       bool
	}{
		{"alice:x:1000:100:Alice:/home/alice:/bin/sh", 1000, 100, true},
		{"alice:*:7:8", 7, 8, true},
		{"alice:x:7", 0, 0, false},
		{"alice:x:-1:8::/:", 0, 0, false},
		{"alice:x:7: 8::/:", 0, 0, false},
		{"", 0, 0, false},
	} {
		_, uid, gid, ok := parsePasswdLine(c.line)
		if uid != c.uid || gid != c.gid || ok != c.ok {
			t.Errorf("%q: %d %d %v, want %d %d %v", c.line, uid, gid, ok, c.uid, c.gid, c.ok)
		}
	}
}

package chainload_test

import (
	"os"
	"path/filepath"
	"testing"
)

// TestPathSearchAs076 runs every program with PATHs that exercise 0.76's
// search: a directory where the name is not executable, is a directory,
// or is not a program (exec format error stops the search), a PATH
// element that is a file (not a directory: stops), an empty element
// meaning the current directory, no PATH at all (/bin:/usr/bin), and a
// name with a slash (no search). Output, exit code and which program ran
// must match the C build for each.
func TestPathSearchAs076(t *testing.T) {
	top := t.TempDir()
	mk := func(dir string) string {
		d := filepath.Join(top, dir)
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
		return d
	}
	noexec, isdir, badformat, good, cwd := mk("noexec"), mk("isdir"), mk("badformat"), mk("good"), mk("cwd")
	writeFile(t, noexec, "prog", "#!/bin/sh\necho noexec\n")
	mk("isdir/prog")
	testkitScript(t, filepath.Join(badformat, "prog"), "\x7fELF not really\n")
	testkitScript(t, filepath.Join(good, "prog"), "#!/bin/sh\necho good \"$@\"\n")
	testkitScript(t, filepath.Join(cwd, "prog"), "#!/bin/sh\necho cwd\n")
	testkitScript(t, filepath.Join(cwd, "onlyhere"), "#!/bin/sh\necho onlyhere\n")
	file := writeFile(t, top, "afile", "x")

	paths := []string{
		noexec + ":" + good,          // access denied: move on
		isdir + ":" + good,           // a directory: move on
		noexec,                       // only access denied: reported
		noexec + ":" + top + "/none", // access denied remembered past ENOENT
		badformat + ":" + good,       // exec format error: stop
		file + ":" + good,            // not a directory: stop
		top + "/none::" + good,       // empty element is "."
		top + "/none:" + good + ":",  // trailing empty element
		"",                           // PATH= set but empty: "."
		top + "/none",                // file does not exist
	}
	programArgs := map[string][]string{
		"setuidgid": {"root"}, "envuidgid": {"root"}, "envdir": {top + "/none"},
		"softlimit": {"-t", "="}, "setlock": {top + "/lock"},
		"fghack": nil, "pgrphack": nil,
	}
	os.Mkdir(top+"/none", 0o755) // envdir's (empty) directory
	for name, pre := range programArgs {
		for _, path := range paths {
			for _, prog := range []string{"prog", "onlyhere"} {
				inv := invocation{args: append(append([]string{}, pre...), prog, "arg"), env: []string{"PATH=" + path, "X=1"}, dir: cwd}
				same(t, name, inv)
			}
		}
		// No PATH: /bin:/usr/bin; a name with a slash is not searched.
		same(t, name, invocation{args: append(append([]string{}, pre...), "true"), env: []string{"X=1"}, dir: cwd})
		same(t, name, invocation{args: append(append([]string{}, pre...), "./prog"), env: []string{"PATH=" + good}, dir: cwd})
		same(t, name, invocation{args: append(append([]string{}, pre...), "good/prog"), env: []string{"PATH=/nowhere"}, dir: top})
	}
}

package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// The release configuration, .goreleaser.yaml.  GoReleaser is installed by
// scripts/install-deps.sh, so under CI these tests fail without it;
// elsewhere they are skipped.

// TestGoreleaserConfigChecks checks that the nfpms section of
// .goreleaser.yaml places every file layout.go places, and runs
// `goreleaser check` on it.
func TestGoreleaserConfigChecks(t *testing.T) {
	cfg, err := os.ReadFile(filepath.Join(root, ".goreleaser.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range layout("SRC", "BIN", "STAGE", inventory{}) {
		if !strings.Contains(string(cfg), "dst: "+c.Destination+"\n") {
			t.Errorf(".goreleaser.yaml does not install %s", c.Destination)
		}
	}
	for _, p := range append([]string{"/usr/share/man/man8/", "/usr/share/man/man7/", "bindir: /usr/bin"}, programs...) {
		if !strings.Contains(string(cfg), p) {
			t.Errorf(".goreleaser.yaml lacks %q", p)
		}
	}
	goreleaser := need(t, "goreleaser")
	cmd := exec.Command(goreleaser, "check")
	cmd.Dir = root
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Errorf("goreleaser check: %v\n%s", err, out)
	}
}

package control_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/daemontools-go/daemontools/internal/testkit"
)

// goSupervise says whether our supervise was built: cmd/supervise is being
// written by someone else, and the tests that pair the C tools with our
// supervise skip until it exists.
var goSupervise bool

func TestMain(m *testing.M) {
	progs := []string{"svc", "svok", "svstat"}
	if root, err := testkit.Root(); err == nil {
		if _, err := os.Stat(filepath.Join(root, "cmd", "supervise", "main.go")); err == nil {
			progs = append(progs, "supervise")
			goSupervise = true
		}
	}
	testkit.Main(m, progs...)
}

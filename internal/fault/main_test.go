//go:build fault

package fault

import (
	"fmt"
	"os"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/daemontools-go/daemontools/internal/testkit"
)

// writerVar makes the test binary act as the numbered-line writer of the
// lossless test (see writer_test.go) instead of running tests.
const writerVar = "FAULT_WRITER"

func TestMain(m *testing.M) {
	if os.Getenv(writerVar) != "" {
		os.Exit(writer())
	}
	dir, err := os.MkdirTemp("", "dtgo-fault-bin-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	// Searchable by everybody: the privilege tests run our programs as nobody.
	os.Chmod(dir, 0o755)
	if err := testkit.Build(dir); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.RemoveAll(dir)
		os.Exit(2)
	}
	testkit.Bin = dir
	code := m.Run()
	os.RemoveAll(dir)
	printSummary()
	os.Exit(code)
}

// summary collects one line per figure for the report printed at the end.
var summary struct {
	sync.Mutex
	lines []string
}

// report adds a line to the summary and to the test's log.
func report(t testing.TB, format string, args ...any) {
	t.Helper()
	line := t.Name() + ": " + fmt.Sprintf(format, args...)
	t.Log(line)
	summary.Lock()
	summary.lines = append(summary.lines, line)
	summary.Unlock()
}

func printSummary() {
	summary.Lock()
	defer summary.Unlock()
	sort.Strings(summary.lines)
	fmt.Println("=== fault suite summary")
	fmt.Println(strings.Join(summary.lines, "\n"))
}

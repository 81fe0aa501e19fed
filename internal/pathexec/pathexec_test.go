package pathexec

import (
	"fmt"
	"os"
	"strings"
	"syscall"
	"testing"
)

func TestCandidates(t *testing.T) {
	got := fmt.Sprint(Candidates("prog", ":/a::/b:"))
	if got != "[./prog /a/prog ./prog /b/prog ./prog]" {
		t.Fatal(got)
	}
	if got := fmt.Sprint(Candidates("./x/prog", "/a")); got != "[./x/prog]" {
		t.Fatal(got)
	}
	if PathOf([]string{"A=1"}) != DefaultPath || PathOf([]string{"PATH=/q"}) != "/q" {
		t.Fatal("PathOf")
	}
}

func TestSearchRules(t *testing.T) {
	results := map[string]error{
		"/a/p": syscall.ENOENT,
		"/b/p": syscall.EACCES,
		"/c/p": syscall.ENOENT,
		"/d/p": syscall.ENOEXEC,
		"/e/p": nil,
	}
	var tried []string
	try := func(p string) error { tried = append(tried, p); return results[p] }
	err := Search("p", []string{"PATH=/a:/b:/c"}, try)
	if err != syscall.EACCES || fmt.Sprint(tried) != "[/a/p /b/p /c/p]" {
		t.Fatalf("eacces remembered: %v %v", err, tried)
	}
	tried = nil
	err = Search("p", []string{"PATH=/a:/d:/e"}, try)
	if err != syscall.ENOEXEC || fmt.Sprint(tried) != "[/a/p /d/p]" {
		t.Fatalf("stop at other error: %v %v", err, tried)
	}
	tried = nil
	if err = Search("p", []string{"PATH=/a:/c"}, try); err != syscall.ENOENT {
		t.Fatalf("all missing: %v", err)
	}
}

func TestPathOfFirstEntryWins(t *testing.T) {
	if got := PathOf([]string{"PATH=/first", "PATH=/second"}); got != "/first" {
		t.Fatal(got)
	}
}

func TestSearchPathIgnoresEnv(t *testing.T) {
	var tried []string
	SearchPath("p", "/x:", func(p string) error { tried = append(tried, p); return syscall.ENOENT })
	if fmt.Sprint(tried) != "[/x/p ./p]" {
		t.Fatal(tried)
	}
}

// TestMergeOrderAs076 pins 0.76's pathexec() environment order: the first
// entry of a name is removed and the last entry fills its slot; sets are
// appended; a name with '=' in it ends at the first '='.
func TestMergeOrderAs076(t *testing.T) {
	cases := []struct {
		env, changes []string
		want         string
	}{
		{[]string{"A=1", "B=2", "C=3", "D=4"}, []string{"B=9"}, "[A=1 D=4 C=3 B=9]"},
		{[]string{"A=1", "B=2", "C=3"}, []string{"A"}, "[C=3 B=2]"},
		{[]string{"A=1", "B=2"}, []string{"Z"}, "[A=1 B=2]"},
		{[]string{"E=1", "X=2"}, []string{"E=F=v"}, "[X=2 E=F=v]"},
		{[]string{"E=1", "X=2"}, []string{"E=F"}, "[X=2 E=F]"},
		{[]string{"A=1", "A=2", "B=3"}, []string{"A=9"}, "[B=3 A=2 A=9]"},
		{[]string{"A=1"}, []string{"GID=5", "UID=6"}, "[A=1 GID=5 UID=6]"},
		{[]string{"AB=1", "A=2"}, []string{"A"}, "[AB=1]"},
		{[]string{"NOEQ", "A=1"}, []string{"NOEQ=1"}, "[NOEQ A=1 NOEQ=1]"},
	}
	for _, c := range cases {
		if got := fmt.Sprint(Merge(c.env, c.changes)); got != c.want {
			t.Errorf("Merge(%q, %q) = %s, want %s", c.env, c.changes, got, c.want)
		}
	}
}

// TestEnvironIsTheReceivedBlock: Environ is the block the kernel holds
// in /proc/self/environ, entry for entry.
func TestEnvironIsTheReceivedBlock(t *testing.T) {
	raw, err := os.ReadFile("/proc/self/environ")
	if err != nil {
		t.Skip(err)
	}
	want := strings.Split(strings.TrimSuffix(string(raw), "\x00"), "\x00")
	if got := Environ(); fmt.Sprintf("%q", got) != fmt.Sprintf("%q", want) {
		t.Fatalf("Environ: %q\nwant %q", got, want)
	}
}

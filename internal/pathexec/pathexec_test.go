package pathexec

import (
	"fmt"
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

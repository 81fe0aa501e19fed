package envdir

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestValueAs076 pins 0.76's reading of one file.
func TestValueAs076(t *testing.T) {
	cases := []struct {
		in   string
		want string
		set  bool
	}{
		{"", "", false},
		{"\n", "", true},
		{"value", "value", true},
		{"value\n", "value", true},
		{"one\ntwo\n", "one", true},
		{"  lead and trail \t \t\n", "  lead and trail", true},
		{"a\x00b\n", "a\nb", true},
		{"a \x00 \n", "a \n", true}, // NUL becomes newline after trimming
		{" \t", "", true},
		{"x\r\n", "x\r", true},
		{"\nsecond", "", true},
	}
	for _, c := range cases {
		got, set := Value([]byte(c.in))
		if got != c.want || set != c.set {
			t.Errorf("Value(%q) = %q, %v; want %q, %v", c.in, got, set, c.want, c.set)
		}
	}
	if Change("E=F", []byte("v\n")) != "E=F=v" || Change("GONE", nil) != "GONE" {
		t.Error("Change")
	}
}

// model is 0.76's loop from envdir.c, written byte by byte.
func model(b []byte) (string, bool) {
	if len(b) == 0 {
		return "", false
	}
	n := 0
	for n < len(b) && b[n] != '\n' {
		n++
	}
	for n > 0 && (b[n-1] == ' ' || b[n-1] == '\t') {
		n--
	}
	out := make([]byte, n)
	for i := 0; i < n; i++ {
		out[i] = b[i]
		if out[i] == 0 {
			out[i] = '\n'
		}
	}
	return string(out), true
}

// FuzzValue checks Value against the byte-by-byte model of 0.76's loop
// and its invariants: no NUL survives, nothing after the first newline
// is used, and the value is never longer than the first line.
func FuzzValue(f *testing.F) {
	for _, s := range []string{"", "\n", "x", "x\n", " a \t\n", "a\x00b", "\x00\n", "\t\t", "a\nb\nc", "\xff\xfe \n"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		got, set := Value(b)
		want, wantSet := model(b)
		if got != want || set != wantSet {
			t.Fatalf("Value(%q) = %q, %v; model %q, %v", b, got, set, want, wantSet)
		}
		if strings.IndexByte(got, 0) >= 0 {
			t.Fatalf("NUL in %q", got)
		}
		first, _, _ := bytes.Cut(b, []byte("\n"))
		if len(got) > len(first) {
			t.Fatalf("value %q longer than first line %q", got, first)
		}
	})
}

// TestReadSkipsDotFilesKeepsDirectoryOrder: names starting with '.' are
// skipped and the rest come in the order the directory lists them.
func TestReadSkipsDotFilesKeepsDirectoryOrder(t *testing.T) {
	dir := t.TempDir()
	for name, content := range map[string]string{".x": "1", "A": "a", "B": "", "C": "\n"} {
		os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644)
	}
	got, err := Read(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 3 || strings.Contains(strings.Join(got, " "), ".x") {
		t.Fatalf("got %q", got)
	}
	wd, _ := os.Getwd()
	if filepath.Base(wd) != "envdir" {
		t.Fatalf("Read did not return to the starting directory: %s", wd)
	}
}

// TestReadErrorsName: each failure says what 0.76 says it was doing.
func TestReadErrorsName(t *testing.T) {
	dir := t.TempDir()
	os.Mkdir(filepath.Join(dir, "sub"), 0o755)
	_, err := Read(dir)
	if e, ok := err.(*Error); !ok || e.What != "unable to read "+dir+"/sub" {
		t.Fatalf("subdirectory: %v", err)
	}
	_, err = Read(filepath.Join(dir, "missing"))
	if e, ok := err.(*Error); !ok || !strings.HasPrefix(e.What, "unable to switch to directory ") {
		t.Fatalf("missing: %v", err)
	}
	if wd, _ := os.Getwd(); filepath.Base(wd) != "envdir" {
		t.Fatalf("Read did not return to the starting directory after an error: %s", wd)
	}
}

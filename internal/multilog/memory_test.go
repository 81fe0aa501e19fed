package multilog

import (
	"bytes"
	"os"
	"path/filepath"
	"sort"
	"syscall"
	"testing"
)

// A line far longer than any buffer is streamed: memory stays small, the
// directory gets every byte, files are cut at exactly the size limit.
func TestLongLineStreamsInConstantMemory(t *testing.T) {
	const total = 48 << 20
	work := t.TempDir()
	p := startPiped(t, ourMultilog(), work, []string{"t", "e", "=st", "s16777215", "n100", "./d"}, nil, nil)
	chunk := bytes.Repeat([]byte{'x'}, 1<<20)
	for sent := 0; sent < total; sent += len(chunk) {
		if _, err := p.w.Write(chunk); err != nil {
			t.Fatal(err)
		}
	}
	p.w.Close()
	if code := p.wait(t); code != 0 {
		t.Fatalf("exit %d", code)
	}
	rss := p.cmd.ProcessState.SysUsage().(*syscall.Rusage).Maxrss // KiB
	if rss > 32<<10 {
		t.Errorf("peak RSS %d KiB for a %d-byte line", rss, total)
	}
	dir := filepath.Join(work, "d")
	names, _ := namesIn(dir)
	sort.Strings(names)
	var sizes []int64
	for _, n := range names {
		if n[0] == '@' {
			st, _ := os.Stat(filepath.Join(dir, n))
			sizes = append(sizes, st.Size())
		}
	}
	st, _ := os.Stat(filepath.Join(dir, "current"))
	want := int64(total + 26 + 1) // label, space, the line, the added newline
	got := st.Size()
	for _, s := range sizes {
		got += s
		if s != 16777215 {
			t.Errorf("finished file of %d bytes, want exactly the limit", s)
		}
	}
	if got != want {
		t.Errorf("%d bytes logged, want %d", got, want)
	}
	if e := p.stderr(); len(e) != 25+1+174+4 {
		t.Errorf("e printed %d bytes", len(e))
	}
}

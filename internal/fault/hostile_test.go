//go:build fault

package fault

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/daemontools-go/daemontools/internal/svstatus"
	"github.com/daemontools-go/daemontools/internal/testkit"
)

var cleanEnv = []string{"PATH=/usr/bin:/bin", "TZ=UTC"}

// randomBytes returns n bytes from the PRNG, none of them in avoid.
func randomBytes(rng *rand.Rand, n int, avoid string) []byte {
	b := make([]byte, 0, n)
	for len(b) < n {
		c := byte(rng.IntN(256))
		if !strings.ContainsRune(avoid, rune(c)) {
			b = append(b, c)
		}
	}
	return b
}

// TestControlGarbageIgnoredBySupervise writes random bytes, and then 256
// KiB in one write (64 times PIPE_BUF), of everything but the command
// letters (0.76's eleven and our q 1 2 w) into supervise/control: 0.76
// ignores unknown bytes, so the service keeps its pid and supervise
// answers normally afterwards.
// Then random bytes with the commands in them (except x): supervise
// survives and brings the service up on "cu".
func TestControlGarbageIgnoredBySupervise(t *testing.T) {
	sd := seed(t)
	rng := rand.New(rand.NewPCG(sd, 7))
	report(t, "seed %d", sd)
	dir := filepath.Join(t.TempDir(), "svc")
	cmd := startSupervise(t, testkit.Path("supervise"), dir, 0o022)
	pid := statusPid(dir)
	control := filepath.Join(dir, svstatus.Control)
	send := func(b []byte) {
		f, err := os.OpenFile(control, os.O_WRONLY, 0)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		if _, err := f.Write(b); err != nil {
			t.Fatalf("write %d bytes to control: %v", len(b), err)
		}
	}
	const commands = "udopcxahkti" + "q12w"
	total := 0
	for range 200 {
		b := randomBytes(rng, 1+rng.IntN(600), commands)
		send(b)
		total += len(b)
	}
	send(randomBytes(rng, 256<<10, commands))
	total += 256 << 10
	// The FIFO is drained once supervise has read every byte.
	testkit.Eventually(t, time.Minute, func() bool { return fifoPending(t, control) == 0 }, "control FIFO not drained")
	if got := statusPid(dir); got != pid {
		t.Fatalf("after %d unknown bytes the service pid is %d, was %d", total, got, pid)
	}
	for range 100 {
		send(randomBytes(rng, 1+rng.IntN(50), "x"))
	}
	send([]byte("cu"))
	testkit.Eventually(t, time.Minute, func() bool {
		r := run(t, "", cleanEnv, nil, testkit.Path("svstat"), dir)
		return strings.Contains(string(r.stdout), ": up (pid ") && !strings.Contains(string(r.stdout), "paused")
	}, "service not up and running after random commands")
	if p, ok := readProc(cmd.Process.Pid); !ok || p.state == 'Z' {
		t.Fatalf("supervise exited; stderr %q", cmd.Stderr)
	}
	noPanic(t, "supervise", cmd.Stderr.(*bytes.Buffer).Bytes())
	report(t, "%d unknown bytes ignored (pid kept), then 100 random command strings survived", total)
}

// fifoPending is the number of unread bytes in a FIFO (FIONREAD on a
// reading descriptor of our own).
func fifoPending(t testing.TB, path string) int {
	fd, err := unix.Open(path, unix.O_RDONLY|unix.O_NONBLOCK, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Close(fd)
	n, err := unix.IoctlGetUint32(fd, unix.TIOCINQ) // FIONREAD: a C int, 32 bits on every target
	if err != nil {
		t.Fatal(err)
	}
	return int(int32(n))
}

// TestSvstatMalformedStatusLikeC feeds svstat a supervise/status of every
// length from 0 to 40 bytes, random contents, five of each, with and
// without ./down, while something reads supervise/ok (so svstat gets as
// far as the status): ours prints exactly what /usr/bin/svstat prints.
func TestSvstatMalformedStatusLikeC(t *testing.T) {
	sd := seed(t)
	rng := rand.New(rand.NewPCG(sd, 11))
	report(t, "seed %d", sd)
	oracle := testkit.Oracle(t, "svstat")
	dir := t.TempDir()
	mkdirs(t, filepath.Join(dir, "supervise"))
	ok := filepath.Join(dir, svstatus.OK)
	if err := unix.Mkfifo(ok, 0o600); err != nil {
		t.Fatal(err)
	}
	reader, err := unix.Open(ok, unix.O_RDONLY|unix.O_NONBLOCK, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Close(reader)
	cases := 0
	for size := 0; size <= 40; size++ {
		for k := range 5 {
			b := randomBytes(rng, size, "")
			if size >= 16 && k%2 == 0 {
				// A pid that exists or a plausible stamp now and then.
				copy(b[12:16], []byte{1, 0, 0, 0})
			}
			writeFile(t, filepath.Join(dir, svstatus.Status), string(b))
			os.Remove(filepath.Join(dir, "down"))
			if k%2 == 1 {
				writeFile(t, filepath.Join(dir, "down"), "")
			}
			var c, g result
			for try := 0; try < 3; try++ { // the seconds may tick between the runs
				c = run(t, dir, cleanEnv, nil, oracle, ".")
				g = run(t, dir, cleanEnv, nil, testkit.Path("svstat"), ".")
				if c.same(g) {
					break
				}
			}
			noPanic(t, "svstat", g.stderr)
			if !c.same(g) {
				t.Errorf("status % x: C %d %q %q, ours %d %q %q", b, c.code, c.stdout, c.stderr, g.code, g.stdout, g.stderr)
			}
			cases++
		}
	}
	report(t, "%d malformed status files: same output as C", cases)
}

// randomScript builds a multilog script from the PRNG: patterns over a
// small alphabet, e, status files, sizes and counts (with garbage in the
// numbers), directories, the processor cat, and arguments 0.76 ignores.
func randomScript(rng *rand.Rand) []string {
	pattern := func() string {
		n := rng.IntN(5)
		b := make([]byte, n)
		for i := range b {
			b[i] = "ab* "[rng.IntN(4)]
		}
		return string(b)
	}
	number := func() string {
		switch rng.IntN(6) {
		case 0:
			return ""
		case 1:
			return "99999999999999999999999"
		case 2:
			return fmt.Sprintf("%dx%d", rng.IntN(9000), rng.IntN(9))
		default:
			return fmt.Sprint(rng.IntN(20000))
		}
	}
	var script []string
	for range 1 + rng.IntN(10) {
		var a string
		switch rng.IntN(12) {
		case 0, 1:
			a = "+" + pattern()
		case 2, 3:
			a = "-" + pattern()
		case 4:
			a = "e"
		case 5:
			a = fmt.Sprintf("=st%d", rng.IntN(3))
		case 6:
			a = "s" + number()
		case 7:
			a = "n" + fmt.Sprint(rng.IntN(5))
		case 8, 9:
			a = fmt.Sprintf("./d%d", rng.IntN(3))
		case 10:
			a = "!cat"
		default:
			a = []string{"t", "x", "main/log", "", "-", "+", "=", "!"}[rng.IntN(8)]
		}
		script = append(script, a)
	}
	return script
}

// randomInput is lines over the same alphabet as the patterns, a few of
// them longer than multilog's 1000-byte line buffer, perhaps without a
// final newline.
func randomInput(rng *rand.Rand) []byte {
	var b bytes.Buffer
	for range rng.IntN(300) {
		n := rng.IntN(12)
		if rng.IntN(40) == 0 {
			n = 900 + rng.IntN(300)
		}
		for range n {
			b.WriteByte("ab* \t"[rng.IntN(5)])
		}
		b.WriteByte('\n')
	}
	if rng.IntN(3) == 0 {
		b.WriteString("no newline at the end")
	}
	return b.Bytes()
}

// logState is what a multilog run leaves in its working directory, in a
// form free of timestamps: per log directory the number of finished
// files and all contents in writing order; status files as they are.
func logState(t testing.TB, dir string) string {
	var out strings.Builder
	ents, _ := os.ReadDir(dir)
	for _, e := range ents {
		p := filepath.Join(dir, e.Name())
		if !e.IsDir() {
			b, _ := os.ReadFile(p)
			fmt.Fprintf(&out, "file %s %q\n", e.Name(), b)
			continue
		}
		files, _ := logFiles(p)
		fmt.Fprintf(&out, "dir %s: %d files\n", e.Name(), len(files))
		for _, f := range files {
			b, _ := os.ReadFile(f)
			out.Write(b)
		}
	}
	return out.String()
}

// TestMultilogFuzzedScriptsLikeC runs 300 random scripts on random input
// through ours and /usr/bin/multilog: no crash, and the same exit status,
// stderr, status files, number of log files and logged bytes.
func TestMultilogFuzzedScriptsLikeC(t *testing.T) {
	sd := seed(t)
	rng := rand.New(rand.NewPCG(sd, 13))
	report(t, "seed %d", sd)
	oracle := testkit.Oracle(t, "multilog")
	diffs := 0
	for i := range 300 {
		script, input := randomScript(rng), randomInput(rng)
		if script[0] == "t" {
			script[0] = "x" // timestamps would differ
		}
		cdir, gdir := t.TempDir(), t.TempDir()
		c := run(t, cdir, cleanEnv, input, append([]string{oracle}, script...)...)
		g := run(t, gdir, cleanEnv, input, append([]string{testkit.Path("multilog")}, script...)...)
		noPanic(t, "multilog", g.stderr)
		if g.code != 0 && g.code != 111 {
			t.Errorf("script %q: exit %d", script, g.code)
		}
		cs, gs := logState(t, cdir), logState(t, gdir)
		if !c.same(g) || cs != gs {
			diffs++
			if diffs <= 5 {
				t.Errorf("case %d script %q:\nC:    exit %d stderr %q\n%s\nours: exit %d stderr %q\n%s", i, script,
					c.code, c.stderr, clip(cs), g.code, g.stderr, clip(gs))
			}
		}
	}
	report(t, "300 random scripts: %d differ from C", diffs)
}

func clip(s string) string {
	if len(s) > 600 {
		return s[:600] + "..."
	}
	return s
}

// TestMultilogKeepsHugeAndNulLines sends a 1 MiB line with NUL bytes in
// it, short lines with NULs and an unterminated last line through ours and
// the C multilog, with the default size (the long line spans files) and
// the largest: the files together hold exactly the input plus the final
// newline.
func TestMultilogKeepsHugeAndNulLines(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	var in bytes.Buffer
	in.WriteString("first\n")
	in.Write(randomBytes(rng, 1<<20, "\n"))
	in.WriteString("\nx\x00y\n\x00\n\n")
	in.WriteString("last line without newline")
	want := append(bytes.Clone(in.Bytes()), '\n')
	for _, prog := range []string{testkit.Path("multilog"), testkit.Oracle(t, "multilog")} {
		for _, script := range [][]string{{"n1000", "./d"}, {"s16777215", "./d"}} {
			dir := t.TempDir()
			r := run(t, dir, cleanEnv, in.Bytes(), append([]string{prog}, script...)...)
			noPanic(t, prog, r.stderr)
			if r.code != 0 || len(r.stderr) > 0 {
				t.Fatalf("%s %v: exit %d, stderr %q", prog, script, r.code, r.stderr)
			}
			files, _ := logFiles(filepath.Join(dir, "d"))
			var got []byte
			for _, f := range files {
				b, _ := os.ReadFile(f)
				got = append(got, b...)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("%s %v: %d bytes in %d files, want the %d input bytes", prog, script, len(got), len(files), len(want))
			}
		}
	}
	report(t, "1 MiB line with NULs: kept byte for byte (ours and C, s99999 and s16777215)")
}

// TestEnvdirHostileDirectoriesLikeC runs ours and /usr/bin/envdir on
// directories of random binary files, a 64 MiB file with an early newline,
// a 64 MiB file without newline, a symbolic link loop (as the directory
// and as a file), and a subdirectory: same exit status, output and
// messages; our memory stays within twice C's plus 16 MiB.
func TestEnvdirHostileDirectoriesLikeC(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	oracle := testkit.Oracle(t, "envdir")
	top := t.TempDir()
	cases := map[string]func(dir string){
		"binary files": func(dir string) {
			for i := range 20 {
				writeFile(t, filepath.Join(dir, fmt.Sprintf("V%02d", i)), string(randomBytes(rng, rng.IntN(300), "")))
			}
		},
		"64 MiB, newline at byte 9": func(dir string) {
			b := bytes.Repeat([]byte("y"), 64<<20)
			copy(b, "short\t  \n")
			writeFile(t, filepath.Join(dir, "HUGE"), string(b))
		},
		"64 MiB, no newline": func(dir string) {
			writeFile(t, filepath.Join(dir, "HUGE"), strings.Repeat("z", 64<<20))
		},
		"file is a symlink loop": func(dir string) {
			os.Symlink("LOOP", filepath.Join(dir, "LOOP"))
		},
		"subdirectory": func(dir string) {
			mkdirs(t, filepath.Join(dir, "SUB"))
		},
	}
	for name, fill := range cases {
		dir := filepath.Join(top, strings.ReplaceAll(name, " ", "_"))
		mkdirs(t, dir)
		fill(dir)
		compareEnvdir(t, name, dir, oracle)
	}
	loop := filepath.Join(top, "loop")
	os.Symlink("loop", loop)
	compareEnvdir(t, "directory is a symlink loop", loop, oracle)
}

func compareEnvdir(t *testing.T, name, dir, oracle string) {
	t.Helper()
	c, cRSS := runMeasured(t, oracle, dir, "/usr/bin/env")
	g, gRSS := runMeasured(t, testkit.Path("envdir"), dir, "/usr/bin/env")
	noPanic(t, "envdir", g.stderr)
	cs := bytes.ReplaceAll(c.stderr, []byte(oracle), []byte("envdir"))
	if c.code != g.code || !bytes.Equal(cs, g.stderr) || !sameLines(c.stdout, g.stdout) {
		t.Errorf("%s: C exit %d stderr %q (%d bytes out); ours exit %d stderr %q (%d bytes out)",
			name, c.code, c.stderr, len(c.stdout), g.code, g.stderr, len(g.stdout))
	}
	if gRSS > 2*cRSS+16<<10 {
		t.Errorf("%s: our envdir peaked at %d kB, C at %d kB", name, gRSS, cRSS)
	}
	report(t, "%s: exit %d (same as C); peak RSS ours %d kB, C %d kB", name, g.code, gRSS, cRSS)
}

// runMeasured runs argv under GNU time and returns its result and peak
// RSS in kB. (The rusage of a child of this test would count the pages
// it shared with this big test process when it was forked.)
func runMeasured(t *testing.T, argv ...string) (result, int64) {
	t.Helper()
	timeBin := "/usr/bin/time"
	if _, err := os.Stat(timeBin); err != nil {
		t.Skip("GNU time missing (apt-get install time)")
	}
	out := filepath.Join(t.TempDir(), "rss")
	r := run(t, "", cleanEnv, nil, append([]string{timeBin, "-q", "-f", "%M", "-o", out}, argv...)...)
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	var kb int64
	fmt.Sscan(string(b), &kb)
	return r, kb
}

// sameLines compares env outputs as sets of lines: envdir may reorder
// the environment (0.76 refills a removed entry's slot).
func sameLines(a, b []byte) bool {
	split := func(x []byte) map[string]int {
		m := map[string]int{}
		for _, l := range strings.Split(string(x), "\n") {
			m[l]++
		}
		return m
	}
	ma, mb := split(a), split(b)
	if len(ma) != len(mb) {
		return false
	}
	for k, v := range ma {
		if mb[k] != v {
			return false
		}
	}
	return true
}

// TestTai64nlocalGarbageLabels feeds tai64nlocal 20,000 lines starting
// with "@" and random label-like garbage (upper case, too few or too many
// digits, non-hex) mixed with valid labels: ours exits 0 without a crash,
// one output line per input line, lines without "@" unchanged, valid
// labels converted as the C program converts them. (The C program
// segfaults on absurd labels; that is recorded, not required.)
func TestTai64nlocalGarbageLabels(t *testing.T) {
	sd := seed(t)
	rng := rand.New(rand.NewPCG(sd, 17))
	report(t, "seed %d", sd)
	var garbage, valid bytes.Buffer
	for range 20000 {
		var l []byte
		switch rng.IntN(4) {
		case 0:
			l = []byte("@")
			for range rng.IntN(40) {
				l = append(l, "0123456789abcdefABCDEF@xyz \t"[rng.IntN(28)])
			}
		case 1:
			l = append([]byte("@"), randomBytes(rng, rng.IntN(40), "\n")...)
		case 2:
			l = randomBytes(rng, rng.IntN(40), "\n@")
		default:
			l = fmt.Appendf(nil, "@4000000%09x%08x rest", rng.IntN(1<<34), rng.IntN(1e9))
			valid.Write(l)
			valid.WriteByte('\n')
		}
		garbage.Write(l)
		garbage.WriteByte('\n')
	}
	g := run(t, "", cleanEnv, garbage.Bytes(), testkit.Path("tai64nlocal"))
	noPanic(t, "tai64nlocal", g.stderr)
	if g.code != 0 || g.signal != 0 {
		t.Fatalf("tai64nlocal on garbage: exit %d signal %d, stderr %q", g.code, g.signal, g.stderr)
	}
	in, out := bytes.Split(garbage.Bytes(), []byte("\n")), bytes.Split(g.stdout, []byte("\n"))
	if len(in) != len(out) {
		t.Fatalf("%d lines in, %d out", len(in), len(out))
	}
	for i := range in {
		if !bytes.HasPrefix(in[i], []byte("@")) && !bytes.Equal(in[i], out[i]) {
			t.Errorf("line %d %q came out as %q", i, in[i], out[i])
		}
	}
	c := run(t, "", cleanEnv, garbage.Bytes(), testkit.Oracle(t, "tai64nlocal"))
	cv := run(t, "", cleanEnv, valid.Bytes(), testkit.Oracle(t, "tai64nlocal"))
	gv := run(t, "", cleanEnv, valid.Bytes(), testkit.Path("tai64nlocal"))
	if !cv.same(gv) {
		t.Errorf("valid labels: C and ours differ:\n%s", testkit.LineDiff(string(cv.stdout), string(gv.stdout)))
	}
	report(t, "20000 garbage lines: ours exit 0, %d lines; C on the same: exit %d signal %d; valid labels same as C", len(out), c.code, c.signal)
}

package multilog

import (
	"os"
	"path/filepath"
	"testing"
)

// BenchmarkQmailSendScript runs Main in-process on qmail-like lines with
// the HOW-TO's qmail-send script, for profiling (go test -bench . -cpuprofile).
// scripts/bench/multilog.sh compares the built program with 0.76.
func BenchmarkQmailSendScript(b *testing.B) {
	dir := b.TempDir()
	in := filepath.Join(dir, "input")
	data := qmailLines(200000, 7)
	if err := os.WriteFile(in, data, 0o644); err != nil {
		b.Fatal(err)
	}
	script := []string{"t", "./main",
		"-* status: *", "-* starting delivery *", "-* delivery * success*", "-* delivery * failure*",
		"-* new msg *", "-* info msg *", "-* end msg *", "-* bounce msg *",
		"-* delivery * deferral: Sorry,_I_couldn't_find_any_host_by_that_name*",
		"-* delivery * deferral: Sorry,_I_wasn't_able_to_establish_an_SMTP_*",
		"./alert", "-*", "+* status: *", "=status"}
	wd, _ := os.Getwd()
	defer os.Chdir(wd)
	b.SetBytes(int64(len(data)))
	for i := 0; i < b.N; i++ {
		run := filepath.Join(dir, "run")
		os.RemoveAll(run)
		os.Mkdir(run, 0o755)
		os.Chdir(run)
		f, _ := os.Open(in)
		if code := Main(script, f, os.Stderr); code != 0 {
			b.Fatalf("exit %d", code)
		}
		f.Close()
	}
}

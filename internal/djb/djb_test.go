package djb

import (
	"bytes"
	"fmt"
	"os"
	"syscall"
	"testing"
)

func TestErrStrWording(t *testing.T) {
	_, err := os.Open("/nonexistent/x")
	cases := []struct {
		err  error
		want string
	}{
		{nil, "no error"},
		{err, "file does not exist"},
		{syscall.EAGAIN, "temporary failure"},
		{syscall.ELOOP, "symbolic link loop"},
		{syscall.EACCES, "access denied"},
		{syscall.ENXIO, "device not configured"},
		{fmt.Errorf("wrapped: %w", syscall.ENOSPC), "out of disk space"},
		{syscall.Errno(4000), "unknown error"},
		{fmt.Errorf("plain"), "unknown error"},
	}
	for _, c := range cases {
		if got := ErrStr(c.err); got != c.want {
			t.Errorf("ErrStr(%v) = %q, want %q", c.err, got, c.want)
		}
	}
}

func parseAll(args []string, opts string) (string, []string, string) {
	var errs bytes.Buffer
	g := NewGetopt(args, &errs)
	var got []byte
	for {
		c := g.Next(opts)
		if c == Done {
			break
		}
		got = append(got, byte(c))
		if g.Arg != "" {
			got = append(got, '['+0)
			got = append(got, g.Arg...)
			got = append(got, ']')
		}
		if c == '?' {
			break
		}
	}
	return string(got), g.Operands(), errs.String()
}

func TestGetoptLikeSgetopt(t *testing.T) {
	cases := []struct {
		args    []string
		opts    string
		want    string
		operand string
		errs    string
	}{
		{[]string{"svc", "-dx", "a"}, "udx", "dx", "a", ""},
		{[]string{"svc", "-d", "-x", "--", "-a"}, "udx", "dx", "-a", ""},
		{[]string{"svc", "-d", "-", "b"}, "udx", "d", "- b", ""},
		{[]string{"svc", "a", "-d"}, "udx", "", "a -d", ""},
		{[]string{"/usr/bin/svc", "-z"}, "udx", "?", "-z", "svc: illegal option -- z\n"},
		{[]string{"softlimit", "-o17", "x"}, "o:", "o[17]", "x", ""},
		{[]string{"softlimit", "-o", "17", "x"}, "o:", "o[17]", "x", ""},
		{[]string{"softlimit", "-o"}, "o:", "?", "", "softlimit: option requires an argument -- o\n"},
		{[]string{"setlock", "-nx", "--foo", "f"}, "nNxX", "nx", "f", ""},
	}
	for _, c := range cases {
		got, ops, errs := parseAll(c.args, c.opts)
		if got != c.want || fmt.Sprint(ops) != fmt.Sprint(splitOrNil(c.operand)) || errs != c.errs {
			t.Errorf("%v: got %q %q %q, want %q %q %q", c.args, got, ops, errs, c.want, c.operand, c.errs)
		}
	}
}

func splitOrNil(s string) []string {
	if s == "" {
		return []string{}
	}
	return bytes2strings(bytes.Fields([]byte(s)))
}

func bytes2strings(b [][]byte) []string {
	out := make([]string, len(b))
	for i := range b {
		out[i] = string(b[i])
	}
	return out
}

func TestMessages(t *testing.T) {
	var b bytes.Buffer
	FatalErr(&b, "setlock", syscall.ENOENT, "unable to open ", "nonexistent/lock")
	Warn(&b, "svc", "unable to control ", "x", ": supervise not running")
	Usage(&b, "svok", "svok dir")
	want := "setlock: fatal: unable to open nonexistent/lock: file does not exist\n" +
		"svc: warning: unable to control x: supervise not running\n" +
		"svok: usage: svok dir\n"
	if b.String() != want {
		t.Errorf("got %q", b.String())
	}
}

package chainload_test

import "testing"

// TestUsageLinesAndExitCodes: every program's "PROG: usage:" line and
// exit code for missing arguments (envdir's is 111), as 0.76 prints them.
func TestUsageLinesAndExitCodes(t *testing.T) {
	cases := map[string][][]string{
		"setuidgid": {{}, {"root"}},
		"envuidgid": {{}, {"root"}},
		"envdir":    {{}, {"/"}},
		"softlimit": {{}, {"-o", "5"}, {"--"}},
		"setlock":   {{}, {"file"}, {"-n", "file"}, {"--", "file"}},
		"fghack":    {{}},
		"pgrphack":  {{}},
	}
	for name, argvs := range cases {
		for _, args := range argvs {
			r := same(t, name, withArgs(args...))
			if r.code != 100 && r.code != 111 {
				t.Errorf("%s %q: exit %d", name, args, r.code)
			}
		}
	}
}

// TestGetoptAsDJB: softlimit's and setlock's options go through DJB's
// getopt: bundled letters, attached and separate option arguments, "--",
// a lone "-" as operand, and the two getopt error lines before usage.
func TestGetoptAsDJB(t *testing.T) {
	for _, args := range [][]string{
		{"-z", "true"},
		{"-o"},
		{"-o17", "/bin/true"},
		{"-o", "17", "-c0", "/bin/true"},
		{"--", "/bin/true"},
		{"-o", "5", "--", "-o"},
		{"-", "x"},
		{"-o5z", "true"},
	} {
		same(t, "softlimit", withArgs(args...))
	}
	for _, args := range [][]string{
		{"-q", "f", "true"},
		{"-nxXN"},
		{"-", "true"},
	} {
		same(t, "setlock", withArgs(args...))
	}
}

package multilog

import (
	"strings"
	"testing"
)

// refMatch is the pattern language read straight from the spec, written
// as a recursion on the pattern rather than as compiled steps.
func refMatch(p string, s []byte) bool {
	if p == "" {
		return len(s) == 0
	}
	if p[0] != '*' {
		return len(s) > 0 && s[0] == p[0] && refMatch(p[1:], s[1:])
	}
	if len(p) == 1 {
		return true
	}
	for k := 0; k < len(s); k++ {
		if s[k] == p[1] {
			return refMatch(p[1:], s[k:]) // the first p[1] only: no backtracking
		}
	}
	return false
}

func TestPatternRtsCases(t *testing.T) {
	cases := []struct {
		p    string
		yes  []string
		none []string
	}{
		{"one", []string{"one"}, []string{"one*", "onetwo", "on", "", " one"}},
		{"", []string{""}, []string{"one", " "}},
		{"*", []string{"", "one", "*"}, nil},
		{"one*", []string{"one", "one*", "onetwo"}, []string{"on", " one"}},
		{"* one", []string{" one", "x one", "* one", "xy one"}, []string{"  one", "one", "xy one "}},
		{"* * one", []string{"  one", "x  one", " y one", "x y one"}, []string{"one", " one", "   one"}},
	}
	for _, c := range cases {
		for _, s := range c.yes {
			if !Compile(c.p).Match([]byte(s)) {
				t.Errorf("%q should match %q", c.p, s)
			}
		}
		for _, s := range c.none {
			if Compile(c.p).Match([]byte(s)) {
				t.Errorf("%q should not match %q", c.p, s)
			}
		}
	}
}

func FuzzMatch(f *testing.F) {
	for _, s := range []struct{ p, s string }{
		{"one", "one"}, {"* one", "  one"}, {"* * one", "x y one"}, {"**", "a*b"}, {"*", ""},
		{"", ""}, {"a**b", "a*xb"}, {"* status: *", "@4000 status: local 1/10"}, {"x*", "x\x00y"},
	} {
		f.Add(s.p, []byte(s.s))
	}
	f.Fuzz(func(t *testing.T, p string, s []byte) {
		if got, want := Compile(p).Match(s), refMatch(p, s); got != want {
			t.Fatalf("pattern %q line %q: got %v, spec says %v", p, s, got, want)
		}
	})
}

// refSettings finds the settings in force for the directory at index i
// by looking back for the last s, n and ! before it.
func refSettings(args []string, i int) DirSpec {
	d := DirSpec{Name: args[i], Size: DefaultSize, Num: DefaultNum}
	sizeSeen, numSeen := false, false
	for j := i - 1; j >= 0; j-- {
		a := args[j]
		if a == "" {
			continue
		}
		switch {
		case a[0] == 's' && !sizeSeen:
			sizeSeen = true
			n := refDigits(a[1:])
			switch {
			case n < MinSize:
				n = MinSize
			case n > MaxSize:
				n = MaxSize
			}
			d.Size = n
		case a[0] == 'n' && !numSeen:
			numSeen = true
			n := refDigits(a[1:])
			if n < MinNum {
				n = MinNum
			}
			d.Num = n
		case a[0] == '!' && !d.HasProcessor:
			d.Processor, d.HasProcessor = a[1:], true
		}
	}
	return d
}

// refDigits reads leading decimal digits, wrapping like C.
func refDigits(s string) uint64 {
	var n uint64
	for _, c := range []byte(s) {
		if c < '0' || c > '9' {
			break
		}
		n = n*10 + uint64(c-'0')
	}
	return n
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{
		"t\x00./main\x00-*\x00+* status: *\x00=status",
		"s4096\x00n3\x00./a\x00s5000\x00!cat\x00./b",
		"./d\x00t\x00e", "s\x00n\x00./d", "s99999999999999999999999\x00n0\x00/x", "", "\x00\x00",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, joined string) {
		args := strings.Split(joined, "\x00")
		s := Parse(args)
		if s.Timestamp != (len(args[0]) > 0 && args[0][0] == 't') {
			t.Fatalf("timestamp %v for %q", s.Timestamp, args)
		}
		if len(s.Actions) != len(args) {
			t.Fatalf("%d actions for %d args", len(s.Actions), len(args))
		}
		dirs := 0
		for i, a := range args {
			act := s.Actions[i]
			want := Ignore
			if a != "" {
				switch a[0] {
				case '+':
					want = Select
				case '-':
					want = Deselect
				case 'e':
					want = Alert
				case '=':
					want = Status
				case '.', '/':
					want = Dir
				}
			}
			if act.Kind != want {
				t.Fatalf("arg %q: kind %d, want %d", a, act.Kind, want)
			}
			if want == Dir {
				if act.Dir != dirs || s.Dirs[dirs] != refSettings(args, i) {
					t.Fatalf("arg %q: %+v, want %+v", a, s.Dirs[act.Dir], refSettings(args, i))
				}
				dirs++
			}
		}
		if dirs != len(s.Dirs) {
			t.Fatalf("%d dirs, want %d", len(s.Dirs), dirs)
		}
	})
}

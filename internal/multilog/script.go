package multilog

// Kind says what one argument of the script does to each line.
type Kind uint8

// The actions, chosen by the first byte of the argument exactly as 0.76's
// doit() switches on it. Everything else is ignored without a word.
const (
	Ignore   Kind = iota // unknown action, or a setting (s, n, !, t)
	Select               // +PATTERN
	Deselect             // -PATTERN
	Alert                // e...: selected lines to stderr
	Status               // =FILE
	Dir                  // ./DIR or /DIR
)

// Default settings of 0.76 and the limits it clamps them to.
const (
	DefaultSize = 99999
	MinSize     = 4096
	MaxSize     = 16777215
	DefaultNum  = 10
	MinNum      = 2
)

// Action is one argument of the script.
type Action struct {
	Kind    Kind
	Arg     string   // the argument without its first byte (pattern, file); the whole argument for Dir
	Pattern *Pattern // for Select and Deselect
	Dir     int      // for Dir: index into Script.Dirs
}

// DirSpec is a log directory with the settings in force where it appears.
type DirSpec struct {
	Name         string // as given, used in messages and relative to the starting directory
	Size         uint64
	Num          uint64
	Processor    string
	HasProcessor bool // "!" alone sets an empty processor, as in 0.76
}

// Script is a parsed multilog command line.
type Script struct {
	Timestamp bool // the first argument starts with 't'
	Actions   []Action
	Dirs      []DirSpec
}

// Parse reads the script the way 0.76 does: the settings s, n and ! apply
// to the directories after them, a 't' counts only as the first argument,
// unknown arguments are ignored, and nothing is ever a usage error.
func Parse(args []string) *Script {
	s := &Script{Actions: make([]Action, len(args))}
	if len(args) > 0 && len(args[0]) > 0 && args[0][0] == 't' {
		s.Timestamp = true
	}
	size, num := uint64(DefaultSize), uint64(DefaultNum)
	proc, hasProc := "", false
	for i, a := range args {
		act := &s.Actions[i]
		if a == "" {
			continue
		}
		switch a[0] {
		case 's':
			size = clampSize(scanUlong(a[1:]))
		case 'n':
			num = max(scanUlong(a[1:]), MinNum)
		case '!':
			proc, hasProc = a[1:], true
		case '+', '-':
			act.Kind = Select
			if a[0] == '-' {
				act.Kind = Deselect
			}
			act.Arg = a[1:]
			act.Pattern = Compile(a[1:])
		case 'e':
			act.Kind = Alert
		case '=':
			act.Kind, act.Arg = Status, a[1:]
		case '.', '/':
			act.Kind, act.Arg, act.Dir = Dir, a, len(s.Dirs)
			s.Dirs = append(s.Dirs, DirSpec{Name: a, Size: size, Num: num, Processor: proc, HasProcessor: hasProc})
		}
	}
	return s
}

func clampSize(n uint64) uint64 { return min(max(n, MinSize), MaxSize) }

// scanUlong is 0.76's scan_ulong: leading decimal digits, none meaning 0,
// wrapping silently on overflow like C's unsigned long.
func scanUlong(s string) uint64 {
	var n uint64
	for i := 0; i < len(s) && s[i] >= '0' && s[i] <= '9'; i++ {
		n = n*10 + uint64(s[i]-'0')
	}
	return n
}

package djb

import (
	"io"
	"strings"
)

// Done is what Getopt.Next returns when the options are over.
const Done = -1

// Getopt is daemontools' option parser (sgetopt/subgetopt). Options may be
// bundled ("-dx"); an option that takes an argument (a letter followed by
// ':' in the option string) takes the rest of the word ("-o17") or the next
// word ("-o 17"). "--" ends the options and is consumed (so is any word
// starting "--"); a lone "-" ends them and stays an operand. On a bad
// option Next prints "PROG: illegal option -- X" or "PROG: option requires
// an argument -- X" to Stderr, PROG being the base name of Args[0], and
// returns '?'.
type Getopt struct {
	Args   []string  // the whole argv, program name first
	Ind    int       // index of the next word to look at; operands start here when done
	Arg    string    // the argument of the option just returned
	Stderr io.Writer // where the two error lines go; nil for silence

	pos int
}

// NewGetopt starts parsing args (argv, program name included) after the
// program name.
func NewGetopt(args []string, stderr io.Writer) *Getopt {
	return &Getopt{Args: args, Ind: 1, Stderr: stderr}
}

// Operands returns the words left after the options.
func (g *Getopt) Operands() []string {
	if g.Ind > len(g.Args) {
		return nil
	}
	return g.Args[g.Ind:]
}

// Next returns the next option letter, '?' on a bad option, or Done.
func (g *Getopt) Next(opts string) int {
	c, problem := g.sub(opts)
	if c == '?' && g.Stderr != nil {
		prog := ""
		if len(g.Args) > 0 {
			prog = baseName(g.Args[0])
			if g.Args[0] == "" {
				prog = ""
			}
		}
		msg := ": illegal option -- "
		if g.Ind >= len(g.Args) {
			msg = ": option requires an argument -- "
		}
		io.WriteString(g.Stderr, prog+msg+string([]byte{problem})+"\n")
	}
	return c
}

func (g *Getopt) sub(opts string) (int, byte) {
	g.Arg = ""
	if g.Ind >= len(g.Args) {
		return Done, 0
	}
	if g.pos > 0 && g.pos >= len(g.Args[g.Ind]) {
		g.Ind++
		g.pos = 0
		if g.Ind >= len(g.Args) {
			return Done, 0
		}
	}
	w := g.Args[g.Ind]
	if g.pos == 0 {
		if len(w) == 0 || w[0] != '-' {
			return Done, 0
		}
		g.pos = 1
		if len(w) == 1 || w[1] == '-' {
			if len(w) > 1 {
				g.Ind++
			}
			g.pos = 0
			return Done, 0
		}
	}
	c := w[g.pos]
	g.pos++
	for i := 0; i < len(opts); i++ {
		if opts[i] == ':' {
			continue
		}
		if opts[i] != c {
			continue
		}
		if i+1 < len(opts) && opts[i+1] == ':' {
			g.Arg = w[g.pos:]
			g.Ind++
			g.pos = 0
			if g.Arg == "" {
				if g.Ind >= len(g.Args) {
					return '?', c
				}
				g.Arg = g.Args[g.Ind]
				g.Ind++
			}
		}
		return int(c), 0
	}
	return '?', c
}

// baseName is filepath.Base for slash-separated paths, here so that this
// package does not import os (see isTimeout).
func baseName(p string) string {
	if p == "" {
		return "."
	}
	p = strings.TrimRight(p, "/")
	if p == "" {
		return "/"
	}
	return p[strings.LastIndexByte(p, '/')+1:]
}

package multilog

import "bytes"

// Pattern is a compiled multilog pattern. The language has one special
// byte: '*' followed by a byte C skips the line up to the first C (never
// further: there is no backtracking) and matching goes on at that C; a
// final '*' matches whatever is left. Everything else matches itself, and
// the pattern is anchored at both ends.
type Pattern struct {
	steps []step
}

type step struct {
	op  uint8  // opLit, opSkip, opRest
	c   byte   // opSkip: the byte to skip to
	lit string // opLit: bytes that must follow exactly
}

const (
	opLit  = iota // the next bytes must be lit
	opSkip        // advance to the first c, failing if there is none
	opRest        // a final '*': the rest matches
)

// Compile turns the pattern text into steps.
func Compile(p string) *Pattern {
	var steps []step
	for i := 0; i < len(p); {
		if p[i] == '*' {
			if i+1 == len(p) {
				steps = append(steps, step{op: opRest})
				break
			}
			// The byte after '*' is not consumed here: it is matched by
			// the next step (a literal, or another '*').
			steps = append(steps, step{op: opSkip, c: p[i+1]})
			i++
			continue
		}
		j := i
		for j < len(p) && p[j] != '*' {
			j++
		}
		steps = append(steps, step{op: opLit, lit: p[i:j]})
		i = j
	}
	return &Pattern{steps: steps}
}

// Match reports whether the whole of line matches.
func (p *Pattern) Match(line []byte) bool {
	for _, s := range p.steps {
		switch s.op {
		case opRest:
			return true
		case opSkip:
			k := bytes.IndexByte(line, s.c)
			if k < 0 {
				return false
			}
			line = line[k:]
		default:
			if len(line) < len(s.lit) || string(line[:len(s.lit)]) != s.lit {
				return false
			}
			line = line[len(s.lit):]
		}
	}
	return len(line) == 0
}

package main

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"slices"
)

// nfpm writes Requires(post) (RPM.Requires.Post) but not Requires(preun)
// or Requires(postun), which rpmbuild adds for the interpreter of %preun
// and %postun.  addErasePrereqs gives them to the package nfpm has made:
// the plain Requires on names (flags 0) become Requires(preun,postun),
// flags written in place in the header, whose SHA-256 in the signature
// header is written again.  Nothing changes size, and the payload is
// untouched.  A plain Requires of a scriptlet's tool is the same
// dependency with the ordering for erasure added, so nothing is lost.
//
// The header layout is RPM's (lead, signature header padded to 8 bytes,
// header, payload); this is the layout rpmpack writes, with SHA-256 as its
// only header digest.  A signed package, or a digest this code does not
// rewrite, is refused rather than left with a stale signature.
const (
	rpmsenseScriptPreun  = 1 << 11
	rpmsenseScriptPostun = 1 << 12

	tagRequireFlags = 1048
	tagRequireName  = 1049

	sigTagSHA1   = 269
	sigTagSHA256 = 273
	sigTagDSA    = 267
	sigTagRSA    = 268
	sigTagMD5    = 1004
	sigTagPGP    = 1002
	sigTagGPG    = 1005

	rpmLeadSize = 96
)

// rpmHeaderSection is one header structure inside an rpm file: its byte
// range and its index entries by tag.
type rpmHeaderSection struct {
	start, end int // [start, end) in the file: magic, index, data store
	data       int // where the data store begins
	entries    map[uint32]rpmIndexEntry
}

type rpmIndexEntry struct{ typ, offset, count uint32 }

func parseRPMHeader(b []byte, start int) (rpmHeaderSection, error) {
	h := rpmHeaderSection{start: start, entries: map[uint32]rpmIndexEntry{}}
	if len(b) < start+16 || !bytes.Equal(b[start:start+4], []byte{0x8e, 0xad, 0xe8, 0x01}) {
		return h, fmt.Errorf("no rpm header at byte %d", start)
	}
	n := int(binary.BigEndian.Uint32(b[start+8:]))
	size := int(binary.BigEndian.Uint32(b[start+12:]))
	h.data = start + 16 + 16*n
	h.end = h.data + size
	if n > 1<<16 || h.end > len(b) {
		return h, fmt.Errorf("rpm header at byte %d: %d entries, %d bytes: truncated", start, n, size)
	}
	for i := 0; i < n; i++ {
		e := b[start+16+16*i:]
		h.entries[binary.BigEndian.Uint32(e)] = rpmIndexEntry{
			typ:    binary.BigEndian.Uint32(e[4:]),
			offset: binary.BigEndian.Uint32(e[8:]),
			count:  binary.BigEndian.Uint32(e[12:]),
		}
	}
	return h, nil
}

// strings reads a STRING_ARRAY entry.
func (h rpmHeaderSection) strings(b []byte, tag uint32) ([]string, error) {
	e, ok := h.entries[tag]
	if !ok || e.typ != 8 {
		return nil, fmt.Errorf("header tag %d: missing or not a string array", tag)
	}
	var out []string
	p := h.data + int(e.offset)
	for i := 0; i < int(e.count); i++ {
		end := bytes.IndexByte(b[p:h.end], 0)
		if end < 0 {
			return nil, fmt.Errorf("header tag %d: unterminated string", tag)
		}
		out = append(out, string(b[p:p+end]))
		p += end + 1
	}
	return out, nil
}

// addErasePrereqs edits the rpm file in b (see above) so that the plain
// Requires on each of names are Requires(preun,postun).
func addErasePrereqs(b []byte, names []string) error {
	if len(b) < rpmLeadSize || !bytes.Equal(b[:4], []byte{0xed, 0xab, 0xee, 0xdb}) {
		return fmt.Errorf("not an rpm file")
	}
	sig, err := parseRPMHeader(b, rpmLeadSize)
	if err != nil {
		return err
	}
	for _, tag := range []uint32{sigTagDSA, sigTagRSA, sigTagPGP, sigTagGPG, sigTagSHA1, sigTagMD5} {
		if _, ok := sig.entries[tag]; ok {
			return fmt.Errorf("signature header has tag %d: signed, or a digest not rewritten here", tag)
		}
	}
	digest, ok := sig.entries[sigTagSHA256]
	if !ok || digest.typ != 6 {
		return fmt.Errorf("signature header has no SHA-256 string")
	}
	hdr, err := parseRPMHeader(b, sig.end+(8-(sig.end-rpmLeadSize)%8)%8)
	if err != nil {
		return err
	}
	p := sig.data + int(digest.offset)
	if len(b) < p+sha256.Size*2+1 || b[p+sha256.Size*2] != 0 {
		return fmt.Errorf("signature header: SHA-256 string of unexpected length")
	}
	if before := sha256.Sum256(b[hdr.start:hdr.end]); hex.EncodeToString(before[:]) != string(b[p:p+sha256.Size*2]) {
		return fmt.Errorf("signature header: the SHA-256 is not the header's: not the layout expected")
	}
	required, err := hdr.strings(b, tagRequireName)
	if err != nil {
		return err
	}
	flags, ok := hdr.entries[tagRequireFlags]
	if !ok || flags.typ != 4 || int(flags.count) != len(required) {
		return fmt.Errorf("header: Requires flags missing or not one per name")
	}
	seen := map[string]bool{}
	for i, name := range required {
		f := hdr.data + int(flags.offset) + 4*i
		if slices.Contains(names, name) && binary.BigEndian.Uint32(b[f:]) == 0 {
			binary.BigEndian.PutUint32(b[f:], rpmsenseScriptPreun|rpmsenseScriptPostun)
			seen[name] = true
		}
	}
	for _, name := range names {
		if !seen[name] {
			return fmt.Errorf("header: no plain Requires %s to make Requires(preun,postun)", name)
		}
	}
	sum := sha256.Sum256(b[hdr.start:hdr.end])
	hex.Encode(b[p:p+sha256.Size*2], sum[:])
	return nil
}

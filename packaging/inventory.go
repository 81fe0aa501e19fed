package main

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
)

// programs are the seventeen programs of daemontools 0.76 and the two of
// ours beyond it (svwait, svinfo): the packages ship exactly these from
// -bin, and each needs its section 8 page.
var programs = []string{
	"svscan", "svscanboot", "readproctitle", "supervise", "svc", "svok",
	"svstat", "fghack", "pgrphack", "multilog", "tai64n", "tai64nlocal",
	"setuidgid", "envuidgid", "envdir", "softlimit", "setlock",
	"svwait", "svinfo",
}

// debianScripts are the programs of Debian's daemontools-run that the .deb
// ships, because it replaces that package: shell scripts from init/,
// installed in /usr/sbin, each with its section 8 page.  RPM distributions
// have no daemontools-run, so the .rpm ships neither script nor page.
var debianScripts = []string{"update-service"}

// overviewPage is the page that is not about one program.
const overviewPage = "daemontools.7"

// manPage is one page in man/, named NAME.SECTION.
type manPage string

func (m manPage) section() string { return strings.TrimPrefix(filepath.Ext(string(m)), ".") }

// debOnly reports whether the page is one of debianScripts', which the
// .rpm does not ship.
func (m manPage) debOnly() bool {
	name, ok := strings.CutSuffix(string(m), ".8")
	return ok && slices.Contains(debianScripts, name)
}

// staged is where writeStage puts the gzipped page, relative to the stage.
func (m manPage) staged() string { return "man/man" + m.section() + "/" + string(m) + ".gz" }

// installed is the page's path on the target system.
func (m manPage) installed() string {
	return "/usr/share/man/man" + m.section() + "/" + string(m) + ".gz"
}

// inventory is what goes into the packages.
type inventory struct {
	programs []string  // present in -bin, in the order of programs
	manPages []manPage // every page in man/, sorted
}

var manName = regexp.MustCompile(`^[a-z0-9][a-z0-9_.-]*\.[1-8]$`)

// takeInventory finds the programs in bin (unless bin is "") and the pages
// in manDir.  All the programs, their pages and the overview page are
// required unless partial, when what is missing is left out.
func takeInventory(bin, manDir string, partial bool) (inventory, error) {
	var inv inventory
	var missing []string
	if bin != "" {
		for _, p := range programs {
			fi, err := os.Stat(filepath.Join(bin, p))
			switch {
			case err == nil && fi.Mode().IsRegular():
				inv.programs = append(inv.programs, p)
			case err == nil || errors.Is(err, fs.ErrNotExist):
				missing = append(missing, filepath.Join(bin, p))
			default:
				return inv, fmt.Errorf("stat %s: %w", filepath.Join(bin, p), err)
			}
		}
	}
	entries, err := os.ReadDir(manDir)
	if err != nil && !(partial && errors.Is(err, fs.ErrNotExist)) {
		return inv, fmt.Errorf("read man page directory: %w", err)
	}
	for _, e := range entries {
		if manName.MatchString(e.Name()) && e.Type().IsRegular() {
			inv.manPages = append(inv.manPages, manPage(e.Name()))
		}
	}
	sort.Slice(inv.manPages, func(i, j int) bool { return inv.manPages[i] < inv.manPages[j] })
	for _, want := range requiredPages() {
		if !slices.Contains(inv.manPages, want) {
			missing = append(missing, filepath.Join(manDir, string(want)))
		}
	}
	if len(missing) > 0 && !partial {
		return inv, fmt.Errorf("missing (use -partial to package without them): %s", strings.Join(missing, " "))
	}
	return inv, nil
}

// requiredPages are NAME.8 for every program and Debian script, and the
// overview page.
func requiredPages() []manPage {
	pages := []manPage{overviewPage}
	for _, p := range slices.Concat(programs, debianScripts) {
		pages = append(pages, manPage(p+".8"))
	}
	return pages
}

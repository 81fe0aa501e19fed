package main

import (
	"os"
	"path"
	"path/filepath"
	"strings"
	"time"

	"github.com/goreleaser/nfpm/v2"
	"github.com/goreleaser/nfpm/v2/files"
)

const (
	packageName = "daemontools-go"
	maintainer  = "daemontools-go developers <daemontools-go@users.noreply.github.com>"
	homepage    = "https://github.com/daemontools-go/daemontools"
	docDir      = "/usr/share/doc/" + packageName
	licenseDir  = "/usr/share/licenses/" + packageName // rpm's %license
)

// description is the package's synopsis line and long description.
const description = `daemontools 0.76 service supervision tools, reimplemented in Go
daemontools-go is a drop-in reimplementation of D. J. Bernstein's
daemontools 0.76: svscan, supervise, svc, svok, svstat, multilog,
tai64n, tai64nlocal, setuidgid, envuidgid, envdir, softlimit, setlock,
fghack, pgrphack, readproctitle and svscanboot, with the same names,
arguments, output, exit codes and on-disk formats; and beyond it svwait
(waits for services to be up, ready or down) and svinfo (their status
as JSON).
.
This package also starts svscan at boot on /service (a systemd unit with
readiness notification and an ordered shutdown, and a SysV init script),
and replaces the daemontools and daemontools-run packages.`

// rpmDescription turns the Debian-style description (synopsis line, then
// paragraphs separated by " ." lines) into RPM's: the synopsis is the
// Summary, paragraphs are separated by empty lines.
func rpmDescription(deb string) string {
	_, long, _ := strings.Cut(deb, "\n")
	return strings.ReplaceAll(long, "\n.\n", "\n\n")
}

// formatPaths are the places where the deb and rpm conventions differ.
type formatPaths struct {
	unitDir     string // systemd system units
	initScript  string // the SysV init script
	initType    string // Debian wants everything under /etc as a conffile
	defaultFile string // the settings read by the unit and the init script
	stagedInit  bool   // the init script is the staged copy (rpmInitScript)
}

var paths = map[string]formatPaths{
	"deb": {"/lib/systemd/system", "/etc/init.d/svscan", files.TypeConfig, "/etc/default/svscan", false},
	"rpm": {"/usr/lib/systemd/system", "/etc/rc.d/init.d/svscan", files.TypeFile, "/etc/sysconfig/svscan", true},
}

// initSource is where the format's init script comes from.
func (p formatPaths) initSource(src, stage string) string {
	if p.stagedInit {
		return filepath.Join(stage, "init/svscan.rpm.init")
	}
	return filepath.Join(src, "init/svscan.init")
}

// rpmRelations are the .rpm's relations to the names RPM distributions
// have given daemontools 0.76 (plain "daemontools", QmailToaster's
// "daemontools-toaster"): each is obsoleted below 0.76.1 and provided at
// 0.76.1, above every version obsoleted, so that the package never
// obsoletes what it provides and a "Requires: daemontools >= 0.76" stays
// met.  (GoReleaser cannot put the package's own version in a relation,
// so both builds use this fixed one.)
var rpmRelations = struct{ provides, obsoletes []string }{
	provides:  []string{"daemontools = 0.76.1", "daemontools-toaster = 0.76.1"},
	obsoletes: []string{"daemontools < 0.76.1", "daemontools-toaster < 0.76.1"},
}

// debRelations are the .deb's relations to Debian's daemontools (the
// programs, no maintainer scripts) and daemontools-run (/etc/service, its
// unit or inittab line, update-service).  Both are provided at a version
// above Debian's 1:0.76-8.1, which satisfies daemontools-run's "Depends:
// daemontools (>> 1:0.76)" and every versioned dependency on either name.
// daemontools is conflicted with and replaced: removing it runs no script.
// daemontools-run is only replaced, never conflicted with: removing it
// would run its prerm, which stops daemontools-run.service (under systemd
// that kills every service and logger of the tree at once), and its
// postrm, which runs svc -dx on the whole tree under sysvinit.  The
// package ships every file daemontools-run has (update-service, its page,
// the unit name, the documentation directory's files), so dpkg finds
// daemontools-run "disappeared" when ours is unpacked: it runs only its
// postrm with "disappear", which does nothing, and the running tree is
// taken over by postinst (daemontools(7), SWITCHING FROM DEBIAN'S
// DAEMONTOOLS).
var debRelations = struct{ provides, conflicts, replaces []string }{
	provides:  []string{"daemontools (= " + debProvidedVersion + ")", "daemontools-run (= " + debProvidedVersion + ")"},
	conflicts: []string{"daemontools"},
	replaces:  []string{"daemontools", "daemontools-run"},
}

// debProvidedVersion is the version at which the .deb provides Debian's
// package names.
const debProvidedVersion = "1:0.76-9"

// scriptletRequires is what the scriptlets cannot run without: the
// interpreter and coreutils (mkdir, chmod, dirname, sort, rmdir, rm).
// systemctl, chkconfig and service are called only when present.  nfpm
// writes Requires(post) but not Requires(preun) or Requires(postun): they
// are written as plain Requires here, which addErasePrereqs then makes
// Requires(preun,postun) (rpmheader.go).
var scriptletRequires = []string{"/bin/sh", "coreutils"}

// packageArch names each architecture of scripts/architectures as the
// formats do: the .deb as dpkg-architecture(1) lists Debian's ports, the
// .rpm as rpm's arch_canon table and the distributions name their builds
// (Fedora and RHEL: i686 for 32-bit x86, armv7hl for hard-float ARMv7).
// The keys are GoReleaser's names, GOARCH with GOARM appended for arm.
// nfpm's own table gives the same names but for 386's .rpm (i386); an
// architecture not listed here keeps nfpm's name.
var packageArch = map[string]struct{ deb, rpm string }{
	"amd64":    {"amd64", "x86_64"},
	"arm64":    {"arm64", "aarch64"},
	"arm5":     {"armel", "armv5tel"},
	"arm7":     {"armhf", "armv7hl"},
	"386":      {"i386", "i686"},
	"ppc64le":  {"ppc64el", "ppc64le"},
	"s390x":    {"s390x", "s390x"},
	"mips64le": {"mips64el", "mips64el"},
	"riscv64":  {"riscv64", "riscv64"},
	"loong64":  {"loong64", "loongarch64"},
}

// config is the whole package description, shared by both formats; the
// entries that differ carry their Packager. arch is GoReleaser's name of
// the build (GOARCH, GOARM appended for arm), which each format names as
// packageArch says: arm7 is armhf in a .deb and armv7hl in an .rpm.
func config(src, version, arch string, mtime time.Time, contents files.Contents) nfpm.Config {
	return nfpm.Config{
		Info: nfpm.Info{
			Name:          packageName,
			Arch:          arch,
			Platform:      "linux",
			Version:       version,
			VersionSchema: "none",
			Release:       "1",
			Section:       "admin",
			Priority:      "optional",
			Maintainer:    maintainer,
			Description:   description,
			Vendor:        packageName,
			Homepage:      homepage,
			License:       "MIT",
			MTime:         mtime,
			Overridables: nfpm.Overridables{
				Contents: contents,
				Scripts: nfpm.Scripts{
					PostInstall: filepath.Join(src, "packaging/scripts/postinstall.sh"),
					PreRemove:   filepath.Join(src, "packaging/scripts/preremove.sh"),
					PostRemove:  filepath.Join(src, "packaging/scripts/postremove.sh"),
				},
			},
		},
		Overrides: map[string]*nfpm.Overridables{
			"deb": {
				// preinst: only dpkg can tell that daemontools-run is
				// being replaced (the .rpm has no %pre).
				Scripts: nfpm.Scripts{
					PreInstall:  filepath.Join(src, "packaging/scripts/preinstall.sh"),
					PostInstall: filepath.Join(src, "packaging/scripts/postinstall.sh"),
					PreRemove:   filepath.Join(src, "packaging/scripts/preremove.sh"),
					PostRemove:  filepath.Join(src, "packaging/scripts/postremove.sh"),
				},
				Conflicts: debRelations.conflicts,
				Replaces:  debRelations.replaces,
				Provides:  debRelations.provides,
				// GOAMD64's baseline on amd64, as GoReleaser writes it
				// (and cannot be told not to): the same control file
				// either way.
				Deb: nfpm.Deb{Arch: packageArch[arch].deb, ArchVariant: archVariant(arch)},
			},
			"rpm": {
				Depends:  scriptletRequires,
				Provides: rpmRelations.provides,
				Replaces: rpmRelations.obsoletes, // nfpm writes them as Obsoletes
				RPM: nfpm.RPM{
					Arch:     packageArch[arch].rpm,
					Group:    "System Environment/Daemons",
					Summary:  "daemontools 0.76 service supervision tools, reimplemented in Go",
					Requires: nfpm.RPMRequires{Post: scriptletRequires},
				},
			},
		},
	}
}

// archVariant is the Deb.ArchVariant GoReleaser sets: GOAMD64 on amd64.
func archVariant(arch string) string {
	if arch == "amd64" {
		return "amd64v1"
	}
	return ""
}

// layout lists every file of both packages: src is the source tree, bin
// the built programs, stage the generated files (see writeStage).
func layout(src, bin, stage string, inv inventory) files.Contents {
	var c files.Contents
	add := func(from, to, typ, packager string, mode os.FileMode) {
		c = append(c, &files.Content{
			Source:      from,
			Destination: to,
			Type:        typ,
			Packager:    packager,
			FileInfo:    &files.ContentFileInfo{Mode: mode, Owner: "root", Group: "root"},
		})
	}
	for _, p := range inv.programs {
		add(filepath.Join(bin, p), "/usr/bin/"+p, files.TypeFile, "", 0o755)
	}
	// The .rpm flags documentation (%doc) and the licence (%license), which
	// rpm --excludedocs and --nodocs leave out; rpm's licence directory is
	// /usr/share/licenses.
	for _, m := range inv.manPages {
		add(filepath.Join(stage, m.staged()), m.installed(), files.TypeFile, "deb", 0o644)
		if !m.debOnly() {
			add(filepath.Join(stage, m.staged()), m.installed(), files.TypeRPMDoc, "rpm", 0o644)
		}
	}
	// daemontools-run's tool, and the directory its /etc/ rule links
	// supervise/ into, as that package ships it.
	for _, s := range debianScripts {
		add(filepath.Join(src, "init", s), "/usr/sbin/"+s, files.TypeFile, "deb", 0o755)
	}
	add("", "/var/lib/supervise", files.TypeDir, "deb", 0o755)
	// Owned explicitly, or rpm -e would leave them behind.
	add("", docDir, files.TypeDir, "", 0o755)
	add("", licenseDir, files.TypeDir, "rpm", 0o755)
	add(filepath.Join(src, "init/rc.local.svscan"), docDir+"/rc.local.svscan", files.TypeFile, "deb", 0o644)
	add(filepath.Join(src, "init/rc.local.svscan"), docDir+"/rc.local.svscan", files.TypeRPMDoc, "rpm", 0o644)
	add(filepath.Join(stage, "doc/copyright"), docDir+"/copyright", files.TypeFile, "deb", 0o644)
	add(filepath.Join(stage, "doc/copyright"), licenseDir+"/copyright", files.TypeRPMLicense, "rpm", 0o644)
	// Debian has it in /usr/share/common-licenses; RPM systems may not.
	add(filepath.Join(src, "packaging/licenses/Apache-2.0"), licenseDir+"/Apache-2.0", files.TypeRPMLicense, "rpm", 0o644)
	add(filepath.Join(stage, "doc/changelog.Debian.gz"), docDir+"/changelog.Debian.gz", files.TypeFile, "deb", 0o644)
	add(filepath.Join(src, "packaging/lintian-overrides"), "/usr/share/lintian/overrides/"+packageName, files.TypeFile, "deb", 0o644)
	addDebianRun(add, src)
	for _, format := range []string{"deb", "rpm"} {
		p := paths[format]
		add(filepath.Join(src, "init/svscan.service"), path.Join(p.unitDir, "svscan.service"), files.TypeFile, format, 0o644)
		add(p.initSource(src, stage), p.initScript, p.initType, format, 0o755)
		add(filepath.Join(src, "init/default/svscan"), p.defaultFile, files.TypeConfigNoReplace, format, 0o644)
	}
	return c
}

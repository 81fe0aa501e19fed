package main

import (
	"fmt"
	"go/types"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"
)

// distroArch is what the distributions call each architecture of
// scripts/architectures: Debian's port names (amd64 ... loong64), and the
// rpm architecture of the distributions that build for it: Fedora and
// RHEL (x86_64, aarch64, i686 for their 32-bit x86 builds, armv7hl for
// hard-float ARMv7, ppc64le, s390x, riscv64), loongarch64 as rpm and the
// LoongArch distributions name it, armv5tel and mips64el as rpm does
// (no current Fedora builds for them).
var distroArch = map[string]struct{ deb, rpm string }{
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

// TestPackageArchitectureNames builds the .deb and the .rpm of every
// architecture in scripts/architectures (programs left out: -partial, the
// pages only) and lists the names they carry, in the file name and in the
// package (dpkg's Architecture field, rpm's ARCH tag). Each must be the
// distributions' name (distroArch), the name scripts/architectures gives,
// a Debian port that dpkg-architecture knows with the Go target's word
// size and byte order, and an rpm architecture with a platform in rpm's
// tables of the same word size.
func TestPackageArchitectureNames(t *testing.T) {
	need(t, "dpkg-deb")
	need(t, "dpkg-architecture")
	need(t, "rpm")
	t.Parallel()
	listed := architecturesList(t)
	var keys []string
	for a := range listed {
		keys = append(keys, a)
	}
	slices.Sort(keys)
	if len(keys) != len(distroArch) {
		t.Errorf("scripts/architectures lists %v; the distributions' names are known for %d", keys, len(distroArch))
	}
	ports := strings.Fields(output(t, time.Minute, "dpkg-architecture", "-L"))
	rpmrc, err := os.ReadFile("/usr/lib/rpm/rpmrc")
	if err != nil {
		t.Fatal(err)
	}
	var canon []string
	for _, m := range regexp.MustCompile(`(?m)^arch_canon:\s*\S+:\s*(\S+)`).FindAllSubmatch(rpmrc, -1) {
		canon = append(canon, string(m[1]))
	}

	empty := t.TempDir()
	table := []string{fmt.Sprintf("%-9s %-9s %-12s %s", "GoReleaser", ".deb", ".rpm", "files")}
	for _, a := range keys {
		want, ok := distroArch[a]
		if !ok {
			t.Errorf("%s: no distribution name known", a)
			continue
		}
		if listed[a] != want {
			t.Errorf("%s: scripts/architectures says %v, the distributions %v", a, listed[a], want)
		}
		if packageArch[a] != want {
			t.Errorf("%s: the packaging program names it %v, the distributions %v", a, packageArch[a], want)
		}
		goarch := a
		if a == "arm5" || a == "arm7" {
			goarch = "arm"
		}
		bits := 8 * types.SizesFor("gc", goarch).Sizeof(types.Typ[types.Uintptr])
		endian := "little"
		if goarch == "s390x" {
			endian = "big" // the one big-endian target of the list
		}
		if !slices.Contains(ports, want.deb) {
			t.Errorf("%s: %s is not a Debian port (dpkg-architecture -L)", a, want.deb)
		} else {
			q := strings.Fields(output(t, time.Minute, "dpkg-architecture", "-a", want.deb, "-qDEB_HOST_ARCH_BITS"))
			e := strings.Fields(output(t, time.Minute, "dpkg-architecture", "-a", want.deb, "-qDEB_HOST_ARCH_ENDIAN"))
			if len(q) != 1 || q[0] != fmt.Sprint(bits) || len(e) != 1 || e[0] != endian {
				t.Errorf("%s: dpkg says %s is %v-bit %v-endian, Go %d-bit %s-endian", a, want.deb, q, e, bits, endian)
			}
		}
		if !slices.Contains(canon, want.rpm) {
			t.Errorf("%s: %s is not a canonical rpm architecture (arch_canon in /usr/lib/rpm/rpmrc)", a, want.rpm)
		}
		macros, err := os.ReadFile("/usr/lib/rpm/platform/" + want.rpm + "-linux/macros")
		if err != nil {
			t.Errorf("%s: no rpm platform %s-linux: %v", a, want.rpm, err)
		} else if m := regexp.MustCompile(`(?m)^%__isa_bits\s+(\d+)$`).FindSubmatch(macros); m == nil || string(m[1]) != fmt.Sprint(bits) {
			t.Errorf("%s: rpm's %s has __isa_bits %q, Go %d", a, want.rpm, m, bits)
		}

		out := t.TempDir()
		var stdout, stderr strings.Builder
		if run([]string{"-bin", empty, "-out", out, "-src", src, "-version", testVersion, "-arch", a, "-partial"}, &stdout, &stderr) != 0 {
			t.Fatalf("packaging -arch %s: %s", a, stderr.String())
		}
		deb := filepath.Join(out, "daemontools-go_"+testVersion+"-1_"+want.deb+".deb")
		rpm := filepath.Join(out, "daemontools-go-"+testVersion+"-1."+want.rpm+".rpm")
		if written := strings.Fields(stdout.String()); !slices.Equal(written, []string{deb, rpm}) {
			t.Errorf("%s: packaging wrote %q, want %q", a, written, []string{deb, rpm})
			continue
		}
		if got := strings.TrimSpace(output(t, time.Minute, "dpkg-deb", "-f", deb, "Architecture")); got != want.deb {
			t.Errorf("%s: the .deb's Architecture is %q, want %q", a, got, want.deb)
		}
		if got := output(t, time.Minute, "rpm", "-qp", "--nosignature", "--qf", "%{ARCH}", rpm); got != want.rpm {
			t.Errorf("%s: the .rpm's ARCH is %q, want %q", a, got, want.rpm)
		}
		table = append(table, fmt.Sprintf("%-10s %-9s %-12s %s %s", a, want.deb, want.rpm, filepath.Base(deb), filepath.Base(rpm)))
	}
	t.Log("package names per architecture:\n" + strings.Join(table, "\n"))
}

// architecturesList reads scripts/architectures: GoReleaser's name
// (GOARCH, GOARM appended) → the .deb and .rpm names in its comment.
func architecturesList(t *testing.T) map[string]struct{ deb, rpm string } {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(root, "scripts/architectures"))
	if err != nil {
		t.Fatal(err)
	}
	list := map[string]struct{ deb, rpm string }{}
	for _, l := range strings.Split(string(data), "\n") {
		arch, names, _ := strings.Cut(l, "#")
		if strings.TrimSpace(arch) == "" {
			continue
		}
		f := strings.Fields(names)
		if len(f) != 2 {
			t.Fatalf("scripts/architectures: %q lacks its .deb and .rpm names", l)
		}
		list[strings.ReplaceAll(strings.TrimSpace(arch), "/", "")] = struct{ deb, rpm string }{f[0], f[1]}
	}
	return list
}

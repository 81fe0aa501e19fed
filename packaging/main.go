// Command packaging builds daemontools-go's .deb and .rpm with nfpm used
// as a library, from the programs in -bin, the pages in man/ and the files
// in init/ and packaging/:
//
//	go run ./packaging -bin bin -out dist [-arch arm7]
//
// It owns the package layout: which file goes where in each format
// (layout.go), the maintainer scripts (scripts/) and the generated
// documentation (docs.go).  -stage writes only the generated files, for
// .goreleaser.yaml, whose nfpms section lists the same layout.
package main

import (
	"bytes"
	"cmp"
	"debug/buildinfo"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"github.com/goreleaser/nfpm/v2"
	_ "github.com/goreleaser/nfpm/v2/deb" // registers the "deb" packager
	_ "github.com/goreleaser/nfpm/v2/rpm" // registers the "rpm" packager
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("packaging", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var opt options
	fs.StringVar(&opt.bin, "bin", "bin", "directory holding the built programs")
	fs.StringVar(&opt.out, "out", "dist", "directory the packages are written to")
	fs.StringVar(&opt.src, "src", ".", "root of the source tree (man/, init/, packaging/)")
	fs.StringVar(&opt.version, "version", "", "package version (default: from git describe, else "+defaultVersion+")")
	fs.StringVar(&opt.stage, "stage", "", "only write the generated files (gzipped man pages, changelog, copyright) into this directory")
	fs.StringVar(&opt.formats, "formats", "deb,rpm", "comma-separated package formats")
	fs.StringVar(&opt.arch, "arch", "", "architecture, as GoReleaser names it: GOARCH, with GOARM for arm (arm5, arm7); default: the programs' own, from their build settings")
	fs.BoolVar(&opt.partial, "partial", false, "package whatever programs and man pages exist (development); default: all are required")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if opt.version == "" {
		opt.version = gitVersion(opt.src)
	}
	opt.mtime = sourceDate(opt.src)
	paths, err := build(opt)
	if err != nil {
		fmt.Fprintf(stderr, "packaging: %v\n", err)
		return 1
	}
	for _, p := range paths {
		fmt.Fprintln(stdout, p)
	}
	return 0
}

type options struct {
	bin, out, src, version, stage, formats string
	arch                                   string
	partial                                bool
	mtime                                  time.Time
}

// build writes the generated files and, unless -stage, the packages; it
// returns the paths written.
func build(opt options) ([]string, error) {
	stage := opt.stage
	if stage == "" {
		tmp, err := os.MkdirTemp("", "daemontools-go-stage-")
		if err != nil {
			return nil, fmt.Errorf("create staging directory: %w", err)
		}
		defer os.RemoveAll(tmp)
		stage = tmp
	}
	bin := opt.bin
	if opt.stage != "" {
		bin = "" // the programs are not staged
	}
	inv, err := takeInventory(bin, filepath.Join(opt.src, "man"), opt.partial)
	if err != nil {
		return nil, err
	}
	if err := writeStage(stage, opt.src, inv, opt.version, opt.mtime); err != nil {
		return nil, err
	}
	if opt.stage != "" {
		return []string{opt.stage}, nil
	}
	if opt.arch == "" && len(inv.programs) > 0 {
		if opt.arch, err = programArch(filepath.Join(bin, inv.programs[0])); err != nil {
			return nil, err
		}
	}
	opt.arch = cmp.Or(opt.arch, runtime.GOARCH)
	if err := os.MkdirAll(opt.out, 0o755); err != nil {
		return nil, fmt.Errorf("create %s: %w", opt.out, err)
	}
	var written []string
	for _, format := range splitList(opt.formats) {
		p, err := writePackage(format, opt, inv, stage)
		if err != nil {
			return nil, err
		}
		written = append(written, p)
	}
	return written, nil
}

// writePackage builds one package of the given format into opt.out.
func writePackage(format string, opt options, inv inventory, stage string) (string, error) {
	packager, err := nfpm.Get(format)
	if err != nil {
		return "", err
	}
	cfg := config(opt.src, opt.version, opt.arch, opt.mtime, layout(opt.src, opt.bin, stage, inv))
	info, err := cfg.Get(format)
	if err != nil {
		return "", fmt.Errorf("%s: %w", format, err)
	}
	if format == "rpm" {
		info.Description = rpmDescription(info.Description)
		info.Changelog = filepath.Join(stage, "doc/changelog.yml")
	}
	info = nfpm.WithDefaults(info)
	if err := nfpm.Validate(info); err != nil {
		return "", fmt.Errorf("%s: %w", format, err)
	}
	path := filepath.Join(opt.out, packager.ConventionalFileName(info))
	var pkg bytes.Buffer
	if err := packager.Package(info, &pkg); err != nil {
		return "", fmt.Errorf("build %s: %w", path, err)
	}
	if format == "rpm" {
		if err := addErasePrereqs(pkg.Bytes(), scriptletRequires); err != nil {
			return "", fmt.Errorf("build %s: %w", path, err)
		}
	}
	if err := os.WriteFile(path, pkg.Bytes(), 0o644); err != nil {
		return "", fmt.Errorf("write %s: %w", path, err)
	}
	return path, nil
}

// programArch is the architecture a Go program was built for, as
// GoReleaser names it: GOARCH, with GOARM appended for arm ("arm7").
func programArch(path string) (string, error) {
	info, err := buildinfo.ReadFile(path)
	if err != nil {
		return "", fmt.Errorf("architecture of %s: %w", path, err)
	}
	var goarch, goarm string
	for _, s := range info.Settings {
		switch s.Key {
		case "GOARCH":
			goarch = s.Value
		case "GOARM":
			goarm, _, _ = strings.Cut(s.Value, ",") // "7" or "7,softfloat"
		}
	}
	if goarch == "" {
		return "", fmt.Errorf("architecture of %s: no GOARCH in its build settings", path)
	}
	if goarch == "arm" {
		return goarch + goarm, nil
	}
	return goarch, nil
}

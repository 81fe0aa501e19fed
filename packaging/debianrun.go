package main

import (
	"os"
	"path/filepath"

	"github.com/goreleaser/nfpm/v2/files"
)

// debianRunDoc is daemontools-run's documentation directory.
const debianRunDoc = "/usr/share/doc/daemontools-run"

// addDebianRun adds to the .deb every path of Debian's daemontools-run
// (1:0.76-8.1) that update-service and /var/lib/supervise (layout.go) do
// not already account for: /etc/service, its unit name and the files of its documentation
// directory.  Owning every one of them makes dpkg note daemontools-run's
// "disappearance" when daemontools-go is unpacked over it, instead of
// removing it: only its postrm runs, with "disappear", and does nothing,
// where its prerm and postrm "remove" would stop the whole tree
// (debRelations).  The documentation files are a note on what became of
// the package and links to ours.
func addDebianRun(add func(from, to, typ, packager string, mode os.FileMode), src string) {
	add("", "/etc/service", files.TypeDir, "deb", 0o755)
	add(filepath.Join(src, "init/daemontools-run.service"), "/lib/systemd/system/daemontools-run.service", files.TypeFile, "deb", 0o644)
	add("", debianRunDoc, files.TypeDir, "deb", 0o755)
	add(filepath.Join(src, "packaging/daemontools-run/README.Debian"), debianRunDoc+"/README.Debian", files.TypeFile, "deb", 0o644)
	for name, target := range map[string]string{
		"copyright":           "../" + packageName + "/copyright",
		"changelog.Debian.gz": "../" + packageName + "/changelog.Debian.gz",
		"changelog.gz":        "../" + packageName + "/changelog.Debian.gz",
	} {
		add(target, debianRunDoc+"/"+name, files.TypeSymlink, "deb", 0o777)
	}
}

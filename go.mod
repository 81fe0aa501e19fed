module github.com/daemontools-go/daemontools

go 1.26.8

package testkit

import (
	"errors"
	"os/exec"
	"testing"
)

// ExitCode turns the error of exec.Cmd's Run or Wait into the program's
// exit status (-1 when a signal killed it); any other error (the program
// could not be started) fails the test.
func ExitCode(t testing.TB, err error) int {
	t.Helper()
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		return ee.ExitCode()
	}
	if err != nil {
		t.Fatal(err)
	}
	return 0
}

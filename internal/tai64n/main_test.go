package tai64n_test

import (
	"testing"

	"github.com/daemontools-go/daemontools/internal/testkit"
)

func TestMain(m *testing.M) { testkit.Main(m, "tai64n", "tai64nlocal") }

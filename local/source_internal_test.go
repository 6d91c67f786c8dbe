package local

import (
	"testing"

	"github.com/rxspark/rxspark/internal/formats"
)

// local's re-exports name the readers' own values.
func TestReExports(t *testing.T) {
	if LevelsKey != formats.LevelsKey {
		t.Errorf("LevelsKey %q, formats.LevelsKey %q", LevelsKey, formats.LevelsKey)
	}
	if ErrBadInput != formats.ErrBadInput {
		t.Error("ErrBadInput is not formats.ErrBadInput")
	}
}

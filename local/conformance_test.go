package local_test

import (
	"testing"

	compute "github.com/rxspark/rxspark/context"
	"github.com/rxspark/rxspark/context/computetest"
	"github.com/rxspark/rxspark/local"
)

// TestConformance runs the compute-context conformance suite on the local
// context, with several workers and small reads so that every pass crosses
// chunk boundaries and merges partial results of workers.
func TestConformance(t *testing.T) {
	cc := local.New(local.Workers(3), local.RowsPerRead(50))
	computetest.TestContext(t, cc, computetest.Config{
		Formats: []compute.Format{compute.FormatParquet, compute.FormatCSV, compute.FormatArrow},
	})
}

// Command rxspark runs RevoScaleR-style analyses (summary, linear models,
// ...) on data in files or on HDFS, locally on all cores or on a Spark
// cluster through Spark Connect.
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/rxspark/rxspark/context/rexpr"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := newRootCmd().ExecuteContext(ctx)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "rxspark: "+err.Error())
		var se *rexpr.SyntaxError
		if errors.As(err, &se) {
			fmt.Fprintln(os.Stderr, se.Caret())
		}
		os.Exit(1)
	}
}

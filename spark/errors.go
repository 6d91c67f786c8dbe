package spark

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"

	"github.com/apache/spark-connect-go/spark/sparkerrors"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// Error is a failure reported by the Spark Connect server: a Spark error
// class (PATH_NOT_FOUND, UNRESOLVED_COLUMN.WITH_SUGGESTION, ...) and its
// message. Use errors.As to inspect it.
type Error struct {
	// Class is Spark's error class; empty for errors without one (a lost
	// connection, an internal error).
	Class string
	// SQLState is the SQL state of the error, when Spark gives one.
	SQLState string
	// Message is Spark's message, without the class and SQL state.
	Message string
	// Context is the part of the query Spark points at, when it does
	// (mostly rxspark's generated SQL, so it is not part of Error()).
	Context string
	// Code is the gRPC status code.
	Code codes.Code
	// Spark is the error as spark-connect-go decodes it.
	Spark *sparkerrors.SparkError
}

// Error renders "spark: [CLASS] message".
func (e *Error) Error() string {
	if e.Class != "" {
		return "spark: [" + e.Class + "] " + e.Message
	}
	return "spark: " + e.Message
}

// Unwrap returns the decoded Spark error.
func (e *Error) Unwrap() error { return e.Spark }

var (
	classPrefix = regexp.MustCompile(`^\[([A-Z0-9_.]+)\]\s*`)
	sqlState    = regexp.MustCompile(`\s*SQLSTATE: [0-9A-Z]{5}`)
)

// fromRPC converts an error of a Spark Connect call. Cancellation of ctx
// wins over whatever the call reported; errors that are not gRPC statuses
// pass through.
func fromRPC(ctx context.Context, what string, err error) error {
	if err == nil {
		return nil
	}
	if ctx.Err() != nil {
		return fmt.Errorf("%s: %w", what, context.Cause(ctx))
	}
	var already *Error
	if errors.As(err, &already) {
		return err
	}
	st, ok := status.FromError(err)
	if !ok {
		return fmt.Errorf("%s: %w", what, err)
	}
	switch st.Code() {
	case codes.Canceled:
		return fmt.Errorf("%s: %w", what, context.Canceled)
	case codes.DeadlineExceeded:
		return fmt.Errorf("%s: %w", what, context.DeadlineExceeded)
	}
	se := sparkerrors.FromRPCError(err)
	e := &Error{Class: se.ErrorClass, SQLState: se.SqlState, Code: st.Code(), Spark: se}
	msg := strings.TrimSpace(st.Message())
	if m := classPrefix.FindStringSubmatch(msg); m != nil {
		if e.Class == "" {
			e.Class = m[1]
		}
		msg = msg[len(m[0]):]
	}
	// Spark appends the SQL state and then, for some errors, the part of
	// the query in question or the analysed plan.
	if loc := sqlState.FindStringIndex(msg); loc != nil {
		e.Context = strings.TrimSpace(strings.TrimLeft(msg[loc[1]:], ";. \n"))
		msg = msg[:loc[0]]
	} else if i := strings.Index(msg, "\n== "); i >= 0 {
		e.Context = strings.TrimSpace(msg[i+1:])
		msg = msg[:i]
	}
	msg = strings.TrimSpace(msg)
	if e.Class == "" && st.Code() != codes.Unknown && st.Code() != codes.Internal {
		msg = st.Code().String() + ": " + msg
	}
	e.Message = msg
	return e
}

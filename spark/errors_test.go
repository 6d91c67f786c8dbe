package spark

import (
	"context"
	"errors"
	"testing"

	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

func TestFromRPC(t *testing.T) {
	ctx := context.Background()
	st, err := status.New(codes.Internal, "[PATH_NOT_FOUND] Path does not exist: hdfs://nn:8020/x. SQLSTATE: 42K03").
		WithDetails(&errdetails.ErrorInfo{Reason: "org.apache.spark.sql.AnalysisException",
			Metadata: map[string]string{"errorClass": "PATH_NOT_FOUND", "sqlState": "42K03"}})
	if err != nil {
		t.Fatal(err)
	}
	got := fromRPC(ctx, "spark", st.Err())
	var se *Error
	if !errors.As(got, &se) || se.Class != "PATH_NOT_FOUND" || se.SQLState != "42K03" {
		t.Fatalf("got %#v", got)
	}
	if want := "spark: [PATH_NOT_FOUND] Path does not exist: hdfs://nn:8020/x."; got.Error() != want {
		t.Errorf("message %q, want %q", got.Error(), want)
	}

	// The analysed plan after the SQL state goes to Context.
	st = status.New(codes.Internal, "[UNRESOLVED_COLUMN.WITH_SUGGESTION] A column `nope` cannot be resolved. SQLSTATE: 42703; line 1 pos 7;\n'Project ['nope]")
	got = fromRPC(ctx, "spark", st.Err())
	if !errors.As(got, &se) || se.Class != "UNRESOLVED_COLUMN.WITH_SUGGESTION" || se.Message != "A column `nope` cannot be resolved." ||
		se.Context != "line 1 pos 7;\n'Project ['nope]" {
		t.Errorf("got %#v", se)
	}

	// The query context after the message.
	st = status.New(codes.Internal, "[DIVIDE_BY_ZERO] Division by zero. SQLSTATE: 22012\n== SQL (line 1, position 8) ==\nSELECT 1D/0D")
	if got = fromRPC(ctx, "spark", st.Err()); got.Error() != "spark: [DIVIDE_BY_ZERO] Division by zero." {
		t.Errorf("got %q", got)
	}

	// Cancellation wins.
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if got := fromRPC(cctx, "spark", status.Error(codes.Canceled, "context canceled")); !errors.Is(got, context.Canceled) {
		t.Errorf("cancelled: got %v", got)
	}
	if got := fromRPC(ctx, "spark", status.Error(codes.DeadlineExceeded, "deadline")); !errors.Is(got, context.DeadlineExceeded) {
		t.Errorf("deadline: got %v", got)
	}
	if got := fromRPC(ctx, "spark", status.Error(codes.Unavailable, "connection refused")); got.Error() != "spark: Unavailable: connection refused" {
		t.Errorf("unavailable: got %q", got)
	}
}

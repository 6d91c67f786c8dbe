package spark

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync/atomic"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/ipc"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"google.golang.org/grpc"
	"google.golang.org/grpc/metadata"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/reflect/protoregistry"

	// The Spark Connect protocol messages are generated into an internal
	// package of spark-connect-go, which registers them with the protobuf
	// registry when linked in. Importing the client's base package links
	// them; the messages are then built by name through protoreflect.
	_ "github.com/apache/spark-connect-go/spark/client/base"
)

// The Spark Connect service methods this package calls.
const (
	methodExecutePlan    = "/spark.connect.SparkConnectService/ExecutePlan"
	methodAnalyzePlan    = "/spark.connect.SparkConnectService/AnalyzePlan"
	methodConfig         = "/spark.connect.SparkConnectService/Config"
	methodInterrupt      = "/spark.connect.SparkConnectService/Interrupt"
	methodReleaseSession = "/spark.connect.SparkConnectService/ReleaseSession"
)

var executePlanStream = &grpc.StreamDesc{StreamName: "ExecutePlan", ServerStreams: true}

// msgBuilder builds and reads Spark Connect protocol messages by field name.
// The first error (an unknown message or field name, which would mean the
// linked protocol does not match this code) sticks; every later call is a
// no-op and err reports it.
type msgBuilder struct{ err error }

func (b *msgBuilder) fail(format string, args ...any) {
	if b.err == nil {
		b.err = fmt.Errorf("spark connect protocol: "+format, args...)
	}
}

// new returns an empty spark.connect.<name> message.
func (b *msgBuilder) new(name string) protoreflect.Message {
	if b.err != nil {
		return nil
	}
	mt, err := protoregistry.GlobalTypes.FindMessageByName(protoreflect.FullName("spark.connect." + name))
	if err != nil {
		b.fail("message %s: %v", name, err)
		return nil
	}
	return mt.New()
}

func (b *msgBuilder) field(m protoreflect.Message, name string) protoreflect.FieldDescriptor {
	if b.err != nil || m == nil {
		return nil
	}
	fd := m.Descriptor().Fields().ByName(protoreflect.Name(name))
	if fd == nil {
		b.fail("%s has no field %s", m.Descriptor().FullName(), name)
	}
	return fd
}

// sub returns the (created) sub-message in field name of m; for a
// dotted path it descends through each field.
func (b *msgBuilder) sub(m protoreflect.Message, path string) protoreflect.Message {
	for _, name := range strings.Split(path, ".") {
		fd := b.field(m, name)
		if fd == nil {
			return nil
		}
		if fd.Message() == nil || fd.IsList() || fd.IsMap() {
			b.fail("%s.%s is not a message field", m.Descriptor().FullName(), name)
			return nil
		}
		m = m.Mutable(fd).Message()
	}
	return m
}

func (b *msgBuilder) set(m protoreflect.Message, name string, v protoreflect.Value) {
	if fd := b.field(m, name); fd != nil {
		m.Set(fd, v)
	}
}

func (b *msgBuilder) setString(m protoreflect.Message, name, v string) {
	b.set(m, name, protoreflect.ValueOfString(v))
}

func (b *msgBuilder) setBool(m protoreflect.Message, name string, v bool) {
	b.set(m, name, protoreflect.ValueOfBool(v))
}

func (b *msgBuilder) setInt64(m protoreflect.Message, name string, v int64) {
	b.set(m, name, protoreflect.ValueOfInt64(v))
}

// setEnum sets an enum field by the name of its value.
func (b *msgBuilder) setEnum(m protoreflect.Message, name, value string) {
	fd := b.field(m, name)
	if fd == nil {
		return
	}
	if fd.Enum() == nil {
		b.fail("%s.%s is not an enum", m.Descriptor().FullName(), name)
		return
	}
	ev := fd.Enum().Values().ByName(protoreflect.Name(value))
	if ev == nil {
		b.fail("enum %s has no value %s", fd.Enum().FullName(), value)
		return
	}
	m.Set(fd, protoreflect.ValueOfEnum(ev.Number()))
}

// addString appends to a repeated string field.
func (b *msgBuilder) addString(m protoreflect.Message, name string, vs ...string) {
	fd := b.field(m, name)
	if fd == nil {
		return
	}
	l := m.Mutable(fd).List()
	for _, v := range vs {
		l.Append(protoreflect.ValueOfString(v))
	}
}

// addMsg appends a new element to a repeated message field and returns it.
func (b *msgBuilder) addMsg(m protoreflect.Message, name string) protoreflect.Message {
	fd := b.field(m, name)
	if fd == nil {
		return nil
	}
	l := m.Mutable(fd).List()
	e := l.NewElement()
	l.Append(e)
	return e.Message()
}

// getMsg returns the sub-message in field name, or nil when unset.
func getMsg(m protoreflect.Message, name string) protoreflect.Message {
	if m == nil {
		return nil
	}
	fd := m.Descriptor().Fields().ByName(protoreflect.Name(name))
	if fd == nil || fd.Message() == nil || !m.Has(fd) {
		return nil
	}
	return m.Get(fd).Message()
}

func getString(m protoreflect.Message, name string) string {
	if m == nil {
		return ""
	}
	fd := m.Descriptor().Fields().ByName(protoreflect.Name(name))
	if fd == nil || fd.Kind() != protoreflect.StringKind {
		return ""
	}
	return m.Get(fd).String()
}

func getInt(m protoreflect.Message, name string) int64 {
	if m == nil {
		return 0
	}
	fd := m.Descriptor().Fields().ByName(protoreflect.Name(name))
	if fd == nil {
		return 0
	}
	switch fd.Kind() {
	case protoreflect.Int32Kind, protoreflect.Int64Kind, protoreflect.Sint32Kind, protoreflect.Sint64Kind,
		protoreflect.Sfixed32Kind, protoreflect.Sfixed64Kind:
		return m.Get(fd).Int()
	case protoreflect.Uint32Kind, protoreflect.Uint64Kind, protoreflect.Fixed32Kind, protoreflect.Fixed64Kind:
		return int64(m.Get(fd).Uint())
	}
	return 0
}

func getBool(m protoreflect.Message, name string) bool {
	if m == nil {
		return false
	}
	fd := m.Descriptor().Fields().ByName(protoreflect.Name(name))
	if fd == nil || fd.Kind() != protoreflect.BoolKind {
		return false
	}
	return m.Get(fd).Bool()
}

func getBytes(m protoreflect.Message, name string) []byte {
	if m == nil {
		return nil
	}
	fd := m.Descriptor().Fields().ByName(protoreflect.Name(name))
	if fd == nil || fd.Kind() != protoreflect.BytesKind {
		return nil
	}
	return m.Get(fd).Bytes()
}

// getList returns the elements of a repeated message field.
func getList(m protoreflect.Message, name string) []protoreflect.Message {
	if m == nil {
		return nil
	}
	fd := m.Descriptor().Fields().ByName(protoreflect.Name(name))
	if fd == nil || !fd.IsList() || fd.Message() == nil {
		return nil
	}
	l := m.Get(fd).List()
	out := make([]protoreflect.Message, l.Len())
	for i := range out {
		out[i] = l.Get(i).Message()
	}
	return out
}

// getStrings returns the elements of a repeated string field.
func getStrings(m protoreflect.Message, name string) []string {
	if m == nil {
		return nil
	}
	fd := m.Descriptor().Fields().ByName(protoreflect.Name(name))
	if fd == nil || !fd.IsList() || fd.Kind() != protoreflect.StringKind {
		return nil
	}
	l := m.Get(fd).List()
	out := make([]string, l.Len())
	for i := range out {
		out[i] = l.Get(i).String()
	}
	return out
}

// whichOneof names the member set in oneof group of m ("" when none).
func whichOneof(m protoreflect.Message, group string) string {
	if m == nil {
		return ""
	}
	od := m.Descriptor().Oneofs().ByName(protoreflect.Name(group))
	if od == nil {
		return ""
	}
	fd := m.WhichOneof(od)
	if fd == nil {
		return ""
	}
	return string(fd.Name())
}

// session is one Spark Connect session over one gRPC connection. It is
// immutable after dial and safe for concurrent use.
type session struct {
	cc         *grpc.ClientConn
	id         string // session UUID
	userID     string
	clientType string
	md         metadata.MD // extra request headers
	opCounter  atomic.Int64
	// serverSide is the server-side session id seen in the last response;
	// it changes when the server restarts (and loses the temp views).
	serverSide atomic.Pointer[string]
}

func (s *session) outgoing(ctx context.Context) context.Context {
	if len(s.md) == 0 {
		return ctx
	}
	return metadata.NewOutgoingContext(ctx, s.md)
}

// request returns a new request message with the session fields set.
func (s *session) request(b *msgBuilder, name string) protoreflect.Message {
	m := b.new(name)
	b.setString(m, "session_id", s.id)
	b.setString(b.sub(m, "user_context"), "user_id", s.userID)
	b.setString(m, "client_type", s.clientType)
	return m
}

func (s *session) noteServerSession(resp protoreflect.Message) {
	if id := getString(resp, "server_side_session_id"); id != "" {
		s.serverSide.Store(&id)
	}
}

// unary calls a unary method of the service.
func (s *session) unary(ctx context.Context, method string, req protoreflect.Message, respName string) (protoreflect.Message, error) {
	var b msgBuilder
	resp := b.new(respName)
	if b.err != nil {
		return nil, b.err
	}
	if err := s.cc.Invoke(s.outgoing(ctx), method, req.Interface(), resp.Interface()); err != nil {
		return nil, err
	}
	s.noteServerSession(resp)
	return resp, nil
}

// execution receives the responses of one ExecutePlan call.
type execution struct {
	// onBatch receives each Arrow record batch of the result; the record is
	// released after it returns.
	onBatch func(arrow.RecordBatch) error
	// onProgress receives the stages' progress as the server reports it.
	onProgress func(tasksDone, tasks, bytesRead int64)
	// onObserved receives the metrics observed by CollectMetrics relations
	// of the plan (one call per observation): the observation's name, and
	// the names and values (spark.connect.Expression.Literal) of its
	// metrics.
	onObserved func(name string, keys []string, values []protoreflect.Message)
}

// execute runs a plan (a spark.connect.Plan message) as one ExecutePlan
// call tagged with tag, and streams its results to ex. Cancelling ctx
// cancels the call; the caller interrupts the tag on the server.
func (s *session) execute(ctx context.Context, plan protoreflect.Message, tag string, ex execution) error {
	var b msgBuilder
	req := s.request(&b, "ExecutePlanRequest")
	b.set(req, "plan", protoreflect.ValueOfMessage(plan))
	if tag != "" {
		b.addString(req, "tags", tag)
	}
	b.setString(req, "operation_id", newUUID())
	if b.err != nil {
		return b.err
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	stream, err := s.cc.NewStream(s.outgoing(ctx), executePlanStream, methodExecutePlan)
	if err != nil {
		return err
	}
	if err := stream.SendMsg(req.Interface()); err != nil {
		if errors.Is(err, io.EOF) {
			// The real error is reported by RecvMsg.
			err = stream.RecvMsg(b.new("ExecutePlanResponse").Interface())
		}
		return err
	}
	if err := stream.CloseSend(); err != nil {
		return err
	}
	var schema *arrow.Schema
	for {
		resp := b.new("ExecutePlanResponse")
		if b.err != nil {
			return b.err
		}
		err := stream.RecvMsg(resp.Interface())
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
		if sid := getString(resp, "session_id"); sid != "" && sid != s.id {
			return fmt.Errorf("spark: server answered for session %s, want %s", sid, s.id)
		}
		s.noteServerSession(resp)
		if ex.onObserved != nil {
			for _, om := range getList(resp, "observed_metrics") {
				ex.onObserved(getString(om, "name"), getStrings(om, "keys"), getList(om, "values"))
			}
		}
		switch whichOneof(resp, "response_type") {
		case "arrow_batch":
			data := getBytes(getMsg(resp, "arrow_batch"), "data")
			if ex.onBatch == nil || len(data) == 0 {
				continue
			}
			if err := readBatches(data, &schema, ex.onBatch); err != nil {
				return err
			}
		case "execution_progress":
			if ex.onProgress == nil {
				continue
			}
			var done, tasks, read int64
			for _, st := range getList(getMsg(resp, "execution_progress"), "stages") {
				done += getInt(st, "num_completed_tasks")
				tasks += getInt(st, "num_tasks")
				read += getInt(st, "input_bytes_read")
			}
			ex.onProgress(done, tasks, read)
		case "result_complete":
			// The server closes the stream next.
		}
	}
}

// readBatches decodes an Arrow IPC stream (one ArrowBatch message).
func readBatches(data []byte, schema **arrow.Schema, fn func(arrow.RecordBatch) error) error {
	r, err := ipc.NewReader(bytes.NewReader(data), ipc.WithAllocator(memory.DefaultAllocator))
	if err != nil {
		return fmt.Errorf("spark: decoding an Arrow batch: %w", err)
	}
	defer r.Release()
	*schema = r.Schema()
	for r.Next() {
		if err := fn(r.RecordBatch()); err != nil {
			return err
		}
	}
	if err := r.Err(); err != nil {
		return fmt.Errorf("spark: decoding an Arrow batch: %w", err)
	}
	return nil
}

// analyzeSchema returns the schema (a spark.connect.DataType) of a relation.
func (s *session) analyzeSchema(ctx context.Context, rel protoreflect.Message) (protoreflect.Message, error) {
	var b msgBuilder
	req := s.request(&b, "AnalyzePlanRequest")
	plan := b.sub(req, "schema.plan")
	b.set(plan, "root", protoreflect.ValueOfMessage(rel))
	if b.err != nil {
		return nil, b.err
	}
	resp, err := s.unary(ctx, methodAnalyzePlan, req, "AnalyzePlanResponse")
	if err != nil {
		return nil, err
	}
	dt := getMsg(getMsg(resp, "schema"), "schema")
	if dt == nil {
		return nil, errors.New("spark: AnalyzePlan returned no schema")
	}
	return dt, nil
}

// version returns the server's Spark version (a cheap round trip).
func (s *session) version(ctx context.Context) (string, error) {
	var b msgBuilder
	req := s.request(&b, "AnalyzePlanRequest")
	b.sub(req, "spark_version")
	if b.err != nil {
		return "", b.err
	}
	resp, err := s.unary(ctx, methodAnalyzePlan, req, "AnalyzePlanResponse")
	if err != nil {
		return "", err
	}
	return getString(getMsg(resp, "spark_version"), "version"), nil
}

// setConfig sets session configuration values.
func (s *session) setConfig(ctx context.Context, keys, values []string) error {
	if len(keys) == 0 {
		return nil
	}
	var b msgBuilder
	req := s.request(&b, "ConfigRequest")
	set := b.sub(req, "operation.set")
	for i, k := range keys {
		kv := b.addMsg(set, "pairs")
		b.setString(kv, "key", k)
		b.setString(kv, "value", values[i])
	}
	if b.err != nil {
		return b.err
	}
	_, err := s.unary(ctx, methodConfig, req, "ConfigResponse")
	return err
}

// interruptTag interrupts the session's operations tagged tag.
func (s *session) interruptTag(ctx context.Context, tag string) error {
	var b msgBuilder
	req := s.request(&b, "InterruptRequest")
	b.setEnum(req, "interrupt_type", "INTERRUPT_TYPE_TAG")
	b.setString(req, "operation_tag", tag)
	if b.err != nil {
		return b.err
	}
	_, err := s.unary(ctx, methodInterrupt, req, "InterruptResponse")
	return err
}

// interruptAll interrupts every operation of the session.
func (s *session) interruptAll(ctx context.Context) error {
	var b msgBuilder
	req := s.request(&b, "InterruptRequest")
	b.setEnum(req, "interrupt_type", "INTERRUPT_TYPE_ALL")
	if b.err != nil {
		return b.err
	}
	_, err := s.unary(ctx, methodInterrupt, req, "InterruptResponse")
	return err
}

// release ends the session on the server (dropping its temp views).
func (s *session) release(ctx context.Context) error {
	var b msgBuilder
	req := s.request(&b, "ReleaseSessionRequest")
	if b.err != nil {
		return b.err
	}
	_, err := s.unary(ctx, methodReleaseSession, req, "ReleaseSessionResponse")
	return err
}

// sqlPlan returns a Plan whose root relation is the SQL query.
func sqlPlan(query string) (protoreflect.Message, error) {
	var b msgBuilder
	plan := b.new("Plan")
	rel := b.sub(plan, "root")
	b.setInt64(b.sub(rel, "common"), "plan_id", 1)
	b.setString(b.sub(rel, "sql"), "query", query)
	return plan, b.err
}

// viewPlan returns a Plan whose command creates (or replaces) the session
// temp view name over rel.
func viewPlan(name string, rel protoreflect.Message) (protoreflect.Message, error) {
	var b msgBuilder
	plan := b.new("Plan")
	cmd := b.sub(plan, "command.create_dataframe_view")
	b.set(cmd, "input", protoreflect.ValueOfMessage(rel))
	b.setString(cmd, "name", name)
	b.setBool(cmd, "replace", true)
	b.setBool(cmd, "is_global", false)
	return plan, b.err
}

// dropViewPlan returns a Plan that drops a session temp view.
func commandSQLPlan(query string) (protoreflect.Message, error) {
	var b msgBuilder
	plan := b.new("Plan")
	b.setString(b.sub(plan, "command.sql_command"), "sql", query)
	return plan, b.err
}

// relDataSource returns a Read.DataSource relation.
func relDataSource(format, schemaDDL string, paths []string, optKeys, optValues []string) (protoreflect.Message, error) {
	var b msgBuilder
	rel := b.new("Relation")
	b.setInt64(b.sub(rel, "common"), "plan_id", nextPlanID())
	ds := b.sub(rel, "read.data_source")
	b.setString(ds, "format", format)
	if schemaDDL != "" {
		b.setString(ds, "schema", schemaDDL)
	}
	b.addString(ds, "paths", paths...)
	if b.err == nil {
		fd := ds.Descriptor().Fields().ByName("options")
		if fd == nil || !fd.IsMap() {
			b.fail("Read.DataSource.options is not a map")
		} else {
			mp := ds.Mutable(fd).Map()
			for i, k := range optKeys {
				mp.Set(protoreflect.ValueOfString(k).MapKey(), protoreflect.ValueOfString(optValues[i]))
			}
		}
	}
	return rel, b.err
}

// relTable returns a Read.NamedTable relation.
func relTable(name string) (protoreflect.Message, error) {
	var b msgBuilder
	rel := b.new("Relation")
	b.setInt64(b.sub(rel, "common"), "plan_id", nextPlanID())
	b.setString(b.sub(rel, "read.named_table"), "unparsed_identifier", name)
	return rel, b.err
}

// relSQL returns a SQL relation.
func relSQL(query string) (protoreflect.Message, error) {
	var b msgBuilder
	rel := b.new("Relation")
	b.setInt64(b.sub(rel, "common"), "plan_id", nextPlanID())
	b.setString(b.sub(rel, "sql"), "query", query)
	return rel, b.err
}

// relToDF renames the columns of input by position.
func relToDF(input protoreflect.Message, names []string) (protoreflect.Message, error) {
	var b msgBuilder
	rel := b.new("Relation")
	b.setInt64(b.sub(rel, "common"), "plan_id", nextPlanID())
	td := b.sub(rel, "to_df")
	b.set(td, "input", protoreflect.ValueOfMessage(input))
	b.addString(td, "column_names", names...)
	return rel, b.err
}

var planIDs atomic.Int64

func nextPlanID() int64 { return planIDs.Add(1) }

// sparkField is one column of a Spark schema.
type sparkField struct {
	Name string
	// Kind is the DataType oneof member: "double", "long", "string", ...
	Kind string
}

// structFields reads the fields of a struct DataType.
func structFields(dt protoreflect.Message) ([]sparkField, error) {
	if whichOneof(dt, "kind") != "struct" {
		return nil, fmt.Errorf("spark: schema is a %s, want a struct", whichOneof(dt, "kind"))
	}
	var out []sparkField
	for _, f := range getList(getMsg(dt, "struct"), "fields") {
		out = append(out, sparkField{Name: getString(f, "name"), Kind: whichOneof(getMsg(f, "data_type"), "kind")})
	}
	return out, nil
}

// pingTimeout bounds the interrupt and release calls made on the way out.
const cleanupTimeout = 10 * time.Second

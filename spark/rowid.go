package spark

import "google.golang.org/protobuf/reflect/protoreflect"

// View columns of a Parquet source's row identity (see sourceView.FileCol):
// Spark's hidden _metadata columns do not pass through a temp view, so the
// view selects them under these names. Spark prunes them from every query
// that does not use them.
const (
	rowIDFileCol = "_rx_file_name"
	rowIDRowCol  = "_rx_row_index"
)

// relRowIdentity adds the columns _metadata.file_name and
// _metadata.row_index of a file source relation to input, as rowIDFileCol
// and rowIDRowCol.
func relRowIdentity(input protoreflect.Message) (protoreflect.Message, error) {
	var b msgBuilder
	rel := b.new("Relation")
	b.setInt64(b.sub(rel, "common"), "plan_id", nextPlanID())
	wc := b.sub(rel, "with_columns")
	b.set(wc, "input", protoreflect.ValueOfMessage(input))
	for _, c := range [][2]string{{"_metadata.file_name", rowIDFileCol}, {"_metadata.row_index", rowIDRowCol}} {
		alias := b.addMsg(wc, "aliases")
		b.setString(b.sub(alias, "expr.unresolved_attribute"), "unparsed_identifier", c[0])
		b.addString(alias, "name", c[1])
	}
	return rel, b.err
}

// withRowIdentity returns the renamed relation of a Parquet source with
// its row identity columns, and records them in sv.
func withRowIdentity(renamed protoreflect.Message, sv *sourceView) (protoreflect.Message, error) {
	rel, err := relRowIdentity(renamed)
	if err != nil {
		return nil, err
	}
	sv.FileCol, sv.RowCol = rowIDFileCol, rowIDRowCol
	return rel, nil
}

package compute

// AggKinds lists every aggregate kind, in declaration order. A backend and
// the conformance suite (package computetest) use it to check that each
// kind is implemented and exercised; add a new kind here when declaring it.
func AggKinds() []AggKind {
	return []AggKind{AggCount, AggSum, AggMin, AggMax, AggMoments, AggSSCP}
}

// KeyKinds lists every group key kind, in declaration order.
func KeyKinds() []KeyKind {
	return []KeyKind{KeyFactor, KeyInt}
}

// BinaryOps lists every binary operator, in declaration order.
func BinaryOps() []BinaryOp {
	return []BinaryOp{Add, Sub, Mul, Div, Pow, Mod, IntDiv, Eq, Ne, Lt, Le, Gt, Ge, And, Or}
}

// UnaryOps lists every unary operator, in declaration order.
func UnaryOps() []UnaryOp {
	return []UnaryOp{Neg, Not}
}

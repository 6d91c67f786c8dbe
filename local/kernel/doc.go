// Package kernel holds the numeric kernels of the local compute context: the
// folding of a chunk's rows into centred cross-product ([compute.SSCPValue])
// and moment ([compute.MomentsValue]) accumulators, their grouped variants for
// factor cells, and the row-mask helpers the evaluator uses to drop rows with
// missing values.
//
// All kernels are numerically stable. Rows are processed in sub-blocks of a
// few hundred (SSCP) to a few thousand rows that stay in the L1/L2 cache: the
// values are centred on the sub-block's (weighted) means m, c = x - m, the centred
// cross products Σ w·cᵢ·cⱼ are taken with a register-blocked column-pair dot
// kernel, and the sub-block is folded into the caller's accumulator with the
// pairwise update of Chan, Golub and LeVeque, with the same formula as
// [compute.SSCPValue.Merge] and [compute.MomentsValue.Merge] do. The residual
// r = Σ w·c / W left by rounding in m is used to correct both the mean
// (m + r) and the cross products (− W·rᵢ·rⱼ), the "corrected two-pass"
// algorithm, so the result does not depend on the magnitude of the means.
// The SSCP kernel saves the pass that computes m by centring each sub-block
// on the previous one's means, and recomputes a sub-block on its own means
// when the correction shows that this shift cost more than about one digit.
//
// Callers own all state: the accumulators, and a [Scratch] per goroutine
// that the kernels reuse so that the hot path does not allocate once the
// scratch has grown to the largest chunk.
//
// Preconditions, common to all kernels: the values are finite (the caller
// has removed rows with missing values, see [AndNotNaN] and [Compact]), the
// weights, when given, are finite and > 0 (see [AndPositive]), all columns
// and the weights have the same length, and accumulators have the shape of
// [compute.NewSSCP] / [compute.NewValue]. Kernels do not check finiteness;
// violating a length precondition may panic.
//
// On amd64 CPUs with AVX2 and FMA (checked at start-up with
// golang.org/x/sys/cpu) the loops of the SSCP kernel (sums, centring, the
// column-pair tiles of the cross products, which also prefetch the next
// sub-block) run in assembly (dot_amd64.s); elsewhere, and with the purego
// build tag, the portable Go loops do. The two differ only by rounding.
package kernel

package rmath

import (
	"encoding/binary"
	"math"
	"math/bits"
)

// The row hash: Spark SQL's xxhash64 function, chained as Spark chains it
// over its arguments, so that the Spark compute context computes the same
// number with
//
//	shiftrightunsigned(xxhash64(CAST(seed AS BIGINT), _metadata.file_name,
//	    _metadata.row_index, extra...), 11) * 2^-53
//
// Spark's xxhash64(a, b, ...) starts from the seed 42 and hashes each
// argument with the previous hash as the seed: a BIGINT as the XXH64 of its
// 8 little-endian bytes, a STRING as the XXH64 of its UTF-8 bytes, a DOUBLE
// as the BIGINT of its IEEE bits (doubleToLongBits: -0.0 as 0.0, every NaN
// as the canonical NaN). NULL arguments are skipped.

// sparkHashSeed is the seed of Spark's xxhash64 function.
const sparkHashSeed = 42

// RowHash returns a uniform number in [0, 1) that is a fixed function of a
// row's identity and of seed: u = (h >> 11)·2⁻⁵³ where h is Spark's
// xxhash64(seed, file, row, extra...) (see [HashLong], [HashString]).
// file is the base name of the file the row comes from and row its 0-based
// position in that file; extra are further numbers mixed in (a replicate
// number, an iteration). An extra argument that is NaN or ±Inf (missing)
// makes the result NaN.
//
// The same row gives the same number in every run and in both compute
// contexts; different seeds give (practically) independent numbers.
func RowHash(seed int64, file string, row int64, extra ...float64) float64 {
	return RowHashFrom(FileHash(seed, file), row, extra...)
}

// FileHash is the part of [RowHash] that depends on the seed and the file
// only: xxhash64(seed, file) as Spark chains it. Evaluators compute it once
// per file and call [RowHashFrom] per row.
func FileHash(seed int64, file string) uint64 {
	return HashString(file, HashLong(uint64(seed), sparkHashSeed))
}

// RowHashFrom is [RowHash] given the [FileHash] of the row's seed and file.
func RowHashFrom(fileHash uint64, row int64, extra ...float64) float64 {
	h := HashLong(uint64(row), fileHash)
	for _, x := range extra {
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return math.NaN()
		}
		h = HashDouble(x, h)
	}
	return float64(h>>11) * 0x1p-53
}

// XXH64's primes.
const (
	prime1 uint64 = 11400714785074694791
	prime2 uint64 = 14029467366897019727
	prime3 uint64 = 1609587929392839161
	prime4 uint64 = 9650029242287828579
	prime5 uint64 = 2870177450012600261
)

func xxRound(acc, input uint64) uint64 {
	acc += input * prime2
	acc = bits.RotateLeft64(acc, 31)
	return acc * prime1
}

func xxMergeRound(acc, val uint64) uint64 {
	val = xxRound(0, val)
	acc ^= val
	return acc*prime1 + prime4
}

func xxAvalanche(h uint64) uint64 {
	h ^= h >> 33
	h *= prime2
	h ^= h >> 29
	h *= prime3
	h ^= h >> 32
	return h
}

// HashLong is XXH64 of the 8 little-endian bytes of v with the given seed:
// Spark's hash of a BIGINT (XXH64.hashLong).
func HashLong(v, seed uint64) uint64 {
	h := seed + prime5 + 8
	h ^= xxRound(0, v)
	h = bits.RotateLeft64(h, 27)*prime1 + prime4
	return xxAvalanche(h)
}

// HashDouble is Spark's hash of a DOUBLE: [HashLong] of its IEEE bits, with
// -0.0 hashed as 0.0 and every NaN as the canonical NaN
// (java.lang.Double.doubleToLongBits).
func HashDouble(x float64, seed uint64) uint64 {
	switch {
	case x == 0:
		return HashLong(0, seed)
	case math.IsNaN(x):
		return HashLong(0x7ff8000000000000, seed)
	}
	return HashLong(math.Float64bits(x), seed)
}

// HashString is XXH64 of the UTF-8 bytes of s with the given seed: Spark's
// hash of a STRING.
func HashString(s string, seed uint64) uint64 {
	return xxh64([]byte(s), seed)
}

// xxh64 is the XXH64 hash of b with seed (xxHash specification, 64-bit).
func xxh64(b []byte, seed uint64) uint64 {
	n := len(b)
	var h uint64
	if n >= 32 {
		v1 := seed + prime1 + prime2
		v2 := seed + prime2
		v3 := seed
		v4 := seed - prime1
		for len(b) >= 32 {
			v1 = xxRound(v1, binary.LittleEndian.Uint64(b[0:8]))
			v2 = xxRound(v2, binary.LittleEndian.Uint64(b[8:16]))
			v3 = xxRound(v3, binary.LittleEndian.Uint64(b[16:24]))
			v4 = xxRound(v4, binary.LittleEndian.Uint64(b[24:32]))
			b = b[32:]
		}
		h = bits.RotateLeft64(v1, 1) + bits.RotateLeft64(v2, 7) + bits.RotateLeft64(v3, 12) + bits.RotateLeft64(v4, 18)
		h = xxMergeRound(h, v1)
		h = xxMergeRound(h, v2)
		h = xxMergeRound(h, v3)
		h = xxMergeRound(h, v4)
	} else {
		h = seed + prime5
	}
	h += uint64(n)
	for ; len(b) >= 8; b = b[8:] {
		h ^= xxRound(0, binary.LittleEndian.Uint64(b[:8]))
		h = bits.RotateLeft64(h, 27)*prime1 + prime4
	}
	if len(b) >= 4 {
		h ^= uint64(binary.LittleEndian.Uint32(b[:4])) * prime1
		h = bits.RotateLeft64(h, 23)*prime2 + prime3
		b = b[4:]
	}
	for _, c := range b {
		h ^= uint64(c) * prime5
		h = bits.RotateLeft64(h, 11) * prime1
	}
	return xxAvalanche(h)
}

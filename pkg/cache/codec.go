package cache

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"strconv"
)

// Codec writes a value into the bytes Redis keeps and reads it back. Decode must reject what
// Encode of another shape wrote (the value is then read again from MySQL).
type Codec[V any] struct {
	Encode func(V) []byte
	Decode func([]byte) (V, error)
}

var errCorrupt = errors.New("cache: value does not decode")

// Int64 is a counter, as a varint.
var Int64 = Codec[int64]{
	Encode: func(v int64) []byte { return binary.AppendVarint(nil, v) },
	Decode: func(b []byte) (int64, error) {
		v, n := binary.Varint(b)
		if n <= 0 || n != len(b) {
			return 0, errCorrupt
		}
		return v, nil
	},
}

// Int64s is a list of ids or numbers, as varints.
var Int64s = Codec[[]int64]{Encode: appendInt64s, Decode: ReadInt64s}

// AppendInt64s appends vs to b as varints, for codecs of values made of numbers.
func AppendInt64s(b []byte, vs ...int64) []byte {
	for _, v := range vs {
		b = binary.AppendVarint(b, v)
	}
	return b
}

// appendInt64s is AppendInt64s into a fresh buffer.
func appendInt64s(vs []int64) []byte { return AppendInt64s(make([]byte, 0, len(vs)*3), vs...) }

// ReadInt64s reads the varints of b.
func ReadInt64s(b []byte) ([]int64, error) {
	out := make([]int64, 0, len(b)/2)
	for len(b) > 0 {
		v, n := binary.Varint(b)
		if n <= 0 {
			return nil, errCorrupt
		}
		out = append(out, v)
		b = b[n:]
	}
	return out, nil
}

// Fixed is a value of exactly n numbers (a pair of counters, say), as varints.
func Fixed[V any](n int, to func(V) []int64, from func([]int64) V) Codec[V] {
	return Codec[V]{
		Encode: func(v V) []byte { return appendInt64s(to(v)) },
		Decode: func(b []byte) (V, error) {
			vs, err := ReadInt64s(b)
			if err != nil || len(vs) != n {
				var zero V
				return zero, errCorrupt
			}
			return from(vs), nil
		},
	}
}

// JSON is a value written as JSON: for rows with text, where size matters less than clarity.
func JSON[V any]() Codec[V] {
	return Codec[V]{
		Encode: func(v V) []byte {
			b, _ := json.Marshal(v) // the values cached are plain structs: Marshal cannot fail
			return b
		},
		Decode: func(b []byte) (V, error) {
			var v V
			err := json.Unmarshal(b, &v)
			return v, err
		},
	}
}

// Itoa is the usual id part of a key.
func Itoa(id int64) string { return strconv.FormatInt(id, 10) }

package cache

import (
	"context"
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

// IDList is a cached list of ids (a user's likes, follows...) in its order. A list longer than
// the owner caches is kept as its head, Whole false and the first ids only: it answers a read of
// at most that many, and anything else (a longer read, Contains) reads MySQL.
type IDList struct {
	Whole bool
	IDs   []int64
}

// ListOf is the IDList of ids when at most max of them are to be cached.
func ListOf(ids []int64, max int) IDList {
	if len(ids) > max {
		return IDList{IDs: ids[:max:max]}
	}
	return IDList{Whole: true, IDs: ids}
}

// First returns the first limit ids of the list (limit < 0: all of them), and false when the
// cached ids cannot tell them: the list is longer than its head and the head is shorter than limit.
func (l IDList) First(limit int) ([]int64, bool) {
	switch {
	case limit >= 0 && limit <= len(l.IDs):
		return l.IDs[:limit], true
	case l.Whole:
		return l.IDs, true
	}
	return nil, false
}

// IDLists is the codec of IDList: a flag (1 whole, 0 a head), then the ids, as varints.
var IDLists = Codec[IDList]{
	Encode: func(l IDList) []byte {
		return AppendInt64s(AppendInt64s(make([]byte, 0, 1+3*len(l.IDs)), boolInt64(l.Whole)), l.IDs...)
	},
	Decode: func(b []byte) (IDList, error) {
		vs, err := ReadInt64s(b)
		if err != nil || len(vs) == 0 || vs[0] < 0 || vs[0] > 1 {
			return IDList{}, errCorrupt
		}
		return IDList{Whole: vs[0] == 1, IDs: vs[1:]}, nil
	},
}

func boolInt64(v bool) int64 {
	if v {
		return 1
	}
	return 0
}

// Contains returns which of ids are in the list, as a set (of a whole list only).
func (l IDList) Contains(ids []int64) map[int64]bool {
	asked := make(map[int64]bool, len(ids))
	for _, id := range ids {
		asked[id] = false
	}
	out := make(map[int64]bool, len(ids))
	for _, id := range l.IDs {
		if _, ok := asked[id]; ok {
			out[id] = true
		}
	}
	return out
}

// ListReader reads from MySQL the lists of ids, at most limit entries each (limit < 0: all),
// with one round trip for all of them (db.Lists); every id has a list in its answer.
type ListReader func(ctx context.Context, ids []int64, limit int) (map[int64][]int64, error)

// Lists returns the lists of ids from f, each at most limit long, with one cache round trip for
// all of them: the misses are filled by ListLoader(keep, read), and the lists whose cached head is
// shorter than limit are read with read, all of them at once.
func Lists(ctx context.Context, f *Family[int64, IDList], ids []int64, keep, limit int, read ListReader) (map[int64][]int64, error) {
	cached, err := f.Get(ctx, ids, ListLoader(keep, read))
	if err != nil {
		return nil, err
	}
	out := make(map[int64][]int64, len(ids))
	var long []int64
	for _, id := range ids {
		if first, ok := cached[id].First(limit); ok {
			out[id] = first
		} else {
			long = append(long, id)
		}
	}
	if len(long) == 0 {
		return out, nil
	}
	longLists, err := read(ctx, long, limit)
	if err != nil {
		return nil, err
	}
	for _, id := range long {
		out[id] = longLists[id]
	}
	return out, nil
}

// ListLoader is the loader of a family of IDLists: read reads the missed lists (at most keep+1
// entries each, with one round trip), and a list longer than keep is cached as its head of keep.
func ListLoader(keep int, read ListReader) Loader[int64, IDList] {
	return func(ctx context.Context, ids []int64) (map[int64]IDList, error) {
		lists, err := read(ctx, ids, keep+1)
		if err != nil {
			return nil, err
		}
		out := make(map[int64]IDList, len(ids))
		for _, id := range ids {
			out[id] = ListOf(lists[id], keep)
		}
		return out, nil
	}
}

package dal

import (
	"encoding/binary"
	"errors"
	"time"

	"simpletiktok/pkg/cache"
	"simpletiktok/services/comment/internal/biz"
)

// listMark opens a comment list written by listCodec. A list in the JSON of earlier releases
// opens with '{' and is refused, so it is read again from MySQL and replaced.
const listMark = 0xC1

// listCodec writes a comment list as varints and length-prefixed strings: the mark, Whole, the
// number of comments, then each comment's id, video, user, creation time (Unix ns), deleted flag,
// content and request key. Decoding it is some ten times cheaper than JSON, which was half of the
// comment service's CPU on comment list pages.
var listCodec = cache.Codec[commentList]{
	Encode: func(l commentList) []byte {
		b := []byte{listMark}
		b = binary.AppendUvarint(b, boolInt(l.Whole))
		b = binary.AppendUvarint(b, uint64(len(l.Comments)))
		for _, c := range l.Comments {
			b = cache.AppendInt64s(b, c.ID, c.VideoID, c.UserID, c.CreatedAt.UnixNano())
			b = binary.AppendUvarint(b, boolInt(c.Deleted))
			b = appendString(b, c.Content)
			b = appendString(b, c.RequestKey)
		}
		return b
	},
	Decode: func(b []byte) (commentList, error) {
		r := reader{b: b}
		if len(b) == 0 || b[0] != listMark {
			return commentList{}, errNotAList
		}
		r.b = r.b[1:]
		l := commentList{Whole: r.uvarint() == 1}
		n := r.uvarint()
		if n > maxCachedComments {
			return commentList{}, errNotAList
		}
		if n > 0 {
			l.Comments = make([]*biz.Comment, n)
		}
		for i := range l.Comments {
			c := &biz.Comment{ID: r.varint(), VideoID: r.varint(), UserID: r.varint()}
			c.CreatedAt = time.Unix(0, r.varint()).UTC()
			c.Deleted = r.uvarint() == 1
			c.Content, c.RequestKey = r.string(), r.string()
			l.Comments[i] = c
		}
		if r.bad || len(r.b) > 0 {
			return commentList{}, errNotAList
		}
		return l, nil
	},
}

var errNotAList = errors.New("comment list: not a cached list")

func boolInt(v bool) uint64 {
	if v {
		return 1
	}
	return 0
}

func appendString(b []byte, s string) []byte {
	return append(binary.AppendUvarint(b, uint64(len(s))), s...)
}

// reader reads the fields listCodec wrote; bad is set at the first that does not decode.
type reader struct {
	b   []byte
	bad bool
}

func (r *reader) uvarint() uint64 {
	v, n := binary.Uvarint(r.b)
	if n <= 0 {
		r.bad, r.b = true, nil
		return 0
	}
	r.b = r.b[n:]
	return v
}

// varint reads what binary.AppendVarint wrote: a zig-zag encoded uvarint.
func (r *reader) varint() int64 {
	u := r.uvarint()
	return int64(u>>1) ^ -int64(u&1)
}

func (r *reader) string() string {
	n := r.uvarint()
	if n > uint64(len(r.b)) {
		r.bad, r.b = true, nil
		return ""
	}
	s := string(r.b[:n])
	r.b = r.b[n:]
	return s
}

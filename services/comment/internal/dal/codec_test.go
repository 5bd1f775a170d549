package dal

import (
	"encoding/json"
	"reflect"
	"testing"
	"time"

	"simpletiktok/services/comment/internal/biz"
)

func TestTheListCodecKeepsEveryFieldAndRefusesOtherShapes(t *testing.T) {
	at := time.Date(2024, 3, 9, 20, 0, 0, 123_000_000, time.UTC)
	lists := []commentList{
		{},
		{Whole: true},
		{Whole: true, Comments: []*biz.Comment{
			{ID: 9, VideoID: 3, UserID: 7, Content: "第一 🎉 with \"quotes\"", CreatedAt: at, RequestKey: "k-1"},
			{ID: 8, VideoID: 3, UserID: 1 << 40, Content: "", CreatedAt: at.Add(-time.Hour), Deleted: true},
		}},
	}
	for _, l := range lists {
		got, err := listCodec.Decode(listCodec.Encode(l))
		if err != nil || !reflect.DeepEqual(got, l) {
			t.Fatalf("round trip of %+v = %+v, %v", l, got, err)
		}
	}
	encoded := listCodec.Encode(lists[2])
	old, _ := json.Marshal(lists[2]) // the layout of earlier releases
	for name, b := range map[string][]byte{
		"the JSON of earlier releases": old,
		"empty":                        nil,
		"cut short":                    encoded[:len(encoded)-3],
		"with bytes after":             append(append([]byte{}, encoded...), 0),
	} {
		if _, err := listCodec.Decode(b); err == nil {
			t.Errorf("%s decoded as a list", name)
		}
	}
}

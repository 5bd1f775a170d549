package mediajob

import "testing"

func TestJobRoundTrip(t *testing.T) {
	j := Job{VideoID: 42, PlayKey: "0123456789abcdef0123456789abcdef.mp4"}
	got, err := Decode(j.Encode())
	if err != nil || got != j {
		t.Fatalf("Decode(Encode(%+v)) = %+v, %v", j, got, err)
	}
	for _, bad := range []string{"", "{", `{"video_id":0,"play_key":"k.mp4"}`, `{"video_id":3}`, `[1,2]`} {
		if _, err := Decode([]byte(bad)); err == nil {
			t.Errorf("Decode(%q) accepted it", bad)
		}
	}
	if DeadMsgID(7) == DeadMsgID(8) {
		t.Fatal("dead letter ids collide")
	}
}

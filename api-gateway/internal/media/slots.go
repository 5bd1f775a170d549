package media

import "simpletiktok/pkg/errno"

// Slots bounds the uploads probed at once: each ffprobe is a process of its own, and an unbounded
// number of them (fifty parallel uploads) would take the gateway's CPU and memory from every
// other request. (ffmpeg runs in the media worker, bounded there.)
type Slots struct{ free chan struct{} }

// NewSlots returns n slots.
func NewSlots(n int) *Slots { return &Slots{free: make(chan struct{}, n)} }

// Take takes a slot for one upload's probe, or answers errno.Busy at once when all are taken:
// waiting would hold the upload's connection into a timeout. A nil *Slots never refuses.
func (s *Slots) Take() (release func(), err error) {
	if s == nil {
		return func() {}, nil
	}
	select {
	case s.free <- struct{}{}:
		return func() { <-s.free }, nil
	default:
		return nil, errno.Busy
	}
}

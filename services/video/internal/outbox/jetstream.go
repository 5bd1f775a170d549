package outbox

import (
	"context"
	"errors"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// JetStream publishes to NATS JetStream. Before its first publish, and again after the server
// answered that no stream takes the subject (a server whose data was wiped), it asks ensure to
// create the streams. It is used by the relay's one goroutine only.
type JetStream struct {
	js      jetstream.JetStream
	ensure  func(context.Context, jetstream.JetStream) error
	ensured bool
}

// NewJetStream returns the publisher over js; ensure creates the streams (mediajob.EnsureStreams).
func NewJetStream(js jetstream.JetStream, ensure func(context.Context, jetstream.JetStream) error) *JetStream {
	return &JetStream{js: js, ensure: ensure}
}

// Publish stores msg under msgID (the stream drops a second copy within its duplicate window).
func (p *JetStream) Publish(ctx context.Context, msg *nats.Msg, msgID string) error {
	if !p.ensured {
		if err := p.ensure(ctx, p.js); err != nil {
			return err
		}
		p.ensured = true
	}
	_, err := p.js.PublishMsg(ctx, msg, jetstream.WithMsgID(msgID))
	if errors.Is(err, jetstream.ErrNoStreamResponse) || errors.Is(err, nats.ErrNoResponders) {
		p.ensured = false
	}
	return err
}

package chaos

import (
	"slices"
	"sync"
	"time"
)

// Outcome is what the client was told about a write.
type Outcome int

const (
	// Unknown: no contract answer (no connection, a client timeout), or 10010 "may have been
	// carried out": the write may or may not have taken effect, but at most once.
	Unknown Outcome = iota
	// Acked: status_code 0. The write must be in the database, exactly once.
	Acked
	// Failed: a contract answer with a non-zero status_code other than 10010. The write must not
	// be in the database, then or later.
	Failed
)

func (o Outcome) String() string {
	switch o {
	case Acked:
		return "acknowledged"
	case Failed:
		return "reported failed"
	default:
		return "unknown"
	}
}

// Kind is a kind of write. Likes and follows set a state (a key is present or absent); comments
// and messages insert a row each, named by their unique text.
type Kind string

const (
	KindLike    Kind = "like"
	KindFollow  Kind = "follow"
	KindComment Kind = "comment"
	KindMessage Kind = "message"
)

// stateful kinds set the presence of a key; the others insert rows.
func (k Kind) stateful() bool { return k == KindLike || k == KindFollow }

// Attempt is one request of a write. A write is retried with the same key (and idempotency key).
type Attempt struct {
	Start   time.Time
	Latency time.Duration
	Code    int64 // status_code; -1 without a contract answer
	Outcome Outcome
	Phase   string
}

// Write is one logical write: for stateful kinds "make Key present (or absent)", for inserting
// kinds "store the row whose text is Key".
type Write struct {
	Seq      int
	Kind     Kind
	Key      string
	Present  bool // the state the write asks for; always true for inserts
	Phase    string
	Attempts []Attempt
}

// Outcome of the whole write: acknowledged if any attempt was, else unknown if any attempt got
// no answer, else reported failed.
func (w Write) Outcome() Outcome {
	unknown := false
	for _, a := range w.Attempts {
		switch a.Outcome {
		case Acked:
			return Acked
		case Unknown:
			unknown = true
		}
	}
	if unknown || len(w.Attempts) == 0 {
		return Unknown
	}
	return Failed
}

// Ledger records every write the suite sends and what each attempt was told. It is safe for
// concurrent use. Writes to one key must come from one goroutine, one after the other, so that
// their order in the ledger is the order in which they were sent.
type Ledger struct {
	mu     sync.Mutex
	writes []*Write
}

// Begin records a write about to be sent and returns its handle for Record.
func (l *Ledger) Begin(kind Kind, key string, present bool, phase string) *Write {
	l.mu.Lock()
	defer l.mu.Unlock()
	w := &Write{Seq: len(l.writes), Kind: kind, Key: key, Present: present || !kind.stateful(), Phase: phase}
	l.writes = append(l.writes, w)
	return w
}

// Record adds the answer of one attempt of w.
func (l *Ledger) Record(w *Write, a Attempt) {
	l.mu.Lock()
	defer l.mu.Unlock()
	w.Attempts = append(w.Attempts, a)
}

// Writes returns a copy of every write, in the order they were begun.
func (l *Ledger) Writes() []Write {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := make([]Write, len(l.writes))
	for i, w := range l.writes {
		out[i] = *w
		out[i].Attempts = slices.Clone(w.Attempts)
	}
	return out
}

// attemptOf turns an answer into the ledger's record of it.
func attemptOf(a answer, phase string) Attempt {
	return Attempt{Start: a.Start, Latency: a.Latency, Code: a.Code, Outcome: a.outcome(), Phase: phase}
}

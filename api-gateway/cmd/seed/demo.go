package main

// The demo data: who exists, what each published, and who likes, follows, comments on and
// writes to whom. Everything is named by user name and video title, so that a run can tell what
// an earlier run already made. The README lists the accounts.

// demoPassword is every demo account's password: the accounts are for trying the app, and the
// README says it.
const demoPassword = "demo1234"

// demoUser is an account and the clips it publishes, oldest first.
type demoUser struct {
	name  string
	clips []clip
}

// clip is one video: its title and how ffmpeg draws it (a lavfi video source with its filters,
// and the pitch of its tone).
type clip struct {
	title  string
	source string
	tone   int // Hz
}

// Each clip is 270x480, portrait like the phone's screen.
var demoUsers = []demoUser{
	{"mia", []clip{
		{"Into the Mandelbrot set", "mandelbrot=size=270x480:rate=25", 330},
		{"Sierpinski, slowly", "sierpinski=size=270x480:rate=25", 392},
	}},
	{"leo", []clip{
		{"Colour bars at dawn", "smptebars=size=270x480:rate=25", 440},
		{"Rule 110 scrolling by", "cellauto=size=270x480:rate=25:rule=110", 494},
	}},
	{"zoe", []clip{
		{"Gradient sunset", "gradients=size=270x480:rate=25:speed=0.05", 523},
		{"Rainbow drift", "colorspectrum=size=270x480:rate=25,hue=h=t*90", 587},
	}},
	{"kai", []clip{
		{"The test card dances", "testsrc2=size=270x480:rate=25", 659},
		{"Teal mood", "color=c=0x2a9d8f:size=270x480:rate=25,hue=h=t*120", 698},
	}},
	{"ivy", []clip{
		{"Colour chart, hue cycling", "colorchart=rate=25,scale=270:480,hue=h=t*60", 784},
		{"Counting frames", "testsrc=size=270x480:rate=25", 880},
	}},
}

// follow is one user following another; two that follow each other are friends.
type follow struct{ from, to string }

var demoFollows = []follow{
	// Friends: mia and leo, mia and zoe, leo and kai.
	{"mia", "leo"}, {"leo", "mia"},
	{"mia", "zoe"}, {"zoe", "mia"},
	{"leo", "kai"}, {"kai", "leo"},
	// Fans.
	{"ivy", "mia"}, {"ivy", "zoe"}, {"zoe", "kai"}, {"kai", "mia"}, {"ivy", "leo"},
}

// like is a user liking a video, named by its title.
type like struct{ user, title string }

var demoLikes = []like{
	{"leo", "Into the Mandelbrot set"}, {"zoe", "Into the Mandelbrot set"}, {"kai", "Into the Mandelbrot set"}, {"ivy", "Into the Mandelbrot set"},
	{"mia", "Colour bars at dawn"}, {"kai", "Colour bars at dawn"},
	{"mia", "Gradient sunset"}, {"leo", "Gradient sunset"}, {"ivy", "Gradient sunset"},
	{"zoe", "The test card dances"}, {"leo", "The test card dances"},
	{"mia", "Colour chart, hue cycling"},
	{"ivy", "Rule 110 scrolling by"}, {"kai", "Rainbow drift"}, {"zoe", "Sierpinski, slowly"},
}

// comment is a user's comment on a video, oldest first.
type comment struct{ user, title, text string }

var demoComments = []comment{
	{"leo", "Into the Mandelbrot set", "How deep does it go?"},
	{"mia", "Into the Mandelbrot set", "All the way down, apparently"},
	{"ivy", "Into the Mandelbrot set", "Made my morning"},
	{"kai", "Colour bars at dawn", "My old TV at 3 a.m."},
	{"mia", "Gradient sunset", "These colours!"},
	{"zoe", "Gradient sunset", "Thank you, shot it myself (sort of)"},
	{"leo", "The test card dances", "Hypnotic"},
	{"zoe", "Rule 110 scrolling by", "Turing complete and pretty"},
	{"kai", "Rainbow drift", "Calming"},
}

// message is a chat message, oldest first within each pair.
type message struct{ from, to, text string }

var demoMessages = []message{
	{"mia", "leo", "Did you see the Mandelbrot clip?"},
	{"leo", "mia", "Watched it three times"},
	{"mia", "leo", "Next one is a Sierpinski"},
	{"zoe", "mia", "Coffee tomorrow?"},
	{"mia", "zoe", "Yes! 10 o'clock"},
	{"kai", "leo", "Your colour bars are a classic"},
	{"leo", "kai", "Thanks, yours dance better"},
}

package extract

import (
	"testing"
	"time"
)

func TestNonstateStory(t *testing.T) {
	x, err := New()
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, title, text string
		want              bool
	}{
		{"a cable cut in the headline", "Subsea cable damage disrupts internet in West Africa",
			"Internet services in Nigeria were disrupted on Thursday.\n\nService was likewise disrupted in Namibia.", true},
		{"a cable cut in the opening", "Internet down in West Africa",
			"Internet services in Nigeria were disrupted on Thursday after undersea cables were damaged.\n\nService was likewise disrupted in Namibia.", true},
		{"a state's shutdown", "Ethiopia cuts the internet",
			"Ethiopia's government shut down the internet on Thursday.\n\nService was likewise cut in Tigray.", false},
		{"an authority acting beside the cable", "Internet down in Gabon",
			"Gabon's government cut the internet on Monday, blaming undersea cable damage.", false},
		{"a cable cut far down the story", "Ethiopia cuts the internet",
			"Ethiopia's government shut down the internet on Thursday.\n\nLast year a cable cut had also slowed it.", false},
	}
	for _, tc := range tests {
		a := x.mentions(Document{Title: tc.title, Text: tc.text, Published: time.Date(2024, 3, 15, 0, 0, 0, 0, time.UTC)})
		if got := x.nonstateStory(a); got != tc.want {
			t.Errorf("%s: nonstateStory = %v, want %v", tc.name, got, tc.want)
		}
	}
}

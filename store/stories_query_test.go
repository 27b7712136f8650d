package store

import (
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestStoriesFilter(t *testing.T) {
	db := openTemp(t)
	night1 := time.Date(2018, 5, 1, 2, 0, 0, 0, time.UTC)
	clock := &fixedClock{t: night1}
	db.now = clock.now

	b := specBatch(t,
		"rutg1 rferl RU telegram block 2018-04-16",
		"rutg2 guardian RU telegram block 2018-04-20",
		"ir rferl IR telegram restrict 2018-04-30",
		"rutw bbc RU twitter throttle 2018-03-10",
	)
	b.Articles[0].Events[0].Reason = "refused to hand over encryption keys"
	b.Articles[2].Events[0].Confidence = 0.6
	if _, err := db.Save(b); err != nil {
		t.Fatal(err)
	}
	clock.t = night1.Add(24 * time.Hour)
	// cn ends on the same day as the RU Telegram story, made a night later.
	if _, err := db.Save(specBatch(t, "cn bbc CN google block 2018-04-20", "old guardian RU telegram block 2017-06")); err != nil {
		t.Fatal(err)
	}
	name := map[string]string{}
	for _, k := range []string{"rutg1", "ir", "rutw", "cn", "old"} {
		name[storyOf(t, db, k)] = k
	}

	tests := []struct {
		name string
		f    StoryFilter
		want string
	}{
		{"all, newest first, later made first on a tie", StoryFilter{}, "ir cn rutg1 rutw old"},
		{"country", StoryFilter{Filter: Filter{Countries: []string{"ru"}}}, "rutg1 rutw old"},
		{"service", StoryFilter{Filter: Filter{Services: []string{"twitter", "google"}}}, "cn rutw"},
		{"action", StoryFilter{Filter: Filter{Actions: []string{"block"}}}, "cn rutg1 old"},
		{"since on the last date", StoryFilter{Filter: Filter{Since: "2018-04-25"}}, "ir"},
		{"until on the first date", StoryFilter{Filter: Filter{Until: "2018-04-16"}}, "rutg1 rutw old"},
		{"a range overlapping", StoryFilter{Filter: Filter{Since: "2018-04-18", Until: "2018-04-19"}}, "rutg1"},
		{"a month", StoryFilter{Filter: Filter{Since: "2018-04", Until: "2018-04"}}, "ir cn rutg1"},
		// A partial date is its whole month, as for events.
		{"a partial date story", StoryFilter{Filter: Filter{Since: "2017-06-30", Until: "2017-07"}}, "old"},
		{"a partial date story, since inside it", StoryFilter{Filter: Filter{Since: "2017-06-16"}}, "ir cn rutg1 rutw old"},
		{"a partial date story, until inside it", StoryFilter{Filter: Filter{Until: "2017-06-10"}}, "old"},
		{"a partial date story, after it", StoryFilter{Filter: Filter{Since: "2017-07-01", Until: "2017-12"}}, ""},
		{"text in any event", StoryFilter{Filter: Filter{Text: "Encryption KEYS"}}, "rutg1"},
		{"text in the title", StoryFilter{Filter: Filter{Text: "article https://example.org/rutw"}}, "rutw"},
		{"min confidence", StoryFilter{Filter: Filter{MinConfidence: 0.7}}, "cn rutg1 rutw old"},
		{"feed", StoryFilter{Filter: Filter{Feeds: []string{"guardian"}}}, "rutg1 old"},
		{"limit", StoryFilter{Filter: Filter{Limit: 2}}, "ir cn"},
		{"limit past a tie", StoryFilter{Filter: Filter{Limit: 3}}, "ir cn rutg1"},
		{"created after", StoryFilter{CreatedAfter: night1}, "cn old"},
		{"created after and country", StoryFilter{Filter: Filter{Countries: []string{"RU"}}, CreatedAfter: night1}, "old"},
		{"created after the last run", StoryFilter{CreatedAfter: night1.Add(24 * time.Hour)}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			stories, err := db.Stories(tt.f)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, s := range stories {
				got = append(got, name[s.ID])
			}
			if g := strings.Join(got, " "); g != tt.want {
				t.Errorf("got %q, want %q", g, tt.want)
			}
		})
	}

	if _, err := db.Stories(StoryFilter{Filter: Filter{Since: "April"}}); err == nil {
		t.Error("a bad date was accepted")
	}
}

// Joining an old story moves it up the list and changes Updated, not Created.
func TestStoriesOrderFollowsLast(t *testing.T) {
	db := openTemp(t)
	clock := &fixedClock{t: time.Date(2018, 5, 1, 0, 0, 0, 0, time.UTC)}
	db.now = clock.now
	if _, err := db.Save(specBatch(t, "a rferl RU telegram block 2018-04-01", "b rferl IR telegram block 2018-04-10")); err != nil {
		t.Fatal(err)
	}
	order := func() []string {
		stories, err := db.Stories(StoryFilter{})
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, s := range stories {
			out = append(out, s.Country)
		}
		return out
	}
	if got := order(); !reflect.DeepEqual(got, []string{"IR", "RU"}) {
		t.Fatalf("order %q", got)
	}
	clock.t = clock.t.Add(time.Hour)
	if _, err := db.Save(specBatch(t, "c guardian RU telegram block 2018-04-12")); err != nil {
		t.Fatal(err)
	}
	checkStories(t, db)
	if got := order(); !reflect.DeepEqual(got, []string{"RU", "IR"}) {
		t.Errorf("order after RU grew %q, want RU first", got)
	}
	s, _, _ := db.Story(storyOf(t, db, "a"))
	if s.Last != "2018-04-12" || !s.Updated.Equal(clock.t) || s.Created.Equal(clock.t) {
		t.Errorf("grown story %+v", s)
	}
}

// A filter on country, service or action with a first date reads the
// stories of those triples from that date on (idx_story_triple); it
// finds what reading every story since the date and filtering finds.
func TestStoriesByTriple(t *testing.T) {
	db := openTemp(t)
	randomStore(t, db, 600, 5)
	in := func(list []string, v string) bool { return len(list) == 0 || slices.Contains(list, v) }
	for _, f := range []Filter{
		{Countries: []string{"RU"}, Since: "2017"},
		{Countries: []string{"ru", "IR"}, Since: "2016-06-10", Until: "2017-02"},
		{Services: []string{"telegram"}, Since: "2018-01-01", Until: "2018-01-01"},
		{Actions: []string{"block", "throttle"}, Since: "2016"},
		{Countries: []string{"CN"}, Services: []string{"google", "internet"}, Actions: []string{"block"}, Since: "2016-02"},
		{Countries: []string{"TR"}, Since: "2018-04", Limit: 3},
		{Countries: []string{"PK"}, Since: "2017-05", MinConfidence: 0.7, Feeds: []string{"bbc"}},
		{Countries: []string{"XX"}, Since: "2016"},
	} {
		got, err := db.Stories(StoryFilter{Filter: f})
		if err != nil {
			t.Fatal(err)
		}
		all, err := db.Stories(StoryFilter{Filter: Filter{Since: f.Since, Until: f.Until, MinConfidence: f.MinConfidence, Feeds: f.Feeds}})
		if err != nil {
			t.Fatal(err)
		}
		q, _ := compile(f)
		var want []Story
		for _, s := range all {
			if in(q.countries, s.Country) && in(q.services, s.Service) && in(q.actions, string(s.Action)) &&
				(f.Limit == 0 || len(want) < f.Limit) {
				want = append(want, s)
			}
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("Stories(%+v): %d stories, want %d", f, len(got), len(want))
		}
		if len(want) == 0 && f.Countries[0] != "XX" {
			t.Errorf("Stories(%+v): none; the test proves nothing", f)
		}
	}
}

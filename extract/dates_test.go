package extract

import (
	"testing"
	"time"
)

func TestFindDates(t *testing.T) {
	// Friday 20 April 2018, the seed article's publication day.
	pub := time.Date(2018, 4, 20, 0, 0, 0, 0, time.UTC)
	jan := time.Date(2019, 1, 8, 0, 0, 0, 0, time.UTC) // a Tuesday
	tests := []struct {
		text string
		pub  time.Time
		want string // first date found; "" for none
	}{
		{"Telegram was blocked on 16 April 2018.", pub, "2018-04-16"},
		{"Telegram was blocked on April 16, 2018.", pub, "2018-04-16"},
		{"Telegram was blocked on 16th April.", pub, "2018-04-16"},
		{"The court ruled on April 13 that the app must be blocked.", pub, "2018-04-13"},
		{"Access was cut from 1 to 5 May 2018.", pub, "2018-05-01"},
		{"Access was cut between 3 and 7 March.", pub, "2018-03-03"},
		{"Access was cut on 3-7 March.", pub, "2018-03-03"},
		{"Access was cut March 3-7.", pub, "2018-03-03"},
		{"Telegram was shut down in Russia this month.", pub, "2018-04"},
		{"Earlier this month the regulator acted.", pub, "2018-04"},
		{"The block began last month.", pub, "2018-03"},
		{"Last month's block", jan, "2018-12"},
		{"Earlier this week Iran's supreme leader closed his channel.", pub, "2018-04"},               // 16-20 April
		{"The ban came last week.", pub, "2018-04"},                                                   // 9-15 April
		{"The ban came last week.", time.Date(2018, 5, 2, 0, 0, 0, 0, time.UTC), "2018-04"},           // 23-29 April
		{"The ban came last week.", time.Date(2018, 5, 9, 0, 0, 0, 0, time.UTC), "2018-04"},           // 30 April - 6 May: the Monday's month (SCHEMA.md)
		{"The notice was put up this week.", time.Date(2016, 4, 1, 0, 0, 0, 0, time.UTC), "2016-03"},  // 28 March - 1 April
		{"The notice was put up this week.", time.Date(2016, 3, 28, 0, 0, 0, 0, time.UTC), "2016-03"}, // a Monday: still the month
		{"The regulator blocked it on Monday.", pub, "2018-04-16"},
		{"The regulator blocked it Monday night.", pub, "2018-04-16"},
		{"The regulator blocked it last Friday.", pub, "2018-04-13"},
		{"The regulator blocked it on Friday.", pub, "2018-04-20"},
		{"The app was blocked yesterday.", pub, "2018-04-19"},
		{"The app was blocked today.", pub, "2018-04-20"},
		{"The app was banned in March last year.", pub, "2017-03"},
		{"Last summer the regulator cut off access.", pub, "2017"},
		{"Last summer the regulator cut off access.", time.Date(2018, 10, 2, 0, 0, 0, 0, time.UTC), "2018"},
		{"The ban came this spring.", pub, "2018"},
		{"The ban came last fall.", pub, "2017"},
		{"A lastsummer of sorts.", pub, ""},
		{"In March last year, both apps issued patches.", pub, "2017-03"},
		{"The app was banned last year.", pub, "2017"},
		{"It was banned earlier this year.", pub, "2018"},
		{"after a similar ban in 2018", pub, "2018"},
		{"The 2016 law requires data to be stored locally.", pub, ""},
		{"The service was blocked in December.", jan, "2018-12"},
		{"The service was blocked on 28 December.", jan, "2018-12-28"},
		{"The block started in January 2019.", pub, "2019-01"},
		{"Regulators may ban the app.", pub, ""},
		{"Three days ago the app went dark.", pub, "2018-04-17"},
		{"Two weeks ago the app went dark.", pub, "2018-04"},
		{"It was blocked over the weekend.", time.Date(2018, 4, 16, 0, 0, 0, 0, time.UTC), "2018-04"},
		{"Officials said on 2018-04-16 that access was cut.", pub, "2018-04-16"},
		{"Over 50 million people use it.", pub, ""},
		{"Last June it fined Telegram.", time.Date(2024, 8, 13, 0, 0, 0, 0, time.UTC), "2023-06"},
		{"After the 2019 uprising, in June that year, the generals cut mobile internet.", time.Date(2021, 10, 25, 0, 0, 0, 0, time.UTC), "2019-06"},
		{"Saudi Arabia will lift its ban from Thursday.", time.Date(2017, 9, 20, 0, 0, 0, 0, time.UTC), "2017-09-21"},
		{"The regulator lifted its ban on Thursday.", time.Date(2017, 9, 20, 0, 0, 0, 0, time.UTC), "2017-09-14"},
		// A weekday with the date it names is that date, not the weekday
		// of the week before publication.
		{"NetBlocks confirmed it at 23:00 on Sunday 6 October.", time.Date(2019, 10, 15, 0, 0, 0, 0, time.UTC), "2019-10-06"},
		{"NetBlocks confirmed it on Sunday, October 6.", time.Date(2019, 10, 15, 0, 0, 0, 0, time.UTC), "2019-10-06"},
		{"It was back by Monday the 7 October.", time.Date(2019, 10, 15, 0, 0, 0, 0, time.UTC), "2019-10-07"},
		// A weekday with another date after it keeps its own.
		{"It was cut on Sunday and restored by 6 October.", time.Date(2019, 10, 15, 0, 0, 0, 0, time.UTC), "2019-10-13"},
		{"Iraq cut the internet on Sunday, the 6 October protests having spread.", time.Date(2019, 10, 15, 0, 0, 0, 0, time.UTC), "2019-10-13"},
	}
	for _, tt := range tests {
		got := ""
		if ds := findDates(normalizeText(tt.text), tt.pub); len(ds) > 0 {
			got = ds[0].value.String()
		}
		if got != tt.want {
			t.Errorf("findDates(%q, %s) = %q, want %q", tt.text, tt.pub.Format("2006-01-02"), got, tt.want)
		}
	}
}

func TestSpanPrecision(t *testing.T) {
	d := func(y, m, dd int) time.Time { return time.Date(y, time.Month(m), dd, 0, 0, 0, 0, time.UTC) }
	tests := []struct {
		a, b time.Time
		want string
	}{
		{d(2018, 4, 16), d(2018, 4, 16), "2018-04-16"},
		{d(2018, 4, 16), d(2018, 4, 20), "2018-04"},
		{d(2018, 4, 30), d(2018, 5, 6), "2018"},
		{d(2018, 12, 31), d(2019, 1, 6), "2019"},
	}
	for _, tt := range tests {
		if got := span(tt.a, tt.b).String(); got != tt.want {
			t.Errorf("span(%s, %s) = %s, want %s", tt.a.Format("2006-01-02"), tt.b.Format("2006-01-02"), got, tt.want)
		}
	}
}

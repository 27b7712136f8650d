package extract_test

import "testing"

// Services the gazetteer lacks, and the other proposals added from train's
// misses in 2026-12: each case is written here, not taken from a labelled set.
func TestOpenSetAndLists(t *testing.T) {
	runCases(t, []extractCase{
		{
			name: "listed with known services",
			text: "Pakistan's telecoms regulator blocked Tinder, Grindr, Tagged and Skout on Tuesday for immoral content.",
			want: []string{"PK/grindr/block/2018-04-17", "PK/skout/block/2018-04-17", "PK/tagged/block/2018-04-17", "PK/tinder/block/2018-04-17"},
		},
		{
			name: "a name starting with a digit in a list",
			text: "Pakistan's telecoms regulator blocked Tinder, Grindr, 1000X and Skout on Tuesday for immoral content.",
			want: []string{"PK/1000x/block/2018-04-17", "PK/grindr/block/2018-04-17", "PK/skout/block/2018-04-17", "PK/tinder/block/2018-04-17"},
		},
		{
			name: "a brand's lower-case start",
			text: "Germany's media regulator blocked the adult site xHamster on Monday.",
			want: []string{"DE/xhamster/block/2018-04-16"},
		},
		{
			name: "a multi-word name in a list",
			text: "India's financial intelligence unit asked the ministry on Monday to block Binance, Kraken and Poloniex Global.",
			want: []string{"IN/binance/block/2018-04-16", "IN/kraken/block/2018-04-16", "IN/poloniex-global/block/2018-04-16"},
		},
		{
			name: "a name before a service noun",
			text: "Russia's communications regulator blocked the Tamtam messenger on Monday.",
			want: []string{"RU/tamtam/block/2018-04-16"},
		},
		{
			// Capitalised, "Service" ends an institution's name, in the
			// headline too, where every word is capitalised.
			name:  "an institution is no service",
			title: "TikTok Blocked By Azerbaijan's State Security Service",
			text:  "TikTok has been unreachable in Azerbaijan for weeks.\n\nOn September 14, the State Security Service announced that it had decided to block access to the platform.",
			pub:   "2022-11-07",
			want:  []string{"AZ/tiktok/block/2022-09-14"},
		},
		{
			// A capitalised "Exchange" after a name that is no word of
			// institutions is the service's own name.
			name: "a service named with its noun capitalised",
			text: "Russia's communications regulator on Monday blocked the Bitzlato Exchange, citing a court ruling.",
			want: []string{"RU/bitzlato/block/2018-04-16"},
		},
		{
			name: "a name after a service noun",
			text: "Russia's communications regulator blocked the messaging app Tamtam on Monday.",
			want: []string{"RU/tamtam/block/2018-04-16"},
		},
		{
			// Names the gazetteer lacks (these stood for Zangi and
			// Safeswiss, which the tagger misread, until train's labels
			// put them in the gazetteer).
			name: "names the tagger does not know, in a list",
			text: "India blocked Tamtam, Threema and Skred on Monday.",
			want: []string{"IN/skred/block/2018-04-16", "IN/threema/block/2018-04-16", "IN/tamtam/block/2018-04-16"},
		},
		{
			name: "where an app comes from is no name",
			text: "Oman cut off access to Clubhouse, the US-based audio chat app, on Monday.",
			want: []string{"OM/clubhouse/block/2018-04-16"},
		},
		{
			name: "a list after a plural service noun",
			text: "India blocked 14 apps on Monday. The blocked apps are Tamtam, Threema and Skred.",
			want: []string{"IN/skred/block/2018-04-16", "IN/threema/block/2018-04-16", "IN/tamtam/block/2018-04-16"},
		},
		{
			name: "a name and its apposition",
			text: "A Moscow court on Monday ordered providers to block Kinozal, the country's most popular torrent site.",
			want: []string{"RU/kinozal/block/2018-04-16"},
		},
		{
			name: "an apposition that is no service",
			text: "A Moscow court on Monday ordered providers to block Kinozal, the publisher Eksmo said.",
			want: nil,
		},
		{
			name: "names a list marker brings after a plural service noun",
			text: "Authorities in Kazakhstan on Monday blocked several local news sites, including Ak Zhayyk, Vlast and the Ural Week.",
			want: []string{"KZ/ak-zhayyk/block/2018-04-16", "KZ/ural-week/block/2018-04-16", "KZ/vlast/block/2018-04-16"},
		},
		{
			name: "names after a plural service noun and a copula",
			text: "Thailand's regulator blocked five crypto exchanges on Monday. The blocked exchanges are Bybit, Bitget and Foobit.",
			want: []string{"TH/bitget/block/2018-04-16", "TH/bybit/block/2018-04-16", "TH/foobit/block/2018-04-16"},
		},
		{
			name: "names before a copula and a plural service noun",
			text: "Thailand's regulator blocked five crypto exchanges on Monday. Bybit, Bitget and Foobit are the exchanges affected.",
			want: []string{"TH/bitget/block/2018-04-16", "TH/bybit/block/2018-04-16", "TH/foobit/block/2018-04-16"},
		},
		{
			name: "no marker, no list",
			text: "Authorities in Kazakhstan on Monday blocked several local news sites, Interfax reported.",
			want: nil,
		},
		{
			// SCHEMA.md's slug is the name as English writes it.
			name: "a name with accents",
			text: "Venezuela's telecoms regulator Conatel on Monday blocked the websites of Efecto Cocuyo, Crónica Uno and EVTV Miami.",
			want: []string{"VE/cronica-uno/block/2018-04-16", "VE/efecto-cocuyo/block/2018-04-16", "VE/evtv-miami/block/2018-04-16"},
		},
		{
			name: "a name after 'news outlet'",
			text: "The Maldives government blocked the registered news outlet Furathama on Thursday.",
			want: []string{"MV/furathama/block/2018-04-19"},
		},
		{
			name: "the website of a name",
			text: "Kyrgyzstan's culture ministry blocked the website of Radio Azattyk on Wednesday.",
			want: []string{"KG/radio-azattyk/block/2018-04-18"},
		},
		{
			name: "a product of a known service",
			text: "Tanzania's regulator blocked Google Translate on Monday.",
			want: []string{"TZ/google-translate/block/2018-04-16"},
		},
		{
			name: "calendar and institution words are no names",
			text: "Turkey's regulator blocked Wikipedia on Monday, the Ministry of Transport said.",
			want: []string{"TR/wikipedia/block/2018-04-16"},
		},
		{
			name: "a set noun before the list",
			text: "India banned TikTok and 58 other Chinese apps on Monday. Besides TikTok, the banned list covers the microblogging service Weibo and UC Browser.",
			pub:  "2018-04-16",
			want: []string{"IN/tiktok/block/2018-04-16", "IN/ucbrowser/block/2018-04-16", "IN/weibo/block/2018-04-16"},
		},
		{
			name: "a lifting that names no service lifts the measure",
			text: "When protests swept the country, Iran blocked Instagram and Telegram on Monday, restoring access on Thursday.",
			want: []string{"IR/instagram/block/2018-04-16", "IR/instagram/unblock/2018-04-19", "IR/telegram/block/2018-04-16", "IR/telegram/unblock/2018-04-19"},
		},
		{
			name: "all three",
			text: "There is no point looking for news of Burundi's election on Facebook, Twitter or WhatsApp on Wednesday: all three have been unreachable since the morning.",
			want: []string{"BI/facebook/block/2018-04-18", "BI/twitter/block/2018-04-18", "BI/whatsapp/block/2018-04-18"},
		},
	})
}

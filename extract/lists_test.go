package extract_test

import "testing"

func TestContinueLists(t *testing.T) {
	runCases(t, []extractCase{
		{
			name:  "full list after a colon",
			title: "Nepal bans 26 social media platforms",
			text:  "The government of Nepal banned 26 unregistered platforms on Thursday.\n\nThe full list of the platforms banned in Nepal:\n\nFacebook, Instagram, YouTube, Signal, Reddit and Discord.",
			pub:   "2025-09-05",
			want: []string{
				"NP/discord/block/2025-09-04", "NP/facebook/block/2025-09-04", "NP/instagram/block/2025-09-04",
				"NP/reddit/block/2025-09-04", "NP/signal/block/2025-09-04", "NP/youtube/block/2025-09-04",
			},
		},
		{
			name: "among them",
			text: "Uzbekistan's regulator cut access to most social networks on November 3. Among them are Facebook, Telegram, LinkedIn and YouTube.",
			pub:  "2021-11-04",
			want: []string{
				"UZ/facebook/block/2021-11-03", "UZ/linkedin/block/2021-11-03", "UZ/telegram/block/2021-11-03", "UZ/youtube/block/2021-11-03",
			},
		},
		{
			name: "a list in two parts, joined by as well as",
			text: "Providers in Benin spent Sunday blocking access to social networks and communication apps.\n\nThe services hit included Facebook and Instagram as well as the messaging apps WhatsApp and Viber.",
			pub:  "2019-04-28",
			want: []string{
				"BJ/facebook/block/2019-04-28", "BJ/instagram/block/2019-04-28", "BJ/viber/block/2019-04-28", "BJ/whatsapp/block/2019-04-28",
			},
		},
		{
			name: "a plural noun and its modifier before the copula",
			text: "Five more Venezuelan news websites went dark on Monday after the government acted through Conatel.\n\nThe outlets affected are El Estimulo, Medianalisis, Runrunes, Analitica and TalCual.",
			pub:  "2024-07-23",
			want: []string{
				"VE/analitica/block/2024-07-22", "VE/el-estimulo/block/2024-07-22", "VE/medianalisis/block/2024-07-22",
				"VE/runrunes/block/2024-07-22", "VE/talcual/block/2024-07-22",
			},
		},
		{
			name: "a participle that spares the list's members",
			text: "Nepal's government banned 26 social media platforms on Thursday for failing to register.\n\nThe platforms registered with the ministry are TikTok, Viber and Nimbuzz.",
			pub:  "2025-09-05",
			want: nil,
		},
		{
			name: "a list in two parts, joined by a comma and as well as",
			text: "Providers in Benin spent Sunday blocking access to social networks and communication apps.\n\nThe services hit included Facebook and Instagram, as well as the messaging apps WhatsApp and Viber.",
			pub:  "2019-04-28",
			want: []string{
				"BJ/facebook/block/2019-04-28", "BJ/instagram/block/2019-04-28", "BJ/viber/block/2019-04-28", "BJ/whatsapp/block/2019-04-28",
			},
		},
		{
			name: "spared, not listed",
			text: "Uzbekistan's regulator cut access to most social networks on November 3. Services such as WhatsApp, Viber and Signal were not affected.",
			pub:  "2021-11-04",
			want: nil,
		},
		{
			name: "no mark of a list",
			text: "Uzbekistan's regulator cut access to most social networks on November 3. Facebook, Telegram and YouTube have millions of users there.",
			pub:  "2021-11-04",
			want: nil,
		},
		{
			name: "measured unreachable after a measure",
			text: "Social media has been restricted across Azerbaijan since Sunday. NetBlocks metrics show the servers of Facebook, WhatsApp, YouTube and Zoom cannot be reached.",
			pub:  "2020-09-28",
			want: []string{
				"AZ/facebook/restrict/2020-09-27", "AZ/whatsapp/restrict/2020-09-27", "AZ/youtube/restrict/2020-09-27", "AZ/zoom/restrict/2020-09-27",
			},
		},
		{
			name: "unreachable with no measure before",
			text: "A cable fault hit Azerbaijan on Sunday. NetBlocks metrics show the servers of Facebook, WhatsApp, YouTube and Zoom cannot be reached.",
			pub:  "2020-09-28",
			want: nil,
		},
		{
			name: "unreachable after an action on a service it names",
			text: "Russia blocked Telegram on Monday. Telegram, WhatsApp and Signal cannot be reached in Moscow.",
			want: []string{"RU/telegram/block/2018-04-16"},
		},
		{
			name: "unreachable, but not the list",
			text: "Social media has been restricted across Azerbaijan since Sunday. Facebook, WhatsApp and YouTube have millions of users there, and many news sites cannot be reached.",
			pub:  "2020-09-28",
			want: nil,
		},
		{
			name: "unreachable, yet others spared",
			text: "Social media has been restricted across Azerbaijan since Sunday. Facebook, WhatsApp and YouTube cannot be reached, though Telegram still works.",
			pub:  "2020-09-28",
			want: nil,
		},
		{
			name: "two names are not a list",
			text: "Uzbekistan's regulator cut access to most social networks on November 3. Among them are Facebook and Telegram.",
			pub:  "2021-11-04",
			want: nil,
		},
	})
}

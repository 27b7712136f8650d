package extract_test

import (
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/policywatch/policywatch/eval"
	"github.com/policywatch/policywatch/event"
	"github.com/policywatch/policywatch/extract"
)

// brief renders events as "IR/telegram/restrict/2018-04-20" for comparison.
func brief(evs []event.Event) []string {
	out := make([]string, len(evs))
	for i, e := range evs {
		out[i] = e.Country + "/" + e.Service + "/" + string(e.Action) + "/" + e.Date
	}
	slices.Sort(out)
	return out
}

func day(s string) time.Time {
	t, err := time.Parse("2006-01-02", s)
	if err != nil {
		panic(err)
	}
	return t
}

type extractCase struct {
	name  string
	title string
	text  string
	pub   string
	want  []string // CC/service/action/date, any order
}

func runCases(t *testing.T, cases []extractCase) {
	t.Helper()
	x := rules(t)
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			pub := tc.pub
			if pub == "" {
				pub = "2018-04-20" // a Friday
			}
			got := brief(x.Extract(extract.Document{ID: tc.name, Title: tc.title, Text: tc.text, Published: day(pub)}))
			want := slices.Clone(tc.want)
			slices.Sort(want)
			if !slices.Equal(got, want) {
				t.Errorf("\n got  %v\n want %v", got, want)
			}
		})
	}
}

func TestActors(t *testing.T) {
	runCases(t, []extractCase{
		{name: "regulator", text: "Roskomnadzor blocked Telegram on Monday after a court ruling.",
			want: []string{"RU/telegram/block/2018-04-16"}},
		{name: "city court", text: "A Moscow court ordered the blocking of LinkedIn in November 2016.",
			want: []string{"RU/linkedin/block/2016-11"}},
		{name: "an Indian state's government", pub: "2018-06-10",
			text: "The Meghalaya government on Saturday suspended mobile internet services in seven districts.",
			want: []string{"IN/mobile-internet/shutdown/2018-06-09"}},
		{name: "possessive regulator", text: "Iran's net regulator said swapping images via Telegram was no longer permitted.",
			want: []string{"IR/telegram/restrict/2018-04-20"}},
		{name: "the state's adjective before its measure", text: "Tanzania restricted social media in 2016. The Mongolian ban on Facebook came into force on Tuesday.",
			want: []string{"MN/facebook/block/2018-04-17"}},
		{name: "notice of a fine sent to a service", text: "Norway's data protection authority on Monday sent the dating app Grindr advance notice of an administrative fine.",
			want: []string{"NO/grindr/threaten/2018-04-16"}},
		{name: "acronym", text: "The PTA blocked TikTok on Friday over immoral content.",
			want: []string{"PK/tiktok/block/2018-04-20"}},
		{name: "leader", text: "Ayatollah Khamenei banned the use of WhatsApp by state officials last week.",
			want: []string{"IR/whatsapp/restrict/2018-04"}},
		{name: "demonym and government noun", text: "Turkish authorities blocked access to Wikipedia on 29 April 2017.",
			want: []string{"TR/wikipedia/block/2017-04-29"}},
		{name: "origin demonym is not the actor", text: "India banned the Chinese app TikTok on Monday.",
			want: []string{"IN/tiktok/block/2018-04-16"}},
		{name: "where a service was launched", pub: "2021-06-10",
			text: "Nigeria suspended Twitter on 5 June. Since Twitter was launched in San Francisco in 2006, only a handful of countries have blocked it.",
			want: []string{"NG/twitter/block/2021-06-05"}},
		{name: "South America is no United States", pub: "2025-06-01",
			text: "In South America, Venezuela blocked Telegram in January 2025.",
			want: []string{"VE/telegram/block/2025-01"}},
		{name: "the invader, not the invaded", pub: "2022-06-01",
			text: "Russia's regulator acted again. In March, following its invasion of Ukraine, the country blocked access to Instagram.",
			want: []string{"RU/instagram/block/2022-03"}},
		{name: "an operator's home", pub: "2021-02-04",
			text: "Myanmar's junta ordered the blocks on Wednesday.\n\nNorway's Telenor said it had also blocked Facebook in order to follow the instruction.",
			want: []string{"MM/facebook/block/2021-02-03"}},
		{name: "the war's other side named elsewhere", pub: "2024-08-31",
			text: "Russia: Twitter was banned in 2022 in response to the war with Ukraine.",
			want: []string{"RU/twitter/block/2022"}},
		{name: "a state's ISPs", text: "Ukraine's war went on. Russian ISPs began throttling Twitter on Monday.",
			want: []string{"RU/twitter/throttle/2018-04-16"}},
		{name: "artificial intelligence is no intelligence service",
			text: "Italy's data protection authority said on Monday that it had blocked the Chinese artificial intelligence chatbot DeepSeek.",
			want: []string{"IT/deepseek/block/2018-04-16"}},
		{name: "first name, not a state", text: "Telegram was blocked on Monday, Jordan Peterson said."},
		{name: "state before a title", text: "Turkey President Erdogan blocked Twitter on Monday.",
			want: []string{"TR/twitter/block/2018-04-16"}},
		{name: "Kremlin", text: "The Kremlin has throttled Twitter since March.",
			want: []string{"RU/twitter/throttle/2018-03"}},
		// A list of company names reads as a headline, and in lower case
		// "Ltd. Şti." splits otherwise; the sentence must still be tagged,
		// or "Google Ireland" is a state.
		{name: "a company's unit in a list in capitals", title: "Turkish watchdog probes Google",
			text: "Turkey's Competition Authority said on Monday that it had opened an investigation into Google.\n\n" +
				"The branch is Google Pazarlama Ltd. Şti., together with Google Ireland Limited and Alphabet Inc.\n\n" +
				"The watchdog already fined Google $15 million in March for breaching competition law.",
			want: []string{"TR/google/fine/2018-03"}},
	})
}

func TestServiceNames(t *testing.T) {
	runCases(t, []extractCase{
		{name: "a service in the possessive before another", pub: "2016-05-03",
			text: "A Brazilian judge on Monday ordered phone companies to block Facebook's messaging service WhatsApp for 72 hours.",
			want: []string{"BR/whatsapp/block/2016-05-02"}},
		{name: "X formerly Twitter", text: "Brazil's Supreme Court suspended X (formerly Twitter) on Friday.",
			want: []string{"BR/twitter/block/2018-04-20"}},
		{name: "X as an action's object", text: "In August, Venezuela's regulator Conatel suspended X for ten days.",
			want: []string{"VE/twitter/block/2017-08"}},
		{name: "where someone spoke", text: "Beeline told customers on Twitter on Tuesday that mobile internet services were being restricted in Kazakhstan.",
			want: []string{"KZ/mobile-internet/restrict/2018-04-17"}},
		{name: "X as a letter", text: "In August, Venezuela's regulator Conatel blocked 12 sites under Article X of the law.",
			want: nil},
		{name: "owner's product", text: "Russia blocked Meta's WhatsApp and Google's YouTube on Monday.",
			want: []string{"RU/whatsapp/block/2018-04-16", "RU/youtube/block/2018-04-16"}},
		{name: "long name", text: "Roskomnadzor blocked millions of Amazon Web Services addresses this month.",
			want: []string{"RU/aws/block/2018-04"}},
		{name: "coreference", text: "Telegram has 40 million users in Iran.\n\nOn Monday the judiciary banned the messaging app.",
			want: []string{"IR/telegram/block/2018-04-16"}},
		{name: "misspelling", text: "Russia's ban on Telegram also blocked Twich and Spotify on Monday.",
			want: []string{"RU/spotify/block/2018-04-16", "RU/telegram/block/2018-04-16", "RU/twitch/block/2018-04-16"}},
		// The calls made over the internet are what is banned, not the
		// network; the apps named are the services.
		{name: "internet phone calls", text: "Saudi Arabia lifted its ban on internet phone calls on Thursday.", want: nil},
		{name: "calls over the internet", text: "Morocco lifted its ban on voice calls over the internet on Friday.", want: nil},
		{name: "calls made over the mobile internet", text: "Morocco on Friday lifted its ban on calls made over mobile internet connections.", want: nil},
		{name: "the internet itself", text: "Iraq shut down the internet on Monday.", want: []string{"IQ/internet/shutdown/2018-04-16"}},
		{name: "internet communications", text: "Iraq shut down internet communications on Monday.", want: []string{"IQ/internet/shutdown/2018-04-16"}},
	})
}

func TestLists(t *testing.T) {
	runCases(t, []extractCase{
		{name: "a list that works again is not the ban's", pub: "2020-03-20",
			text: "Oman banned calling apps in 2017. Internet calling apps such as Skype, Google Meet and Zoom work from today, the regulator said.",
			want: nil},
		{name: "users could not reach", pub: "2021-01-13",
			text: "In Uganda, users could not reach Facebook or WhatsApp on Tuesday.",
			want: []string{"UG/facebook/block/2021-01-12", "UG/whatsapp/block/2021-01-12"}},
		{name: "disabled", pub: "2024-08-05",
			text: "Bangladesh's government on Sunday disabled Facebook, Messenger and WhatsApp as protests spread.",
			want: []string{"BD/facebook/block/2024-08-04", "BD/messenger/block/2024-08-04", "BD/whatsapp/block/2024-08-04"}},
		{name: "among the services a cue acts on", pub: "2021-01-13",
			text: "Uganda's regulator ordered social media cut on Tuesday.\n\nUsers found that Facebook and WhatsApp were among the services they could no longer reach on Tuesday.",
			want: []string{"UG/facebook/block/2021-01-12", "UG/whatsapp/block/2021-01-12"}},
		{name: "among a list after an apposition", pub: "2020-07-01",
			text: "India's government banned 59 apps on Monday. Helo, a second ByteDance app, was also among the services banned on Monday.",
			want: []string{"IN/helo/block/2020-06-29"}},
		{name: "among the other sites blocked is no news", pub: "2024-04-20",
			text: "Gmail, YouTube and Snapchat are among the other Western platforms censored in China."},
		{name: "passive list", text: "In Sri Lanka, Facebook, Instagram and WhatsApp were blocked on Sunday.",
			want: []string{"LK/facebook/block/2018-04-15", "LK/instagram/block/2018-04-15", "LK/whatsapp/block/2018-04-15"}},
		{name: "several countries", text: "Facebook was blocked in China, Iran and North Korea on Monday.",
			want: []string{"CN/facebook/block/2018-04-16", "IR/facebook/block/2018-04-16", "KP/facebook/block/2018-04-16"}},
		{name: "list before a participle", text: "The government of Bangladesh ordered Facebook, WhatsApp and Viber blocked in November.",
			want: []string{"BD/facebook/block/2017-11", "BD/viber/block/2017-11", "BD/whatsapp/block/2017-11"}},
		{name: "what a measure covers", text: "Pakistan blocked every social media platform on Friday. The block covers the most popular platforms, including Twitter and TikTok.",
			want: []string{"PK/tiktok/block/2018-04-20", "PK/twitter/block/2018-04-20"}},
		{name: "a measure still in place on", text: "In Tanzania, restrictions remained in place on Facebook and Instagram on Monday.",
			want: []string{"TZ/facebook/restrict/2018-04-16", "TZ/instagram/restrict/2018-04-16"}},
		{name: "what a measure would reach", text: "Pakistan's proposed ban would apply to Facebook and Instagram.", want: nil},
		{name: "what a measure covers, and no further", text: "Belarus banned the news site Tut.by in August. The ban extends to its mirror Zerkalo, to its channels on Telegram and Viber.",
			want: []string{"BY/tut-by/block/2017-08", "BY/zerkalo/block/2018-04-20"}},
		{name: "and so were", text: "Telegram was fully blocked in Azerbaijan on Sunday, and so were Facebook, Zoom and Skype.",
			want: []string{"AZ/facebook/block/2018-04-15", "AZ/skype/block/2018-04-15", "AZ/telegram/block/2018-04-15", "AZ/zoom/block/2018-04-15"}},
		{name: "as were", text: "Facebook and Twitter were blocked in Benin on Sunday, as were the messaging apps WhatsApp and Viber.",
			want: []string{"BJ/facebook/block/2018-04-15", "BJ/twitter/block/2018-04-15", "BJ/viber/block/2018-04-15", "BJ/whatsapp/block/2018-04-15"}},
		{name: "along with a list", text: "WhatsApp was blocked in Iran on Monday along with Instagram, Telegram and Viber.",
			want: []string{"IR/instagram/block/2018-04-16", "IR/telegram/block/2018-04-16", "IR/viber/block/2018-04-16", "IR/whatsapp/block/2018-04-16"}},
		{name: "joined the list of blocked apps", text: "Instagram and WhatsApp joined the list of blocked applications in Iran in September 2022.", pub: "2022-10-01",
			want: []string{"IR/instagram/block/2022-09", "IR/whatsapp/block/2022-09"}},
		{name: "brought back", text: "Pakistan blocked YouTube and Wikipedia in May. On Monday YouTube and Wikipedia were brought back on the orders of the Prime Minister.",
			want: []string{"PK/wikipedia/block/2018-05", "PK/wikipedia/unblock/2018-04-16", "PK/youtube/block/2018-05", "PK/youtube/unblock/2018-04-16"}},
		{name: "could no longer reach", text: "Pakistan's telecoms regulator said on Tuesday that users could no longer reach Tinder and Grindr.",
			want: []string{"PK/grindr/block/2018-04-17", "PK/tinder/block/2018-04-17"}},
		{name: "could no longer be reached", text: "Signal could no longer be reached in Egypt on Monday, NetBlocks said.",
			want: []string{"EG/signal/block/2018-04-16"}},
		{name: "the members of a class of services", pub: "2024-07-05",
			text: "Roskomnadzor ordered VPN services blocked on Thursday. They include ProtonVPN, NordVPN and Le VPN.",
			want: []string{"RU/le-vpn/block/2024-07-04", "RU/nordvpn/block/2024-07-04", "RU/protonvpn/block/2024-07-04", "RU/vpn/block/2024-07-04"}},
		{name: "the members of a set named after the cue's reason", pub: "2021-08-27",
			text: "Almost every big social network in Russia has been fined for refusing to remove banned content, among them Twitter, TikTok and Facebook.",
			want: []string{"RU/facebook/fine/2021-08-27", "RU/tiktok/fine/2021-08-27", "RU/twitter/fine/2021-08-27"}},
		{name: "a list member with its description", pub: "2021-08-27",
			text: "Russia fined several social networks on Monday. They include Twitter, VKontakte and the messaging app Telegram.",
			want: []string{"RU/telegram/fine/2021-08-23", "RU/twitter/fine/2021-08-23", "RU/vkontakte/fine/2021-08-23"}},
		{name: "a class's measure does not reach other kinds", pub: "2024-07-05",
			text: "Roskomnadzor ordered VPN services blocked on Thursday. Facebook, Instagram and YouTube can only be reached with them.",
			want: []string{"RU/vpn/block/2024-07-04"}},
		{name: "a clause of its own after the object", pub: "2022-03-04",
			text: "Pakistan has blocked X since February, and VPN use has grown.",
			want: []string{"PK/twitter/block/2022-02"}},
		{name: "a service noun the tagger takes for a verb", pub: "2020-09-01",
			text: "Pakistan has cut off access to the dating app Tinder and the chat app SayHi.",
			want: []string{"PK/sayhi/block/2020-09-01", "PK/tinder/block/2020-09-01"}},
		{name: "'they' after a count still means the services", pub: "2015-11-22",
			text: "Bangladesh blocked WhatsApp and Viber on November 18. After four days, on November 22, they were unblocked on the regulator's instructions.",
			want: []string{"BD/viber/block/2015-11-18", "BD/viber/unblock/2015-11-22", "BD/whatsapp/block/2015-11-18", "BD/whatsapp/unblock/2015-11-22"}},
		{name: "who funds an outlet is not who blocks it", pub: "2024-08-10",
			text: "BenarNews, a news portal funded by the U.S. government that had been blocked in Bangladesh since March 2020, can be read there again this week.",
			want: []string{"BD/benarnews/block/2020-03"}},
		{name: "internet links are the network's connections", pub: "2021-07-26",
			text: "Tajikistan's government cut internet links to Gorno-Badakhshan on July 24.",
			want: []string{"TJ/internet/shutdown/2021-07-24"}},
		{name: "internet access on mobile phones is the mobile network", pub: "2023-08-02",
			text: "Senegal's government cut off internet access on mobile phones on Monday, citing hateful and subversive messages.",
			want: []string{"SN/mobile-internet/shutdown/2023-07-31"}},
		// Cases a review of the rules above found them misreading.
		{name: "a person beside 'the newspaper's editor' is no service",
			text: "Russia blocked the site of Novaya Gazeta on Monday, Ivan Petrov, the newspaper's editor, said.",
			want: []string{"RU/novaya-gazeta/block/2018-04-16"}},
		{name: "Ola is a first name unless the text says it is the app",
			text: "Nigeria suspended Twitter and Facebook on Monday, according to Ola Olukoyede.",
			want: []string{"NG/facebook/block/2018-04-16", "NG/twitter/block/2018-04-16"}},
		{name: "declining to comment denies no claim",
			text: "Russian media carried reports that Roskomnadzor had blocked Telegram on Monday; the regulator declined to comment.",
			want: []string{"RU/telegram/block/2018-04-16"}},
		{name: "a regulator that reports its own block",
			text: "Roskomnadzor reports that it blocked Telegram on Monday but declined to say for how long.",
			want: []string{"RU/telegram/block/2018-04-16"}},
		{name: "a law backed by a parliament is no origin",
			text: "Telegram was blocked on Monday under a law backed by the Russian parliament.",
			want: []string{"RU/telegram/block/2018-04-16"}},
		{name: "an outlet that asks its readers is the target",
			text: "After Russia blocked it on Monday, Meduza asked readers to use a VPN.",
			want: []string{"RU/meduza/block/2018-04-16"}},
		{name: "access limited", text: "In Belarus, access to Facebook and Twitter has been severely limited since Sunday.",
			want: []string{"BY/facebook/restrict/2018-04-15", "BY/twitter/restrict/2018-04-15"}},
	})
}

func TestNotEvents(t *testing.T) {
	runCases(t, []extractCase{
		{name: "denial", text: "The Nigerian government denied blocking Twitter on Monday."},
		{name: "blocked already, with no time", text: "Russia has already blocked a number of popular messaging apps and social networks. LinkedIn, Facebook, Instagram and Signal cannot be used there without a virtual private network."},
		{name: "an outlet's desk as the source", text: "Some websites of Azerbaijani state bodies were unreachable on Monday, RFE/RL's Azerbaijani Service reports."},
		{name: "'they' after a nearer plural noun", text: "South Korea's regulator acted against Upbit on Monday after posts on Twitter and Facebook. Deposits and withdrawals have been halted, and the exchange said they would stay suspended for two weeks."},
		{name: "reports suggesting, then denied", text: "Reports suggesting the internet was being throttled by the government are completely false, Pakistan's IT minister said on Monday."},
		{name: "links are content, not the service", text: "Vietnam's ministry said on Friday that it had blocked 33 TikTok links in September."},
		{name: "talks about lifting a ban", text: "The UAE's telecoms regulator is holding talks with Microsoft about lifting a ban on Skype, local media reported on Monday."},
		{name: "a claim denied after it", text: "Reports in several outlets that Uzbekistan's national operator had blocked Facebook were rejected on Monday by Uzbektelecom."},
		{name: "negation", text: "Russia has not blocked Telegram yet."},
		{name: "no decision yet", text: "No decision has yet been made to cut off or restrict WhatsApp and Viber in Egypt, the minister said on Wednesday."},
		{name: "yet to", pub: "2015-12-11", text: "Bangladesh's government has yet to restore access to Viber and WhatsApp."},
		{name: "refused to", text: "Russia's regulator refused to unblock Telegram on Monday."},
		{name: "considering", text: "India is considering a ban on TikTok."},
		{name: "hypothetical", text: "Analysts said WhatsApp could be blocked in Iran."},
		{name: "calls for", text: "Activists in Kenya called for a ban on Telegram."},
		{name: "petitioning for", text: "Bob Ndolo, the man petitioning for TikTok to be banned in Kenya, is due before a parliamentary committee on Tuesday."},
		{name: "a standing block with no time", text: "Russia's regulator acted on Monday. Google is blocked in China, and Twitter and Facebook are banned there."},
		{name: "a standing block told in the present", text: "Telegram has millions of users in Spain. A number of countries, among them China, Thailand, Pakistan and Cuba, block the service."},
		{name: "a standing block with a time", text: "Google has been blocked in China since 2010.",
			want: []string{"CN/google/block/2010"}},
		{name: "a global outage", text: "Facebook and Instagram were unreachable in India on Monday during a global outage."},
		{name: "a major outage", text: "Facebook, Instagram and WhatsApp went dark in Samoa on Monday in a major outage."},
		{name: "an indefinite past before the cue", text: "Telegram has in the past been restricted or temporarily banned in countries such as Iran and Russia."},
		{name: "a question inside a headline", pub: "2024-08-26",
			title: "Telegram to be banned in India? Company being probed, report claims", text: "Officials said no decision had been taken."},
		{name: "a promise", text: "Nigeria's regulator promised on Monday to restore access to Twitter soon."},
		{name: "asks for", text: "A boy went to India's Bombay High Court on Thursday asking for the game PUBG to be banned."},
		{name: "argued against", text: "Kazakhstan's prime minister has previously argued against banning TikTok."},
		{name: "speculation", text: "Thai users found Facebook would not open, which fuelled speculation that it had been blocked."},
		{name: "proposal", text: "US lawmakers proposed a bill to ban TikTok."},
		{name: "question", title: "Will Iran Ban Telegram?"},
		{name: "company acts", text: "Meta blocked news links for Canadian users in August."},
		{name: "own channel", text: "Earlier this week Iran's supreme leader, Ayatollah Ali Khamenei, shut down his Telegram channel."},
		{name: "vulnerability", text: "WhatsApp and Telegram issued emergency patches after researchers found a severe vulnerability."},
		{name: "official threat", text: "Roskomnadzor threatened to block Telegram if it did not hand over the keys.",
			want: []string{"RU/telegram/threaten/2018-04-20"}},
		{name: "official warning", text: "Telegram could be blocked within days, Indonesia's communications minister warned on Monday.",
			want: []string{"ID/telegram/threaten/2018-04-16"}},
	})
}

func TestHistoryAndVoice(t *testing.T) {
	runCases(t, []extractCase{
		{name: "history", text: "Pakistan blocked TikTok again on Monday, after a similar ban on YouTube in 2012.",
			want: []string{"PK/tiktok/block/2018-04-16", "PK/youtube/block/2012"}},
		{name: "passive", text: "Access to Telegram was shut down in Russia this month.",
			want: []string{"RU/telegram/block/2018-04"}},
		{name: "nominalisation", text: "The Telegram ban in Russia has angered users.",
			want: []string{"RU/telegram/block/2018-04-20"}},
		{name: "internet shutdown", text: "Ethiopia shut down the internet in Tigray on 4 November 2020.", pub: "2020-11-06",
			want: []string{"ET/internet/shutdown/2020-11-04"}},
		{name: "mobile data", text: "Bangladesh suspended mobile internet on Thursday amid student protests.",
			want: []string{"BD/mobile-internet/shutdown/2018-04-19"}},
		{name: "unblock", text: "Pakistan lifted the ban on TikTok on 19 October 2020.", pub: "2020-10-20",
			want: []string{"PK/tiktok/unblock/2020-10-19"}},
		{name: "a court order as the subject", pub: "2021-08-27", text: "A court order banned the messaging service Telegram in Iran in April 2018.",
			want: []string{"IR/telegram/block/2018-04"}},
		{name: "a ban blocked by a court", text: "A federal judge blocked Montana's TikTok ban on Thursday.",
			want: []string{"US/tiktok/unblock/2018-04-19"}},
		{name: "a ban removed", text: "Iran's authorities removed a ban on WhatsApp on Tuesday.",
			want: []string{"IR/whatsapp/unblock/2018-04-17"}},
		{name: "switched back on", text: "Mobile internet was switched back on in Bangladesh on Sunday.", pub: "2024-07-29",
			want: []string{"BD/mobile-internet/unblock/2024-07-28"}},
		{name: "turned on again", text: "In Manipur, mobile data was turned on again on Tuesday.", pub: "2024-07-29",
			want: []string{"IN/mobile-internet/unblock/2024-07-23"}},
		{name: "a list before its measure, in one sentence", pub: "2018-05-31", title: "Civil servants banned from social media at work",
			text: "Mongolian civil servants may no longer use social networking sites such as Facebook, Twitter and YouTube while at work, after a government ban came into force on Tuesday.\n\nIn 2016, government workers in Tanzania were banned from using social media during working hours.",
			want: []string{"MN/facebook/restrict/2018-05-29", "MN/twitter/restrict/2018-05-29", "MN/youtube/restrict/2018-05-29"}},
		{name: "apps of a state's origin", pub: "2020-09-02", title: "India bans more apps",
			text: "India has banned 118 more apps.\n\nThat first list was issued on June 29, when the Centre banned 59 apps, among them widely used services of Chinese origin such as TikTok, ShareIt and UC Browser.",
			want: []string{"IN/shareit/block/2020-06-29", "IN/tiktok/block/2020-06-29", "IN/ucbrowser/block/2020-06-29"}},
		{name: "calls blocked", pub: "2023-08-16", text: "Kenya blocked WhatsApp calls on Monday.", want: []string{"KE/whatsapp/restrict/2023-08-14"}},
		{name: "working normally again", text: "In Ecuador, Facebook was working normally again by Monday, 7 October.", pub: "2019-10-15",
			want: []string{"EC/facebook/unblock/2019-10-07"}},
		{name: "could be reached again", text: "YouTube could be reached again in Tunisia on Thursday evening.", pub: "2011-01-15",
			want: []string{"TN/youtube/unblock/2011-01-13"}},
		{name: "blocked after a ban", text: "Russia blocked Telegram after the ban on Friday.",
			want: []string{"RU/telegram/block/2018-04-20"}},
		{name: "X/Twitter in a list", text: "Pakistan blocked Facebook, X/Twitter and YouTube on Saturday.", pub: "2024-02-19",
			want: []string{"PK/facebook/block/2024-02-17", "PK/twitter/block/2024-02-17", "PK/youtube/block/2024-02-17"}},
		{name: "fine", text: "The European Commission fined Google €4.34bn on 18 July 2018.",
			want: []string{"EU/google/fine/2018-07-18"}},
		{name: "throttle", text: "Russia began slowing down Twitter on 10 March 2021.", pub: "2021-03-11",
			want: []string{"RU/twitter/throttle/2021-03-10"}},
		{name: "in the past week is a time", text: "Iran blocked Telegram and WhatsApp in the past week, officials said.",
			want: []string{"IR/telegram/block/2018-04-20", "IR/whatsapp/block/2018-04-20"}},
		{name: "downloads suspended", text: "South Korea suspended DeepSeek downloads on Monday over data protection concerns.",
			want: []string{"KR/deepseek/restrict/2018-04-16"}},
		{name: "partial", text: "China banned TikTok on government devices on Monday.",
			want: []string{"CN/tiktok/restrict/2018-04-16"}},
		{name: "devices owned by the state", text: "Ohio's governor signed an order on Monday that bans TikTok on devices owned by the state.",
			want: []string{"US/tiktok/restrict/2018-04-16"}},
		{name: "phones the government issues", text: "On Monday Canada banned the messaging app WeChat and the antivirus software Kaspersky from phones the government issues.",
			want: []string{"CA/kaspersky/restrict/2018-04-16", "CA/wechat/restrict/2018-04-16"}},
		{name: "any government-issued device", text: "Texas's governor on Monday prohibited the use of TikTok on any government-issued device.",
			want: []string{"US/tiktok/restrict/2018-04-16"}},
		{name: "military computers", text: "South Korea's defence ministry said on Monday that it had blocked DeepSeek on military computers.",
			want: []string{"KR/deepseek/restrict/2018-04-16"}},
		{name: "its computers", text: "South Korea's defence ministry has also blocked DeepSeek on its computers, officials said on Monday.",
			want: []string{"KR/deepseek/restrict/2018-04-16"}},
		{name: "computers used for military purposes", text: "South Korea blocked DeepSeek on Monday on computers used for military purposes.",
			want: []string{"KR/deepseek/restrict/2018-04-16"}},
		{name: "government networks", text: "The United States banned Kaspersky's software from government networks in September.", pub: "2017-12-21",
			want: []string{"US/kaspersky/restrict/2017-09"}},
		{name: "for military purposes", text: "The Swiss armed forces on Wednesday banned the use of WhatsApp, Signal and Telegram for military purposes.", pub: "2022-01-06",
			want: []string{"CH/signal/restrict/2022-01-05", "CH/telegram/restrict/2022-01-05", "CH/whatsapp/restrict/2022-01-05"}},
		{name: "across every government agency", text: "Taiwan's premier said on Monday that DeepSeek was now barred across every government agency.", pub: "2025-02-04",
			want: []string{"TW/deepseek/restrict/2025-02-03"}},
		{name: "routinely blocked is habit, not news", pub: "2012-09-25",
			text: "Iran blocked Gmail on Monday. Other sites such as Facebook and Twitter are also routinely blocked.",
			want: []string{"IR/gmail/block/2012-09-24"}},
		{name: "often cut is habit", pub: "2020-09-16",
			text: "Several Arab countries, Iraq and Algeria among them, often cut internet access during high school exams.",
			want: nil},
		{name: "a lifting of calls ends a restriction", pub: "2016-11-06",
			text: "Moroccans can once again make free calls over mobile internet. Calls through messaging apps including Skype, Viber and WhatsApp were unblocked on Friday, ending a ban that lasted eight months.\n\nThe ban had been imposed by the national telecoms regulator in January.",
			want: []string{"MA/skype/restrict/2016-01", "MA/skype/unblock/2016-11-04", "MA/viber/restrict/2016-01", "MA/viber/unblock/2016-11-04", "MA/whatsapp/restrict/2016-01", "MA/whatsapp/unblock/2016-11-04"}},
		{name: "users' own phones are not partial", text: "Iran blocked Instagram on Monday, and users could not open it on their phones.",
			want: []string{"IR/instagram/block/2018-04-16"}},
		{name: "devices after an aside", text: "In February, Canada banned TikTok, which is owned by the Chinese company ByteDance, from government-issued devices.",
			want: []string{"CA/tiktok/restrict/2018-02"}},
	})
}

func TestCollateral(t *testing.T) {
	runCases(t, []extractCase{
		{name: "collateral", text: "Access to Telegram was shut down in Russia this month.\n\nThe Telegram ban has also affected Google and Spotify.",
			want: []string{"RU/google/block/2018-04", "RU/spotify/block/2018-04", "RU/telegram/block/2018-04"}},
	})
}

func TestHeadlines(t *testing.T) {
	runCases(t, []extractCase{
		{name: "title case", title: "Iran Begins To Block Telegram Messaging App",
			want: []string{"IR/telegram/block/2018-04-20"}},
		{name: "body overrules headline", title: "Iran Blocks Telegram",
			text: "Iran has begun to disrupt certain features of the Telegram messaging app.",
			want: []string{"IR/telegram/restrict/2018-04-20"}},
		{name: "hit with a penalty of an amount", text: "OnlyFans was hit with a 1.05 million pound ($1.4 million) penalty by Ofcom on Thursday.",
			want: []string{"GB/onlyfans/fine/2018-04-19"}},
		{name: "a headline's verb the tagger takes for a noun", title: "UK watchdog fines OnlyFans $1.4 million over age checks",
			want: []string{"GB/onlyfans/fine/2018-04-20"}},
		{name: "a headline's passive without its verb", title: "WhatsApp banned in Iran",
			want: []string{"IR/whatsapp/block/2018-04-20"}},
		{name: "a headline's passive with a cause", title: "Roblox blocked in Türkiye over child abuse concerns",
			want: []string{"TR/roblox/block/2018-04-20"}},
		{name: "a headline's lifting in the present", title: "Instagram reopens in Turkey",
			want: []string{"TR/instagram/unblock/2018-04-20"}},
		{name: "a reduced relative clause", text: "Roblox, blocked in Turkey since August, said on Monday it would appeal.",
			want: []string{"TR/roblox/block/2017-08"}},
		{name: "a headline's irregular participle", title: "Internet shut down in Manipur",
			want: []string{"IN/internet/shutdown/2018-04-20"}},
		{name: "a service inside a headline's subject", title: "Users of Twitter blocked in Turkey"},
		{name: "a list goes on after \", and\"", text: "Russia blocked Instagram on Monday, and Facebook as it had threatened.",
			want: []string{"RU/instagram/block/2018-04-16", "RU/facebook/block/2018-04-16"}},
		{name: "a partial phrase in the reason", text: "Turkey on Monday blocked Wikipedia for refusing to remove articles from its computers.",
			want: []string{"TR/wikipedia/block/2018-04-16"}},
		{name: "a company's outage is no passive", title: "Facebook and Instagram restored after outage"},
		{name: "a company acting in a headline", title: "Twitter blocked accounts in India"},
	})
}

func TestDates(t *testing.T) {
	runCases(t, []extractCase{
		{name: "absolute", text: "Turkey blocked Wikipedia on 29 April 2017.", want: []string{"TR/wikipedia/block/2017-04-29"}},
		{name: "relative", text: "Nigeria suspended Twitter on Friday.", pub: "2021-06-05", want: []string{"NG/twitter/block/2021-06-04"}},
		{name: "month last year", text: "Iran blocked Instagram in September last year.", pub: "2023-03-01", want: []string{"IR/instagram/block/2022-09"}},
		{name: "range", text: "Iraq cut the internet from 1 to 5 May.", pub: "2023-05-10", want: []string{"IQ/internet/shutdown/2023-05-01"}},
		{name: "none", text: "Turkmenistan blocks WhatsApp.", pub: "2023-05-10", want: []string{"TM/whatsapp/block/2023-05-10"}},
	})
}

func TestEventFields(t *testing.T) {
	x := extractor(t)
	doc := extract.Document{ID: "a1", URL: "https://example.org/a", Title: "Russia blocks Telegram", Feed: "Wire",
		Text: "Russia blocked Telegram on Monday, citing the app's refusal to hand over encryption keys.", Published: day("2018-04-20")}
	evs := x.Extract(doc)
	if len(evs) != 1 {
		t.Fatalf("got %d events, want 1: %v", len(evs), brief(evs))
	}
	e := evs[0]
	if e.ID != event.ID("a1", "RU", "telegram", event.Block) {
		t.Errorf("id %s is not the stable id", e.ID)
	}
	if e.Reason != "the app's refusal to hand over encryption keys" {
		t.Errorf("reason %q", e.Reason)
	}
	if len(e.Evidence) != 2 || !strings.Contains(e.Evidence[1], "citing") {
		t.Errorf("evidence %q, want title and sentence", e.Evidence)
	}
	if e.SourceURL != doc.URL || e.SourceTitle != doc.Title || e.Feed != "Wire" || e.Published != "2018-04-20" || e.ArticleID != "a1" {
		t.Errorf("provenance not carried: %+v", e)
	}
	if kept := extractor(t).Extract(doc); len(kept) != 1 || kept[0].Confidence < 0.5 || kept[0].Confidence > 1 {
		t.Errorf("with the keep model: %v, want the event kept with confidence in [0.5, 1]", kept)
	}
	again := x.Extract(doc)
	if again[0].ID != e.ID {
		t.Error("ids differ between two runs on the same article")
	}
}

func TestDatesFromContext(t *testing.T) {
	runCases(t, []extractCase{
		{name: "the same month", pub: "2020-09-02",
			text: "Indian and Chinese troops clashed in June.\n\nThe same month, India banned TikTok and WeChat.",
			want: []string{"IN/tiktok/block/2020-06", "IN/wechat/block/2020-06"}},
		{name: "that year", pub: "2021-10-25",
			text: "The shutdown echoes the response to the 2019 uprising.\n\nIn June that year, the generals cut mobile internet in Sudan.",
			want: []string{"SD/mobile-internet/shutdown/2019-06"}},
		{name: "the same month in one sentence", pub: "2024-10-10",
			// "the same month" is August, named earlier in its sentence;
			// and the clause after ", and the same month it" is an
			// action of its own, not part of Roblox's reason.
			text: "Turkey's communications authority blocked Discord on Tuesday.\n\nIn August it blocked the gaming platform Roblox, citing harmful content, and the same month it blocked Instagram.",
			want: []string{"TR/discord/block/2024-10-08", "TR/roblox/block/2024-08", "TR/instagram/block/2024-08"}},
		{name: "the same day after a full date", pub: "2019-10-15",
			text: "On 6 October 2019, Iraq cut the internet, and the same day it blocked Facebook.",
			want: []string{"IQ/internet/shutdown/2019-10-06", "IQ/facebook/block/2019-10-06"}},
		{name: "a slowdown and a later block are two steps", pub: "2024-08-10",
			text: "Russia slowed YouTube in July.\n\nThe service has now been blocked by Roskomnadzor, officials said.",
			want: []string{"RU/youtube/throttle/2024-07", "RU/youtube/block/2024-08-10"}},
		{name: "the same cut told twice", pub: "2019-10-15",
			// The restriction has no time of its own: it is the block
			// the opening dates.
			text: "Ecuador's state operator CNT blocked WhatsApp between 6 and 7 October.\n\nThe fact that VPNs reached the restricted WhatsApp servers shows that CNT restricted them.",
			want: []string{"EC/whatsapp/block/2019-10-06", "EC/whatsapp/restrict/2019-10-06"}},
		{name: "the decision", pub: "2024-08-23",
			text: "Nepal has lifted its ban on TikTok, officials said.\n\nThe decision was made at a cabinet meeting on Thursday.",
			want: []string{"NP/tiktok/unblock/2024-08-22"}},
	})
}

func TestNotAStateAction(t *testing.T) {
	runCases(t, []extractCase{
		{name: "cyberattack", text: "In March, waves of outages knocked X offline for thousands of users, which Musk blamed on a massive cyberattack."},
		{name: "advocates on a hypothetical", text: "Amnesty Kenya said shutting down or throttling the internet would be a gross violation of human rights."},
		{name: "cable cut", text: "Internet access in Kenya was disrupted on Tuesday after damage to two undersea cables."},
		{name: "a state still acts beside a fault", text: "Roskomnadzor blocked Telegram on Monday, blaming the app for a technical fault.",
			want: []string{"RU/telegram/block/2018-04-16"}},
	})
}

func TestThreatsAndOrders(t *testing.T) {
	runCases(t, []extractCase{
		{name: "a state threatens", pub: "2020-11-20",
			text: "Vietnam has threatened to shut down Facebook in the country if the social network does not censor more posts.",
			want: []string{"VN/facebook/threaten/2020-11-20"}},
		{name: "an analyst speculates", text: "Analysts warned that Telegram could be blocked in Russia if it does not comply."},
		{name: "a regulator's condition first", pub: "2023-02-02",
			text: "If Wikipedia does not remove the content within 48 hours, Pakistan's telecoms regulator warned, the platform will be blocked.",
			want: []string{"PK/wikipedia/threaten/2023-02-02"}},
		{name: "order to restrict a group", pub: "2020-08-26",
			text: "Thailand's ministry ordered Facebook on Monday to restrict access to a group that discusses the monarchy.",
			want: []string{"TH/facebook/order/2020-08-24"}},
		{name: "order to several", pub: "2022-03-21",
			text: "On Friday Brazil's Supreme Court ordered Apple and Google to stop users from downloading Telegram.",
			want: []string{"BR/apple/order/2022-03-18", "BR/google/order/2022-03-18"}},
		// An order to the networks is no order on the service: what it
		// orders done is the event, when the sentence says it.
		{name: "order to the networks, passive", pub: "2023-08-22",
			text: "Somalia's minister said on Sunday that internet companies had been ordered to stop TikTok and Telegram."},
		{name: "order to the networks", pub: "2021-02-04",
			text: "Myanmar's army on Wednesday ordered mobile operators to block Facebook until 7 February.",
			want: []string{"MM/facebook/block/2021-02-03"}},
	})
}

// TestExtractConcurrent extracts the demo corpus from several goroutines
// at once, as the pipeline does, with one Extractor: every goroutine must
// get what extracting alone gives. Run under -race it also checks that
// the shared segmenter, tagger and models are only read.
func TestExtractConcurrent(t *testing.T) {
	arts, err := eval.Load("../demo/corpus/gold.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	var docs []extract.Document
	for _, a := range arts {
		d, err := a.Document()
		if err != nil {
			t.Fatal(err)
		}
		docs = append(docs, d)
	}
	x := extractor(t)
	want := make([][]event.Event, len(docs))
	for i, d := range docs {
		want[i] = x.Extract(d)
	}
	const workers = 4
	got := make([][][]event.Event, workers)
	var wg sync.WaitGroup
	for w := range workers {
		got[w] = make([][]event.Event, len(docs))
		wg.Go(func() {
			// Each worker starts elsewhere in the corpus, so different
			// articles are in flight at once.
			for k := range docs {
				i := (k + w*len(docs)/workers) % len(docs)
				got[w][i] = x.Extract(docs[i])
			}
		})
	}
	wg.Wait()
	for w := range workers {
		for i := range docs {
			if !reflect.DeepEqual(got[w][i], want[i]) {
				t.Errorf("worker %d, %s: got %v, want %v", w, docs[i].ID, brief(got[w][i]), brief(want[i]))
			}
		}
	}
}

// A company named where its product is meant takes the product's slug
// (SCHEMA.md, "Deciding the hard cases"); a company fined for what it does
// across its products stays itself.
func TestCompanyForProduct(t *testing.T) {
	runCases(t, []extractCase{
		{name: "product in the sentence", text: "Italy's data protection authority fined ChatGPT maker OpenAI on Friday.",
			want: []string{"IT/chatgpt/fine/2018-04-20"}},
		{name: "one product elsewhere", text: "Italy's data protection authority fined OpenAI on Friday.\n\nThe regulator had examined how ChatGPT collects personal data.",
			want: []string{"IT/chatgpt/fine/2018-04-20"}},
		{name: "several products elsewhere", text: "Ireland's Data Protection Commission fined Meta 1.2 billion euros on Friday.\n\nThe company owns Facebook, Instagram and WhatsApp.",
			want: []string{"IE/meta/fine/2018-04-20"}},
		{name: "no product named", text: "Italy's data protection authority fined OpenAI on Friday.",
			want: []string{"IT/openai/fine/2018-04-20"}},
		{name: "a store is not its owner's product", text: "The European Commission fined Apple 1.8 billion euros on Monday over the rules of its App Store.",
			want: []string{"EU/apple/fine/2018-04-16"}},
	})
}

func TestActorsAndConduct(t *testing.T) {
	runCases(t, []extractCase{
		{
			// "the country's" is South Korea: "Chinese" says only where
			// the chatbot comes from.
			name: "the country after an origin",
			text: "South Korea has suspended new downloads of the Chinese AI chatbot DeepSeek, the country's data protection authority said on Monday.",
			pub:  "2025-02-17",
			want: []string{"KR/deepseek/restrict/2025-02-17"},
		},
		{
			// Channels are accounts, not the service (SCHEMA.md).
			name: "accounts blocked",
			text: "German police blocked 64 Telegram channels in February.",
			pub:  "2022-03-05",
			want: nil,
		},
		{
			name: "a nominal action negated after it",
			text: "\"The issue of blocking YouTube is not on the agenda,\" the Russian minister said on Monday.",
			pub:  "2023-09-20",
			want: nil,
		},
		{
			name: "a planned ban abandoned",
			text: "The Solomon Islands government has abandoned a planned ban on Facebook.",
			pub:  "2021-01-13",
			want: nil,
		},
		{
			// A committee or an inspectorate is a state body.
			name: "an order by a committee",
			text: "France's CNIL fined Google on Thursday. The restricted committee ordered Google to give users a way of refusing cookies.",
			pub:  "2022-01-07",
			want: []string{"FR/google/fine/2022-01-06", "FR/google/order/2022-01-06"},
		},
		{
			// The participle after "all" acts on the list before it, not
			// on the apps the main clause names.
			name: "a list all blocked",
			text: "With YouTube, Facebook and Telegram all blocked in Iran since 2019, Instagram had become the most widely used app.",
			pub:  "2022-09-22",
			want: []string{"IR/facebook/block/2019", "IR/telegram/block/2019", "IR/youtube/block/2019"},
		},
		{
			// "from using DeepSeek" is the use barred, not a means.
			name: "barred from using",
			text: "Taiwan's government barred its departments from using DeepSeek on February 3.",
			pub:  "2025-02-05",
			want: []string{"TW/deepseek/restrict/2025-02-03"},
		},
		{
			name: "a long list of people barred",
			text: "Ukraine has barred government officials, military personnel and other workers in the defence sector from using the Telegram messaging app, citing national security concerns.",
			pub:  "2024-09-21",
			want: []string{"UA/telegram/restrict/2024-09-21"},
		},
		{
			// "keep" starts another clause: its "from" bars nothing.
			name: "from after another verb",
			text: "Sri Lanka blocked Facebook to keep violence from spreading.",
			pub:  "2018-03-09",
			want: []string{"LK/facebook/block/2018-03-09"},
		},
		{
			// The state that restricted DeepSeek just before, not the
			// one that did earlier.
			name: "a service named beside a restriction",
			text: "On February 4, Australia blocked DeepSeek.\n\nTexas has become the first US state to bar DeepSeek from government devices. Alongside DeepSeek, the governor also banned two Chinese-run social media apps, Xiaohongshu and Lemon8, from all devices issued by the state.",
			pub:  "2025-02-05",
			want: []string{"AU/deepseek/block/2025-02-04", "US/deepseek/restrict/2025-02-04", "US/lemon8/restrict/2025-02-04", "US/xiaohongshu/restrict/2025-02-04"},
		},
		{
			// "it" is the authority of the sentence before, not the bloc
			// that sentence names after it.
			name: "the authority before, not a place it names",
			text: "The Italian authority is among the most proactive regulators in the EU. Last year it fined ChatGPT maker OpenAI 15 million euros over an alleged breach of EU privacy rules.",
			pub:  "2025-05-19",
			want: []string{"IT/chatgpt/fine/2024"},
		},
		{
			// "telecoms" before a company's noun says where the company
			// is from: Britain does not act here.
			name: "a telecoms group's home is no actor",
			text: "Vodafone, the British telecoms group that runs one of Egypt's mobile networks, said on Friday that it had been told to suspend service. More than a day later, the internet blackout was still in force.",
			pub:  "2025-05-19",
			want: []string{"EG/internet/shutdown/2025-05-16"},
		},
		{
			// The pronoun in an order's gap is the service named before.
			name: "a notice ordering it to",
			text: "South Africa's Information Regulator on Tuesday issued WhatsApp with a formal enforcement notice ordering it to make changes.",
			pub:  "2024-09-11",
			want: []string{"ZA/whatsapp/order/2024-09-10"},
		},
		{
			// Barred from its own business, the service is blocked.
			name: "barred from selling",
			text: "The United States on Thursday banned Kaspersky from selling its antivirus software.",
			pub:  "2024-06-21",
			want: []string{"US/kaspersky/block/2024-06-20"},
		},
		{
			name: "a means stays a means",
			text: "Iranian police arrested a man for reaching Telegram using a VPN on Monday.",
			pub:  "2025-02-05",
			want: nil,
		},
	})
}

func TestNewsDay(t *testing.T) {
	runCases(t, []extractCase{
		{
			// The block has no time of its own: it happened on the day
			// the opening gives, not on the day of publication.
			name:  "day in the opening",
			title: "China blocks Twitch",
			text:  "People across China started reporting trouble reaching the live-streaming site yesterday.\n\nTwitch confirmed that Chinese authorities had blocked it nationwide.",
			pub:   "2018-09-21",
			want:  []string{"CN/twitch/block/2018-09-20"},
		},
		{
			// A day long before publication is background, not the news.
			name:  "old day in the opening",
			title: "China blocks Twitch",
			text:  "Twitch was founded in June 2011 and had grown fast by 12 March 2018.\n\nTwitch confirmed that Chinese authorities had blocked it nationwide.",
			pub:   "2018-09-21",
			want:  []string{"CN/twitch/block/2018-09-21"},
		},
	})
}

func TestNewsOutlets(t *testing.T) {
	runCases(t, []extractCase{
		{
			name: "an outlet's site blocked",
			text: "Russia's communications regulator blocked the website of the BBC's Russian service on Friday.",
			pub:  "2022-03-05",
			want: []string{"RU/bbc/block/2022-03-04"},
		},
		{
			name: "an outlet as the source",
			text: "According to the BBC, Iran blocked Instagram on Wednesday.",
			pub:  "2022-09-23",
			want: []string{"IR/instagram/block/2022-09-21"},
		},
		{
			name: "an outlet told",
			text: "Iranian officials told the BBC on Monday that Telegram had been blocked.",
			pub:  "2018-04-20",
			want: []string{"IR/telegram/block/2018-04-16"},
		},
		{
			name: "an outlet's correspondents",
			text: "The BBC's correspondents say Chinese authorities blocked WhatsApp on Monday.",
			pub:  "2017-09-27",
			want: []string{"CN/whatsapp/block/2017-09-25"},
		},
		{
			name: "an agency's report",
			text: "Roskomnadzor said on Thursday that it had blocked LinkedIn, the TASS news agency reported.",
			pub:  "2016-11-18",
			want: []string{"RU/linkedin/block/2016-11-17"},
		},
		{
			name: "a report by an agency",
			text: "According to a report on Friday by the Interfax news agency, Signal, the encrypted messaging app, has been blocked by Russia's state communications watchdog Roskomnadzor.",
			pub:  "2024-08-10",
			want: []string{"RU/signal/block/2024-08-09"},
		},
		{
			name: "an outlet tells of its own block",
			text: "The Meduza website said on Friday that Russia had blocked it.",
			pub:  "2024-08-10",
			want: []string{"RU/meduza/block/2024-08-09"},
		},
		{
			name: "an outlet's site reporting",
			text: "Russia blocked the BBC website reporting on the war on Friday.",
			pub:  "2024-08-10",
			want: []string{"RU/bbc/block/2024-08-09"},
		},
		{
			name: "an agency's site blocked by name",
			text: "Ukraine blocked the website of the TASS news agency on Monday.",
			pub:  "2017-05-17",
			want: []string{"UA/tass/block/2017-05-15"},
		},
	})
}

func TestShoutedNames(t *testing.T) {
	runCases(t, []extractCase{
		{
			name: "a press release's capitals",
			text: "On Thursday the CNIL fined GOOGLE 150 million euros for breaching French rules on cookies.",
			pub:  "2022-01-07",
			want: []string{"FR/google/fine/2022-01-06"},
		},
		{
			name:  "a headline in capitals",
			title: "IRAN BLOCKS TELEGRAM",
			text:  "The judiciary ordered the block on Monday to protect national security.",
			pub:   "2018-04-20",
			want:  []string{"IR/telegram/block/2018-04-16"},
		},
	})
}

func TestLiftedLater(t *testing.T) {
	runCases(t, []extractCase{
		{
			name: "access returned",
			text: "Tanzania blocked WhatsApp on Monday. Access returned on Wednesday.",
			pub:  "2020-10-30",
			want: []string{"TZ/whatsapp/block/2020-10-26", "TZ/whatsapp/unblock/2020-10-28"},
		},
		{
			name: "a return that leaves others blocked",
			text: "Zimbabwe blocked WhatsApp and Twitter on Tuesday. Some parts of the network came back on Saturday, but WhatsApp and Twitter remained blocked.",
			pub:  "2019-01-21",
			want: []string{"ZW/twitter/block/2019-01-15", "ZW/whatsapp/block/2019-01-15"},
		},
		{
			name: "a lifting and the others that remain",
			text: "Although Iran's council lifted the bans on WhatsApp and Google Play on Tuesday, other popular platforms, including Facebook and Telegram, remain blocked.",
			pub:  "2024-12-25",
			// The bans lifted are blocks told too; the others remain
			// blocked, and nothing lifts them.
			want: []string{"IR/facebook/block/2024-12-24", "IR/google-play/block/2024-12-24", "IR/google-play/unblock/2024-12-24",
				"IR/telegram/block/2024-12-24", "IR/whatsapp/block/2024-12-24", "IR/whatsapp/unblock/2024-12-24"},
		},
		{
			name: "a person returned",
			text: "Tanzania blocked WhatsApp on Monday. The opposition leader returned on Wednesday from Belgium.",
			pub:  "2020-10-30",
			want: []string{"TZ/whatsapp/block/2020-10-26"},
		},
		{
			name: "a ban lifted as its predicate",
			text: "Iran's government said on Tuesday that the ban on WhatsApp and Google Play had been lifted.",
			pub:  "2024-12-25",
			want: []string{"IR/google-play/unblock/2024-12-24", "IR/whatsapp/unblock/2024-12-24"},
		},
		{
			name: "a long-standing block lifted",
			text: "Turkish authorities lifted the more than two-year-old block on Wikipedia on Thursday.",
			pub:  "2019-12-27",
			want: []string{"TR/wikipedia/unblock/2019-12-26"},
		},
		{
			name: "a ban that another clause lifts is still a ban",
			text: "Russia imposed a ban on LinkedIn in 2016, which was never lifted.",
			pub:  "2019-12-27",
			want: []string{"RU/linkedin/block/2016"},
		},
	})
}

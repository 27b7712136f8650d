// Package alert posts new stories to webhooks, so that a bot in a chat
// channel (Slack, Mattermost, Discord) or any HTTP endpoint hears of a
// government acting against an online service the night it is reported.
//
// Rules are read from the alerts section of feeds.yaml (see ParseRules):
// each has a name, the filters of a query and a webhook. After a run,
// Notifier.Notify posts every story the run made that a rule matches,
// once per rule and story.
//
// Once means once even across crashes and slow webhooks. The store
// records each delivery: a run claims it ("sending", with the time) in
// one transaction, so that at most one request for it is ever in flight,
// posts, and then marks it "sent"; "failed" when the webhook surely does
// not have it, to be tried again by the next run; or "unknown" when the
// request may have reached the webhook but no answer said so (it timed
// out after the request was sent, the connection broke, the run was
// stopped while waiting, or a gateway answered 504). An unknown alert is
// never posted again by a run, and nor is one whose claim a run that
// died left behind, which the next run finds stale and records as
// unknown. A duplicate in a chat channel costs more trust than a missing
// message, and the missing one is visible in the report; Notifier.Resend
// posts it on purpose.
//
// Within one delivery, only what surely did not arrive is retried, with
// backoff and one request at a time: a 5xx answer other than 504, a 429
// (after its Retry-After), and a request that could not be sent (the
// connection was refused). A 3xx or other 4xx fails at once, to be tried
// by the next runs. A webhook that is down never fails the run that found
// the stories.
package alert

// Package alert posts new stories to webhooks, so that a bot in a chat
// channel (Slack, Mattermost, Discord) or any HTTP endpoint hears of a
// government acting against an online service the night it is reported.
//
// Rules are read from the alerts section of feeds.yaml (see ParseRules):
// each has a name, the filters of a query and a webhook. After a run,
// Notifier.Notify posts every story the run made that a rule matches,
// once per rule and story.
//
// Once means once even across crashes. The store records each delivery:
// a run claims it ("sending") in one transaction, posts, and then marks
// it "sent", or "failed" to be tried again by the next run. A claim left
// by a run that died while posting is never posted again, as the webhook
// may have had it; it is reported as "delivery unknown" instead. A
// duplicate in a chat channel costs more trust than a missing message,
// and the missing one is visible in the report.
//
// Within one delivery, a 5xx answer, a 429 (after its Retry-After) and a
// timeout are retried with backoff; any other 4xx fails at once. A
// webhook that is down never fails the run that found the stories.
package alert

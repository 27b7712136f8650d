package web

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
)

// chromium is Debian's browser, which .ci/install-chromium installs.
const chromium = "/usr/bin/chromium"

// browser starts a headless chromium for one test, with a fresh profile
// and the flags that keep it off the network: this machine has none, and
// Chromium's own background requests would only fail.
func browser(t *testing.T) context.Context {
	t.Helper()
	if _, err := os.Stat(chromium); err != nil {
		t.Skip("chromium not installed: run .ci/install-chromium or apt-get install chromium")
	}
	profile := t.TempDir() // removed after the browser has exited, below
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(),
		chromedp.ExecPath(chromium),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.UserDataDir(profile),
		chromedp.WindowSize(1280, 1000),
	)
	t.Cleanup(cancelAlloc) // waits for the browser process to exit
	ctx, cancel := chromedp.NewContext(allocCtx)
	t.Cleanup(cancel)
	// The first action starts the browser, and binds it to the context
	// it is given: that one must not time out.
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("start %s: %v", chromium, err)
	}
	return ctx
}

// consoleLog collects what the page says on the console: script errors
// and the browser's own complaints, such as a resource the
// Content-Security-Policy blocked.
type consoleLog struct {
	mu       sync.Mutex
	messages []chromedp.ConsoleMessage
}

func listenConsole(ctx context.Context) *consoleLog {
	l := &consoleLog{}
	messages := chromedp.Console(ctx)
	go func() {
		for m, err := range messages {
			if err != nil {
				return
			}
			l.mu.Lock()
			l.messages = append(l.messages, m)
			l.mu.Unlock()
		}
	}()
	return l
}

func (l *consoleLog) errors() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []string
	for _, m := range l.messages {
		if m.Type == chromedp.ConsoleError || m.IsException() {
			out = append(out, m.String())
		}
	}
	return out
}

// run is chromedp.Run with a deadline for one step, only a failsafe
// against a browser that hangs, and the test failed on an error.
func run[T any](t *testing.T, ctx context.Context, what string, a chromedp.Action[T]) T {
	t.Helper()
	sctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	v, err := chromedp.Run(sctx, a)
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	return v
}

const (
	jsRows   = `[...document.querySelectorAll('#stories tbody tr')].map(r => r.dataset.country)`
	jsMonths = `[...document.querySelectorAll('#chart g.month')].map(g => g.dataset.month)`
	// A bar the browser drew: laid out with a height, and coloured by the
	// stylesheet, which only loads if the CSP lets it.
	jsBarsDrawn = `(() => {
		const bars = [...document.querySelectorAll('#chart rect.bar')];
		const drawn = bars.every(r => r.getBBox().height > 0 &&
			(getComputedStyle(r).fill !== 'rgb(0, 0, 0)' || r.dataset.action === 'shutdown'));
		return drawn ? bars.length : 0;
	})()`
)

func TestBrowserFiltersStories(t *testing.T) {
	ctx := browser(t)
	srv := start(t, fixtureDB(t))
	console := listenConsole(ctx)

	run(t, ctx, "load the page", chromedp.Steps(
		chromedp.Navigate(srv.URL+"/"),
		chromedp.WaitVisible(chromedp.CSS("table#stories")),
	))
	rows := run(t, ctx, "read the rows", chromedp.Evaluate[[]string](jsRows))
	stories := decode[storiesBody](t, get(t, srv, "/stories"), 200)
	var want []string
	for _, s := range stories.Stories {
		want = append(want, s.Country)
	}
	if len(rows) != fixtureStories || !slices.Equal(rows, want) {
		t.Fatalf("the table shows %v, want every story %v", rows, want)
	}
	if months := run(t, ctx, "read the chart", chromedp.Evaluate[[]string](jsMonths)); len(months) != 7 {
		t.Errorf("chart months %v, want 7", months)
	}
	if n := run(t, ctx, "check the bars", chromedp.Evaluate[int](jsBarsDrawn)); n == 0 {
		t.Error("the chart's bars are not drawn with their colours")
	}
	blockFill := run(t, ctx, "read a colour", chromedp.Evaluate[string](
		`getComputedStyle(document.querySelector('#chart rect.action-block')).fill`))
	if blockFill != "rgb(213, 94, 0)" {
		t.Errorf("a block bar is filled %q; the stylesheet did not apply", blockFill)
	}

	// Type a country as a person would and submit the form.
	run(t, ctx, "type Iran", chromedp.SendKeys(chromedp.ID("country"), "Iran"))
	run(t, ctx, "submit", chromedp.WaitEvent(page.LoadEventFired, nil, chromedp.Click(chromedp.ID("apply"))))
	run(t, ctx, "wait for the table", chromedp.WaitVisible(chromedp.CSS("table#stories")))

	loc := run(t, ctx, "read the location", chromedp.Location())
	if !strings.Contains(loc, "country=Iran") {
		t.Errorf("the filters are not in the URL: %s", loc)
	}
	rows = run(t, ctx, "read the rows", chromedp.Evaluate[[]string](jsRows))
	if !slices.Equal(rows, []string{"IR", "IR", "IR"}) {
		t.Errorf("after filtering by Iran the table shows %v", rows)
	}
	if v := run(t, ctx, "read the input", chromedp.Value(chromedp.ID("country"))); v != "Iran" {
		t.Errorf("the country input holds %q after the reload", v)
	}
	months := run(t, ctx, "read the chart", chromedp.Evaluate[[]string](jsMonths))
	if !slices.Equal(months, []string{"2018-04", "2018-05", "2022-09"}) {
		t.Errorf("the chart for Iran has months %v", months)
	}
	if n := run(t, ctx, "check the bars", chromedp.Evaluate[int](jsBarsDrawn)); n == 0 {
		t.Error("the chart for Iran has no bars drawn")
	}

	// Narrow further with the action select.
	run(t, ctx, "choose block", chromedp.SetValue(chromedp.ID("action"), "block"))
	run(t, ctx, "submit", chromedp.WaitEvent(page.LoadEventFired, nil, chromedp.Click(chromedp.ID("apply"))))
	services := run(t, ctx, "read the rows", chromedp.Evaluate[[]string](
		`[...document.querySelectorAll('#stories tbody tr')].map(r => r.dataset.country + '/' + r.dataset.service + '/' + r.dataset.action)`))
	if !slices.Equal(services, []string{"IR/instagram/block"}) {
		t.Errorf("Iran and block shows %v", services)
	}

	if dir := os.Getenv("POLICYWATCH_SCREENSHOTS"); dir != "" {
		png := run(t, ctx, "screenshot", chromedp.FullScreenshot(100))
		if err := os.WriteFile(filepath.Join(dir, "page.png"), png, 0o644); err != nil {
			t.Error(err)
		}
	}
	if errs := console.errors(); len(errs) > 0 {
		t.Errorf("the console reported errors:\n%s", strings.Join(errs, "\n"))
	}
}

// A filter that matches nothing, and a bad one, read as sentences.
func TestBrowserEmptyAndBad(t *testing.T) {
	ctx := browser(t)
	srv := start(t, fixtureDB(t))

	run(t, ctx, "load", chromedp.Steps(
		chromedp.Navigate(srv.URL+"/?country=Japan"),
		chromedp.WaitVisible(chromedp.ID("no-match")),
	))
	if n := run(t, ctx, "count rows", chromedp.Evaluate[int](`document.querySelectorAll('#stories tbody tr').length`)); n != 0 {
		t.Errorf("%d rows for Japan", n)
	}
	run(t, ctx, "load", chromedp.Steps(
		chromedp.Navigate(srv.URL+"/?since=last+week"),
		chromedp.WaitVisible(chromedp.ID("error")),
	))
	if msg := run(t, ctx, "read the error", chromedp.Text(chromedp.ID("error"))); !strings.Contains(msg, "since") {
		t.Errorf("the error reads %q", msg)
	}
}

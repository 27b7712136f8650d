// Command policywatch reads news feeds and turns reports of governments
// acting against online services into structured, queryable events.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime/debug"
	"strings"
	"syscall"

	"github.com/policywatch/policywatch/store"
)

// Exit codes.
const (
	exitOK      = 0
	exitFailure = 1 // the command ran and failed
	exitUsage   = 2 // the command line was wrong
	// exitAlertsNotSent is run's "the data is stored, but some alerts
	// were not sent": a rule was skipped as broken, or a delivery of the
	// run failed, was given up or is of unknown outcome.
	exitAlertsNotSent = 3
	exitDamaged       = 4 // the database file is damaged

	exitInternal    = 70  // a bug: the program panicked (EX_SOFTWARE)
	exitInterrupted = 130 // stopped by SIGINT or SIGTERM
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr, os.Getenv))
}

// run executes the command line and returns the exit code; main is only
// the process around it, so tests call run directly.
//
// A panic in the command's goroutine is a bug. Left alone, the runtime
// would exit 2, which scripts read as a wrong command line; run says it
// is a bug, prints the stack to send, and exits 70.
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer, getenv func(string) string) (code int) {
	defer func() {
		if p := recover(); p != nil {
			fmt.Fprintf(stderr, "policywatch: internal error: %v\n"+
				"This is a bug in policywatch. Please report it at https://github.com/policywatch/policywatch/issues\n"+
				"with the command you ran and this stack:\n\n%s", p, debug.Stack())
			code = exitInternal
		}
	}()
	app := &app{stdin: stdin, stdout: stdout, stderr: stderr, getenv: getenv}
	root := app.rootCmd()
	root.SetArgs(args)
	root.SetIn(stdin)
	root.SetOut(stdout)
	root.SetErr(stderr)
	err := root.ExecuteContext(ctx)
	if err == nil {
		return exitOK
	}
	var ue *usageError
	if errors.As(err, &ue) {
		fmt.Fprintf(stderr, "policywatch: %v\nRun 'policywatch --help' for usage.\n", err)
		return exitUsage
	}
	var de *store.DamagedError
	if errors.As(err, &de) {
		fmt.Fprintf(stderr, "policywatch: %v\n%s", err, damageAdvice(de))
		return exitDamaged
	}
	var ee *exitError
	if errors.As(err, &ee) {
		if ee.msg != "" {
			fmt.Fprintf(stderr, "policywatch: %s\n", ee.msg)
		}
		return ee.code
	}
	fmt.Fprintf(stderr, "policywatch: %v\n", err)
	return exitFailure
}

// damageAdvice says what to do about a damaged database.
func damageAdvice(de *store.DamagedError) string {
	if errors.Is(de, store.ErrEmpty) {
		return ""
	}
	db := shellQuote(de.Path)
	return fmt.Sprintf("'policywatch check --db %s' lists what is wrong, and\n"+
		"'policywatch recover --db %s NEW.db' copies every record that can be read into a new file.\n", db, db)
}

// shellQuote quotes s for a POSIX shell when it needs it.
func shellQuote(s string) string {
	if s != "" && strings.Trim(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./=:,+@%") == "" {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// usageError is a mistake on the command line: exit code 2.
type usageError struct{ err error }

func (e *usageError) Error() string { return e.err.Error() }
func (e *usageError) Unwrap() error { return e.err }

func usagef(format string, args ...any) error {
	return &usageError{fmt.Errorf(format, args...)}
}

// exitError ends the command with a given code after it has reported
// what happened itself.
type exitError struct {
	code int
	msg  string
}

func (e *exitError) Error() string { return e.msg }

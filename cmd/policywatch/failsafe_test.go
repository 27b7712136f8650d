package main

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"os/exec"
	"runtime"
	"runtime/metrics"
	"runtime/pprof"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// Memory failsafes. The tests of this package use some hundreds of
// megabytes, and the processes they start less; yet the kernel once
// killed this test binary at 24 GB, leaving only "signal: killed" to go
// on. A test or command that grows without end now fails instead, and
// says where: the binary prints every goroutine's stack and exits, a
// child is sent SIGQUIT, which makes a Go program print its stacks on
// its standard error, where the test that started it reads them.
const (
	// heapLimit is the most heap this binary may hold. The race
	// detector keeps several times as much memory again beside it.
	heapLimit = 2 << 30
	// childLimit is the most resident memory a process the tests start
	// may have.
	childLimit = 2 << 30
	// memoryPoll is how often memory is looked at: a loop that only
	// appends grows by hundreds of megabytes a second.
	memoryPoll = 100 * time.Millisecond
)

// heapBytes is the size of the heap's objects, read without stopping
// the program.
func heapBytes() uint64 {
	sample := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	metrics.Read(sample)
	return sample[0].Value.Uint64()
}

// watchMemory calls over, once, when size passes limit bytes, looking
// every interval, until stop is called.
func watchMemory(size func() uint64, limit uint64, interval time.Duration, over func(size uint64)) (stop func()) {
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		tick := time.NewTicker(interval)
		defer tick.Stop()
		for {
			select {
			case <-done:
				return
			case <-tick.C:
			}
			if n := size(); n > limit {
				over(n)
				return
			}
		}
	})
	var once sync.Once
	return func() { once.Do(func() { close(done); wg.Wait() }) }
}

// heapExceeded ends the test binary with every goroutine's stack once its
// heap passed the limit: the goroutine that grows it cannot be stopped
// from outside, and the machine's memory is shared. The PostgreSQL
// server is stopped first, which the tests' end would have done.
func heapExceeded(heap uint64) {
	fmt.Fprintf(os.Stderr, "\nFAIL: the test binary's heap reached %d MB, past the failsafe of %d MB: a test or the command it runs grows without end. Every goroutine's stack:\n\n",
		heap>>20, uint64(heapLimit)>>20)
	pprof.Lookup("goroutine").WriteTo(os.Stderr, 2)
	if err := pg.Stop(); err != nil {
		fmt.Fprintln(os.Stderr, err)
	}
	bin.remove()
	os.Exit(3)
}

// watchChild sends p SIGQUIT if its resident memory passes limit bytes,
// looking every interval until done is closed, and says so with say. It
// reads /proc, so it watches only where there is one (Linux), which is
// where CI runs.
func watchChild(p *os.Process, limit uint64, interval time.Duration, done <-chan struct{}, say func(format string, args ...any)) {
	tick := time.NewTicker(interval)
	defer tick.Stop()
	statm := "/proc/" + strconv.Itoa(p.Pid) + "/statm"
	for {
		select {
		case <-done:
			return
		case <-tick.C:
		}
		rss, ok := residentBytes(statm)
		if !ok {
			return
		}
		if rss > limit {
			say("failsafe: process %d has %d MB resident, past %d MB: sending it SIGQUIT, which prints its stacks on its standard error",
				p.Pid, rss>>20, limit>>20)
			p.Signal(syscall.SIGQUIT)
			return
		}
	}
}

// sayStderr is watchChild's say for a child a test reports on later,
// when the child's stderr is read: the test binary's standard error
// tells at once.
func sayStderr(format string, args ...any) { fmt.Fprintf(os.Stderr, format+"\n", args...) }

// residentBytes reads the resident set of a process from its
// /proc/PID/statm (the second field, in pages).
func residentBytes(statm string) (uint64, bool) {
	b, err := os.ReadFile(statm)
	if err != nil {
		return 0, false
	}
	f := strings.Fields(string(b))
	if len(f) < 2 {
		return 0, false
	}
	pages, err := strconv.ParseUint(f[1], 10, 64)
	if err != nil {
		return 0, false
	}
	return pages * uint64(os.Getpagesize()), true
}

// runWatched runs cmd to its end, as cmd.Run would, under watchChild.
func runWatched(cmd *exec.Cmd, limit uint64, say func(format string, args ...any)) error {
	if err := cmd.Start(); err != nil {
		return err
	}
	done := make(chan struct{})
	defer close(done)
	go watchChild(cmd.Process, limit, memoryPoll, done, say)
	return cmd.Wait()
}

// The failsafe fires once memory passes its limit, and only once.
func TestWatchMemory(t *testing.T) {
	t.Parallel()
	if n := heapBytes(); n == 0 {
		t.Fatal("the heap reads as empty")
	}
	var size atomic.Uint64
	size.Store(100)
	fired := make(chan uint64, 2)
	stop := watchMemory(size.Load, 1000, time.Millisecond, func(n uint64) { fired <- n })
	defer stop()
	select {
	case n := <-fired:
		t.Fatalf("fired at %d, under the limit", n)
	case <-time.After(20 * time.Millisecond):
	}
	size.Store(1001)
	select {
	case n := <-fired:
		if n != 1001 {
			t.Errorf("fired at %d, want 1001", n)
		}
	case <-time.After(2 * time.Minute):
		t.Fatal("did not fire past the limit")
	}
	stop()
	if len(fired) != 0 {
		t.Error("fired twice")
	}
}

// A child past its limit is sent SIGQUIT and prints its stacks. The child
// is this test binary, run again to grow.
func TestWatchChild(t *testing.T) {
	t.Parallel()
	if os.Getenv("POLICYWATCH_TEST_GROW") != "" {
		return // the child's part is in TestMain's growChild
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestWatchChild$")
	cmd.Env = append(os.Environ(), "POLICYWATCH_TEST_GROW=1")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	stdin, err := cmd.StdinPipe() // the child waits on it, and ends when it closes
	if err != nil {
		t.Fatal(err)
	}
	defer stdin.Close()
	done := make(chan error, 1)
	go func() { done <- runWatched(cmd, 256<<20, t.Logf) }()
	select {
	case err = <-done:
	case <-time.After(2 * time.Minute):
		cmd.Process.Kill()
		t.Fatalf("the child was not stopped in 2 minutes:\n%s", stderr.String())
	}
	if ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); !ok || ws.Signaled() || !strings.Contains(stderr.String(), "SIGQUIT") || !strings.Contains(stderr.String(), "goroutine ") {
		t.Errorf("the child ended with %v; want it to print its stacks on SIGQUIT:\n%.2000s", err, stderr.String())
	}
}

// growChild is TestWatchChild's child: it holds 512 MB and waits.
func growChild() {
	b := make([]byte, 512<<20)
	for i := range b {
		if i%4096 == 0 {
			b[i] = 1 // resident, not only reserved
		}
	}
	io.Copy(io.Discard, os.Stdin)
	runtime.KeepAlive(b)
	os.Exit(0)
}

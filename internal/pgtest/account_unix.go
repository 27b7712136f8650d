//go:build unix

package pgtest

import (
	"fmt"
	"os"
	"os/exec"
	"os/user"
	"strconv"
	"syscall"
)

// account is who runs initdb, pg_ctl and postgres, all of which refuse
// root: nil for the test's own user, else an unprivileged account.
type account struct {
	name     string
	uid, gid uint32
}

// serverAccount picks the server's account. A test running as root (as CI
// does here) hands the server to Debian's postgres account, made by the
// postgresql package, else to nobody, as other test harnesses do.
func serverAccount() (*account, error) {
	if os.Geteuid() != 0 {
		return nil, nil
	}
	for _, name := range []string{"postgres", "nobody"} {
		u, err := user.Lookup(name)
		if err != nil {
			continue
		}
		uid, err1 := strconv.ParseUint(u.Uid, 10, 32)
		gid, err2 := strconv.ParseUint(u.Gid, 10, 32)
		if err1 != nil || err2 != nil || uid == 0 {
			continue
		}
		return &account{name: name, uid: uint32(uid), gid: uint32(gid)}, nil
	}
	return nil, fmt.Errorf("pgtest: running as root, and PostgreSQL refuses root, but neither a postgres nor a nobody account exists to run it as; run the tests as another user")
}

// own hands dir to the account, which must write the cluster in it.
func (a *account) own(dir string) error {
	if a == nil {
		return nil
	}
	return os.Chown(dir, int(a.uid), int(a.gid))
}

// apply makes cmd run as the account, with no supplementary groups.
func (a *account) apply(cmd *exec.Cmd) {
	if a == nil {
		return
	}
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: a.uid, Gid: a.gid}}
}

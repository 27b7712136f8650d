//go:build !unix

package pgtest

import "os/exec"

// account is who runs the server's programs; elsewhere than Unix, always
// the test's own user.
type account struct{}

func serverAccount() (*account, error)  { return nil, nil }
func (a *account) own(dir string) error { return nil }
func (a *account) apply(cmd *exec.Cmd)  {}

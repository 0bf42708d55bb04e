package e2e

import (
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"syscall"
	"time"
)

// operator runs the manager binary built from ./cmd as a child process against the campaign's
// API server, on ports of its own, with every run's output appended to one log file.
type operator struct {
	binary, kubeconfig, logPath string
	metricsAddr, probeAddr      string

	mu      sync.Mutex
	cmd     *exec.Cmd
	exited  chan struct{}
	killed  bool // the campaign stopped this run on purpose
	starts  int
	selfish []string // runs that ended without being stopped: exit status and time
}

func newOperator(binary, kubeconfig, logPath string) (*operator, error) {
	metrics, err := freeAddr()
	if err != nil {
		return nil, err
	}
	probe, err := freeAddr()
	if err != nil {
		return nil, err
	}
	return &operator{binary: binary, kubeconfig: kubeconfig, logPath: logPath, metricsAddr: metrics, probeAddr: probe}, nil
}

// freeAddr returns a loopback address with a port the kernel just handed out.
func freeAddr() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer l.Close()
	return l.Addr().String(), nil
}

// start runs the operator once more.
func (o *operator) start() error {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.cmd != nil {
		return errors.New("the operator is running already")
	}
	log, err := os.OpenFile(o.logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return err
	}
	o.starts++
	fmt.Fprintf(log, "=== chaos: operator run %d at %s\n", o.starts, time.Now().Format(time.RFC3339Nano))
	cmd := exec.Command(o.binary,
		"--metrics-bind-address="+o.metricsAddr,
		// Loopback only: the campaign reads the counters without a token.
		"--metrics-secure=false",
		"--health-probe-bind-address="+o.probeAddr)
	cmd.Stdout, cmd.Stderr = log, log
	cmd.Env = append(os.Environ(), "KUBECONFIG="+o.kubeconfig)
	if err := cmd.Start(); err != nil {
		log.Close()
		return fmt.Errorf("starting %s: %w", o.binary, err)
	}
	exited := make(chan struct{})
	o.cmd, o.exited, o.killed = cmd, exited, false
	run := o.starts
	go func() {
		err := cmd.Wait()
		log.Close()
		o.mu.Lock()
		defer o.mu.Unlock()
		if !o.killed {
			o.selfish = append(o.selfish, fmt.Sprintf("operator run %d ended by itself at %s: %v", run, time.Now().Format(time.TimeOnly), err))
		}
		if o.cmd == cmd {
			o.cmd = nil
		}
		close(exited)
	}()
	return nil
}

// stop ends the running operator with sig (SIGKILL for a crash, SIGTERM for a clean stop)
// and waits until it is gone.
func (o *operator) stop(sig syscall.Signal) error {
	o.mu.Lock()
	cmd, exited := o.cmd, o.exited
	if cmd == nil {
		o.mu.Unlock()
		return nil
	}
	o.killed = true
	o.mu.Unlock()
	if err := cmd.Process.Signal(sig); err != nil && !errors.Is(err, os.ErrProcessDone) {
		return err
	}
	select {
	case <-exited:
		return nil
	case <-time.After(30 * time.Second):
		_ = cmd.Process.Kill()
		<-exited
		return fmt.Errorf("the operator did not stop within 30s of %s", sig)
	}
}

// ensureRunning starts the operator again if it ended by itself, as a kubelet would.
func (o *operator) ensureRunning() error {
	o.mu.Lock()
	running := o.cmd != nil
	o.mu.Unlock()
	if running {
		return nil
	}
	return o.start()
}

// run is the number of the current or last run.
func (o *operator) run() int {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.starts
}

// running tells whether a run is under way.
func (o *operator) running() bool {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.cmd != nil
}

// endedByItself lists the runs that ended without the campaign stopping them.
func (o *operator) endedByItself() []string {
	o.mu.Lock()
	defer o.mu.Unlock()
	return append([]string(nil), o.selfish...)
}

func (o *operator) metricsURL() string { return "http://" + o.metricsAddr + "/metrics" }

// buildOperator builds ./cmd of the repository at root into dir.
func buildOperator(root, dir string) (string, error) {
	bin := filepath.Join(dir, "manager")
	cmd := exec.Command("go", "build", "-o", bin, "./cmd")
	cmd.Dir = root
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("building the operator: %v\n%s", err, out)
	}
	return bin, nil
}

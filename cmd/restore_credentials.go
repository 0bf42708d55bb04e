package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"strings"

	"k8s.io/client-go/kubernetes/scheme"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/rathaus-io/rathaus/internal/credrestore"
)

// RestoreCredentialsCommand is the subcommand a restore's Job runs in the operator's image to
// put a workspace's credentials back (internal/backup, restore.go).
const RestoreCredentialsCommand = "restore-credentials"

// serviceAccountNamespace is where the kubelet tells a pod its namespace.
const serviceAccountNamespace = "/var/run/secrets/kubernetes.io/serviceaccount/namespace"

// restoreCredentials reads the restored Credentials store under --from and gives the named
// Secrets of the pod's namespace their restored values. It prints which Secrets it changed,
// never a value.
func restoreCredentials(args []string) error {
	fs := flag.NewFlagSet(RestoreCredentialsCommand, flag.ContinueOnError)
	from := fs.String("from", "/data", "Directory restic restored the Credentials store into.")
	names := fs.String("secrets", "", "Comma-separated names of the Secrets to restore.")
	namespace := fs.String("namespace", "", "Namespace of the Secrets; the pod's own when empty.")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *namespace == "" {
		ns, err := os.ReadFile(serviceAccountNamespace)
		if err != nil {
			return fmt.Errorf("no --namespace, and the pod's is unknown: %w", err)
		}
		*namespace = strings.TrimSpace(string(ns))
	}
	restored, err := credrestore.Read(*from, strings.Split(*names, ","))
	if err != nil {
		return err
	}
	cfg, err := ctrl.GetConfig()
	if err != nil {
		return err
	}
	cfg.UserAgent = "rathaus-restore-credentials"
	c, err := client.New(cfg, client.Options{Scheme: scheme.Scheme})
	if err != nil {
		return err
	}
	changed, err := credrestore.Apply(context.Background(), c, *namespace, restored)
	fmt.Printf("restored %d of %d Secrets from the backup; changed: %s\n", len(restored), len(strings.Split(*names, ",")), strings.Join(changed, ", "))
	return err
}

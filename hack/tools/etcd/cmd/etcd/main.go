// Command etcd is etcd's own entry point, built from the Go module proxy because no release
// tarball can be downloaded on the machines rathaus is developed and tested on.
package main

import (
	"os"

	"go.etcd.io/etcd/server/v3/etcdmain"
)

func main() { etcdmain.Main(os.Args) }

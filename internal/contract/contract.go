// Package contract holds what a pinned upstream image requires of the pod that runs it, and
// checks rendered workloads against it.
//
// The simulated cluster starts no container, so it cannot tell whether Nextcloud, Opencast or
// Stalwart would come up. What can be told without starting them is whether the pod honours
// the image: the uid its files belong to, the paths its entrypoint writes, the variables its
// scripts read without a default, the ports it binds. Each component declares these facts as
// an Image, read from the upstream Dockerfile and entrypoint at the pinned tag and citing
// them; Check holds every rendered container to its image's contract and to rules that hold
// for any container (Rules). A contract is valid for one tag: when a release moves a component
// to another tag, its contract must be read again (the release catalog test enforces it).
package contract

import (
	corev1 "k8s.io/api/core/v1"
)

// AnyUser is the Owner of a path every user may write, such as /tmp.
const AnyUser int64 = -1

// Image is the contract of one release component's image at one tag.
type Image struct {
	// Component is the release component (rathausv1alpha1.Component.Name) of the image.
	Component string
	// Tag is the image tag the facts were read at.
	Tag string
	// Sources are the upstream files the facts come from, as "owner/repo path@ref".
	Sources []string

	// UID is the user the image's processes must run as: the owner of what they write;
	// AnyUser for an image that owns nothing and runs as any user but root.
	UID int64

	// Entrypoint is the image's own start program, which runs unless the container replaces
	// it with a command.
	Entrypoint Entrypoint

	// Env are the variables the image's Dockerfile sets (ENV), which scripts may rely on.
	Env []string

	// Functions are the shell functions of the image's scripts that a container's own start
	// script may call, with the variables each reads without a default: under `set -u` a
	// missing one ends the script ("parameter not set") before the server starts.
	Functions map[string][]string

	// Writes are the paths the image writes while its server starts: by the entrypoint, or by
	// one of Entrypoint.Servers. A container that runs neither (a one-off command such as a
	// client or a cron script) does not write them.
	Writes []Write

	// Ports are the ports the image binds as the component renders it.
	Ports []Port
}

// Entrypoint describes the image's ENTRYPOINT script.
type Entrypoint struct {
	// Path of the script in the image, e.g. /entrypoint.sh.
	Path string
	// Nounset is true when the script runs under `set -u`.
	Nounset bool
	// Reads are the variables it reads without a default; under Nounset each must be set.
	Reads []string
	// Hooks are directories whose scripts the entrypoint runs (e.g. nextcloud/docker's
	// /docker-entrypoint-hooks.d/before-starting); scripts a container mounts there are its
	// own scripts too.
	Hooks []string
	// Servers are other programs of the image that start its server, which a container's own
	// start script may run instead of Path (e.g. Opencast's bin/start-opencast).
	Servers []string
}

// Write is a path the image writes at start.
type Write struct {
	// Path is a file or directory; a write below it counts as a write to it.
	Path string
	// Owner is the uid that owns Path in the image (0 for root, AnyUser for a path anyone
	// may write). A container running as another uid can only write it on a volume.
	Owner int64
	// When names an environment variable: the image writes Path only when it is set. Empty
	// when the image always writes Path.
	When string
	// Source is the upstream file and line that writes it.
	Source string
}

// Port is a port the image binds.
type Port struct {
	Number   int32
	Protocol corev1.Protocol
	// Env, when set, names the variable the image reads the port from; Number is then its
	// default, and the container's value of Env is what it binds.
	Env string
}

// TCP is a TCP port.
func TCP(n int32) Port { return Port{Number: n, Protocol: corev1.ProtocolTCP} }

// UDP is a UDP port.
func UDP(n int32) Port { return Port{Number: n, Protocol: corev1.ProtocolUDP} }

// Holder is a component whose rendered containers run release images: it declares their
// contracts, so that no component can add a container the checks do not see.
type Holder interface {
	Contracts() []Image
}

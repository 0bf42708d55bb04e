package controllers_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"regexp"
	"sort"
	"strings"
	"sync"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	dto "github.com/prometheus/client_model/go"
	corev1 "k8s.io/api/core/v1"
	eventsv1 "k8s.io/api/events/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"sigs.k8s.io/controller-runtime/pkg/client"
	crmetrics "sigs.k8s.io/controller-runtime/pkg/metrics"

	rathausv1alpha1 "github.com/rathaus-io/rathaus/api/v1alpha1"
	"github.com/rathaus-io/rathaus/internal/ownership"
	"github.com/rathaus-io/rathaus/internal/release"
)

// operatorLog holds everything the operator logged during the suite (see BeforeSuite).
var operatorLog syncBuffer

type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// generated matches what internal/secrets generates: letters and digits, at least 16.
var generated = regexp.MustCompile(`^[A-Za-z0-9]{16,}$`)

// workspaceSeries scrapes the operator's metrics registry, as Prometheus would, and returns
// the per-workspace series of namespace ns as `name{label="value",...} value`, sorted.
func workspaceSeries(ns string) []string {
	families, err := crmetrics.Registry.Gather()
	Expect(err).NotTo(HaveOccurred())
	var out []string
	for _, f := range families {
		if !strings.HasPrefix(f.GetName(), "rathaus_workspace_") || f.GetType() != dto.MetricType_GAUGE {
			continue
		}
		for _, m := range f.GetMetric() {
			var labels []string
			inNamespace := false
			for _, l := range m.GetLabel() {
				labels = append(labels, fmt.Sprintf("%s=%q", l.GetName(), l.GetValue()))
				inNamespace = inNamespace || l.GetName() == "namespace" && l.GetValue() == ns
			}
			if inNamespace {
				out = append(out, fmt.Sprintf("%s{%s} %v", f.GetName(), strings.Join(labels, ","), m.GetGauge().GetValue()))
			}
		}
	}
	sort.Strings(out)
	return out
}

func timeToReadyCount() uint64 {
	families, err := crmetrics.Registry.Gather()
	Expect(err).NotTo(HaveOccurred())
	for _, f := range families {
		if f.GetName() == "rathaus_workspace_time_to_ready_seconds" {
			return f.GetMetric()[0].GetHistogram().GetSampleCount()
		}
	}
	return 0
}

// workspaceEvents returns the Events about the workspace as "Type Reason: note".
func workspaceEvents(ctx context.Context, ws *rathausv1alpha1.MunicipalityWorkspace) func() []string {
	return func() []string {
		var list eventsv1.EventList
		Expect(k8s.List(ctx, &list, client.InNamespace(ws.Namespace))).To(Succeed())
		var out []string
		for _, e := range list.Items {
			if e.Regarding.Kind == "MunicipalityWorkspace" && e.Regarding.Name == ws.Name {
				out = append(out, e.Type+" "+e.Reason+": "+e.Note)
			}
		}
		return out
	}
}

var _ = Describe("Observability", func() {
	ctx := context.Background()

	BeforeEach(func() { ensurePlatform(ctx, rathausv1alpha1.DefaultPlatformName) })

	It("exports a Ready workspace's series while it exists and none once it is deleted", func() {
		readyBefore := timeToReadyCount()
		ns := createNamespace(ctx)
		ws := newWorkspace(ns, ns+".example.de", func(w *rathausv1alpha1.MunicipalityWorkspace) { w.Spec.Size = rathausv1alpha1.SizeM })
		Expect(k8s.Create(ctx, ws)).To(Succeed())
		waitReady(ctx, ws)

		id := fmt.Sprintf(`name="workspace",namespace=%q`, ns)
		Eventually(func() []string { return workspaceSeries(ns) }).Should(ContainElements(
			`rathaus_workspace_condition{`+id+`,reason="Provisioned",status="True",type="Ready"} 1`,
			`rathaus_workspace_info{`+id+`,release="`+release.BuiltIn().Spec.Version+`",size="M"} 1`,
		))
		Expect(workspaceSeries(ns)).NotTo(ContainElement(ContainSubstring(`type="Stalled"`)))
		Expect(timeToReadyCount()).To(BeNumerically(">", readyBefore), "the first Ready is observed")
		Eventually(workspaceEvents(ctx, ws)).Should(ContainElement(
			"Normal Provisioned: the workspace is provisioned and its enabled services are available"))

		Expect(k8s.Delete(ctx, ws)).To(Succeed())
		Eventually(func() bool { return apierrors.IsNotFound(k8s.Get(ctx, client.ObjectKeyFromObject(ws), ws)) }).Should(BeTrue())
		Eventually(func() []string { return workspaceSeries(ns) }).Should(BeEmpty())
	})

	It("records a stall and its resolution as Events", func() {
		ns := createNamespace(ctx)
		platform := uniqueName("platform")
		ws := newWorkspace(ns, ns+".example.de", func(w *rathausv1alpha1.MunicipalityWorkspace) { w.Spec.Platform = platform })
		Expect(k8s.Create(ctx, ws)).To(Succeed())
		Eventually(condition(ctx, ws, "Stalled")).Should(Equal("True/PlatformNotFound"))
		Eventually(workspaceEvents(ctx, ws)).Should(ConsistOf(
			"Warning PlatformNotFound: WorkspacePlatform " + platform + " does not exist"))
		Eventually(func() []string { return workspaceSeries(ns) }).Should(ContainElement(
			fmt.Sprintf(`rathaus_workspace_condition{name="workspace",namespace=%q,reason="PlatformNotFound",status="True",type="Stalled"} 1`, ns)))

		ensurePlatform(ctx, platform)
		waitReady(ctx, ws)
		Eventually(workspaceEvents(ctx, ws)).Should(ConsistOf(
			"Warning PlatformNotFound: WorkspacePlatform "+platform+" does not exist",
			"Normal StallResolved: the workspace is no longer stalled by PlatformNotFound",
			"Normal Provisioned: the workspace is provisioned and its enabled services are available",
		))
	})

	It("exports service readiness and never logs a generated credential", func() {
		ns := createNamespace(ctx)
		ws := newWorkspace(ns, ns+".example.de", func(w *rathausv1alpha1.MunicipalityWorkspace) { w.Spec.Services.Files.Enabled = true })
		Expect(k8s.Create(ctx, ws)).To(Succeed())
		Eventually(condition(ctx, ws, "FilesReady")).Should(Equal("False/Progressing"))
		Eventually(func() []string { return workspaceSeries(ns) }).Should(ContainElement(
			fmt.Sprintf(`rathaus_workspace_service_ready{name="workspace",namespace=%q,service="files"} 0`, ns)))

		var secrets corev1.SecretList
		Expect(k8s.List(ctx, &secrets, client.InNamespace(ns), client.HasLabels{ownership.WorkspaceLabel})).To(Succeed())
		Expect(secrets.Items).NotTo(BeEmpty())
		log := operatorLog.String()
		Expect(log).To(ContainSubstring("Created generated credentials"), "the log is captured")
		checked := 0
		for _, s := range secrets.Items {
			for key, value := range s.Data {
				if !generated.Match(value) {
					continue // host names, ports and user names are stored alongside, not generated
				}
				checked++
				Expect(log).NotTo(ContainSubstring(string(value)), "%s/%s key %s", s.Name, key)
				Expect(log).NotTo(ContainSubstring(base64.StdEncoding.EncodeToString(value)), "%s/%s key %s", s.Name, key)
			}
		}
		Expect(checked).To(BeNumerically(">", 0), "some generated credential was checked")
	})
})

package controllers_test

import (
	"context"
	"crypto/tls"
	"fmt"
	"net"
	"net/http"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	authenticationv1 "k8s.io/api/authentication/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"

	"github.com/rathaus-io/rathaus/controllers"
)

// The operator's metrics name every municipality and its state; with --metrics-secure (the
// default) only requesters the API server authenticates and authorizes for GET /metrics read
// them, as the ClusterRole rathaus-metrics-reader grants.
var _ = Describe("Metrics access", func() {
	It("serves metrics only to tokens allowed to GET /metrics", func() {
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		l, err := net.Listen("tcp", "127.0.0.1:0")
		Expect(err).NotTo(HaveOccurred())
		addr := l.Addr().String()
		Expect(l.Close()).To(Succeed())

		httpClient, err := rest.HTTPClientFor(cfg)
		Expect(err).NotTo(HaveOccurred())
		srv, err := metricsserver.NewServer(controllers.MetricsServerOptions(controllers.Options{MetricsAddr: addr, MetricsSecure: true}), cfg, httpClient)
		Expect(err).NotTo(HaveOccurred())
		go func() { _ = srv.Start(ctx) }()

		cs := kubernetes.NewForConfigOrDie(cfg)
		ns := createNamespace(ctx)
		token := func(name string) string {
			_, err := cs.CoreV1().ServiceAccounts(ns).Create(ctx, &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Name: name}}, metav1.CreateOptions{})
			Expect(err).NotTo(HaveOccurred())
			tr, err := cs.CoreV1().ServiceAccounts(ns).CreateToken(ctx, name, &authenticationv1.TokenRequest{}, metav1.CreateOptions{})
			Expect(err).NotTo(HaveOccurred())
			return tr.Status.Token
		}
		reader, stranger := token("prometheus"), token("stranger")
		Expect(k8s.Create(ctx, &rbacv1.ClusterRole{
			ObjectMeta: metav1.ObjectMeta{Name: "rathaus-metrics-reader-test"},
			Rules:      []rbacv1.PolicyRule{{NonResourceURLs: []string{"/metrics"}, Verbs: []string{"get"}}},
		})).To(Succeed())
		Expect(k8s.Create(ctx, &rbacv1.ClusterRoleBinding{
			ObjectMeta: metav1.ObjectMeta{Name: "rathaus-metrics-reader-test"},
			RoleRef:    rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: "rathaus-metrics-reader-test"},
			Subjects:   []rbacv1.Subject{{Kind: rbacv1.ServiceAccountKind, Name: "prometheus", Namespace: ns}},
		})).To(Succeed())

		client := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}}
		get := func(bearer string) int {
			req, err := http.NewRequest(http.MethodGet, fmt.Sprintf("https://%s/metrics", addr), nil)
			Expect(err).NotTo(HaveOccurred())
			if bearer != "" {
				req.Header.Set("Authorization", "Bearer "+bearer)
			}
			resp, err := client.Do(req)
			if err != nil {
				return 0
			}
			defer resp.Body.Close()
			return resp.StatusCode
		}
		Eventually(func() int { return get(reader) }).Should(Equal(http.StatusOK))
		Expect(get("")).To(Equal(http.StatusUnauthorized))
		Expect(get(stranger)).To(Equal(http.StatusForbidden))
	})
})

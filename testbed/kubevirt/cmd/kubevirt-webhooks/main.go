// Command kubevirt-webhooks serves KubeVirt's own (v1.8.4) virt-api admission
// code for VirtualMachines and VirtualMachineInstances as HTTPS webhooks on a
// loopback address, so that a test kube-apiserver can call them through
// URL-based Validating/MutatingWebhookConfigurations.
//
// The wiring mirrors pkg/virt-api/api.go (Run, registerValidatingWebhooks,
// registerMutatingWebhook): same informer factory, same ClusterConfig (read
// from the KubeVirt CR via an informer; the CR needs a non-empty status.phase),
// same URL paths, same Serve* functions and admitter/mutator constructors.
//
// Flags: --kubeconfig, --listen 127.0.0.1:PORT (PORT 0 = pick one),
// --cert-dir (ca.crt, tls.crt, tls.key are generated at start),
// --namespace (KubeVirt install namespace, default kubevirt),
// --webhook-config-dir (optional: writes validating.json and mutating.json,
// derived from virt-operator's own webhook configurations, filtered to the
// served paths, with url + caBundle filled in).
// Prints "ready <port>" on stdout once serving.
package main

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"flag"
	"fmt"
	"math/big"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"time"

	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/validation/field"
	aggregatorclient "k8s.io/kube-aggregator/pkg/client/clientset_generated/clientset"

	v1 "kubevirt.io/api/core/v1"
	"kubevirt.io/client-go/kubecli"
	"kubevirt.io/client-go/log"

	"kubevirt.io/kubevirt/pkg/controller"
	netadmitter "kubevirt.io/kubevirt/pkg/network/admitter"
	"kubevirt.io/kubevirt/pkg/virt-api/webhooks"
	mutating_webhook "kubevirt.io/kubevirt/pkg/virt-api/webhooks/mutating-webhook"
	validating_webhook "kubevirt.io/kubevirt/pkg/virt-api/webhooks/validating-webhook"
	virtconfig "kubevirt.io/kubevirt/pkg/virt-config"
	"kubevirt.io/kubevirt/pkg/virt-operator/resource/generate/components"
)

// servedPaths are the virt-api paths this server implements.
var servedPaths = map[string]bool{
	components.VMICreateValidatePath: true,
	components.VMIUpdateValidatePath: true,
	components.VMValidatePath:        true,
	components.VMMutatePath:          true,
	components.VMIMutatePath:         true,
}

func main() {
	kubeconfig := flag.String("kubeconfig", "", "kubeconfig of the API server")
	listen := flag.String("listen", "127.0.0.1:0", "HTTPS listen address (port 0 = any free port)")
	certDir := flag.String("cert-dir", "", "directory for the generated ca.crt, tls.crt, tls.key (required)")
	namespace := flag.String("namespace", "kubevirt", "KubeVirt install namespace (KubeVirt CR, service accounts)")
	cfgDir := flag.String("webhook-config-dir", "", "if set, write validating.json and mutating.json (URL-based, with caBundle) here")
	flag.Parse()
	if *certDir == "" {
		fail(fmt.Errorf("--cert-dir is required"))
	}
	log.InitializeLogging("kubevirt-webhooks")

	// --- clients, informers, cluster config: as in virt-api's Execute/Run
	virtCli, err := kubecli.GetKubevirtClientFromFlags("", *kubeconfig)
	if err != nil {
		fail(err)
	}
	aggCli, err := aggregatorclient.NewForConfig(virtCli.Config())
	if err != nil {
		fail(err)
	}
	factory := controller.NewKubeInformerFactory(virtCli.RestClient(), virtCli, aggCli, *namespace)
	kubeVirtInformer := factory.KubeVirt()
	crdInformer := factory.CRD()
	vmiPresetInformer := factory.VirtualMachinePreset()
	vmRestoreInformer := factory.VirtualMachineRestore()
	vmBackupInformer := factory.VirtualMachineBackup()
	namespaceInformer := factory.Namespace()
	stop := make(chan struct{})
	factory.Start(stop)
	factory.WaitForCacheSync(stop)

	clusterConfig, err := virtconfig.NewClusterConfig(crdInformer, kubeVirtInformer, *namespace)
	if err != nil {
		fail(err)
	}
	if clusterConfig.GetConfigFromKubeVirtCR() == nil {
		log.Log.Warningf("no KubeVirt CR with a status.phase in the informer cache: using KubeVirt's default config")
	}
	dataSourceInformer := factory.DummyDataSource()
	if clusterConfig.HasDataSourceAPI() {
		dataSourceInformer = factory.DataSource()
	}
	factory.Start(stop)
	factory.WaitForCacheSync(stop)

	informers := &webhooks.Informers{
		VMIPresetInformer:  vmiPresetInformer,
		VMRestoreInformer:  vmRestoreInformer,
		VMBackupInformer:   vmBackupInformer,
		DataSourceInformer: dataSourceInformer,
		NamespaceInformer:  namespaceInformer,
	}
	sas := webhooks.KubeVirtServiceAccounts(*namespace)

	// --- routes: as in virtAPIApp.registerValidatingWebhooks / registerMutatingWebhook
	mux := http.NewServeMux()
	mux.HandleFunc(components.VMICreateValidatePath, func(w http.ResponseWriter, r *http.Request) {
		validating_webhook.ServeVMICreate(w, r, clusterConfig, sas,
			func(field *field.Path, vmiSpec *v1.VirtualMachineInstanceSpec, clusterCfg *virtconfig.ClusterConfig) []metav1.StatusCause {
				return netadmitter.Validate(field, vmiSpec, clusterCfg)
			},
		)
	})
	mux.HandleFunc(components.VMIUpdateValidatePath, func(w http.ResponseWriter, r *http.Request) {
		validating_webhook.ServeVMIUpdate(w, r, clusterConfig, sas)
	})
	mux.HandleFunc(components.VMValidatePath, func(w http.ResponseWriter, r *http.Request) {
		validating_webhook.ServeVMs(w, r, clusterConfig, virtCli, informers, sas)
	})
	mux.HandleFunc(components.VMMutatePath, func(w http.ResponseWriter, r *http.Request) {
		mutating_webhook.ServeVMs(w, r, clusterConfig, virtCli)
	})
	mux.HandleFunc(components.VMIMutatePath, func(w http.ResponseWriter, r *http.Request) {
		mutating_webhook.ServeVMIs(w, r, clusterConfig, informers, sas)
	})
	mux.HandleFunc("/healthz", func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write([]byte("ok")) })

	// --- TLS
	host, _, err := net.SplitHostPort(*listen)
	if err != nil {
		fail(err)
	}
	caPEM, cert, err := makeCerts(*certDir, host)
	if err != nil {
		fail(err)
	}
	ln, err := net.Listen("tcp", *listen)
	if err != nil {
		fail(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port

	if *cfgDir != "" {
		base := "https://" + net.JoinHostPort(host, strconv.Itoa(port))
		if err := writeWebhookConfigs(*cfgDir, *namespace, base, caPEM); err != nil {
			fail(err)
		}
	}

	srv := &http.Server{
		Handler:           mux,
		TLSConfig:         &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12},
		ReadHeaderTimeout: 10 * time.Second,
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.ServeTLS(ln, "", "") }()
	fmt.Printf("ready %d\n", port)
	fail(<-errc)
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "kubevirt-webhooks:", err)
	os.Exit(1)
}

// makeCerts creates a CA and a serving certificate for host (an IP or a name),
// writes ca.crt, tls.crt and tls.key to dir, and returns the CA PEM.
func makeCerts(dir, host string) ([]byte, tls.Certificate, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, tls.Certificate{}, err
	}
	now := time.Now()
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, tls.Certificate{}, err
	}
	caTmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "kubevirt-webhooks-ca"},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.Add(7 * 24 * time.Hour),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature,
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		return nil, tls.Certificate{}, err
	}
	caCert, _ := x509.ParseCertificate(caDER)

	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, tls.Certificate{}, err
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(2),
		Subject:      pkix.Name{CommonName: host},
		NotBefore:    now.Add(-time.Hour),
		NotAfter:     now.Add(7 * 24 * time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	if ip := net.ParseIP(host); ip != nil {
		tmpl.IPAddresses = []net.IP{ip}
	} else {
		tmpl.DNSNames = []string{host}
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, caCert, &key.PublicKey, caKey)
	if err != nil {
		return nil, tls.Certificate{}, err
	}
	keyDER, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		return nil, tls.Certificate{}, err
	}
	caPEM := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: caDER})
	certPEM := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
	keyPEM := pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: keyDER})
	for name, b := range map[string][]byte{"ca.crt": caPEM, "tls.crt": certPEM, "tls.key": keyPEM} {
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o600); err != nil {
			return nil, tls.Certificate{}, err
		}
	}
	cert, err := tls.X509KeyPair(certPEM, keyPEM)
	return caPEM, cert, err
}

// writeWebhookConfigs takes virt-operator's own virt-api webhook configurations,
// keeps the webhooks whose path is served here, and points them at base+path.
func writeWebhookConfigs(dir, namespace, base string, caPEM []byte) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	toURL := func(cc *admissionregistrationv1.WebhookClientConfig) bool {
		if cc.Service == nil || cc.Service.Path == nil || !servedPaths[*cc.Service.Path] {
			return false
		}
		u := base + *cc.Service.Path
		*cc = admissionregistrationv1.WebhookClientConfig{URL: &u, CABundle: caPEM}
		return true
	}
	val := components.NewVirtAPIValidatingWebhookConfiguration(namespace)
	val.Webhooks = served(val.Webhooks, func(w *admissionregistrationv1.ValidatingWebhook) *admissionregistrationv1.WebhookClientConfig {
		return &w.ClientConfig
	}, toURL)
	val.ObjectMeta = metav1.ObjectMeta{Name: "kubevirt-webhooks-testbed-validator"}

	mut := components.NewVirtAPIMutatingWebhookConfiguration(namespace)
	mut.Webhooks = served(mut.Webhooks, func(w *admissionregistrationv1.MutatingWebhook) *admissionregistrationv1.WebhookClientConfig {
		return &w.ClientConfig
	}, toURL)
	mut.ObjectMeta = metav1.ObjectMeta{Name: "kubevirt-webhooks-testbed-mutator"}

	for name, obj := range map[string]interface{}{"validating.json": val, "mutating.json": mut} {
		b, err := json.MarshalIndent(obj, "", "  ")
		if err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			return err
		}
	}
	return nil
}

// served keeps the webhooks whose client config toURL rewrites (those whose path this server serves).
func served[W any](webhooks []W, config func(*W) *admissionregistrationv1.WebhookClientConfig, toURL func(*admissionregistrationv1.WebhookClientConfig) bool) []W {
	var kept []W
	for i := range webhooks {
		if toURL(config(&webhooks[i])) {
			kept = append(kept, webhooks[i])
		}
	}
	return kept
}

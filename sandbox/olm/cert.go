package main

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"flag"
	"fmt"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// runCert writes tls.crt/tls.key for --host (comma-separated DNS names and
// IPs), signed by the sandbox CA in --ca-dir (ca.crt, ca.key). The
// kube-apiserver's aggregator verifies an APIService backend as
// <service>.<namespace>.svc, a name the sandbox's own serving certificate
// does not carry.
func runCert(args []string) int {
	fs := flag.NewFlagSet("cert", flag.ContinueOnError)
	caDir := fs.String("ca-dir", "", "directory with ca.crt and ca.key")
	hosts := fs.String("host", "", "comma-separated DNS names and IP addresses")
	out := fs.String("out", "", "directory to write tls.crt and tls.key to")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if err := writeCert(*caDir, *hosts, *out); err != nil {
		fmt.Fprintf(os.Stderr, "acp-olm cert: %v\n", err)
		return 1
	}
	return 0
}

func writeCert(caDir, hosts, out string) error {
	if caDir == "" || hosts == "" || out == "" {
		return fmt.Errorf("--ca-dir, --host and --out are required")
	}
	caCert, err := readPEM(filepath.Join(caDir, "ca.crt"))
	if err != nil {
		return err
	}
	ca, err := x509.ParseCertificate(caCert)
	if err != nil {
		return fmt.Errorf("%s: %w", filepath.Join(caDir, "ca.crt"), err)
	}
	caKeyDER, err := readPEM(filepath.Join(caDir, "ca.key"))
	if err != nil {
		return err
	}
	caKey, err := x509.ParseECPrivateKey(caKeyDER)
	if err != nil {
		return fmt.Errorf("%s: %w", filepath.Join(caDir, "ca.key"), err)
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return err
	}
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 120))
	if err != nil {
		return err
	}
	names := strings.Split(hosts, ",")
	tmpl := &x509.Certificate{
		SerialNumber: serial,
		Subject:      pkix.Name{CommonName: names[0]},
		NotBefore:    time.Now().Add(-time.Minute),
		NotAfter:     time.Now().Add(365 * 24 * time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	for _, h := range names {
		if ip := net.ParseIP(h); ip != nil {
			tmpl.IPAddresses = append(tmpl.IPAddresses, ip)
		} else {
			tmpl.DNSNames = append(tmpl.DNSNames, h)
		}
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, &key.PublicKey, caKey)
	if err != nil {
		return err
	}
	keyDER, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(out, 0o700); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(out, "tls.key"), pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: keyDER}), 0o600); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(out, "tls.crt"), pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o644)
}

func readPEM(path string) ([]byte, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	block, _ := pem.Decode(data)
	if block == nil {
		return nil, fmt.Errorf("%s holds no PEM block", path)
	}
	return block.Bytes, nil
}

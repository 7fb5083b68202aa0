package cli

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"os"
	"regexp"
	"strings"

	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/sasl/plain"
	"github.com/twmb/franz-go/pkg/sasl/scram"
)

// tlsSettings collects the ssl.* client properties. Only PEM material is
// understood: Java key stores (JKS, PKCS12) need a JVM to read.
type tlsSettings struct {
	truststoreType     string
	truststoreLocation string
	truststoreCerts    string
	keystoreType       string
	keystoreLocation   string
	keystoreChain      string
	keystoreKey        string
	keyPassword        string
	// Kafka verifies the broker's host name unless this is set to "".
	endpointAlgorithm *string
}

// saslSettings collects sasl.mechanism and sasl.jaas.config.
type saslSettings struct {
	mechanism string
	jaas      string
}

func addSecurityKeys(keys map[string]setter) {
	str := func(field func(c *clientConfig) *string) setter {
		return func(c *clientConfig, v string) error { *field(c) = v; return nil }
	}
	keys["security.protocol"] = func(c *clientConfig, v string) error {
		switch strings.ToUpper(v) {
		case "PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL":
			c.securityProtocol = strings.ToUpper(v)
			return nil
		}
		return fmt.Errorf("Invalid value %s for configuration security.protocol: String must be one of: PLAINTEXT, SSL, SASL_PLAINTEXT, SASL_SSL", v)
	}
	keys["ssl.truststore.type"] = str(func(c *clientConfig) *string { return &c.tls.truststoreType })
	keys["ssl.truststore.location"] = str(func(c *clientConfig) *string { return &c.tls.truststoreLocation })
	keys["ssl.truststore.certificates"] = str(func(c *clientConfig) *string { return &c.tls.truststoreCerts })
	keys["ssl.truststore.password"] = func(*clientConfig, string) error { return nil }
	keys["ssl.keystore.type"] = str(func(c *clientConfig) *string { return &c.tls.keystoreType })
	keys["ssl.keystore.location"] = str(func(c *clientConfig) *string { return &c.tls.keystoreLocation })
	keys["ssl.keystore.certificate.chain"] = str(func(c *clientConfig) *string { return &c.tls.keystoreChain })
	keys["ssl.keystore.key"] = str(func(c *clientConfig) *string { return &c.tls.keystoreKey })
	keys["ssl.keystore.password"] = func(*clientConfig, string) error { return nil }
	keys["ssl.key.password"] = str(func(c *clientConfig) *string { return &c.tls.keyPassword })
	keys["ssl.endpoint.identification.algorithm"] = func(c *clientConfig, v string) error {
		c.tls.endpointAlgorithm = &v
		return nil
	}
	keys["sasl.mechanism"] = str(func(c *clientConfig) *string { return &c.sasl.mechanism })
	keys["sasl.jaas.config"] = str(func(c *clientConfig) *string { return &c.sasl.jaas })
}

func orDefault(v, def string) string {
	if v == "" {
		return def
	}
	return v
}

// finishSecurity turns the collected ssl.* and sasl.* properties into
// dialer and SASL options.
func (c *clientConfig) finishSecurity() error {
	proto := c.securityProtocol
	if proto == "" {
		proto = "PLAINTEXT"
	}
	if proto == "SSL" || proto == "SASL_SSL" {
		cfg, err := c.tls.config()
		if err != nil {
			return err
		}
		c.opts = append(c.opts, kgo.DialTLSConfig(cfg))
	}
	if proto == "SASL_PLAINTEXT" || proto == "SASL_SSL" {
		opt, err := c.sasl.option()
		if err != nil {
			return err
		}
		c.opts = append(c.opts, opt)
	}
	return nil
}

func (s tlsSettings) config() (*tls.Config, error) {
	cfg := &tls.Config{MinVersion: tls.VersionTLS12}
	if err := s.loadTrust(cfg); err != nil {
		return nil, err
	}
	if err := s.loadIdentity(cfg); err != nil {
		return nil, err
	}
	if s.endpointAlgorithm != nil && *s.endpointAlgorithm == "" {
		skipHostnameCheck(cfg)
	}
	return cfg, nil
}

func (s tlsSettings) loadTrust(cfg *tls.Config) error {
	pem := []byte(s.truststoreCerts)
	if s.truststoreLocation != "" {
		if !isPEM(s.truststoreType) {
			return fmt.Errorf("ssl.truststore.type %s is not supported by spool's tools; convert the trust store to PEM and set ssl.truststore.type=PEM", s.truststoreType)
		}
		b, err := os.ReadFile(s.truststoreLocation)
		if err != nil {
			return fmt.Errorf("read ssl.truststore.location: %w", err)
		}
		pem = b
	}
	if len(pem) == 0 {
		return nil // the system's roots
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pem) {
		return errors.New("no PEM certificates found in the configured trust store")
	}
	cfg.RootCAs = pool
	return nil
}

func (s tlsSettings) loadIdentity(cfg *tls.Config) error {
	chain, key := []byte(s.keystoreChain), []byte(s.keystoreKey)
	if s.keystoreLocation != "" {
		if !isPEM(s.keystoreType) {
			return fmt.Errorf("ssl.keystore.type %s is not supported by spool's tools; convert the key store to PEM and set ssl.keystore.type=PEM", s.keystoreType)
		}
		b, err := os.ReadFile(s.keystoreLocation)
		if err != nil {
			return fmt.Errorf("read ssl.keystore.location: %w", err)
		}
		chain, key = b, b
	}
	if len(chain) == 0 {
		return nil
	}
	if s.keyPassword != "" {
		return errors.New("encrypted private keys (ssl.key.password) are not supported by spool's tools; use an unencrypted PEM key")
	}
	cert, err := tls.X509KeyPair(chain, key)
	if err != nil {
		return fmt.Errorf("load client certificate: %w", err)
	}
	cfg.Certificates = []tls.Certificate{cert}
	return nil
}

func isPEM(storeType string) bool { return strings.EqualFold(storeType, "PEM") }

// skipHostnameCheck keeps verifying the broker's chain against the trusted
// roots but not its name, which is what an empty
// ssl.endpoint.identification.algorithm means to Kafka's clients.
func skipHostnameCheck(cfg *tls.Config) {
	roots := cfg.RootCAs
	cfg.InsecureSkipVerify = true
	cfg.VerifyPeerCertificate = func(raw [][]byte, _ [][]*x509.Certificate) error {
		certs := make([]*x509.Certificate, 0, len(raw))
		for _, r := range raw {
			c, err := x509.ParseCertificate(r)
			if err != nil {
				return fmt.Errorf("parse broker certificate: %w", err)
			}
			certs = append(certs, c)
		}
		if len(certs) == 0 {
			return errors.New("broker sent no certificate")
		}
		inter := x509.NewCertPool()
		for _, c := range certs[1:] {
			inter.AddCert(c)
		}
		_, err := certs[0].Verify(x509.VerifyOptions{Roots: roots, Intermediates: inter})
		return err
	}
}

// jaasOption matches one `key="value"` option of a JAAS login module line.
var jaasOption = regexp.MustCompile(`(\w+)\s*=\s*"((?:[^"\\]|\\.)*)"`)

func (s saslSettings) option() (kgo.Opt, error) {
	user, pass := "", ""
	for _, m := range jaasOption.FindAllStringSubmatch(s.jaas, -1) {
		switch m[1] {
		case "username":
			user = m[2]
		case "password":
			pass = m[2]
		}
	}
	mech := strings.ToUpper(orDefault(s.mechanism, "GSSAPI"))
	if user == "" && mech != "GSSAPI" {
		return nil, errors.New("sasl.jaas.config must give username=\"...\" and password=\"...\"")
	}
	switch mech {
	case "PLAIN":
		return kgo.SASL(plain.Auth{User: user, Pass: pass}.AsMechanism()), nil
	case "SCRAM-SHA-256":
		return kgo.SASL(scram.Auth{User: user, Pass: pass}.AsSha256Mechanism()), nil
	case "SCRAM-SHA-512":
		return kgo.SASL(scram.Auth{User: user, Pass: pass}.AsSha512Mechanism()), nil
	}
	return nil, fmt.Errorf("sasl.mechanism %s is not supported by spool's tools; use PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512", mech)
}

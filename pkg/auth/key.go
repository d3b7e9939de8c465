package auth

import (
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
)

// MinKeyBits is the smallest RSA modulus accepted (KAZOO generates 2048-bit keys).
const MinKeyBits = 2048

// ParsePrivateKey decodes the first PEM block of b, which must hold an RSA private key
// in PKCS#1 ("RSA PRIVATE KEY", as KAZOO stores it in system_auth) or PKCS#8
// ("PRIVATE KEY") form of at least MinKeyBits bits.
func ParsePrivateKey(b []byte) (*rsa.PrivateKey, error) {
	block, _ := pem.Decode(b)
	if block == nil {
		return nil, errors.New("no PEM block")
	}
	var key *rsa.PrivateKey
	switch block.Type {
	case "RSA PRIVATE KEY":
		k, err := x509.ParsePKCS1PrivateKey(block.Bytes)
		if err != nil {
			return nil, err
		}
		key = k
	case "PRIVATE KEY":
		k, err := x509.ParsePKCS8PrivateKey(block.Bytes)
		if err != nil {
			return nil, err
		}
		rk, ok := k.(*rsa.PrivateKey)
		if !ok {
			return nil, fmt.Errorf("PKCS#8 key is %T, not RSA", k)
		}
		key = rk
	default:
		return nil, fmt.Errorf("PEM block %q is not an RSA private key", block.Type)
	}
	if key.N.BitLen() < MinKeyBits {
		return nil, fmt.Errorf("RSA key has %d bits, want at least %d", key.N.BitLen(), MinKeyBits)
	}
	return key, nil
}

// PrivateKeyPEM encodes key as KAZOO stores it in attachment `private_key.pem`
// (content type application/x-pem-file): one PKCS#1 "RSA PRIVATE KEY" block.
func PrivateKeyPEM(key *rsa.PrivateKey) []byte {
	return pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(key)})
}

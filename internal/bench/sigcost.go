package bench

import (
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"fmt"
	"time"
)

// rsaSignCost measures one RSA-2048 PKCS #1 v1.5 SHA-256 signature (what an
// RS256 JWT costs its issuer) in this process on one goroutine: the mean
// over at least minIter signatures and at least minTime.
func rsaSignCost(minIter int, minTime time.Duration) (time.Duration, error) {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return 0, fmt.Errorf("rsa key: %w", err)
	}
	digest := sha256.Sum256([]byte("header.payload"))
	if _, err := rsa.SignPKCS1v15(rand.Reader, key, crypto.SHA256, digest[:]); err != nil { // warm-up
		return 0, fmt.Errorf("rsa sign: %w", err)
	}
	start := time.Now()
	n := 0
	for n < minIter || time.Since(start) < minTime {
		if _, err := rsa.SignPKCS1v15(rand.Reader, key, crypto.SHA256, digest[:]); err != nil {
			return 0, fmt.Errorf("rsa sign: %w", err)
		}
		n++
	}
	return time.Since(start) / time.Duration(n), nil
}

// signInBound is the most sign-ins per second that cores can give when each
// sign-in costs sigs RSA signatures of sigCost each and nothing else.
func signInBound(cores, sigs int, sigCost time.Duration) float64 {
	if sigs <= 0 || sigCost <= 0 {
		return 0
	}
	return float64(cores) / (float64(sigs) * sigCost.Seconds())
}

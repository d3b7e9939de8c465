package main

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/kazoo-directories/kazoo-directories/couchdb"
	"github.com/kazoo-directories/kazoo-directories/pkg/auth"
	"github.com/kazoo-directories/kazoo-directories/pkg/directory"
)

// initKeyBits is the size of the signing key init creates (KAZOO's ?RSA_KEY_SIZE).
const initKeyBits = 2048

// runInit is `directoriesd init --account-name NAME [--realm REALM] [--ttl 1h]`. On
// success stdout holds exactly two shell assignments, ACCOUNT_ID=... and TOKEN=...,
// so that `eval "$(directoriesd init --account-name Acme)"` sets both.
func runInit(ctx context.Context, cfg Config, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("init --account-name NAME [--realm REALM] [--ttl 1h]", stderr)
	name := fs.String("account-name", "", "the account's name (required)")
	realm := fs.String("realm", "", "the account's SIP realm (optional)")
	ttl := fs.Duration("ttl", time.Hour, "lifetime of the printed token")
	if err := parse(fs, args); err != nil {
		return err
	}
	switch {
	case strings.TrimSpace(*name) == "":
		return usagef("--account-name is required")
	case *ttl <= 0:
		return usagef("--ttl must be positive")
	}
	key, err := rsa.GenerateKey(rand.Reader, initKeyBits)
	if err != nil {
		return fmt.Errorf("generate key: %w", err)
	}
	store, err := openToolStore(ctx, cfg, stderr)
	if err != nil {
		return err
	}
	defer store.Close()
	now := time.Now()
	setup := couchdb.Setup{
		KeyID:                  directory.NewID(),
		PrivateKeyPEM:          auth.PrivateKeyPEM(key),
		SecretForUserSignature: directory.NewID(),
		AccountID:              directory.NewID(),
		AccountName:            strings.TrimSpace(*name),
		Realm:                  strings.TrimSpace(*realm),
		SignatureSecret:        directory.NewID(),
		Now:                    now,
	}
	if err := store.Bootstrap(ctx, setup); err != nil {
		return err
	}
	fmt.Fprintf(stderr, "created signing key %s (%s/%s), %s/%s, and account %q: database %s\n",
		setup.KeyID, couchdb.SystemAuthDB, setup.KeyID, couchdb.SystemConfigDB, couchdb.AuthConfigDoc,
		setup.AccountName, directory.AccountDBName(setup.AccountID))
	// The token is minted from what was just stored, as `directoriesd token` does.
	t, err := mintToken(ctx, store, tokenRequest{AccountID: setup.AccountID, TTL: *ttl, Now: now})
	if err != nil {
		return fmt.Errorf("account %s created, but minting its token failed: %w", setup.AccountID, err)
	}
	fmt.Fprintf(stdout, "ACCOUNT_ID=%s\nTOKEN=%s\n", setup.AccountID, t.Token)
	t.describe(stderr)
	return nil
}

package email

import (
	"context"
	"crypto/tls"
	"fmt"
	"net"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
)

const dialTimeout = 30 * time.Second

// dialIMAP connects and logs in. The connection is dialled with ctx so a
// shutdown does not wait out a dead server's TCP timeout.
func dialIMAP(ctx context.Context, cfg IMAPConfig, opts *imapclient.Options) (*imapclient.Client, error) {
	if opts == nil {
		opts = &imapclient.Options{}
	}
	opts.WordDecoder = wordDecoder
	host, _, err := net.SplitHostPort(cfg.Addr)
	if err != nil {
		return nil, fmt.Errorf("email: imap addr: %w", err)
	}
	if cfg.TLS != TLSNone {
		if opts.TLSConfig, err = clientTLS(host, cfg.CAFile); err != nil {
			return nil, err
		}
	}
	d := net.Dialer{Timeout: dialTimeout}
	conn, err := d.DialContext(ctx, "tcp", cfg.Addr)
	if err != nil {
		return nil, fmt.Errorf("email: imap dial %s: %w", cfg.Addr, err)
	}
	var c *imapclient.Client
	switch cfg.TLS {
	case TLSImplicit:
		// Handshake here, so a certificate problem is reported as such
		// rather than as a failed login.
		tc := tls.Client(conn, opts.TLSConfig)
		if err := tc.HandshakeContext(ctx); err != nil {
			conn.Close()
			return nil, fmt.Errorf("email: imap tls %s: %w", cfg.Addr, err)
		}
		c = imapclient.New(tc, opts)
	case TLSStartTLS:
		c, err = imapclient.NewStartTLS(conn, opts)
		if err != nil {
			conn.Close()
			return nil, fmt.Errorf("email: imap starttls %s: %w", cfg.Addr, err)
		}
	default:
		c = imapclient.New(conn, opts)
	}
	stop := closeOnDone(ctx, c)
	defer stop()
	if err := c.Login(cfg.Username, cfg.Password).Wait(); err != nil {
		c.Close()
		return nil, fmt.Errorf("email: imap login %s as %s: %w", cfg.Addr, cfg.Username, err)
	}
	return c, nil
}

// closeOnDone closes c when ctx ends, unblocking any command waiting on
// the server; the returned func stops the watch.
func closeOnDone(ctx context.Context, c *imapclient.Client) (stop func() bool) {
	return context.AfterFunc(ctx, func() { c.Close() })
}

// watchdog closes c if an operation takes longer than d: imapclient
// commands have no deadline of their own, and a server that stops
// answering mid-fetch would otherwise hang the poller for good.
func watchdog(c *imapclient.Client, d time.Duration) (stop func() bool) {
	return time.AfterFunc(d, func() { c.Close() }).Stop
}

// appendMessage stores raw in folder with flags, creating the folder when
// the server says it does not exist (TRYCREATE).
func appendMessage(c *imapclient.Client, folder string, raw []byte, flags []imap.Flag) error {
	put := func() error {
		cmd := c.Append(folder, int64(len(raw)), &imap.AppendOptions{Flags: flags, Time: time.Now()})
		if _, err := cmd.Write(raw); err != nil {
			cmd.Close()
			return err
		}
		if err := cmd.Close(); err != nil {
			return err
		}
		_, err := cmd.Wait()
		return err
	}
	err := put()
	if imapErr, ok := err.(*imap.Error); ok && imapErr.Code == imap.ResponseCodeTryCreate {
		if cerr := c.Create(folder, nil).Wait(); cerr != nil {
			return fmt.Errorf("email: create %s: %w", folder, cerr)
		}
		err = put()
	}
	return err
}

package cognito

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"

	"github.com/userpool/userpool/errs"
)

const (
	sigV4Algorithm = "AWS4-HMAC-SHA256"
	signingService = "cognito-idp"
	amzDateFormat  = "20060102T150405Z"
	// maxSkew is how far X-Amz-Date may be from the server's clock, as AWS allows.
	maxSkew = 15 * time.Minute
)

var signer = v4.NewSigner()

// sigV4Auth is the parsed Authorization header.
type sigV4Auth struct {
	accessKeyID   string
	date          string // YYYYMMDD of the credential scope
	region        string
	service       string
	signedHeaders string
	signature     string
}

func errUnrecognizedClient() error {
	return errs.New(errs.UnrecognizedClient, "The security token included in the request is invalid.")
}

// verifySigV4 checks the request's Signature Version 4 against the secret of its access key.
// It re-signs a copy of the request carrying only the headers the client signed, with the
// aws-sdk-go-v2 signer, and compares the signatures in constant time. botocore and the Go SDK
// sign different header sets; copying exactly the signed ones makes both verify.
func (h *Handler) verifySigV4(ctx context.Context, r *http.Request, body []byte) error {
	auth, ok := parseSigV4(r.Header.Get("Authorization"))
	if !ok {
		return errUnrecognizedClient()
	}
	secret, err := h.Credentials.SecretFor(ctx, auth.accessKeyID)
	if err != nil {
		if _, isDomain := errs.As(err); isDomain {
			return errUnrecognizedClient()
		}
		return errs.Wrap(errs.Internal, err, "look up access key")
	}
	if auth.service != signingService {
		return errs.New(errs.InvalidSignature, "Credential should be scoped to correct service: '%s'.", signingService)
	}

	amzDate := r.Header.Get("X-Amz-Date")
	signedAt, err := time.Parse(amzDateFormat, amzDate)
	if err != nil {
		return errs.New(errs.InvalidSignature, "The request must carry a valid X-Amz-Date header (format %s).", amzDateFormat)
	}
	if auth.date != amzDate[:8] {
		return errs.New(errs.InvalidSignature, "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '%s' != '%s', from '%s'.", auth.date, amzDate[:8], amzDate)
	}
	now := h.now().UTC()
	if signedAt.Before(now.Add(-maxSkew)) {
		return errs.New(errs.InvalidSignature, "Signature expired: %s is now earlier than %s (%s - 15 min.)",
			amzDate, now.Add(-maxSkew).Format(amzDateFormat), now.Format(amzDateFormat))
	}
	if signedAt.After(now.Add(maxSkew)) {
		return errs.New(errs.InvalidSignature, "Signature not yet current: %s is still later than %s (%s + 15 min.)",
			amzDate, now.Add(maxSkew).Format(amzDateFormat), now.Format(amzDateFormat))
	}

	cp := signedCopy(r, auth.signedHeaders, len(body))
	sum := sha256.Sum256(body)
	creds := aws.Credentials{AccessKeyID: auth.accessKeyID, SecretAccessKey: secret}
	if err := signer.SignHTTP(ctx, creds, cp, hex.EncodeToString(sum[:]), signingService, auth.region, signedAt); err != nil {
		return errs.Wrap(errs.Internal, err, "sign request copy")
	}
	want, ok := parseSigV4(cp.Header.Get("Authorization"))
	if !ok || want.signedHeaders != auth.signedHeaders ||
		subtle.ConstantTimeCompare([]byte(want.signature), []byte(auth.signature)) != 1 {
		return errs.New(errs.InvalidSignature, "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.")
	}
	return nil
}

// signedCopy returns a bodiless copy of r with only the headers named in signedHeaders (host
// and content-length are given to the signer as the request's Host and ContentLength).
func signedCopy(r *http.Request, signedHeaders string, bodyLen int) *http.Request {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	cp := &http.Request{
		Method: r.Method,
		URL:    &url.URL{Scheme: scheme, Host: r.Host, Path: r.URL.Path, RawPath: r.URL.RawPath, RawQuery: r.URL.RawQuery},
		Host:   r.Host,
		Header: http.Header{},
	}
	for _, name := range strings.Split(signedHeaders, ";") {
		switch name {
		case "host":
		case "content-length":
			cp.ContentLength = int64(bodyLen)
		default:
			if v := r.Header.Values(name); len(v) > 0 {
				cp.Header[http.CanonicalHeaderKey(name)] = v
			}
		}
	}
	return cp
}

// parseSigV4 parses "AWS4-HMAC-SHA256 Credential=AKID/DATE/REGION/SERVICE/aws4_request,
// SignedHeaders=a;b, Signature=hex".
func parseSigV4(header string) (sigV4Auth, bool) {
	var a sigV4Auth
	rest, ok := strings.CutPrefix(header, sigV4Algorithm+" ")
	if !ok {
		return a, false
	}
	var credential string
	for _, part := range strings.Split(rest, ",") {
		k, v, ok := strings.Cut(strings.TrimSpace(part), "=")
		if !ok {
			return a, false
		}
		switch k {
		case "Credential":
			credential = v
		case "SignedHeaders":
			a.signedHeaders = v
		case "Signature":
			a.signature = v
		}
	}
	scope := strings.Split(credential, "/")
	if len(scope) != 5 || scope[4] != "aws4_request" || a.signedHeaders == "" || a.signature == "" {
		return a, false
	}
	a.accessKeyID, a.date, a.region, a.service = scope[0], scope[1], scope[2], scope[3]
	if a.accessKeyID == "" || a.region == "" {
		return a, false
	}
	return a, true
}

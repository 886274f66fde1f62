package rp

import (
	"bytes"
	"compress/flate"
	"encoding/json"
	"io"
)

// maxSessionJSON bounds a decompressed session of the first cookie format, against
// decompression bombs.
const maxSessionJSON = 256 << 10

// decodeV1 decodes a session cookie of the format before the sealed record:
// securecookie (AES-CTR and HMAC-SHA256) around DEFLATE-compressed JSON. Sessions
// signed in before an upgrade stay signed in; the next save writes the sealed
// format. nil when the value does not decode.
func (c *CookieStore) decodeV1(value string) *Session {
	raw, err := c.cookies.decode(c.names[0], value)
	if err != nil {
		return nil
	}
	zr := inflaters.Get().(io.ReadCloser)
	defer inflaters.Put(zr)
	if err := zr.(flate.Resetter).Reset(bytes.NewReader(raw), nil); err != nil {
		return nil
	}
	js, err := io.ReadAll(io.LimitReader(zr, maxSessionJSON+1))
	if err != nil || len(js) > maxSessionJSON {
		return nil
	}
	var s Session
	if err := json.Unmarshal(js, &s); err != nil || s.ID == "" {
		return nil
	}
	return &s
}

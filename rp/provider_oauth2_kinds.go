package rp

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/url"
)

// naverCheck refuses a Naver profile answer whose resultcode is not "00"
// (developers.naver.com/docs/login/profile/profile.md).
func naverCheck(doc map[string]any) error {
	if code := claimText(doc["resultcode"]); code != "00" {
		return fmt.Errorf("naver resultcode %q (%q)", truncate(code, 16), truncate(claimText(doc["message"]), 100))
	}
	return nil
}

// facebookUserinfo asks the Graph API's /me for the fields rp maps, with the
// appsecret_proof (HMAC-SHA256 of the access token, keyed with the app secret) that apps
// requiring it need (developers.facebook.com/docs/graph-api/securing-requests).
func facebookUserinfo(p *RP, c userinfoCall) (map[string]any, error) {
	q := url.Values{"fields": {"id,name,email,picture"}}
	if secret := c.prov.cfg.ClientSecret; secret != "" {
		mac := hmac.New(sha256.New, []byte(secret))
		mac.Write([]byte(c.token.AccessToken))
		q.Set("appsecret_proof", hex.EncodeToString(mac.Sum(nil)))
	}
	return p.getUserInfo(c, c.m.userinfoURL+"?"+q.Encode(), nil)
}

// xUserinfo asks X's /2/users/me for the profile picture besides id, name and username.
func xUserinfo(p *RP, c userinfoCall) (map[string]any, error) {
	return p.getUserInfo(c, c.m.userinfoURL+"?"+url.Values{"user.fields": {"profile_image_url"}}.Encode(), nil)
}

// githubUserinfo asks GitHub's /user with GitHub's API headers.
func githubUserinfo(p *RP, c userinfoCall) (map[string]any, error) {
	return p.getUserInfo(c, c.m.userinfoURL, githubHeader())
}

package foyer
import (
 _ "github.com/coreos/go-oidc/v3/oidc"
 _ "golang.org/x/oauth2"
 _ "github.com/gorilla/sessions"
 _ "github.com/gorilla/securecookie"
 _ "github.com/go-jose/go-jose/v4"
 _ "github.com/chromedp/chromedp"
 _ "github.com/ory/dockertest/v3"
 _ "github.com/redis/go-redis/v9"
 _ "github.com/prometheus/client_golang/prometheus"
 _ "go.yaml.in/yaml/v3"
 _ "golang.org/x/sync/singleflight"
)

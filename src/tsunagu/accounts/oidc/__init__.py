"""OpenID Connect relying party: the デジタル認証アプリ login and a generic ``oidc`` plugin.

``keys`` holds our client keys (private_key_jwt), ``client`` the one HTTP client and the
provider metadata, ``tokens`` the ID token validation, ``plugin`` the two plugins and the
UserInfo mapping, ``views`` the callback and our JWKS.
"""

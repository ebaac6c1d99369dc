"""WeCom (企业微信) customer groups: callback crypto, inbound events, outbound API calls.

Modules: ``crypto`` (signature and AES of callbacks), ``inbound`` (callback XML → events),
``client`` (the HTTP API with its access token and error codes), ``connector`` (actions →
API calls). Nothing here is imported until the WeCom connector or the webhook is used.
"""

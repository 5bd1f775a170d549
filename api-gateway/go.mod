module simpletiktok/api-gateway

go 1.26.0

require simpletiktok/pkg v0.0.0

replace simpletiktok/pkg => ../pkg

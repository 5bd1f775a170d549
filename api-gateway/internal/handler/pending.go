package handler

import "simpletiktok/pkg/errno"

// pending is the answer of the endpoints whose services are not built yet.
var pending = errno.NotImplemented

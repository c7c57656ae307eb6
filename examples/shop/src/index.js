'use strict';

// Re-exports the shop's modules, so callers can reach them as shop.api.getUser().
exports.api = require('./api');
exports.cart = require('./cart');
exports.report = require('./report');

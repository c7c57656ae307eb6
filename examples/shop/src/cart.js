'use strict';

const { fmt, sum } = require('./money');
const { padRight } = require('./util');

function renderCart(user) {
  const lines = user.cart.map((item) => `${padRight(item.sku, 6)} x${item.quantity} ${fmt(item.price * item.quantity)}`);
  lines.push(`${padRight('total', 9)} ${fmt(sum(user.cart))}`);
  return lines.join('\n');
}

module.exports = { renderCart };

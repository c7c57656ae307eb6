'use strict';

function fmt(cents, currency = 'EUR') {
  const value = (cents / 100).toFixed(2);
  return currency === 'EUR' ? `${value} €` : `$${value}`;
}

function sum(items) {
  return items.reduce((total, item) => total + item.price * item.quantity, 0);
}

module.exports = { fmt, sum };

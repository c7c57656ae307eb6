'use strict';

const api = require('./api');
const money = require('./money');
const { padRight } = require('./util');

function revenue() {
  const total = api.listUsers().reduce((acc, user) => acc + money.sum(user.cart), 0);
  return `${padRight('revenue', 9)} ${money.fmt(total)}`;
}

function getUser(name) {
  // An unrelated helper with the same name: a rename of api.getUser leaves it alone.
  return api.listUsers().find((user) => user.name === name);
}

module.exports = { revenue, findByName: getUser };

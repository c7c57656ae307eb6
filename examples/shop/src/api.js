'use strict';

const USERS = {
  1: { id: 1, name: 'Ada', cart: [{ sku: 'tea', price: 450, quantity: 2 }] },
  2: { id: 2, name: 'Linus', cart: [{ sku: 'mug', price: 1200, quantity: 1 }, { sku: 'tea', price: 450, quantity: 1 }] },
};

function getUser(id) {
  const user = USERS[id];
  if (!user) throw new Error(`no user ${id}`);
  return user;
}

function listUsers() {
  return Object.keys(USERS).map((id) => getUser(Number(id)));
}

module.exports = { getUser, listUsers };

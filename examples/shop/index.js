'use strict';

const shop = require('./src');
const { getUser } = require('./src/api');

for (const id of [1, 2]) {
  const user = getUser(id);
  console.log(`${user.name}:`);
  console.log(shop.cart.renderCart(user));
}
console.log(shop.report.revenue());
console.log(`found ${shop.report.findByName('Ada').name} via ${shop.api.getUser(1).name}`);

// Behaviour of knex: the SQL its query and schema builders write for four dialects (no database needed).
const knex = require(process.argv[2]);

for (const client of ['pg', 'mysql', 'sqlite3', 'mssql']) {
  const db = knex({ client, useNullAsDefault: true });
  const queries = [
    db('users').select('id', 'name').where('age', '>', 18).orderBy('name').limit(10).offset(20),
    db('users').join('orders', 'users.id', 'orders.user_id').whereIn('orders.status', ['paid', 'sent']).count('* as n').groupBy('users.id'),
    db('users').insert({ name: 'Ada', age: 36 }),
    db('users').where({ id: 7 }).update({ name: 'Grace' }).returning('id'),
    db('users').whereNull('deleted_at').orWhereBetween('age', [30, 40]).del(),
    db.select('*').from(db('orders').sum('total as total').groupBy('user_id').as('t')).where('total', '>', db.raw('?', [100])),
    db.schema.createTable('accounts', (t) => {
      t.increments('id');
      t.string('email', 120).notNullable().unique();
      t.decimal('balance', 12, 2).defaultTo(0);
      t.timestamps(true, true);
    }),
    db.schema.alterTable('accounts', (t) => t.renameColumn('email', 'mail')),
  ];
  for (const query of queries) console.log(`${client}: ${query.toString()}`);
}

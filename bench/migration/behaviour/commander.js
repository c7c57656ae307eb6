// Behaviour of commander: options, subcommands, help text, errors.
const { Command, Option } = require(process.argv[2]);
const program = new Command();
program.name('shop').version('1.0.0').exitOverride().configureOutput({ writeOut: (s) => console.log(s.trim()), writeErr: (s) => console.log('ERR', s.trim()) });
program.option('-d, --debug', 'output extra debugging').option('-s, --size <size>', 'pizza size', 'large');
program.addOption(new Option('-c, --colour <c>').choices(['red', 'green']));
program.command('order <item> [count]').description('order things').action((item, count, opts) => console.log('order', item, count || 1, JSON.stringify(opts)));
program.parse(['node', 'shop', '-d', '--size', 'small', '-c', 'red', 'order', 'pizza', '3']);
console.log(JSON.stringify(program.opts()));
console.log(program.helpInformation());
try { program.parse(['node', 'shop', '-c', 'blue']); } catch (err) { console.log(err.code); }

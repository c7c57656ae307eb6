--- kimi-lsp for Neovim 0.11+: registers the server with vim.lsp.config, the
--- :Kimi* user commands, the client side of the rename code action, and a
--- progress echo.
---
---   require('kimi').setup({ cmd = { 'kimi-lsp', 'serve' } })
local commands = require('kimi.commands')
local status = require('kimi.status')

local M = {}

M.defaults = {
  cmd = { 'kimi-lsp', 'serve' },
  filetypes = { 'javascript', 'javascriptreact', 'typescript', 'typescriptreact', 'python' },
  root_markers = { 'tsconfig.json', 'jsconfig.json', 'package.json', 'pyproject.toml', '.git' },
  -- Parallel agents per run; nil lets the server choose.
  agents = nil,
  -- Ask for confirmation of each file in the final edit.
  preview = false,
  -- The server's `kimi` settings: baseUrl, model, requestBudget, ... (see
  -- docs/configuration.md). Never the API key: the server reads KIMI_API_KEY
  -- from the environment it inherits from Neovim.
  settings = {},
  -- Echo `$/progress` of runs in the command line.
  echo_progress = true,
}

local function define_user_commands()
  local create = vim.api.nvim_create_user_command
  create('KimiConvert', function(args)
    commands.convert(args.args)
  end, { nargs = '?', complete = 'file', desc = 'Kimi swarm: convert the workspace (or a folder or file) to TypeScript' })
  create('KimiRename', function(args)
    commands.rename(args.args)
  end, { nargs = 1, desc = 'Kimi swarm: rename the symbol under the cursor across the workspace' })
  create('KimiInstruct', function(args)
    commands.instruct(args.args, args.bang, args.range > 0 and { args.line1, args.line2 } or nil)
  end, { nargs = '?', bang = true, range = true, desc = 'Kimi swarm: apply an instruction to this file or its selected lines (! for every file)' })
  create('KimiStatus', commands.show_status, { nargs = 0, desc = 'Kimi swarm: show every run' })
  for verb, desc in pairs({
    Cancel = 'stop a run',
    Apply = 'apply a finished run',
    Discard = 'discard a finished run',
    Retry = 'retry the failed groups of a run',
    Undo = 'undo an applied run',
  }) do
    create('Kimi' .. verb, function(args)
      commands.run_command(verb:lower(), args.args)
    end, { nargs = '?', desc = 'Kimi swarm: ' .. desc .. ' (default: the current run)' })
  end
end

function M.setup(opts)
  local options = vim.tbl_deep_extend('force', M.defaults, opts or {})
  commands.options = { agents = options.agents, preview = options.preview }

  vim.lsp.config('kimi', {
    cmd = options.cmd,
    settings = next(options.settings) and { kimi = options.settings } or nil,
    filetypes = options.filetypes,
    root_markers = options.root_markers,
    handlers = { ['kimi/swarmStatus'] = status.on_status },
    -- Neovim applies `documentChanges` (file renames included) but 0.11 does not
    -- say so; kimi-lsp needs them to move files, as JS-to-TS conversion does.
    capabilities = { workspace = { workspaceEdit = { documentChanges = true } } },
  })
  vim.lsp.commands['kimi.swarm.start'] = commands.start_from_code_action

  local group = vim.api.nvim_create_augroup('kimi', { clear = true })
  if options.echo_progress then
    vim.api.nvim_create_autocmd('LspProgress', { group = group, callback = status.echo_progress })
  end
  define_user_commands()
  vim.lsp.enable('kimi')
end

return M

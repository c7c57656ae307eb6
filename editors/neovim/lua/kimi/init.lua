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
  -- Model settings, passed to the server as KIMI_BASE_URL and KIMI_MODEL_NAME.
  -- The API key is read from KIMI_API_KEY in Neovim's own environment.
  base_url = nil,
  model = nil,
  -- Echo `$/progress` of runs in the command line.
  echo_progress = true,
}

--- The server's environment: model settings only, never the key (it is inherited).
local function server_env(options)
  local env = {}
  if options.base_url then
    env.KIMI_BASE_URL = options.base_url
  end
  if options.model then
    env.KIMI_MODEL_NAME = options.model
  end
  return env
end

local function define_user_commands()
  local create = vim.api.nvim_create_user_command
  create('KimiConvert', function(args)
    commands.convert(args.args)
  end, { nargs = '?', complete = 'file', desc = 'Kimi swarm: convert the workspace (or a folder or file) to TypeScript' })
  create('KimiRename', function(args)
    commands.rename(args.args)
  end, { nargs = 1, desc = 'Kimi swarm: rename the symbol under the cursor across the workspace' })
  create('KimiInstruct', function(args)
    commands.instruct(args.args, args.bang)
  end, { nargs = '?', bang = true, desc = 'Kimi swarm: apply an instruction to this file (! for the workspace)' })
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
    cmd_env = server_env(options),
    filetypes = options.filetypes,
    root_markers = options.root_markers,
    handlers = { ['kimi/swarmStatus'] = status.on_status },
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
